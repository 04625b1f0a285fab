package config

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadDefaultsPerProfile(t *testing.T) {
	dev, err := Load(nil)
	if err != nil {
		t.Fatalf("Load(nil): %v", err)
	}
	prod, err := Load(map[string]any{"app:profile": "prod"})
	if err != nil {
		t.Fatalf("Load(prod): %v", err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"dev is the default profile", dev.Profile, "dev"},
		{"dev uses one NAT gateway", dev.Network.NATGateways, 1},
		{"prod uses one NAT gateway per AZ", prod.Network.NATGateways, prod.Network.MaxAZs},
		{"dev database is single-AZ", dev.Database.MultiAZ, false},
		{"prod database is Multi-AZ", prod.Database.MultiAZ, true},
		{"dev database is destroyable", dev.Database.Protected, false},
		{"prod database is protected", prod.Database.Protected, true},
		{"dev ALB is deletable", dev.Service.LoadBalancerDeletionProtection, false},
		{"prod ALB has deletion protection", prod.Service.LoadBalancerDeletionProtection, true},
		{"default route proxies everything", dev.API.Routes, []Route{{Method: "ANY", Path: "/{proxy+}"}}},
		{"default stage is prod", dev.API.StageName, "prod"},
		{"two tasks by default", dev.Service.MinCapacity, 2},
		{"x86 by default", dev.Service.CPUArchitecture, ArchX86},
		{"sample API image by default", dev.Service.Image, ""},
		{"names follow the profile", prod.Service.ClusterName, "FargateApi-prod"},
		{"stack names carry name and profile", prod.StackName("Network"), "FargateApi-prod-Network"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadOverrides(t *testing.T) {
	c, err := Load(map[string]any{
		"app:profile":                 "prod",
		"app:name":                    "Shop",
		"app:cpu":                     "1024",        // -c values are strings
		"app:memory":                  float64(3072), // cdk.json numbers are float64
		"app:cpuArchitecture":         "arm64",
		"app:routes":                  "POST /users, GET /products,GET /products/{id}",
		"app:environment":             "LOG_LEVEL=debug,FEATURE_X=on",
		"app:dbMultiAz":               "false",
		"app:stageName":               "v1",
		"app:maxAzs":                  "3",
		"app:account":                 "123456789012",
		"app:region":                  "eu-west-1",
		"app:readonlyRootFilesystem":  false,
		"@aws-cdk/core:somethingElse": true, // not ours: ignored
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"cpu from a string", c.Service.CPU, 1024},
		{"memory from a number", c.Service.MemoryMiB, 3072},
		{"architecture normalized", c.Service.CPUArchitecture, ArchARM},
		{"routes parsed", c.API.Routes, []Route{{Method: "POST", Path: "/users"}, {Method: "GET", Path: "/products"}, {Method: "GET", Path: "/products/{id}"}}},
		{"environment parsed", c.Service.Environment, map[string]string{"LOG_LEVEL": "debug", "FEATURE_X": "on"}},
		{"bool from a string", c.Database.MultiAZ, false},
		{"bool from JSON", c.Service.ReadonlyRootFilesystem, false},
		{"name feeds cluster default", c.Service.ClusterName, "Shop-prod"},
		{"prod NAT count follows maxAzs", c.Network.NATGateways, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadJSONForms(t *testing.T) {
	c, err := Load(map[string]any{
		"app:routes":      []any{"GET /users/{id}", "ANY /"},
		"app:environment": map[string]any{"A": "1"},
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if want := []Route{{Method: "GET", Path: "/users/{id}"}, {Method: "ANY", Path: "/"}}; cmp.Diff(want, c.API.Routes) != "" {
		t.Errorf("routes (-want +got):\n%s", cmp.Diff(want, c.API.Routes))
	}
	c, err = Load(map[string]any{"app:routes": `["GET /a"]`, "app:environment": `{"B":"2"}`})
	if err != nil {
		t.Fatalf("Load JSON strings: %v", err)
	}
	if c.API.Routes[0].Path != "/a" || c.Service.Environment["B"] != "2" {
		t.Errorf("JSON strings not parsed: %v %v", c.API.Routes, c.Service.Environment)
	}
}

// TestLoadRejects holds one case per validation rule. Each names the key and
// a fragment of the message a user sees.
func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name    string
		context map[string]any
		want    []string
	}{
		{"unknown key", map[string]any{"app:flavour": "256"}, []string{"app:flavour: unknown key; docs/configuration.md lists every app: key"}},
		{"misspelt key", map[string]any{"app:stageNme": "v1"}, []string{"app:stageNme: unknown key (did you mean app:stageName?)"}},
		{"key in wrong case", map[string]any{"app:CPU": "256"}, []string{"did you mean app:cpu?"}},
		{"unknown profile", map[string]any{"app:profile": "staging"}, []string{`app:profile: "staging" is not a profile; allowed: dev, prod`}},
		{"bad name", map[string]any{"app:name": "my-app"}, []string{`app:name: "my-app" is not allowed`}},
		{"account without region", map[string]any{"app:account": "123456789012"}, []string{"account and region set together"}},
		{"bad account", map[string]any{"app:account": "12345", "app:region": "us-east-1"}, []string{"12-digit AWS account ID"}},
		{"bad region", map[string]any{"app:account": "123456789012", "app:region": "mars"}, []string{`app:region: "mars"`}},
		{"one AZ", map[string]any{"app:maxAzs": "1"}, []string{"app:maxAzs: 1 is not allowed; allowed: 2 to 6"}},
		{"three AZs without an environment", map[string]any{"app:maxAzs": "3"}, []string{"set account and region to span more AZs"}},
		{"negative NAT count", map[string]any{"app:natGateways": "-1"}, []string{"app:natGateways: -1 is not allowed; allowed: 0 (VPC endpoints, no internet egress) to maxAzs (2)"}},
		{"no NAT with a Docker Hub image", map[string]any{"app:natGateways": "0", "app:image": "nginx:1.27"}, []string{`app:image: "nginx:1.27" is not allowed; allowed: with natGateways=0, an image in private ECR`}},
		{"no NAT with ECR in another region", map[string]any{"app:natGateways": "0", "app:account": "123456789012", "app:region": "eu-west-1", "app:image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1"}, []string{"an ECR image in the stacks' region (eu-west-1)"}},
		{"ECS Exec with read-only root", map[string]any{"app:enableExecuteCommand": "true"}, []string{"app:enableExecuteCommand: true is not allowed; allowed: only with readonlyRootFilesystem=false"}},
		{"JWT issuer not https", map[string]any{"app:jwtIssuer": "http://issuer.example.com", "app:jwtAudience": "abc"}, []string{`app:jwtIssuer: "http://issuer.example.com" is not allowed; allowed: an https URL`}},
		{"JWT without audience", map[string]any{"app:jwtIssuer": "https://issuer.example.com/"}, []string{"app:jwtAudience: \"\" (the dev profile's default) is not allowed; allowed: one or more non-empty audiences"}},
		{"audience without issuer", map[string]any{"app:jwtAudience": "abc"}, []string{`app:jwtAudience: "abc" is not allowed; allowed: empty unless jwtIssuer is set`}},
		{"public route not among routes", map[string]any{"app:jwtIssuer": "https://i.example.com/", "app:jwtAudience": "a", "app:routes": "GET /a", "app:publicRoutes": "GET /b"}, []string{`app:publicRoutes: "GET /b" is not allowed; allowed: routes listed in app:routes (GET /a)`}},
		{"public routes without issuer", map[string]any{"app:publicRoutes": "ANY /{proxy+}"}, []string{"empty unless jwtIssuer is set (without an authorizer every route is public)"}},
		{"CORS origin with a path", map[string]any{"app:corsAllowOrigins": "https://app.example.com/login"}, []string{`app:corsAllowOrigins: "https://app.example.com/login" is not allowed`}},
		{"CORS unknown method", map[string]any{"app:corsAllowOrigins": "*", "app:corsAllowMethods": "GET,FETCH"}, []string{`app:corsAllowMethods: "FETCH"`}},
		{"CORS bad header", map[string]any{"app:corsAllowHeaders": "content type"}, []string{`app:corsAllowHeaders: "content type"`}},
		{"CORS max age", map[string]any{"app:corsMaxAgeSeconds": "100000"}, []string{"app:corsMaxAgeSeconds: 100000 is not allowed; allowed: 0 to 86400 seconds"}},
		{"CORS with JWT but no authorization header", map[string]any{"app:corsAllowOrigins": "https://app.example.com", "app:corsAllowHeaders": "*", "app:jwtIssuer": "https://issuer.example.com/", "app:jwtAudience": "abc"}, []string{`app:corsAllowHeaders: "*" is not allowed; allowed: a list that names authorization while jwtIssuer and corsAllowOrigins are set`}},
		{"CORS with an OPTIONS route", map[string]any{"app:corsAllowOrigins": "https://app.example.com", "app:routes": "GET /users,OPTIONS /users"}, []string{`app:routes: "OPTIONS /users" is not allowed; allowed: no OPTIONS route while corsAllowOrigins is set`}},
		{"domain without certificate or zone", map[string]any{"app:domainName": "api.example.com"}, []string{"exactly one of certificateArn"}},
		{"domain with both certificate and zone", map[string]any{"app:domainName": "api.example.com", "app:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012", "app:hostedZoneId": "Z123", "app:hostedZoneName": "example.com"}, []string{"exactly one of certificateArn"}},
		{"bad domain", map[string]any{"app:domainName": "API_.example", "app:hostedZoneId": "Z123", "app:hostedZoneName": "example.com"}, []string{`app:domainName: "API_.example" is not allowed`}},
		{"domain outside its zone", map[string]any{"app:domainName": "api.example.org", "app:hostedZoneId": "Z123", "app:hostedZoneName": "example.com"}, []string{"a name inside hostedZoneName (example.com)"}},
		{"bad zone id", map[string]any{"app:domainName": "api.example.com", "app:hostedZoneId": "zone-1", "app:hostedZoneName": "example.com"}, []string{`app:hostedZoneId: "zone-1"`}},
		{"bad certificate ARN", map[string]any{"app:domainName": "api.example.com", "app:certificateArn": "arn:aws:iam::123:cert"}, []string{`app:certificateArn: "arn:aws:iam::123:cert"`}},
		{"certificate from another region", map[string]any{"app:account": "123456789012", "app:region": "eu-west-1", "app:domainName": "api.example.com", "app:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"}, []string{"a certificate in the stacks' region (eu-west-1)"}},
		{"zone without domain", map[string]any{"app:hostedZoneId": "Z123"}, []string{`app:hostedZoneId: "Z123" is not allowed; allowed: empty unless domainName is set`}},
		{"bad alarm e-mail", map[string]any{"app:alarmEmail": "oncall"}, []string{`app:alarmEmail: "oncall" is not allowed`}},
		{"alarm percent over 100", map[string]any{"app:alarmApi5xxPercent": "101"}, []string{"app:alarmApi5xxPercent: 101 is not allowed; allowed: 1 to 100 %"}},
		{"alarm latency over the API timeout", map[string]any{"app:alarmApiLatencyP99Ms": "40000"}, []string{"app:alarmApiLatencyP99Ms: 40000"}},
		{"alarm 5xx zero", map[string]any{"app:alarmTarget5xxPerMinute": "0"}, []string{"app:alarmTarget5xxPerMinute: 0"}},
		{"alarm response time zero", map[string]any{"app:alarmTargetResponseP99Ms": "0"}, []string{"app:alarmTargetResponseP99Ms: 0"}},
		{"alarm service CPU", map[string]any{"app:alarmServiceCpuPercent": "0"}, []string{"app:alarmServiceCpuPercent: 0"}},
		{"alarm service memory", map[string]any{"app:alarmServiceMemoryPercent": "200"}, []string{"app:alarmServiceMemoryPercent: 200"}},
		{"alarm DB CPU", map[string]any{"app:alarmDbCpuPercent": "0"}, []string{"app:alarmDbCpuPercent: 0"}},
		{"alarm DB storage", map[string]any{"app:alarmDbFreeStorageGiB": "0"}, []string{"app:alarmDbFreeStorageGiB: 0"}},
		{"alarm DB storage at the autoscaling ceiling", map[string]any{"app:alarmDbFreeStorageGiB": "50"}, []string{"app:alarmDbFreeStorageGiB: 50 is not allowed; allowed: 1 to 49 GiB, below dbMaxAllocatedStorage (50 GiB)"}},
		{"alarm DB storage above the ceiling", map[string]any{"app:alarmDbFreeStorageGiB": "80", "app:dbMaxAllocatedStorage": "70"}, []string{"app:alarmDbFreeStorageGiB: 80 is not allowed; allowed: 1 to 69 GiB, below dbMaxAllocatedStorage (70 GiB)"}},
		{"alarm DB storage at allocated storage without autoscaling", map[string]any{"app:alarmDbFreeStorageGiB": "20", "app:dbMaxAllocatedStorage": "0"}, []string{"app:alarmDbFreeStorageGiB: 20 is not allowed; allowed: 1 to 19 GiB, below dbAllocatedStorage (20 GiB)"}},
		{"duplicate environment variable", map[string]any{"app:environment": "A=1,A=2"}, []string{`app:environment: "A" is set twice; allowed: each variable once`}},
		{"duplicate environment variable in JSON", map[string]any{"app:environment": `{"A":"1","B":"2","A":"3"}`}, []string{`app:environment: "A" is set twice; allowed: each variable once`}},
		{"alarm DB connections", map[string]any{"app:alarmDbConnections": "0"}, []string{"app:alarmDbConnections: 0"}},
		{"more NATs than AZs", map[string]any{"app:natGateways": "3"}, []string{"app:natGateways: 3"}},
		{"retention not a CloudWatch value", map[string]any{"app:flowLogRetentionDays": "10"}, []string{"app:flowLogRetentionDays: 10 is not allowed; allowed: one of 1, 3, 5, 7, 14"}},
		{"engine major only", map[string]any{"app:dbEngineVersion": "17"}, []string{`app:dbEngineVersion: "17" is not allowed`}},
		{"engine too old", map[string]any{"app:dbEngineVersion": "12.22"}, []string{`app:dbEngineVersion: "12.22" is not allowed; allowed: PostgreSQL 14 or newer`}},
		{"bad instance class", map[string]any{"app:dbInstanceClass": "huge"}, []string{`app:dbInstanceClass: "huge"`}},
		{"micro outside burstable", map[string]any{"app:dbInstanceClass": "m7g.micro"}, []string{`app:dbInstanceClass: "m7g.micro" is not allowed`, "(did you mean t4g.micro?); m7g sizes: large, xlarge"}},
		{"storage too small", map[string]any{"app:dbAllocatedStorage": "10"}, []string{"app:dbAllocatedStorage: 10 is not allowed; allowed: 20 to 65536"}},
		{"max storage below allocated", map[string]any{"app:dbAllocatedStorage": "100", "app:dbMaxAllocatedStorage": "105"}, []string{"at least 10% above dbAllocatedStorage (100)"}},
		{"backups off", map[string]any{"app:dbBackupRetentionDays": "0"}, []string{"app:dbBackupRetentionDays: 0 is not allowed"}},
		{"reserved database name", map[string]any{"app:dbName": "postgres"}, []string{`app:dbName: "postgres"`}},
		{"bad cluster name", map[string]any{"app:clusterName": "my cluster"}, []string{`app:clusterName: "my cluster"`}},
		{"bad task family", map[string]any{"app:taskFamily": ""}, []string{`app:taskFamily: "" is not allowed`}},
		{"bad container name", map[string]any{"app:containerName": "api/v1"}, []string{`app:containerName: "api/v1"`}},
		{"image with upper-case repository", map[string]any{"app:image": "MyOrg/API:1"}, []string{`app:image: "MyOrg/API:1" is not allowed`}},
		{"image with bad tag", map[string]any{"app:image": "nginx:"}, []string{`app:image: "nginx:"`}},
		{"bad architecture", map[string]any{"app:cpuArchitecture": "riscv"}, []string{`app:cpuArchitecture: "RISCV" is not allowed; allowed: X86_64 or ARM64`}},
		{"cpu not a Fargate size", map[string]any{"app:cpu": "300"}, []string{"app:cpu: 300 is not allowed; allowed: one of 256, 512"}},
		{"memory not allowed with cpu", map[string]any{"app:cpu": "256", "app:memory": "4096"}, []string{"app:memory: 4096 is not allowed; allowed: with cpu 256, one of 512, 1024, 2048 MiB"}},
		{"memory step for 8 vCPU", map[string]any{"app:cpu": "8192", "app:memory": "17408"}, []string{"with cpu 8192, one of 16384, 20480"}},
		{"cpu not a number", map[string]any{"app:cpu": "lots"}, []string{`app:cpu: "lots" is not a whole number`}},
		{"port out of range", map[string]any{"app:containerPort": "70000"}, []string{"app:containerPort: 70000 is not allowed; allowed: 1 to 65535"}},
		{"health path without slash", map[string]any{"app:healthCheckPath": "healthz"}, []string{`app:healthCheckPath: "healthz"`}},
		{"bad environment name", map[string]any{"app:environment": "1ABC=x"}, []string{`app:environment: "1ABC" is not allowed`}},
		{"reserved environment name", map[string]any{"app:environment": "DB_HOST=x"}, []string{`app:environment: "DB_HOST" is not allowed; allowed: a name other than`}},
		{"AWS_ environment name", map[string]any{"app:environment": "AWS_REGION=x"}, []string{"not starting with AWS_ or ECS_"}},
		{"environment not pairs", map[string]any{"app:environment": "JUSTONE"}, []string{`"JUSTONE" is not KEY=VALUE`}},
		{"one task", map[string]any{"app:minCapacity": "1"}, []string{"app:minCapacity: 1 is not allowed; allowed: 2 to 500"}},
		{"min above max", map[string]any{"app:minCapacity": "5", "app:maxCapacity": "3"}, []string{"app:minCapacity: 5 is not allowed; allowed: at most maxCapacity (3)"}},
		{"retired desiredCount", map[string]any{"app:desiredCount": "6"}, []string{"app:desiredCount: no longer a setting: autoscaling owns the task count and a new service starts at app:minCapacity"}},
		{"cpu target too high", map[string]any{"app:cpuTargetPercent": "95"}, []string{"app:cpuTargetPercent: 95"}},
		{"requests per target zero", map[string]any{"app:requestsPerTarget": "0"}, []string{"app:requestsPerTarget: 0"}},
		{"route without method", map[string]any{"app:routes": "/users"}, []string{`app:routes: "/users " is not allowed; allowed: "METHOD /path" with METHOD one of ANY, GET`}},
		{"route with unknown method", map[string]any{"app:routes": "FETCH /users"}, []string{`"FETCH /users" is not allowed`}},
		{"route with trailing slash", map[string]any{"app:routes": "GET /users/"}, []string{"no trailing /"}},
		{"greedy parameter in the middle", map[string]any{"app:routes": "GET /{proxy+}/x"}, []string{"only as the last path segment"}},
		{"half a parameter", map[string]any{"app:routes": "GET /users/{id"}, []string{"whole parameters such as {id}"}},
		{"repeated parameter", map[string]any{"app:routes": "GET /{id}/{id}"}, []string{"each path parameter name once"}},
		{"duplicate route", map[string]any{"app:routes": "GET /a,GET /a"}, []string{`"GET /a" is not allowed; allowed: each route once`}},
		{"no routes", map[string]any{"app:routes": ""}, []string{"at least one route"}},
		{"default stage", map[string]any{"app:stageName": "$default"}, []string{`app:stageName: "$default" is not allowed`}},
		{"throttle rate zero", map[string]any{"app:throttleRateLimit": "0"}, []string{"app:throttleRateLimit: 0"}},
		{"throttle burst too high", map[string]any{"app:throttleBurstLimit": "9000"}, []string{"app:throttleBurstLimit: 9000"}},
		{"bool not a bool", map[string]any{"app:dbMultiAz": "yes please"}, []string{`app:dbMultiAz: "yes please" is not a boolean`}},
		{"access log retention", map[string]any{"app:accessLogRetentionDays": "2"}, []string{"app:accessLogRetentionDays: 2"}},
		{"db log retention", map[string]any{"app:dbLogRetentionDays": "2"}, []string{"app:dbLogRetentionDays: 2"}},
		{"container log retention", map[string]any{"app:logRetentionDays": "2"}, []string{"app:logRetentionDays: 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.context)
			if err == nil {
				t.Fatalf("Load(%v) succeeded, want an error containing %q", tt.context, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestLoadReportsEveryProblemAtOnce(t *testing.T) {
	_, err := Load(map[string]any{"app:cpu": "300", "app:stageName": "", "app:routes": "GET users", "app:typo": "1"})
	cerr, ok := err.(*Error)
	if !ok {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	if len(cerr.Problems) != 4 {
		t.Errorf("got %d problems, want 4:\n%v", len(cerr.Problems), err)
	}
	if !strings.HasPrefix(err.Error(), "invalid configuration (4 problems):") {
		t.Errorf("unexpected header: %v", err)
	}
}

func TestAcceptedValues(t *testing.T) {
	ok := []map[string]any{
		{"app:image": "nginx"},
		{"app:image": "public.ecr.aws/nginx/nginx:1.27-alpine"},
		{"app:image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api:2024.06.01"},
		{"app:image": "ghcr.io/acme/api@sha256:" + strings.Repeat("a", 64)},
		{"app:image": "localhost:5000/api:dev"},
		{"app:cpu": "16384", "app:memory": "122880"},
		{"app:cpu": "4096", "app:memory": "30720"},
		{"app:routes": "GET /, ANY /{proxy+}, DELETE /users/{id}, GET /v1/items/{item_id}/parts/{proxy+}"},
		{"app:dbInstanceClass": "r7g.2xlarge"},
		{"app:dbEngineVersion": "16.13", "app:dbInstanceClass": "m5.large"},
		{"app:dbEngineVersion": "18.3", "app:account": "123456789012", "app:region": "eu-central-2", "app:dbInstanceClass": "t3.micro"},
		{"app:dbMaxAllocatedStorage": float64(0)},
		{"app:stageName": "v1"},
		{"app:natGateways": "0"},
		{"app:natGateways": "0", "app:image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1"},
		{"app:enableExecuteCommand": "true", "app:readonlyRootFilesystem": "false"},
		{"app:jwtIssuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC", "app:jwtAudience": "client1,client2", "app:routes": "GET /health,ANY /{proxy+}", "app:publicRoutes": "GET /health"},
		{"app:corsAllowOrigins": "https://app.example.com,http://localhost:3000", "app:corsAllowMethods": "*"},
		{"app:corsAllowOrigins": "https://app.example.com", "app:jwtIssuer": "https://issuer.example.com/", "app:jwtAudience": "abc", "app:routes": "ANY /{proxy+}", "app:publicRoutes": "ANY /{proxy+}"},
		{"app:domainName": "api.example.com", "app:hostedZoneId": "Z0123456789ABCDEFGHIJ", "app:hostedZoneName": "example.com."},
		{"app:domainName": "api.example.com", "app:certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"},
		{"app:alarmEmail": "oncall@example.com", "app:fargateSpot": "true"},
	}
	for _, ctx := range ok {
		if _, err := Load(ctx); err != nil {
			t.Errorf("Load(%v): %v", ctx, err)
		}
	}
}

var update = flag.Bool("update", false, "rewrite the configuration reference in docs/configuration.md")

const (
	refStart = "<!-- config-reference:start (generated by: go test ./config -run TestConfigurationReference -update) -->\n"
	refEnd   = "<!-- config-reference:end -->"
)

// referenceDoc is the user's configuration reference, relative to this package.
const referenceDoc = "../docs/configuration.md"

// TestConfigurationReference keeps the table of keys and defaults in
// docs/configuration.md identical to what the code does.
func TestConfigurationReference(t *testing.T) {
	raw, err := os.ReadFile(referenceDoc)
	if err != nil {
		t.Fatalf("read the configuration reference: %v", err)
	}
	doc := string(raw)
	i, j := strings.Index(doc, refStart), strings.Index(doc, refEnd)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the markers %q and %q", referenceDoc, refStart, refEnd)
	}
	want := Reference()
	got := doc[i+len(refStart) : j]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(referenceDoc, []byte(doc[:i+len(refStart)]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/configuration.md's reference is stale; run: go test ./config -run TestConfigurationReference -update\nwant:\n%s", want)
}

// TestKeysFromTags: the key table is the settings types' `key` and `doc`
// tags, each name once, each documented, and every problem a settings type
// reports lands on a key.
func TestKeysFromTags(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k.name] {
			t.Errorf("key %s declared twice", k.name)
		}
		seen[k.name] = true
		if k.doc == "" {
			t.Errorf("key %s has no doc tag", k.name)
		}
	}
	if len(keys) < 70 {
		t.Errorf("%d keys, want every tagged field of Config and its settings types", len(keys))
	}
	for _, tt := range []struct{ area, field, key string }{
		{"Database", "BackupRetentionDays", "dbBackupRetentionDays"},
		{"Service", "MemoryMiB", "memory"},
		{"Service", "MigrationCommand", "migrationCommand"},
		{"API", "ThrottleRateLimit", "throttleRateLimit"},
		{"Monitoring", "DBConnections", "alarmDbConnections"},
		{"Network", "MaxAZs", "maxAzs"},
	} {
		if got, ok := settingKey(tt.area, tt.field); !ok || got != tt.key {
			t.Errorf("settingKey(%s, %s) = %q, %v, want %s", tt.area, tt.field, got, ok, tt.key)
		}
	}
	if got, ok := settingKey("Service", "HealthCheckGracePeriodSeconds"); ok {
		t.Errorf("a field without a key tag has key %s", got)
	}
}
