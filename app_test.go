package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	acm "github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/fargate-api/config"
	"github.com/example/fargate-api/constructs/cdktest"
)

// The app's own tests: what main and synthesize promise (configuration
// errors before any stack, failures that name the settings and write
// nothing, the notes on moot settings, cdk.json's watch
// and hotswap settings). The stacks' tests, on one synthesis of every
// variant, are in stacks/.

func TestMain(m *testing.M) { cdktest.Main(m) }

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

// A failure after config validation (a CDK construct error, the bundled
// CloudFormation validator) must name the app: setting involved, and leave
// no template in the output directory. These tests force such failures,
// which validation now prevents, by changing the config after Load.

// leftovers lists the templates in outdir and any staging directory left
// next to it.
func leftovers(t *testing.T, outdir string) []string {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(outdir, "*.template.json"))
	staged, _ := filepath.Glob(outdir + ".synth-*")
	return append(left, staged...)
}

func TestConstructErrorNamesTheSettingAndWritesNothing(t *testing.T) {
	outdir := filepath.Join(t.TempDir(), "cdk.out")
	err := synthesize(outdir, awscdk.AppProps{Context: &map[string]any{
		"app:domainName":     "api.example.com",
		"app:hostedZoneId":   "Z0123456789ABCDEFGHIJ",
		"app:hostedZoneName": "example.com",
	}}, os.Stderr, func(app awscdk.App, cfg config.Config) {
		// The certificate the Api stack requests, for a name 58 characters
		// longer than the one set: 73 characters, where ACM takes 64.
		stack := awscdk.NewStack(app, jsii.String("Tiny"), nil)
		acm.NewCertificate(stack, jsii.String("Certificate"), &acm.CertificateProps{
			DomainName: jsii.String(strings.Repeat("a", 58) + "." + cfg.API.DomainName),
		})
	})
	if err == nil {
		t.Fatal("synthesis succeeded with a 73-character certificate domain")
	}
	for _, want := range []string{
		"synthesize: ",
		"Domain name must be 64 characters or less",
		"\n  - app:domainName = `api.example.com`", // what the user set
		"No templates were written to " + outdir,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "    at ") {
		t.Errorf("error carries a JavaScript stack trace:\n%v", err)
	}
	if left := leftovers(t, outdir); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// rejectClass is a validation plugin that fails every DBInstanceClass, the
// way the bundled CloudFormation validator (which costs seconds per test
// process) fails an invalid one: after the templates are written.
type rejectClass struct{ _ byte }

func (*rejectClass) Name() *string       { return jsii.String("reject-class") }
func (*rejectClass) RuleIds() *[]*string { return jsii.Strings("E3025") }
func (*rejectClass) Version() *string    { return jsii.String("1") }
func (*rejectClass) Validate(ctx awscdk.IPolicyValidationContext) *awscdk.PolicyValidationPluginReport {
	var violating []*awscdk.PolicyViolatingResource
	for _, path := range *ctx.TemplatePaths() {
		violating = append(violating, &awscdk.PolicyViolatingResource{
			ResourceLogicalId: jsii.String("Db"),
			TemplatePath:      path,
			Locations:         jsii.Strings("Properties/DBInstanceClass"),
		})
	}
	return &awscdk.PolicyValidationPluginReport{
		Success: jsii.Bool(false),
		Violations: &[]*awscdk.PolicyViolation{{
			RuleName:           jsii.String("E3025"),
			Description:        jsii.String("DBInstanceClass 'db.db.t4g.micro' is not one of [...] when Engine is 'postgres'"),
			ViolatingResources: &violating,
			Severity:           jsii.String("error"),
		}},
	}
}

func TestValidatorErrorNamesTheSettingAndWritesNothing(t *testing.T) {
	outdir := filepath.Join(t.TempDir(), "cdk.out")
	err := synthesize(outdir, awscdk.AppProps{
		Context:                         &map[string]any{"app:dbInstanceClass": "t4g.micro"},
		BuiltinCloudFormationValidation: jsii.Bool(false),
	}, os.Stderr, func(app awscdk.App, cfg config.Config) {
		awscdk.Validations_Of(app).AddPlugins(&rejectClass{})
		stack := awscdk.NewStack(app, jsii.String("Tiny"), nil)
		awscdk.NewCfnResource(stack, jsii.String("Db"), &awscdk.CfnResourceProps{
			Type:       jsii.String("AWS::RDS::DBInstance"),
			Properties: &map[string]any{"Engine": "postgres", "DBInstanceClass": "db.db." + cfg.Database.InstanceClass},
		})
	})
	if err == nil {
		t.Fatal("synthesis succeeded although a validation plugin failed")
	}
	for _, want := range []string{
		"synthesize: ",
		"\n  - app:dbInstanceClass = `t4g.micro`\n",
		filepath.Join(outdir, validationReport),
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, statErr := os.Stat(filepath.Join(outdir, validationReport)); statErr != nil {
		t.Errorf("the validation report the message points to is missing: %v", statErr)
	}
	if left := leftovers(t, outdir); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// A moot setting is named on synth, and the synthesis goes on.
func TestMootSettingIsNamedOnSynth(t *testing.T) {
	var said strings.Builder
	outdir := filepath.Join(t.TempDir(), "cdk.out")
	err := synthesize(outdir, awscdk.AppProps{
		Context:                         &map[string]any{"app:canaryPercent": "20"},
		BuiltinCloudFormationValidation: jsii.Bool(false),
	}, &said, func(app awscdk.App, cfg config.Config) {
		awscdk.NewStack(app, jsii.String("Tiny"), nil)
	})
	if err != nil {
		t.Fatalf("synthesis failed: %v", err)
	}
	want := `note: app:canaryPercent = 20 has no effect: app:deploymentStrategy is "rolling" (the dev profile's default); it applies to canary deployments` + "\n"
	if said.String() != want {
		t.Errorf("synth said:\n%q\nwant:\n%q", said.String(), want)
	}
	if _, err := os.Stat(filepath.Join(outdir, "Tiny.template.json")); err != nil {
		t.Errorf("no template written: %v", err)
	}
}

// TestWatchAndHotswapSettings holds what cdk.json tells `cdk watch` and
// `cdk deploy --hotswap` (docs/operations.md, "The fast loop"). That no hotswap can roll an
// image out without its migration is held by TestDatabaseAccess (the
// service's container carries an attribute of the migration run) and
// constructs/runtask's TestPinnedCLICannotHotswapTheService.
func TestWatchAndHotswapSettings(t *testing.T) {
	raw, err := os.ReadFile("cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var cdk struct {
		Watch struct {
			Exclude []string `json:"exclude"`
		} `json:"watch"`
		Hotswap struct {
			ECS struct {
				MinimumHealthyPercent *int `json:"minimumHealthyPercent"`
				MaximumHealthyPercent *int `json:"maximumHealthyPercent"`
			} `json:"ecs"`
		} `json:"hotswap"`
	}
	if err := json.Unmarshal(raw, &cdk); err != nil {
		t.Fatal(err)
	}
	t.Run("a hotswap keeps every task running (the CLI sends minimumHealthyPercent 0 when cdk.json sets none)", func(t *testing.T) {
		ecs := cdk.Hotswap.ECS
		if ecs.MinimumHealthyPercent == nil || *ecs.MinimumHealthyPercent != 100 || ecs.MaximumHealthyPercent == nil || *ecs.MaximumHealthyPercent != 200 {
			t.Errorf("hotswap.ecs = %s, want minimumHealthyPercent 100 and maximumHealthyPercent 200, as the service's own deployments", mustJSON(ecs))
		}
	})
	t.Run("watch ignores what deploys nothing (docs, scripts, other synth output directories)", func(t *testing.T) {
		for _, want := range []string{"**/*.md", "docs", "scripts", "cdk.out*", "**/*_test.go", "testdata"} {
			if !slices.Contains(cdk.Watch.Exclude, want) {
				t.Errorf("watch.exclude %v lacks %q", cdk.Watch.Exclude, want)
			}
		}
	})
	t.Run("watch redeploys a dependency change (go.mod, go.sum)", func(t *testing.T) {
		for _, deployed := range []string{"go.mod", "go.sum"} {
			if slices.Contains(cdk.Watch.Exclude, deployed) {
				t.Errorf("watch.exclude %v has %q: a dependency bump would not deploy until the next save of a .go file", cdk.Watch.Exclude, deployed)
			}
		}
	})
}

func mustJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}
