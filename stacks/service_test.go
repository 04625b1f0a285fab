package stacks_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

func TestService(t *testing.T) {
	f := app(t)
	dev, prod, custom := f.dev.Service.Stack, f.prod.Service.Stack, f.custom.Service.Stack
	tests := []struct {
		name  string
		stack awscdk.Stack
		typ   string
		props assertions.Matcher
	}{
		{"cluster is named and has Container Insights", dev, "AWS::ECS::Cluster", obj(
			"ClusterName", "FargateApi-dev",
			"ClusterSettings", []any{map[string]any{"Name": "containerInsights", "Value": "enabled"}})},
		{"ALB is internal", dev, "AWS::ElasticLoadBalancingV2::LoadBalancer", obj("Scheme", "internal", "Type", "application")},
		{"ALB drops invalid headers", dev, "AWS::ElasticLoadBalancingV2::LoadBalancer", obj(
			"LoadBalancerAttributes", arrayWith(obj("Key", "routing.http.drop_invalid_header_fields.enabled", "Value", "true")))},
		{"listener on port 80", dev, "AWS::ElasticLoadBalancingV2::Listener", obj("Port", 80, "Protocol", "HTTP")},
		{"target group health check and 30 s deregistration", dev, "AWS::ElasticLoadBalancingV2::TargetGroup", obj(
			"HealthCheckPath", "/healthz", "TargetType", "ip",
			"HealthCheckIntervalSeconds", 5, "HealthyThresholdCount", 2, "UnhealthyThresholdCount", 2,
			"TargetGroupAttributes", arrayWith(obj("Key", "deregistration_delay.timeout_seconds", "Value", "30")))},
		{"tasks run in private subnets without public IPs", dev, "AWS::ECS::Service", obj(
			"LaunchType", "FARGATE",
			"NetworkConfiguration", obj("AwsvpcConfiguration", obj(
				"AssignPublicIp", "DISABLED",
				"Subnets", arrayWith(stackOutput("PrivateSubnet1"))))),
		},
		{"circuit breaker; no task count", dev, "AWS::ECS::Service", obj(
			"DesiredCount", assertions.Match_Absent(),
			"DeploymentConfiguration", obj(
				"DeploymentCircuitBreaker", obj("Enable", true, "Rollback", true),
				"MinimumHealthyPercent", 100, "MaximumPercent", 200))},
		{"task definition follows the walkthrough's fields", dev, "AWS::ECS::TaskDefinition", obj(
			"Family", "FargateApi-dev-api",
			"RequiresCompatibilities", []any{"FARGATE"},
			"Cpu", "256", "Memory", "512",
			"RuntimePlatform", obj("CpuArchitecture", "X86_64", "OperatingSystemFamily", "LINUX"),
			"ContainerDefinitions", []any{like(map[string]any{
				"Name":                   "api",
				"PortMappings":           []any{map[string]any{"ContainerPort": 8080, "Protocol": "tcp"}},
				"ReadonlyRootFilesystem": true,
				"StopTimeout":            30,
				"LogConfiguration":       obj("LogDriver", "awslogs"),
			})})},
		{"prod task is bigger", prod, "AWS::ECS::TaskDefinition", obj("Cpu", "512", "Memory", "1024")},
		{"custom task runs on ARM64", custom, "AWS::ECS::TaskDefinition", obj(
			"Cpu", "1024", "Memory", "2048", "RuntimePlatform", obj("CpuArchitecture", "ARM64"))},
		{"autoscaling between min and max", dev, "AWS::ApplicationAutoScaling::ScalableTarget", obj("MinCapacity", 2, "MaxCapacity", 4)},
		{"prod scales further", prod, "AWS::ApplicationAutoScaling::ScalableTarget", obj("MinCapacity", 2, "MaxCapacity", 10)},
		{"scales on CPU", dev, "AWS::ApplicationAutoScaling::ScalingPolicy", obj("TargetTrackingScalingPolicyConfiguration", obj(
			"TargetValue", 60, "PredefinedMetricSpecification", obj("PredefinedMetricType", "ECSServiceAverageCPUUtilization")))},
		{"scales on ALB requests per target", dev, "AWS::ApplicationAutoScaling::ScalingPolicy", obj("TargetTrackingScalingPolicyConfiguration", obj(
			"TargetValue", 1000, "PredefinedMetricSpecification", obj("PredefinedMetricType", "ALBRequestCountPerTarget")))},
		{"task admits only the ALB, on the container port", dev, "AWS::EC2::SecurityGroupIngress", obj(
			"FromPort", 8080, "ToPort", 8080, "IpProtocol", "tcp",
			"SourceSecurityGroupId", obj("Fn::GetAtt", arrayWith(assertions.Match_StringLikeRegexp(jsii.String("^WebLoadBalancerSecurityGroup")))))},
		{"database admits the tasks, rule kept in the service stack", dev, "AWS::EC2::SecurityGroupIngress", obj(
			"FromPort", 5432, "ToPort", 5432,
			"GroupId", stackOutput("DatabaseSecurityGroup"),
			"SourceSecurityGroupId", obj("Fn::GetAtt", arrayWith(assertions.Match_StringLikeRegexp(jsii.String("^TaskSecurityGroup")))))},
		{"custom environment gets ALB access logs", custom, "AWS::ElasticLoadBalancingV2::LoadBalancer", obj(
			"LoadBalancerAttributes", arrayWith(obj("Key", "access_logs.s3.enabled", "Value", "true")))},
		{"access log bucket is private and TLS-only", custom, "AWS::S3::Bucket", obj(
			"PublicAccessBlockConfiguration", obj("BlockPublicAcls", true, "RestrictPublicBuckets", true),
			"BucketEncryption", obj("ServerSideEncryptionConfiguration", arrayWith(obj("ServerSideEncryptionByDefault", obj("SSEAlgorithm", "AES256")))))},
		{"ECR image: execution role may pull from that repository only", custom, "AWS::IAM::Policy", obj(
			"PolicyDocument", obj("Statement", arrayWith(obj(
				"Action", arrayWith("ecr:BatchGetImage"),
				"Resource", obj("Fn::Join", arrayWith(arrayWith(":ecr:eu-west-1:123456789012:repository/team/api")))))))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { hasResource(t, tt.stack, tt.typ, tt.props) })
	}
	// The group the container's log driver writes to, not any group in the
	// stack: the migration task's groups there have the same retention, so
	// a container group that ignored the setting would go unnoticed
	// (internal/tools/breakages, "container logs kept 14 days").
	for _, c := range []struct {
		name  string
		stack awscdk.Stack
		days  float64
	}{{"container logs expire (dev 14 days)", dev, 14}, {"container logs expire (prod 90 days)", prod, 90}} {
		t.Run(c.name, func(t *testing.T) {
			logging, _ := container(t, f, c.stack)["LogConfiguration"].(map[string]any)
			options, _ := logging["Options"].(map[string]any)
			ref, _ := options["awslogs-group"].(map[string]any)
			group, ok := f.resources(c.stack, "AWS::Logs::LogGroup")[fmt.Sprint(ref["Ref"])]
			if !ok {
				t.Fatalf("awslogs-group %v is not a log group of %s", options["awslogs-group"], *c.stack.StackName())
			}
			if group["RetentionInDays"] != c.days {
				t.Errorf("%s: container logs kept %v days, want %v", ref["Ref"], group["RetentionInDays"], c.days)
			}
		})
	}

	t.Run("database settings arrive as env, and no credentials at all", func(t *testing.T) {
		c := container(t, f, dev)
		env := names(c["Environment"])
		for _, want := range []string{"PORT", "DB_HOST", "DB_PORT", "DB_NAME", "DB_SSLMODE", "DB_USERNAME", "DB_AUTH"} {
			if !slices.Contains(env, want) {
				t.Errorf("environment %v lacks %s", env, want)
			}
		}
		if got := names(c["Secrets"]); len(got) != 0 {
			t.Errorf("secrets = %v, want none (IAM authentication)", got)
		}
		raw, _ := json.Marshal(c["Environment"])
		if strings.Contains(strings.ToLower(string(raw)), "password") {
			t.Errorf("plain environment mentions a password: %s", raw)
		}
	})
	t.Run("custom environment variables reach the container", func(t *testing.T) {
		if env := names(container(t, f, custom)["Environment"]); !slices.Contains(env, "LOG_LEVEL") {
			t.Errorf("environment %v lacks LOG_LEVEL", env)
		}
	})
	t.Run("no image: sample API asset", func(t *testing.T) {
		image, _ := json.Marshal(container(t, f, dev)["Image"])
		if !strings.Contains(string(image), "container-assets") {
			t.Errorf("image = %s, want a CDK container asset", image)
		}
	})
	t.Run("image configured: the task pulls it as given", func(t *testing.T) {
		image, _ := json.Marshal(container(t, f, custom)["Image"])
		if !strings.Contains(string(image), "123456789012.dkr.ecr.eu-west-1.") || !strings.Contains(string(image), "/team/api:1.2.3") {
			t.Errorf("image = %s, want the configured ECR reference", image)
		}
	})
	t.Run("outputs the ALB DNS name", func(t *testing.T) {
		if !hasOutput(f.templates[*dev.StackName()], "WebLoadBalancer", "DNSName") {
			t.Error("service stack has no output with the load balancer's DNSName")
		}
	})
}

// TestSampleAPIContract checks that the default image and the stack agree on
// port, health check and environment (sampleapi/contract.json is the
// contract; the sample API's own tests hold it to the same file).
func TestSampleAPIContract(t *testing.T) {
	contract := loadContract(t)
	f := app(t)
	c := container(t, f, f.dev.Service.Stack)
	ports, _ := json.Marshal(c["PortMappings"])
	if !strings.Contains(string(ports), fmt.Sprintf(`"ContainerPort":%d`, contract.ContainerPort)) {
		t.Errorf("port mappings %s, want container port %d", ports, contract.ContainerPort)
	}
	tg := f.only(t, f.dev.Service.Stack, "AWS::ElasticLoadBalancingV2::TargetGroup")
	if tg["HealthCheckPath"] != contract.HealthCheckPath {
		t.Errorf("health check path %v, want %s", tg["HealthCheckPath"], contract.HealthCheckPath)
	}
	env, secrets := names(c["Environment"]), names(c["Secrets"])
	sort.Strings(contract.Environment)
	sort.Strings(contract.Secrets)
	if !slices.Equal(env, contract.Environment) {
		t.Errorf("environment %v, want %v", env, contract.Environment)
	}
	if !slices.Equal(secrets, contract.Secrets) {
		t.Errorf("secrets %v, want %v", secrets, contract.Secrets)
	}
}
