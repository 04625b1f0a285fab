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

	"github.com/example/fargate-api/constructs/fargate"
)

// strategyStacks builds one small stack per traffic-shifting strategy, each
// from the construct's defaults plus the strategy (and, for canary, rollback
// thresholds), in one App.
var strategyStacks = sync.OnceValue(func() map[string]awscdk.Stack {
	app := awscdk.NewApp(&awscdk.AppProps{BuiltinCloudFormationValidation: jsii.Bool(false)})
	out := map[string]awscdk.Stack{}
	for _, s := range []fargate.Settings{
		{DeploymentStrategy: fargate.Canary, Rollback5xxPerMinute: 3, RollbackResponseP99Ms: 800},
		{DeploymentStrategy: fargate.Linear, LinearStepPercent: 20, LinearStepBakeMinutes: 2},
		{DeploymentStrategy: fargate.BlueGreen, DeploymentBakeMinutes: 30},
	} {
		stack := awscdk.NewStack(app, jsii.String(s.DeploymentStrategy), nil)
		vpc := ec2.NewVpc(stack, jsii.String("Vpc"), &ec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1)})
		NewLoadBalancedService(stack, "Web", LoadBalancedServiceProps{
			Settings: s,
			Cluster:  ecs.NewCluster(stack, jsii.String("Cluster"), &ecs.ClusterProps{Vpc: vpc}),
			Image:    ecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/nginx/nginx:1.27"), nil),
		})
		out[s.DeploymentStrategy] = stack
	}
	return out
})

func TestStrategies(t *testing.T) {
	stacks := strategyStacks()
	absent := assertions.Match_Absent()
	for _, tt := range []struct {
		name     string
		strategy string
		typ      string
		props    any
	}{
		{"canary: ECS default 5% share, given bake times", fargate.Canary, "AWS::ECS::Service", obj("DeploymentConfiguration", obj(
			"Strategy", "CANARY", "BakeTimeInMinutes", 0, "CanaryConfiguration", obj("CanaryPercent", 5, "CanaryBakeTimeInMinutes", 0), "LinearConfiguration", absent))},
		{"linear: 20% steps, 2 minutes each", fargate.Linear, "AWS::ECS::Service", obj("DeploymentConfiguration", obj(
			"Strategy", "LINEAR", "LinearConfiguration", obj("StepPercent", 20, "StepBakeTimeInMinutes", 2), "CanaryConfiguration", absent))},
		{"blue/green: 30 minutes bake", fargate.BlueGreen, "AWS::ECS::Service", obj("DeploymentConfiguration", obj(
			"Strategy", "BLUE_GREEN", "BakeTimeInMinutes", 30, "CanaryConfiguration", absent, "LinearConfiguration", absent))},
		{"canary: rollback on the new revision's 5xx", fargate.Canary, "AWS::CloudWatch::Alarm", obj("Threshold", 3, "Metrics", assertions.Match_ArrayWith(&[]any{
			obj("Id", "value", "MetricStat", obj("Metric", obj("MetricName", "HTTPCode_Target_5XX_Count")))}))},
		{"canary: rollback on the new revision's p99 latency, in seconds", fargate.Canary, "AWS::CloudWatch::Alarm", obj("Threshold", 0.8, "Metrics", assertions.Match_ArrayWith(&[]any{
			obj("Id", "value", "MetricStat", obj("Metric", obj("MetricName", "TargetResponseTime"), "Stat", "p99"))}))},
		{"every strategy: alternate target group, rule and role", fargate.BlueGreen, "AWS::ECS::Service", obj("LoadBalancers", []any{obj(
			"AdvancedConfiguration", obj("AlternateTargetGroupArn", obj("Ref", assertions.Match_StringLikeRegexp(jsii.String("^WebAlternateTargetGroup"))),
				"ProductionListenerRule", obj("Ref", assertions.Match_StringLikeRegexp(jsii.String("^WebProductionRule"))),
				"RoleArn", obj("Fn::GetAtt", assertions.Match_ArrayWith(&[]any{assertions.Match_StringLikeRegexp(jsii.String("^WebTrafficShiftRole"))}))))})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			check(t, func() {
				assertions.Template_FromStack(stacks[tt.strategy], nil).HasResourceProperties(jsii.String(tt.typ), tt.props)
			})
		})
	}
	t.Run("four new-revision alarms with thresholds, none without", func(t *testing.T) {
		check(t, func() {
			assertions.Template_FromStack(stacks[fargate.Canary], nil).ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(4))
			assertions.Template_FromStack(stacks[fargate.Linear], nil).ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(0))
		})
	})
}

func TestStrategyRejected(t *testing.T) {
	ts := newTestStack()
	defer func() {
		err, _ := recover().(error)
		if err == nil || !strings.Contains(err.Error(), `DeploymentStrategy: "BLUE_GREEN" is not allowed; allowed: rolling, canary, linear, blueGreen`) {
			t.Errorf("got %v, want the strategy named", err)
		}
	}()
	NewLoadBalancedService(ts.stack, "BadStrategy", LoadBalancedServiceProps{
		Settings: fargate.Settings{DeploymentStrategy: "BLUE_GREEN"},
		Cluster:  ts.cluster,
		Image:    ecs.ContainerImage_FromRegistry(jsii.String("nginx"), nil),
	})
}
