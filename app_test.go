package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	appconstructs "github.com/example/fargate-api/constructs"
)

var customContext = map[string]any{
	"app:name":             "Custom",
	"app:image":            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api:1.2.3",
	"app:cpuArchitecture":  "ARM64",
	"app:cpu":              "1024",
	"app:memory":           "2048",
	"app:routes":           "POST /users,GET /users/{id},GET /products,ANY /users/{id}",
	"app:stageName":        "v1",
	"app:environment":      "LOG_LEVEL=debug",
	"app:account":          "123456789012",
	"app:region":           "eu-west-1",
	"app:corsAllowOrigins": "https://app.example.com",
	"app:domainName":       "api.example.com",
	"app:certificateArn":   "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012",
	"app:natProvider":      "gateway",
	// ECS Exec in a pinned environment: its IAM policy names the concrete
	// partition, region and account, which the nag suppression must cover.
	"app:enableExecuteCommand":   "true",
	"app:readonlyRootFilesystem": "false",
	// Every alarm threshold and the database's log retention off their
	// defaults, so a value hard-coded in a stack cannot pass (TestAlarmValues,
	// TestDatabaseLogRetention).
	"app:alarmApi5xxPercent":        "7",
	"app:alarmApiLatencyP99Ms":      "1500",
	"app:alarmTarget5xxPerMinute":   "25",
	"app:alarmTargetResponseP99Ms":  "750",
	"app:alarmServiceCpuPercent":    "70",
	"app:alarmServiceMemoryPercent": "75",
	"app:alarmDbCpuPercent":         "65",
	"app:alarmDbFreeStorageGiB":     "8",
	"app:alarmDbConnections":        "120",
	"app:dbLogRetentionDays":        "30",
	// A user's own image that migrates by itself and needs open egress.
	"app:migrationCommand": "none",
	"app:openEgress":       "true",
	// Blue/green deploys, with a bake time off the default.
	"app:deploymentStrategy":    "blueGreen",
	"app:deploymentBakeMinutes": "15",
	// The CI stack, subject by names, its own OIDC provider (TestGitHubCI).
	"app:ciRepository": "octo-org/fargate-api",
}

var optionsContext = map[string]any{
	"app:name":                   "Options",
	"app:natGateways":            "0",
	"app:enableExecuteCommand":   "true",
	"app:readonlyRootFilesystem": "false",
	"app:fargateSpot":            "true",
	"app:jwtIssuer":              "https://issuer.example.com/",
	"app:jwtAudience":            "client1,client2",
	"app:routes":                 "GET /health,ANY /{proxy+}",
	"app:publicRoutes":           "GET /health",
	"app:domainName":             "api.example.com",
	"app:hostedZoneId":           "Z0123456789ABCDEFGHIJ",
	"app:hostedZoneName":         "example.com",
	"app:alarmEmail":             "oncall@example.com",
	// The upgrade step of an environment created before RDS managed the
	// master password (TestDatabaseAccess).
	"app:dbKeepLegacySecret": "true",
	"app:corsAllowOrigins":   "https://app.example.com",
	"app:deploymentStrategy": "linear",
	// The CI stack with GitHub's immutable subject and an existing provider.
	"app:ciRepository":      "octo-org/fargate-api",
	"app:ciRepositoryIds":   "1234/5678",
	"app:ciEnvironments":    "staging",
	"app:ciOidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
}

// obj builds an object-like matcher from key/value pairs: the object must
// have these keys with matching values and may have others. CDK matches
// nested plain maps exactly, so every level uses obj.
func obj(kv ...any) assertions.Matcher {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return assertions.Match_ObjectLike(&m)
}

// stackOutput matches a cross-stack reference to a value exported by
// another stack under a name that matches pattern. cdk.json's
// "@aws-cdk/core:defaultCrossStackReferences": "strong" renders these as
// Fn::ImportValue, so CloudFormation refuses to change a value while a
// consumer still imports it (see TestCrossStackReferences).
func stackOutput(pattern string) assertions.Matcher {
	return obj("Fn::ImportValue", assertions.Match_StringLikeRegexp(jsii.String(pattern)))
}

func like(v map[string]any) assertions.Matcher { return assertions.Match_ObjectLike(&v) }
func arrayWith(v ...any) assertions.Matcher    { return assertions.Match_ArrayWith(&v) }

func TestStacks(t *testing.T) {
	f := app(t)
	for _, name := range []string{"dev", "prod", "custom", "options"} {
		cfg := f.cfg[name]
		for _, part := range []string{"Network", "Database", "Service", "Api", "Monitoring"} {
			if _, ok := f.templates[cfg.StackName(part)]; !ok {
				t.Errorf("%s: no template for stack %s", name, cfg.StackName(part))
			}
		}
	}
	// The CI stack only where app:ciRepository names a repository.
	if got := len(f.templates); got != 22 {
		t.Errorf("synthesized %d templates, want 22 (5 stacks × 4 variants, and the CI stack of custom and options)", got)
	}
}

func TestNetwork(t *testing.T) {
	f := app(t)
	dev, prod := f.dev.Network.Stack, f.prod.Network.Stack
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"VPC spans 2 AZs with public, private and isolated subnets", func(t *testing.T) {
			if got := len(f.resources(dev, "AWS::EC2::Subnet")); got != 6 {
				t.Errorf("subnets = %d, want 6", got)
			}
			for _, tier := range []string{"Public", "Private", "Isolated"} {
				hasResource(t, dev, "AWS::EC2::Subnet", obj("Tags", arrayWith(obj("Key", "aws-cdk:subnet-name", "Value", tier))))
			}
		}},
		{"dev uses a single NAT instance, no NAT gateway", func(t *testing.T) {
			if got, gw := len(f.resources(dev, "AWS::EC2::Instance")), len(f.resources(dev, "AWS::EC2::NatGateway")); got != 1 || gw != 0 {
				t.Errorf("NAT instances = %d, NAT gateways = %d; want 1, 0", got, gw)
			}
		}},
		{"prod uses one NAT gateway per AZ", func(t *testing.T) {
			if got := len(f.resources(prod, "AWS::EC2::NatGateway")); got != 2 {
				t.Errorf("NAT gateways = %d, want 2", got)
			}
		}},
		{"custom environment spans 2 of 3 looked-up AZs", func(t *testing.T) {
			hasResource(t, f.custom.Network.Stack, "AWS::EC2::Subnet", obj("AvailabilityZone", "eu-west-1b"))
		}},
		{"all VPC traffic is flow-logged to CloudWatch", func(t *testing.T) {
			hasResource(t, dev, "AWS::EC2::FlowLog", obj("TrafficType", "ALL", "LogDestinationType", "cloud-watch-logs"))
			hasResource(t, dev, "AWS::Logs::LogGroup", obj("RetentionInDays", 14))
			hasResource(t, prod, "AWS::Logs::LogGroup", obj("RetentionInDays", 90))
		}},
		{"default security group is stripped of its rules", func(t *testing.T) {
			if len(f.resources(dev, "Custom::VpcRestrictDefaultSG")) != 1 {
				t.Error("no Custom::VpcRestrictDefaultSG resource")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}

func TestDatabase(t *testing.T) {
	f := app(t)
	dev, prod := f.dev.Database.Stack, f.prod.Database.Stack
	tests := []struct {
		name  string
		stack awscdk.Stack
		props assertions.Matcher
	}{
		{"PostgreSQL on a full minor version", dev, obj("Engine", "postgres", "EngineVersion", "17.9")},
		{"storage is encrypted gp3", dev, obj("StorageEncrypted", true, "StorageType", "gp3", "AllocatedStorage", "20", "MaxAllocatedStorage", 50)},
		{"not publicly accessible", dev, obj("PubliclyAccessible", false)},
		{"logs exported to CloudWatch", dev, obj("EnableCloudwatchLogsExports", []any{"postgresql", "upgrade"})},
		{"dev keeps backups 1 day", dev, obj("BackupRetentionPeriod", 1)},
		{"dev is single-AZ and deletable", dev, obj("MultiAZ", false, "DeletionProtection", false, "DBInstanceClass", "db.t4g.micro")},
		{"prod keeps backups 14 days", prod, obj("BackupRetentionPeriod", 14)},
		{"prod is Multi-AZ with deletion protection", prod, obj("MultiAZ", true, "DeletionProtection", true, "DBInstanceClass", "db.t4g.medium")},
		{"RDS manages the master password", dev, obj("MasterUsername", "app_admin", "ManageMasterUserPassword", true, "MasterUserPassword", assertions.Match_Absent())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { hasResource(t, tt.stack, "AWS::RDS::DBInstance", tt.props) })
	}

	t.Run("subnet group uses only isolated subnets", func(t *testing.T) {
		sg := f.only(t, dev, "AWS::RDS::DBSubnetGroup")
		raw, _ := json.Marshal(sg["SubnetIds"])
		if strings.Count(string(raw), "Isolated") != 2 || strings.Contains(string(raw), "Private") {
			t.Errorf("SubnetIds = %s, want the two isolated subnets", raw)
		}
	})
	t.Run("removal: dev deletes, prod snapshots", func(t *testing.T) {
		assert(t, func() {
			f.template(dev).HasResource(jsii.String("AWS::RDS::DBInstance"), obj("DeletionPolicy", "Delete"))
			f.template(prod).HasResource(jsii.String("AWS::RDS::DBInstance"), obj("DeletionPolicy", "Snapshot", "UpdateReplacePolicy", "Snapshot"))
		})
	})
	t.Run("prod database stack has termination protection", func(t *testing.T) {
		if !*prod.TerminationProtection() || *dev.TerminationProtection() {
			t.Errorf("termination protection: prod %v, dev %v; want true, false", *prod.TerminationProtection(), *dev.TerminationProtection())
		}
	})
}

// TestStatefulLogicalIDs pins the logical IDs of the database and its
// subnet group. A change here means the next deploy replaces them: data loss.
//
// The master secret is no longer a template resource: RDS creates and
// rotates it (ManageMasterUserPassword). On an existing environment the
// next deploy modifies the instance in place (ManageMasterUserPassword and
// the removed MasterUserPassword are updatable properties; MasterUsername,
// which is create-only, stays the literal app_admin) and then deletes the
// old AWS::SecretsManager::Secret (logical ID
// FargateApidevDatabaseSecret4F46A4D63fdaad7efa858a3daf9490cf0a702aeb) and
// its SecretTargetAttachment (DatabaseSecretAttachmentE5D1B020). docs/operations.md
// ("Upgrading an existing environment") has the two-deploy sequence the
// exported secret reference needs. TestDatabaseAccess asserts that no
// secret resource comes back.
func TestStatefulLogicalIDs(t *testing.T) {
	f := app(t)
	want := map[string]string{
		"AWS::RDS::DBInstance":    "DatabaseB269D8BB",
		"AWS::RDS::DBSubnetGroup": "DatabaseSubnetGroup7D60F180",
	}
	for typ, id := range want {
		t.Run(typ, func(t *testing.T) {
			got := f.resources(f.dev.Database.Stack, typ)
			if _, ok := got[id]; !ok || len(got) != 1 {
				t.Errorf("logical IDs of %s = %v, want exactly [%s]", typ, keys(got), id)
			}
		})
	}
}

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
		{"circuit breaker and rollback; task count left to the autoscaler (TestTaskCount)", dev, "AWS::ECS::Service", obj(
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
	t.Run("no image configured: the sample API is built as an asset for the task's architecture", func(t *testing.T) {
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
	raw, err := os.ReadFile("sampleapi/contract.json")
	if err != nil {
		t.Fatalf("read contract: %v", err)
	}
	var contract struct {
		ContainerPort   int      `json:"containerPort"`
		HealthCheckPath string   `json:"healthCheckPath"`
		Environment     []string `json:"environment"`
		Secrets         []string `json:"secrets"`
	}
	if err := json.Unmarshal(raw, &contract); err != nil {
		t.Fatalf("parse contract: %v", err)
	}
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

func TestAPI(t *testing.T) {
	f := app(t)
	dev, custom := f.dev.API.Stack, f.custom.API.Stack
	tests := []struct {
		name  string
		stack awscdk.Stack
		typ   string
		props assertions.Matcher
	}{
		{"HTTP API", dev, "AWS::ApiGatewayV2::Api", obj("ProtocolType", "HTTP")},
		{"integration reaches the ALB listener through the VPC link", dev, "AWS::ApiGatewayV2::Integration", obj(
			"IntegrationType", "HTTP_PROXY",
			"ConnectionType", "VPC_LINK",
			"ConnectionId", obj("Ref", assertions.Match_StringLikeRegexp(jsii.String("^ApiVpcLink"))),
			"IntegrationUri", stackOutput("Listener"),
			"IntegrationMethod", "ANY")},
		{"container sees the path without the stage prefix", dev, "AWS::ApiGatewayV2::Integration", obj(
			"RequestParameters", obj("overwrite:path", "$request.path"))},
		{"VPC link sits in the private subnets", dev, "AWS::ApiGatewayV2::VpcLink", obj(
			"SubnetIds", arrayWith(stackOutput("PrivateSubnet")))},
		{"default route proxies everything", dev, "AWS::ApiGatewayV2::Route", obj("RouteKey", "ANY /{proxy+}")},
		{"named stage prod with auto-deploy and throttling", dev, "AWS::ApiGatewayV2::Stage", obj(
			"StageName", "prod", "AutoDeploy", true,
			"DefaultRouteSettings", obj("ThrottlingRateLimit", 100, "ThrottlingBurstLimit", 200))},
		{"custom stage v1", custom, "AWS::ApiGatewayV2::Stage", obj("StageName", "v1")},
		{"VPC link may reach the ALB listener only", dev, "AWS::EC2::SecurityGroupEgress", obj(
			"FromPort", 80, "ToPort", 80,
			"DestinationSecurityGroupId", stackOutput("LoadBalancerSecurityGroup"))},
		{"ALB admits only the VPC link, rule kept in the API stack", dev, "AWS::EC2::SecurityGroupIngress", obj(
			"FromPort", 80, "ToPort", 80,
			"GroupId", stackOutput("LoadBalancerSecurityGroup"),
			"SourceSecurityGroupId", obj("Fn::GetAtt", arrayWith(assertions.Match_StringLikeRegexp(jsii.String("^ApiVpcLinkSecurityGroup")))))},
		{"access logs expire", dev, "AWS::Logs::LogGroup", obj("RetentionInDays", 14)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { hasResource(t, tt.stack, tt.typ, tt.props) })
	}

	t.Run("configured routes", func(t *testing.T) {
		var got []string
		for _, r := range f.resources(custom, "AWS::ApiGatewayV2::Route") {
			got = append(got, r["RouteKey"].(string))
		}
		sort.Strings(got)
		// With CORS on, ANY /users/{id} stands for every method but OPTIONS
		// and GET, which has its own route (TestCORSPreflight).
		want := []string{"DELETE /users/{id}", "GET /products", "GET /users/{id}", "HEAD /users/{id}", "PATCH /users/{id}", "POST /users", "POST /users/{id}", "PUT /users/{id}"}
		if !slices.Equal(got, want) {
			t.Errorf("route keys = %v, want %v", got, want)
		}
	})
	t.Run("access logs are JSON with the request ID", func(t *testing.T) {
		stage := f.only(t, dev, "AWS::ApiGatewayV2::Stage")
		settings, _ := stage["AccessLogSettings"].(map[string]any)
		var format map[string]string
		if err := json.Unmarshal([]byte(fmt.Sprint(settings["Format"])), &format); err != nil {
			t.Fatalf("access log format %v is not JSON: %v", settings["Format"], err)
		}
		if format["requestId"] != "$context.requestId" || format["status"] != "$context.status" {
			t.Errorf("access log format %v lacks requestId or status", format)
		}
		if settings["DestinationArn"] == nil {
			t.Error("access logs have no destination")
		}
	})
	t.Run("invoke URL output includes the stage", func(t *testing.T) {
		for stack, stage := range map[awscdk.Stack]string{dev: "/prod", custom: "/v1"} {
			out, _ := f.templates[*stack.StackName()]["Outputs"].(map[string]any)["InvokeUrl"].(map[string]any)
			raw, _ := json.Marshal(out["Value"])
			if !strings.Contains(string(raw), "execute-api") || !strings.HasSuffix(string(raw), `"`+stage+`"]]}`) {
				t.Errorf("%s InvokeUrl = %s, want an execute-api URL ending in %s", *stack.StackName(), raw, stage)
			}
		}
	})
}

// TestNoOpenIngress scans every template: no security group anywhere admits
// the internet, and no ingress is expressed as a CIDR at all, except the
// private subnets' own CIDRs on the NAT instances' group (what they forward
// keeps the sender's address; see natCIDRIngress).
func TestNoOpenIngress(t *testing.T) {
	f := app(t)
	for name, tpl := range f.templates {
		allowed := natCIDRIngress(tpl)
		for id, r := range tpl["Resources"].(map[string]any) {
			res := r.(map[string]any)
			props, _ := res["Properties"].(map[string]any)
			var rules []any
			switch res["Type"] {
			case "AWS::EC2::SecurityGroup":
				rules, _ = props["SecurityGroupIngress"].([]any)
			case "AWS::EC2::SecurityGroupIngress":
				rules = []any{props}
			}
			for _, rule := range rules {
				rm := rule.(map[string]any)
				if cidr, _ := rm["CidrIp"].(string); allowed[id] != nil && allowed[id][cidr] {
					continue
				}
				if rm["CidrIp"] != nil || rm["CidrIpv6"] != nil {
					t.Errorf("%s/%s: ingress by CIDR %v%v", name, id, rm["CidrIp"], rm["CidrIpv6"])
				}
			}
		}
	}
}

// TestBadConfigStopsBeforeAnyStack feeds invalid context through the same
// path main uses and checks that every problem is named.
func TestBadConfigStopsBeforeAnyStack(t *testing.T) {
	bad := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{
		"app:cpu":      "300",
		"app:routes":   "GET users",
		"app:stageNme": "v1",
		"app:maxAzs":   "1",
	}})
	_, _, err := loadConfig(bad)
	if err == nil {
		t.Fatal("loadConfig accepted invalid context")
	}
	for _, want := range []string{"app:cpu: 300", `app:routes: "GET users"`, "app:stageNme: unknown key", "app:maxAzs: 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if n := len(*bad.Node().Children()); n != 0 {
		t.Errorf("app has %d children after a failed load, want 0", n)
	}
}

// container returns the service's container ("Web" task definition; the
// stack also holds the migration task's).
func container(t *testing.T, f *fixture, s awscdk.Stack) map[string]any {
	t.Helper()
	var td map[string]any
	for id, props := range f.resources(s, "AWS::ECS::TaskDefinition") {
		if strings.HasPrefix(id, "WebTask") {
			td = props
		}
	}
	if td == nil {
		t.Fatalf("%s: no service task definition (WebTask...)", *s.StackName())
	}
	// The application's: every container but the tracing collector.
	var apps []map[string]any
	for _, d := range td["ContainerDefinitions"].([]any) {
		if def := d.(map[string]any); def["Name"] != appconstructs.CollectorContainerName {
			apps = append(apps, def)
		}
	}
	if len(apps) != 1 {
		t.Fatalf("%d application containers, want 1", len(apps))
	}
	return apps[0]
}

func names(list any) []string {
	var out []string
	items, _ := list.([]any)
	for _, item := range items {
		out = append(out, item.(map[string]any)["Name"].(string))
	}
	sort.Strings(out)
	return out
}

func hasOutput(tpl map[string]any, resourcePrefix, attr string) bool {
	outputs, _ := tpl["Outputs"].(map[string]any)
	for _, o := range outputs {
		raw, _ := json.Marshal(o.(map[string]any)["Value"])
		if strings.Contains(string(raw), `"Fn::GetAtt":["`+resourcePrefix) && strings.Contains(string(raw), `"`+attr+`"`) {
			return true
		}
	}
	return false
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestProductionOptions covers the switches of the "run it in production"
// work: each one is asserted on where it is on and off where it is not.
func TestProductionOptions(t *testing.T) {
	f := app(t)
	dev, prod, custom, opt := f.dev, f.prod, f.custom, f.options
	absent := assertions.Match_Absent()
	tests := []struct {
		name  string
		stack awscdk.Stack
		typ   string
		props assertions.Matcher
	}{
		// Deploys.
		{"bad releases roll back on the 5xx alarm", dev.Service.Stack, "AWS::ECS::Service", obj("DeploymentConfiguration", obj(
			"Alarms", obj("Enable", true, "Rollback", true, "AlarmNames", []any{"FargateApi-dev-Service-Web-Rollback5xx"}),
			"DeploymentCircuitBreaker", obj("Enable", true, "Rollback", true)))},
		{"rollback alarm: dev threshold", dev.Service.Stack, "AWS::CloudWatch::Alarm", obj("MetricName", "HTTPCode_Target_5XX_Count", "Threshold", 10, "DatapointsToAlarm", 3, "EvaluationPeriods", 5)},
		{"rollback alarm: prod threshold", prod.Service.Stack, "AWS::CloudWatch::Alarm", obj("Threshold", 5, "Metrics", arrayWith(obj("MetricStat", obj("Metric", obj("MetricName", "HTTPCode_Target_5XX_Count")))))},

		// Alarms and the topic.
		{"alarm topic is encrypted with its own key", dev.Monitoring.Stack, "AWS::SNS::Topic", obj("KmsMasterKeyId", obj("Fn::GetAtt", arrayWith(assertions.Match_StringLikeRegexp(jsii.String("^AlarmTopicKey")))))},
		{"CloudWatch alarms may use the topic's key", dev.Monitoring.Stack, "AWS::KMS::Key", obj("EnableKeyRotation", true, "KeyPolicy", obj("Statement", arrayWith(obj(
			"Principal", obj("Service", "cloudwatch.amazonaws.com"), "Action", []any{"kms:Decrypt", "kms:GenerateDataKey*"}))))},
		{"CloudWatch alarms may publish to the topic", dev.Monitoring.Stack, "AWS::SNS::TopicPolicy", obj("PolicyDocument", obj("Statement", arrayWith(obj(
			"Effect", "Allow", "Principal", obj("Service", "cloudwatch.amazonaws.com"), "Action", "sns:Publish"))))},
		{"alarm topic takes TLS only", dev.Monitoring.Stack, "AWS::SNS::TopicPolicy", obj("PolicyDocument", obj("Statement", arrayWith(obj(
			"Effect", "Deny", "Condition", obj("Bool", obj("aws:SecureTransport", "false"))))))},
		{"e-mail subscription when configured", opt.Monitoring.Stack, "AWS::SNS::Subscription", obj("Protocol", "email", "Endpoint", "oncall@example.com")},
		{"API 5xx rate alarm (dev 5%)", dev.Monitoring.Stack, "AWS::CloudWatch::Alarm", obj("Threshold", 5, "Metrics", arrayWith(obj("Expression", "IF(requests > 0, 100 * errors / requests, 0)")))},
		{"API 5xx rate alarm (prod 1%)", prod.Monitoring.Stack, "AWS::CloudWatch::Alarm", obj("Threshold", 1, "Metrics", arrayWith(obj("Expression", assertions.Match_AnyValue())))},
		{"API p99 latency alarm", dev.Monitoring.Stack, "AWS::CloudWatch::Alarm", obj("Namespace", "AWS/ApiGateway", "MetricName", "Latency", "ExtendedStatistic", "p99", "Threshold", 2000)},
		{"ALB task 5xx alarm", dev.Monitoring.Stack, "AWS::CloudWatch::Alarm", obj("Namespace", "AWS/ApplicationELB", "MetricName", "HTTPCode_Target_5XX_Count", "Threshold", 10)},
		{"ALB unhealthy task alarm", dev.Monitoring.Stack, "AWS::CloudWatch::Alarm", obj("MetricName", "UnHealthyHostCount", "Threshold", 0, "ComparisonOperator", "GreaterThanThreshold")},
		{"ALB task response time alarm (seconds)", dev.Monitoring.Stack, "AWS::CloudWatch::Alarm", obj("MetricName", "TargetResponseTime", "ExtendedStatistic", "p99", "Threshold", 1)},
		{"ECS CPU alarm", dev.Monitoring.Stack, "AWS::CloudWatch::Alarm", obj("Namespace", "AWS/ECS", "MetricName", "CPUUtilization", "Threshold", 85)},
		{"ECS memory alarm", dev.Monitoring.Stack, "AWS::CloudWatch::Alarm", obj("Namespace", "AWS/ECS", "MetricName", "MemoryUtilization", "Threshold", 85)},
		{"RDS CPU alarm", dev.Monitoring.Stack, "AWS::CloudWatch::Alarm", obj("Namespace", "AWS/RDS", "MetricName", "CPUUtilization", "Threshold", 80)},
		{"RDS free storage alarm (5 GiB in bytes)", dev.Monitoring.Stack, "AWS::CloudWatch::Alarm", obj("MetricName", "FreeStorageSpace", "Threshold", 5*(1<<30), "ComparisonOperator", "LessThanThreshold")},
		{"RDS connections alarm (prod)", prod.Monitoring.Stack, "AWS::CloudWatch::Alarm", obj("MetricName", "DatabaseConnections", "Threshold", 300)},
		{"one dashboard", dev.Monitoring.Stack, "AWS::CloudWatch::Dashboard", obj("DashboardBody", assertions.Match_AnyValue())},

		// Access to the API.
		{"JWT authorizer from config", opt.API.Stack, "AWS::ApiGatewayV2::Authorizer", obj(
			"AuthorizerType", "JWT", "IdentitySource", []any{"$request.header.Authorization"},
			"JwtConfiguration", obj("Issuer", "https://issuer.example.com/", "Audience", []any{"client1", "client2"}))},
		{"protected route uses the JWT authorizer", opt.API.Stack, "AWS::ApiGatewayV2::Route", obj("RouteKey", "GET /{proxy+}", "AuthorizationType", "JWT")},
		{"public route stays open", opt.API.Stack, "AWS::ApiGatewayV2::Route", obj("RouteKey", "GET /health", "AuthorizationType", "NONE")},
		{"no JWT: routes open", dev.API.Stack, "AWS::ApiGatewayV2::Route", obj("AuthorizationType", "NONE")},
		{"CORS from config", custom.API.Stack, "AWS::ApiGatewayV2::Api", obj("CorsConfiguration", obj(
			"AllowOrigins", []any{"https://app.example.com"}, "AllowHeaders", []any{"content-type", "authorization"}, "MaxAge", 600))},
		{"no CORS by default", dev.API.Stack, "AWS::ApiGatewayV2::Api", obj("CorsConfiguration", absent)},
		{"custom domain with a created, DNS-validated certificate", opt.API.Stack, "AWS::CertificateManager::Certificate", obj(
			"DomainName", "api.example.com", "ValidationMethod", "DNS",
			"DomainValidationOptions", []any{obj("DomainName", "api.example.com", "HostedZoneId", "Z0123456789ABCDEFGHIJ")})},
		{"custom domain is TLS 1.2 and regional", opt.API.Stack, "AWS::ApiGatewayV2::DomainName", obj(
			"DomainName", "api.example.com", "DomainNameConfigurations", []any{obj("EndpointType", "REGIONAL", "SecurityPolicy", "TLS_1_2")})},
		{"custom domain maps the stage", opt.API.Stack, "AWS::ApiGatewayV2::ApiMapping", obj("Stage", "prod", "DomainName", obj("Ref", assertions.Match_StringLikeRegexp(jsii.String("^ApiDomain"))))},
		{"alias record in the hosted zone", opt.API.Stack, "AWS::Route53::RecordSet", obj("Name", "api.example.com.", "Type", "A", "HostedZoneId", "Z0123456789ABCDEFGHIJ")},
		{"custom domain with a given certificate", custom.API.Stack, "AWS::ApiGatewayV2::DomainName", obj(
			"DomainNameConfigurations", []any{obj("CertificateArn", customContext["app:certificateArn"])})},
		{"ECS Exec on when configured", opt.Service.Stack, "AWS::ECS::Service", obj("EnableExecuteCommand", true)},
		{"ECS Exec sessions are logged", opt.Service.Stack, "AWS::ECS::Cluster", obj("Configuration", obj("ExecuteCommandConfiguration", obj(
			"Logging", "OVERRIDE", "LogConfiguration", obj("CloudWatchLogGroupName", obj("Ref", assertions.Match_StringLikeRegexp(jsii.String("^ExecLogs")))))))},
		{"ECS Exec task role may open SSM channels", opt.Service.Stack, "AWS::IAM::Policy", obj("PolicyDocument", obj("Statement", arrayWith(obj(
			"Action", arrayWith("ssmmessages:CreateControlChannel")))))},
		{"ECS Exec off by default", prod.Service.Stack, "AWS::ECS::Service", obj("EnableExecuteCommand", false)},

		// Cost modes.
		{"no NAT: ECR, Logs and Secrets Manager endpoints", opt.Network.Stack, "AWS::EC2::VPCEndpoint", obj(
			"VpcEndpointType", "Interface", "PrivateDnsEnabled", true,
			"ServiceName", obj("Fn::Join", arrayWith(arrayWith(".ecr.dkr"))))},
		{"no NAT: S3 gateway endpoint for image layers", opt.Network.Stack, "AWS::EC2::VPCEndpoint", obj("VpcEndpointType", "Gateway")},
		{"no NAT: tasks may reach the endpoints on 443", opt.Service.Stack, "AWS::EC2::SecurityGroupIngress", obj(
			"FromPort", 443, "ToPort", 443, "GroupId", stackOutput("EndpointSecurityGroup"))},
		{"Fargate Spot mix when configured", opt.Service.Stack, "AWS::ECS::Service", obj(
			"LaunchType", absent,
			"CapacityProviderStrategy", []any{
				obj("CapacityProvider", "FARGATE", "Base", 1, "Weight", 1),
				obj("CapacityProvider", "FARGATE_SPOT", "Weight", 3),
			})},
		{"Fargate Spot: cluster has the Fargate capacity providers", opt.Service.Stack, "AWS::ECS::ClusterCapacityProviderAssociations", obj(
			"CapacityProviders", arrayWith("FARGATE_SPOT"))},
		{"on-demand Fargate by default", dev.Service.Stack, "AWS::ECS::Service", obj("LaunchType", "FARGATE", "CapacityProviderStrategy", absent)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { hasResource(t, tt.stack, tt.typ, tt.props) })
	}

	counts := []struct {
		name  string
		stack awscdk.Stack
		typ   string
		want  int
	}{
		{"ten alarms notify the topic", dev.Monitoring.Stack, "AWS::CloudWatch::Alarm", 10},
		{"and a composite alarm per NAT instance", dev.Monitoring.Stack, "AWS::CloudWatch::CompositeAlarm", 1},
		{"no e-mail subscription unless configured", dev.Monitoring.Stack, "AWS::SNS::Subscription", 0},
		{"no authorizer unless configured", dev.API.Stack, "AWS::ApiGatewayV2::Authorizer", 0},
		{"no custom domain unless configured", dev.API.Stack, "AWS::ApiGatewayV2::DomainName", 0},
		{"given certificate: none created", custom.API.Stack, "AWS::CertificateManager::Certificate", 0},
		{"given certificate: no DNS record created", custom.API.Stack, "AWS::Route53::RecordSet", 0},
		{"no NAT gateway", opt.Network.Stack, "AWS::EC2::NatGateway", 0},
		{"no internet gateway", opt.Network.Stack, "AWS::EC2::InternetGateway", 0},
		{"ECS Exec without NAT gets ssmmessages too: 5 interface + 1 gateway endpoints", opt.Network.Stack, "AWS::EC2::VPCEndpoint", 6},
		{"no endpoints with NAT", dev.Network.Stack, "AWS::EC2::VPCEndpoint", 0},
	}
	for _, tt := range counts {
		t.Run(tt.name, func(t *testing.T) {
			if got := len(f.resources(tt.stack, tt.typ)); got != tt.want {
				t.Errorf("%s: %d resources of type %s, want %d", *tt.stack.StackName(), got, tt.typ, tt.want)
			}
		})
	}

	t.Run("every monitoring alarm notifies the topic on alarm and on recovery", func(t *testing.T) {
		for id, a := range f.resources(dev.Monitoring.Stack, "AWS::CloudWatch::Alarm") {
			for _, key := range []string{"AlarmActions", "OKActions"} {
				raw, _ := json.Marshal(a[key])
				if !strings.Contains(string(raw), `"Ref":"Alarms`) {
					t.Errorf("%s %s = %s, want the alarm topic", id, key, raw)
				}
			}
		}
	})
	t.Run("outputs: dashboard URL and custom URL", func(t *testing.T) {
		if out := f.templates[*dev.Monitoring.StackName()]["Outputs"].(map[string]any)["DashboardUrl"]; out == nil {
			t.Error("monitoring stack has no DashboardUrl output")
		} else if raw, _ := json.Marshal(out); !strings.Contains(string(raw), "#dashboards:name=") {
			t.Errorf("DashboardUrl = %s", raw)
		}
		out, _ := f.templates[*opt.API.StackName()]["Outputs"].(map[string]any)["CustomUrl"].(map[string]any)
		if out["Value"] != "https://api.example.com/" {
			t.Errorf("CustomUrl = %v, want https://api.example.com/", out["Value"])
		}
	})
	t.Run("no NAT: private subnets have no route out", func(t *testing.T) {
		for id, r := range f.resources(opt.Network.Stack, "AWS::EC2::Route") {
			t.Errorf("route %s exists in a VPC without NAT: %v", id, r)
		}
	})
	t.Run("dashboard follows the request from API to database", func(t *testing.T) {
		d := f.only(t, dev.Monitoring.Stack, "AWS::CloudWatch::Dashboard")
		raw, _ := json.Marshal(d["DashboardBody"])
		body := string(raw)
		last := -1
		for _, hop := range []string{"1. API Gateway", "2. ALB", "3. ECS service", "4. RDS"} {
			i := strings.Index(body, hop)
			if i < 0 || i < last {
				t.Errorf("dashboard lacks %q or has it out of order", hop)
			}
			last = i
		}
	})
}
