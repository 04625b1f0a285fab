package stacks_test

// Every setting reaches a template: a key that is accepted and validated but
// changes nothing the stacks are built from is a user's value silently
// ignored (a forgotten line in app.go). The keys come from config.Keys(), so
// a new key is covered as soon as it exists: TestEverySettingHasAValueToTry
// (always, pure Go) fails until reachValues gives it a value, and
// TestEverySettingReachesATemplate (one synthesis per key, ~1-2 min: run by
// CI, or here with REACH=1) fails when that value leaves every template as
// it was.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/fargate-api/config"
	"github.com/example/fargate-api/stacks"
)

// reachValue is a valid value off the default for one key, and the other
// settings (with) that the key needs to mean anything: a canary share needs
// canary deploys. The test compares the templates of with alone against
// with plus the key.
type reachValue struct {
	value string
	with  map[string]any
}

// inert are the keys that change no template, with the reason. The test
// holds that each still does not: a key that starts to matter loses its
// excuse.
var inert = map[string]string{
	"app:hostedZoneName": "it only lets validation check that domainName lies in the zone: " +
		"the certificate's validation records and the alias record take the zone by ID, and the record name is domainName itself",
}

var (
	pinned   = map[string]any{"app:account": "123456789012", "app:region": "eu-west-1"}
	canary   = map[string]any{"app:deploymentStrategy": "canary"}
	linear   = map[string]any{"app:deploymentStrategy": "linear"}
	jwt      = map[string]any{"app:jwtIssuer": "https://issuer.example.com/", "app:jwtAudience": "client1"}
	cors     = map[string]any{"app:corsAllowOrigins": "https://app.example.com"}
	traced   = map[string]any{"app:tracing": "true"}
	byCert   = map[string]any{"app:domainName": "api.example.com", "app:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"}
	byZone   = map[string]any{"app:domainName": "api.team.example.com", "app:hostedZoneId": "Z0123456789ABCDEFGHIJ", "app:hostedZoneName": "example.com"}
	ciRepo   = map[string]any{"app:ciRepository": "octo-org/fargate-api"}
	withJWT  = func(more map[string]any) map[string]any { m := maps.Clone(jwt); maps.Copy(m, more); return m }
	reachAZs = map[string]any{
		"availability-zones:account=210987654321:region=eu-west-1":    []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
		"availability-zones:account=123456789012:region=eu-central-1": []any{"eu-central-1a", "eu-central-1b", "eu-central-1c"},
	}
)

// reachValues has one entry per key of config.Keys().
var reachValues = map[string]reachValue{
	"app:profile":                   {"prod", nil},
	"app:name":                      {"Reach", nil},
	"app:account":                   {"210987654321", pinned},
	"app:region":                    {"eu-central-1", pinned},
	"app:maxAzs":                    {"3", pinned},
	"app:natGateways":               {"2", nil},
	"app:natProvider":               {"gateway", nil},
	"app:natInstanceType":           {"t4g.micro", nil},
	"app:flowLogRetentionDays":      {"30", nil},
	"app:dbEngineVersion":           {"16.13", nil},
	"app:dbInstanceClass":           {"t4g.small", nil},
	"app:dbAllocatedStorage":        {"30", nil},
	"app:dbMaxAllocatedStorage":     {"100", nil},
	"app:dbBackupRetentionDays":     {"7", nil},
	"app:dbName":                    {"shop", nil},
	"app:dbMultiAz":                 {"true", nil},
	"app:dbLogRetentionDays":        {"30", nil},
	"app:dbKeepLegacySecret":        {"true", nil},
	"app:clusterName":               {"reach-cluster", nil},
	"app:taskFamily":                {"reach-family", nil},
	"app:containerName":             {"web", nil},
	"app:image":                     {"nginx:1.27", nil},
	"app:migrationCommand":          {"migrate up", nil},
	"app:openEgress":                {"true", nil},
	"app:cpuArchitecture":           {"ARM64", nil},
	"app:cpu":                       {"512", map[string]any{"app:memory": "1024"}},
	"app:memory":                    {"1024", nil},
	"app:containerPort":             {"9090", nil},
	"app:healthCheckPath":           {"/ping", nil},
	"app:environment":               {"REACH=1", nil},
	"app:readonlyRootFilesystem":    {"false", nil},
	"app:minCapacity":               {"3", nil},
	"app:maxCapacity":               {"6", nil},
	"app:cpuTargetPercent":          {"50", nil},
	"app:requestsPerTarget":         {"500", nil},
	"app:logRetentionDays":          {"30", nil},
	"app:enableExecuteCommand":      {"true", map[string]any{"app:readonlyRootFilesystem": "false"}},
	"app:fargateSpot":               {"true", nil},
	"app:albDeletionProtection":     {"true", nil},
	"app:deploymentStrategy":        {"blueGreen", nil},
	"app:canaryPercent":             {"20", canary},
	"app:canaryBakeMinutes":         {"15", canary},
	"app:linearStepPercent":         {"20", linear},
	"app:linearStepBakeMinutes":     {"3", linear},
	"app:deploymentBakeMinutes":     {"7", canary},
	"app:tracing":                   {"true", nil},
	"app:tracingSampleRate":         {"0.5", traced},
	"app:tracingCollectorCpu":       {"32", traced},
	"app:tracingCollectorMemory":    {"96", traced},
	"app:routes":                    {"GET /reach", nil},
	"app:stageName":                 {"v2", nil},
	"app:throttleRateLimit":         {"50", nil},
	"app:throttleBurstLimit":        {"60", nil},
	"app:accessLogRetentionDays":    {"30", nil},
	"app:jwtIssuer":                 {"https://login.example.com/", jwt},
	"app:jwtAudience":               {"client2", jwt},
	"app:publicRoutes":              {"GET /health", withJWT(map[string]any{"app:routes": "GET /health,ANY /{proxy+}"})},
	"app:corsAllowOrigins":          {"https://app.example.com", nil},
	"app:corsAllowMethods":          {"GET", cors},
	"app:corsAllowHeaders":          {"x-reach", cors},
	"app:corsMaxAgeSeconds":         {"60", cors},
	"app:domainName":                {"api2.example.com", byCert},
	"app:certificateArn":            {"arn:aws:acm:us-east-1:123456789012:certificate/87654321-4321-4321-4321-210987654321", byCert},
	"app:hostedZoneId":              {"Z9876543210ABCDEFGHIJ", byZone},
	"app:hostedZoneName":            {"team.example.com", byZone},
	"app:alarmEmail":                {"oncall@example.com", nil},
	"app:alarmApi5xxPercent":        {"7", nil},
	"app:alarmApiLatencyP99Ms":      {"1500", nil},
	"app:alarmTarget5xxPerMinute":   {"25", nil},
	"app:alarmTargetResponseP99Ms":  {"750", nil},
	"app:alarmServiceCpuPercent":    {"70", nil},
	"app:alarmServiceMemoryPercent": {"75", nil},
	"app:alarmDbCpuPercent":         {"65", nil},
	"app:alarmDbFreeStorageGiB":     {"8", nil},
	"app:alarmDbConnections":        {"120", nil},
	"app:ciRepository":              {"octo-org/fargate-api", nil},
	"app:ciRepositoryIds":           {"1234/5678", ciRepo},
	"app:ciEnvironments":            {"staging", ciRepo},
	"app:ciOidcProviderArn":         {"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com", ciRepo},
}

// reachContexts returns, for key, the context without it (cdk.json's,
// what the key needs, and the AZs the pinned values look up) and with it.
func reachContexts(t *testing.T, key string) (without, with map[string]any) {
	t.Helper()
	base, err := testContext()
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(base, reachAZs)
	maps.Copy(base, reachValues[key].with)
	with = maps.Clone(base)
	with[key] = reachValues[key].value
	return base, with
}

// TestEverySettingHasAValueToTry holds that every key has a reachValues
// entry whose value loads, differs from what the key would otherwise be,
// and is not one config.Ineffective calls moot: so that the synthesis below
// tries something real for each.
func TestEverySettingHasAValueToTry(t *testing.T) {
	for _, key := range config.Keys() {
		t.Run(key, func(t *testing.T) {
			if _, ok := reachValues[key]; !ok {
				t.Fatalf("no value to try: add a valid value other than the default to reachValues in reach_test.go (and what it needs in with)")
			}
			without, with := reachContexts(t, key)
			before, err := config.Load(without)
			if err != nil {
				t.Fatalf("the settings it needs do not load: %v", err)
			}
			after, err := config.Load(with)
			if err != nil {
				t.Fatalf("%s=%s does not load: %v", key, reachValues[key].value, err)
			}
			if reflect.DeepEqual(before, after) {
				t.Errorf("%s=%s loads the same configuration as leaving it out: pick a value off the default", key, reachValues[key].value)
			}
			for _, note := range config.Ineffective(with, after) {
				t.Errorf("%s=%s is moot with these settings (%s): add what it needs to with", key, reachValues[key].value, note)
			}
		})
	}
	for key := range reachValues {
		if !slices.Contains(config.Keys(), key) {
			t.Errorf("reachValues has %s, which is not a key any more", key)
		}
	}
	for key := range inert {
		if !slices.Contains(config.Keys(), key) {
			t.Errorf("inert has %s, which is not a key any more", key)
		}
	}
}

// TestEverySettingReachesATemplate synthesizes the app once per key with
// and without the key's value, and fails for a key whose value changes no
// template. Each synthesis is one App of its own without cdk-nag or the
// CloudFormation validator (other tests hold those): ~1 s each when the
// machine is idle, so it runs only when REACH=1 (CI sets it).
func TestEverySettingReachesATemplate(t *testing.T) {
	if os.Getenv("REACH") != "1" {
		t.Skip("one synthesis per setting (~1-2 min): REACH=1 go test -run TestEverySettingReachesATemplate ./stacks (CI runs it)")
	}
	cache := map[string][]byte{}
	templates := func(t *testing.T, ctx map[string]any) []byte {
		t.Helper()
		key, _ := json.Marshal(ctx)
		if out, ok := cache[string(key)]; ok {
			return out
		}
		cfg, err := config.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out, err := synthesizeTemplates(t.TempDir(), ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		cache[string(key)] = out
		return out
	}
	for _, key := range config.Keys() {
		t.Run(key, func(t *testing.T) {
			if _, ok := reachValues[key]; !ok {
				t.Fatal("no value to try (TestEverySettingHasAValueToTry)")
			}
			without, with := reachContexts(t, key)
			same := bytes.Equal(templates(t, without), templates(t, with))
			switch inert := inert[key]; {
			case same && inert == "":
				t.Errorf("%s=%s changes no template: the value is accepted and validated, then ignored", key, reachValues[key].value)
			case !same && inert != "":
				t.Errorf("%s=%s now changes a template: drop its inert note in reachValues (%q)", key, reachValues[key].value, inert)
			}
		})
	}
}

// synthesizeTemplates builds the app for cfg in an App of its own and
// returns its templates (the five, and the CI stack with app:ciRepository),
// in build order, as one JSON document.
func synthesizeTemplates(outdir string, ctx map[string]any, cfg config.Config) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesis failed: %v", r)
		}
	}()
	app := awscdk.NewApp(&awscdk.AppProps{
		Context:                         &ctx,
		Outdir:                          jsii.String(outdir),
		BuiltinCloudFormationValidation: jsii.Bool(false),
	})
	stacks.Build(app, cfg, sampleImageDir)
	dir := *app.Synth(nil).Directory()
	var all []map[string]any
	for _, name := range stackNames(cfg) {
		tpl, _, err := readArtifact(dir, name)
		if err != nil {
			return nil, err
		}
		all = append(all, tpl)
	}
	return json.Marshal(all)
}
