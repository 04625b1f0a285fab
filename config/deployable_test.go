package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestLoadRejectsWhatCannotDeploy holds the values issue 7 found passing
// validation and failing later (in the CDK, in the bundled CloudFormation
// validator, or when a task starts), and one case per rule added for them.
// Each case lists every message the user must see: nothing more is reported.
func TestLoadRejectsWhatCannotDeploy(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	// A 65-character name inside example.com: a valid DNS name, but ACM caps
	// the first name of a certificate at 64.
	domain65 := long(53) + ".example.com"
	tests := []struct {
		name    string
		context map[string]any
		want    []string
	}{
		{"instance class with its db. prefix", map[string]any{"app:dbInstanceClass": "db.t4g.micro"},
			[]string{`app:dbInstanceClass: "db.t4g.micro" is not allowed; allowed: the class without its db. prefix: t4g.micro (the CDK adds db., so db.t4g.micro would become db.db.t4g.micro)`}},
		{"instance class unknown with db. prefix", map[string]any{"app:dbInstanceClass": "db.t4g.tiny"},
			[]string{`app:dbInstanceClass: "db.t4g.tiny" is not allowed; allowed: an RDS for PostgreSQL instance class, without the db. prefix, that the CloudFormation validator bundled with aws-cdk-lib 2.276.0 accepts; t4g sizes: micro, small, medium, large, xlarge, 2xlarge`}},
		{"instance class not offered for the engine version (E3062)", map[string]any{"app:dbInstanceClass": "t2.micro"},
			[]string{`app:dbInstanceClass: "t2.micro" is not allowed; allowed: a class RDS offers for PostgreSQL 17.9 (validator rule E3062); families: c6gd, m5,`}},
		{"instance class not offered in the region (E3025)", map[string]any{"app:account": "123456789012", "app:region": "af-south-1", "app:dbInstanceClass": "m7g.large"},
			[]string{`app:dbInstanceClass: "m7g.large" is not allowed; allowed: a class RDS offers for PostgreSQL in af-south-1 (validator rule E3025)`}},
		{"profile default class not offered in the region", map[string]any{"app:account": "123456789012", "app:region": "ca-west-1"},
			[]string{`app:dbInstanceClass: "t4g.micro" (the dev profile's default) is not allowed; allowed: a class RDS offers for PostgreSQL in ca-west-1`}},
		{"PostgreSQL minor version that does not exist", map[string]any{"app:dbEngineVersion": "16.99"},
			[]string{`app:dbEngineVersion: "16.99" is not allowed; allowed: PostgreSQL 16 up to 16.13, the newest aws-cdk-lib 2.276.0 knows (rds.PostgresEngineVersion); a newer version needs a CDK upgrade`}},
		{"PostgreSQL version newer than the CDK", map[string]any{"app:dbEngineVersion": "17.10"},
			[]string{`app:dbEngineVersion: "17.10" is not allowed; allowed: PostgreSQL 17 up to 17.9, the newest aws-cdk-lib 2.276.0 knows`}},
		{"PostgreSQL version RDS no longer offers", map[string]any{"app:dbEngineVersion": "15.11"},
			[]string{`app:dbEngineVersion: "15.11" is not allowed; allowed: a PostgreSQL 15 version aws-cdk-lib 2.276.0 knows and RDS offers for new instances: 15.13, 15.14, 15.15, 15.16, 15.17`}},
		{"PostgreSQL version the validator lists but RDS retired", map[string]any{"app:dbEngineVersion": "17.4"},
			[]string{`app:dbEngineVersion: "17.4" is not allowed; allowed: a PostgreSQL 17 version aws-cdk-lib 2.276.0 knows and RDS offers for new instances: 17.5, 17.6, 17.7, 17.8, 17.9`}},
		{"PostgreSQL major newer than the CDK", map[string]any{"app:dbEngineVersion": "19.1"},
			[]string{`app:dbEngineVersion: "19.1" is not allowed; allowed: PostgreSQL up to 18 (18.3), the newest aws-cdk-lib 2.276.0 knows; a newer major needs a CDK upgrade`}},
		{"PostgreSQL major alone", map[string]any{"app:dbEngineVersion": "17"},
			[]string{`app:dbEngineVersion: "17" is not allowed; allowed: a full minor version such as 17.9`}},
		{"engine version as a JSON number", map[string]any{"app:dbEngineVersion": 16.10},
			[]string{`app:dbEngineVersion: number 16.1 is not a string: a JSON number can lose digits (16.10 reads as 16.1, 012345678901 as 12345678901); allowed: the value as a JSON string, e.g. "app:dbEngineVersion": "16.1" in cdk.json`}},
		{"account as a JSON number", map[string]any{"app:account": 12345678901.0, "app:region": "eu-west-1"},
			[]string{`app:account: number 12345678901 is not a string: a JSON number can lose digits (16.10 reads as 16.1, 012345678901 as 12345678901); allowed: the value as a JSON string, e.g. "app:account": "12345678901" in cdk.json`}},
		{"environment value as a JSON number", map[string]any{"app:environment": map[string]any{"WORKERS": 4.0}},
			[]string{`app:environment: value of WORKERS is number 4; allowed: string values, e.g. {"WORKERS": "4"}`}},
		{"region that does not exist", map[string]any{"app:account": "123456789012", "app:region": "eu-west-9"},
			[]string{`app:region: "eu-west-9" is not allowed; allowed: a region aws-cdk-lib 2.276.0's region-info knows (did you mean eu-west-1?): af-south-1, `}},
		{"certificate domain longer than ACM allows", map[string]any{"app:domainName": domain65, "app:hostedZoneId": "Z0123456789ABCDEFGHIJ", "app:hostedZoneName": "example.com"},
			[]string{`app:domainName: "` + domain65 + `" is not allowed; allowed: with hostedZoneId (the app requests an ACM certificate for it), at most 64 characters (ACM's limit on a certificate's first domain name; this one has 65)`}},
		{"container name whose log stream names exceed 512", map[string]any{"app:containerName": long(240)},
			[]string{`app:containerName: "` + long(240) + `" is not allowed; allowed: at most 239 characters (this one has 240): its awslogs stream names, name/name/<32-character task ID>, must fit CloudWatch Logs' 512 characters`}},
		{"key without the app: prefix", map[string]any{"profile": "prod"},
			[]string{`profile: not a key of this app: every setting has the app: prefix (did you mean app:profile? e.g. -c app:profile=prod)`}},
		{"prefix in another case", map[string]any{"App:cpu": "512"},
			[]string{`App:cpu: not a key of this app: the prefix is app:, in lower case (did you mean app:cpu?)`}},
		{"prefix with another separator and a misspelt key", map[string]any{"app.stageNme": "v1"},
			[]string{`app.stageNme: not a key of this app: the prefix is app:, in lower case (did you mean app:stageName?)`}},
		{"unprefixed key in another case", map[string]any{"CPU": "512"},
			[]string{`CPU: not a key of this app: every setting has the app: prefix (did you mean app:cpu?`}},
		{"bad name: no follow-on for cluster and family", map[string]any{"app:name": "my app"},
			[]string{`app:name: "my app" is not allowed`}},
		{"type error states the allowed range, no follow-on for memory", map[string]any{"app:cpu": "lots", "app:memory": "4096"},
			[]string{`app:cpu: "lots" is not a whole number; allowed: one of 256, 512, 1024, 2048, 4096, 8192, 16384 CPU units`}},
		{"number out of range", map[string]any{"app:maxAzs": "99999999999"},
			[]string{`app:maxAzs: "99999999999" is out of range; allowed: 2 to 6`}},
		{"fraction for a whole number", map[string]any{"app:minCapacity": 2.5},
			[]string{`app:minCapacity: 2.5 is not a whole number; allowed: 2 to 500`}},
		{"boolean for a string", map[string]any{"app:stageName": true},
			[]string{`app:stageName: boolean true is not a string; allowed: 1 to 128 letters, digits, hyphens or underscores`}},
		{"number for a list", map[string]any{"app:jwtAudience": 5.0},
			[]string{`app:jwtAudience: number 5 is not a list; allowed: a JSON array of strings, or items separated by commas`}},
		{"type error on a required value: no second message about its default", map[string]any{"app:jwtIssuer": "https://issuer.example.com/", "app:jwtAudience": 5.0},
			[]string{`app:jwtAudience: number 5 is not a list; allowed: a JSON array of strings, or items separated by commas`}},
		{"profile default named as such", map[string]any{"app:profile": "prod", "app:cpu": "1024"},
			[]string{`app:memory: 1024 (the prod profile's default) is not allowed; allowed: with cpu 1024, one of 2048`}},
		{"bad cpu: no follow-on for the memory set with it", map[string]any{"app:cpu": "300", "app:memory": "512"},
			[]string{`app:cpu: 300 is not allowed`}},
		{"bad maxCapacity: no follow-on for minCapacity", map[string]any{"app:maxCapacity": "1"},
			[]string{`app:maxCapacity: 1 is not allowed; allowed: 2 to 500`}},
		{"bad region: no follow-on for the certificate's region", map[string]any{"app:account": "123456789012", "app:region": "mars-1", "app:domainName": "api.example.com", "app:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"},
			[]string{`app:region: "mars-1" is not allowed`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.context)
			cerr, ok := err.(*Error)
			if !ok {
				t.Fatalf("Load(%v) = %v, want a *Error", tt.context, err)
			}
			if len(cerr.Problems) != len(tt.want) {
				t.Errorf("got %d problems, want %d:\n%v", len(cerr.Problems), len(tt.want), err)
			}
			for i, w := range tt.want {
				if i < len(cerr.Problems) && !strings.HasPrefix(cerr.Problems[i], w) && !strings.Contains(cerr.Problems[i], w) {
					t.Errorf("problem %d does not contain %q:\n%v", i, w, err)
				}
			}
		})
	}
}

// TestLoadAcceptsWhatDeploys pins the edges of the new rules from the
// accepting side, so a rule that rejects everything fails here.
func TestLoadAcceptsWhatDeploys(t *testing.T) {
	for _, ctx := range []map[string]any{
		{"app:containerName": strings.Repeat("a", 239)},
		{"app:domainName": strings.Repeat("a", 52) + ".example.com", "app:hostedZoneId": "Z0123456789ABCDEFGHIJ", "app:hostedZoneName": "example.com"},
		// A certificate the user brings may carry a longer name as a SAN.
		{"app:domainName": strings.Repeat("a", 60) + "." + strings.Repeat("b", 60) + ".example.com", "app:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"},
		{"app:dbEngineVersion": "14.22"},
		{"app:dbEngineVersion": "14.18"},
		{"app:dbEngineVersion": "18.3", "app:dbInstanceClass": "r8g.large"},
		{"app:account": "123456789012", "app:region": "us-east-1", "app:dbInstanceClass": "m7g.large"},
		{"app:account": "123456789012", "app:region": "eusc-de-east-1"},
		{"app:dbEngineVersion": "16.10"},
		// CDK's own context keys are the CDK's business.
		{"@aws-cdk/core:newStyleStackSynthesis": true, "aws:cdk:enable-path-metadata": true, "availability-zones:account=1:region=x": []any{"a"}, "cli-telemetry": false},
	} {
		if _, err := Load(ctx); err != nil {
			t.Errorf("Load(%v): %v", ctx, err)
		}
	}
}

// TestProblemsInStableOrder: the same mistakes give the same message, in
// documentation order of the keys, every time.
func TestProblemsInStableOrder(t *testing.T) {
	ctx := map[string]any{
		"app:hostedZoneName": "example.com", "app:hostedZoneId": "Z123", "app:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012",
		"app:cpu": "300", "app:maxAzs": "1", "app:typo": "1", "Profile": "prod",
		"app:minCapacity": "many", "app:flowLogRetentionDays": "long", "app:dbAllocatedStorage": true,
	}
	_, first := Load(ctx)
	var keys []string
	for _, p := range first.(*Error).Problems {
		k, _, _ := strings.Cut(p, ":")
		if k == "app" {
			k = "app:" + strings.SplitN(p, ":", 3)[1]
		}
		keys = append(keys, k)
	}
	want := []string{"Profile", "app:typo", "app:maxAzs", "app:flowLogRetentionDays", "app:dbAllocatedStorage", "app:cpu", "app:minCapacity", "app:certificateArn", "app:hostedZoneId", "app:hostedZoneName"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("problem order = %v, want %v:\n%v", keys, want, first)
	}
	for range 20 {
		if _, again := Load(ctx); again.Error() != first.Error() {
			t.Fatalf("messages differ between runs:\n%v\n---\n%v", first, again)
		}
	}
}

// TestCDKDataMatchesGoMod fails when go.mod moves to another aws-cdk-go
// version and cdkdata_gen.go still holds the old CDK's lists. (`.ci/run`
// also regenerates the file and compares it byte for byte.)
func TestCDKDataMatchesGoMod(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/aws/aws-cdk-go/awscdk/v2 (v\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod does not require github.com/aws/aws-cdk-go/awscdk/v2")
	}
	if string(m[1]) != cdkModuleVersion {
		t.Errorf("go.mod requires aws-cdk-go %s, cdkdata_gen.go was generated from %s; run: go generate ./config", m[1], cdkModuleVersion)
	}
	if len(postgresVersions()) == 0 || len(awsRegions) == 0 || len(postgresRegionClasses) == 0 {
		t.Error("cdkdata_gen.go lacks data")
	}
}
