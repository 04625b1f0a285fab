package constructs

import (
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/fargate-api/constructs/cdktest"
	"github.com/example/fargate-api/constructs/fargate"
)

// testStack is one small stack holding a LoadBalancedService built from
// zero Settings, so the assertions see the construct's own defaults.
type testStack struct {
	stack   awscdk.Stack
	cluster ecs.ICluster
	service *LoadBalancedService
}

var newTestStack = sync.OnceValue(func() *testStack {
	app := awscdk.NewApp(&awscdk.AppProps{BuiltinCloudFormationValidation: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), nil)
	vpc := ec2.NewVpc(stack, jsii.String("Vpc"), &ec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1)})
	cluster := ecs.NewCluster(stack, jsii.String("Cluster"), &ecs.ClusterProps{Vpc: vpc})
	svc := NewLoadBalancedService(stack, "Web", LoadBalancedServiceProps{
		Cluster: cluster,
		Image:   ecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/nginx/nginx:1.27"), nil),
	})
	return &testStack{stack: stack, cluster: cluster, service: svc}
})

func template() assertions.Template {
	return assertions.Template_FromStack(newTestStack().stack, nil)
}

// check and obj are cdktest's, under the names these tests use.
var (
	check = cdktest.Check
	obj   = cdktest.Obj
)

func TestLoadBalancedServiceDefaults(t *testing.T) {
	tpl := template()
	tests := []struct {
		name  string
		typ   string
		props any
	}{
		{"smallest Fargate size on x86", "AWS::ECS::TaskDefinition", obj(
			"Cpu", "256", "Memory", "512",
			"RuntimePlatform", obj("CpuArchitecture", "X86_64"),
			"ContainerDefinitions", []any{obj("Name", "web", "PortMappings", []any{obj("ContainerPort", 8080)})})},
		{"task count left to the autoscaler, circuit breaker with rollback, 60 s grace", "AWS::ECS::Service", obj(
			"DesiredCount", assertions.Match_Absent(), "HealthCheckGracePeriodSeconds", 60,
			"DeploymentConfiguration", obj("DeploymentCircuitBreaker", obj("Enable", true, "Rollback", true)),
			"NetworkConfiguration", obj("AwsvpcConfiguration", obj("AssignPublicIp", "DISABLED")))},
		{"health check on / every 5 s", "AWS::ElasticLoadBalancingV2::TargetGroup", obj(
			"HealthCheckPath", "/", "HealthCheckIntervalSeconds", HealthCheckIntervalSeconds,
			"TargetGroupAttributes", assertions.Match_ArrayWith(&[]any{obj("Key", "deregistration_delay.timeout_seconds", "Value", "30")}))},
		{"internal ALB", "AWS::ElasticLoadBalancingV2::LoadBalancer", obj("Scheme", "internal")},
		{"autoscaling 2 to 4 tasks", "AWS::ApplicationAutoScaling::ScalableTarget", obj("MinCapacity", 2, "MaxCapacity", 4)},
		{"logs kept 14 days", "AWS::Logs::LogGroup", obj("RetentionInDays", 14)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, func() { tpl.HasResourceProperties(jsii.String(tt.typ), tt.props) })
		})
	}
	t.Run("no rollback alarm by default", func(t *testing.T) {
		check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(0)) })
	})
}

// TestLoadBalancedServiceRejectsBadProps checks that invalid props stop the
// constructor with an error naming each problem, before any construct is
// created, rather than a failure from deep inside CDK.
func TestLoadBalancedServiceRejectsBadProps(t *testing.T) {
	ts := newTestStack()
	tests := []struct {
		name  string
		props LoadBalancedServiceProps
		want  []string
	}{
		{"no cluster, no image", LoadBalancedServiceProps{}, []string{
			"LoadBalancedService Test/Bad0: invalid props:", `Cluster: "nil" is not allowed; allowed: an ECS cluster`, "Image:"}},
		{"Fargate size", LoadBalancedServiceProps{
			Settings: fargate.Settings{CPU: 256, MemoryMiB: 4096},
			Cluster:  ts.cluster,
			Image:    ecs.ContainerImage_FromRegistry(jsii.String("nginx"), nil),
		}, []string{"MemoryMiB: 4096 is not allowed; allowed: with CPU 256, one of 512, 1024, 2048 MiB"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "Bad" + string(rune('0'+i))
			rejectsProps(t, ts.stack, id, tt.want, func() { NewLoadBalancedService(ts.stack, id, tt.props) })
		})
	}
}

// rejectsProps checks that build, which adds construct id to stack, refuses
// its props: it panics with an error that contains every want, before it has
// created anything under id.
func rejectsProps(t *testing.T, stack awscdk.Stack, id string, want []string, build func()) {
	t.Helper()
	err := func() (err error) {
		defer func() {
			r := recover()
			err, _ = r.(error)
			if r != nil && err == nil {
				t.Errorf("panicked with %T %v, want an error", r, r)
			}
		}()
		build()
		return nil
	}()
	if err == nil {
		t.Fatal("bad props accepted")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	if stack.Node().TryFindChild(jsii.String(id)) != nil {
		t.Errorf("a construct %s was created before the props were rejected", id)
	}
}
