package stacks_test

import (
	"encoding/json"
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

func arrayWith(v ...any) assertions.Matcher { return assertions.Match_ArrayWith(&v) }

func TestStacks(t *testing.T) {
	f := app(t)
	for _, name := range []string{"dev", "prod", "custom", "options"} {
		cfg := f.cfg[name]
		for _, part := range stackParts {
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
		{"ECS Exec without NAT: ssmmessages endpoint", opt.Network.Stack, "AWS::EC2::VPCEndpoint", 6},
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
