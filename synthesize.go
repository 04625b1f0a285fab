package main

// Synthesis of the whole app as main runs it: all or nothing, with
// failures that name the app: settings involved.

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/fargate-api/config"
	"github.com/example/fargate-api/stacks"
)

// synthesize loads the configuration from the App's context, builds the app
// with build (stacks.Build, for the real app) and synthesizes it into outdir, all
// or nothing: the templates are written to a staging directory next to
// outdir and move into outdir only when the whole synthesis (constructs,
// cdk-nag, the CloudFormation validator) succeeded. A failure after
// validation names the app: settings involved where it can
// (afterValidation). props are the App's; without Context, the CDK reads the
// context the CLI hands over (CDK_CONTEXT_JSON). notes receives what is worth
// saying but is not an error: settings that another one makes moot.
func synthesize(outdir string, props awscdk.AppProps, notes io.Writer, build func(awscdk.App, config.Config)) (err error) {
	var stage string
	if outdir != "" {
		parent := filepath.Dir(filepath.Clean(outdir))
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return err
		}
		if stage, err = os.MkdirTemp(parent, filepath.Base(filepath.Clean(outdir))+".synth-"); err != nil {
			return err
		}
		defer os.RemoveAll(stage)
		props.Outdir = jsii.String(stage)
	}

	var cfg config.Config
	var set map[string]any
	// CDK reports construct errors and failed template validation as panics
	// from the jsii kernel; the user needs the message and the setting, not
	// a Go stack trace.
	defer func() {
		if r := recover(); r != nil {
			err = afterValidation(r, cfg, set, stage, outdir)
		}
	}()
	app := awscdk.NewApp(&props)
	if cfg, set, err = loadConfig(app); err != nil {
		return err
	}
	// A setting another one makes moot (a canary share with rolling deploys)
	// is not an error, since one cdk.json serves every profile, but whoever
	// set it should hear that it does nothing here.
	for _, note := range config.Ineffective(set, cfg) {
		fmt.Fprintln(notes, "note:", note)
	}
	stacks.AddChecks(app)
	build(app, cfg)
	app.Synth(nil)
	if stage == "" {
		return nil
	}
	return publish(stage, outdir)
}

// publish moves everything synthesized into stage over to outdir.
func publish(stage, outdir string) error {
	if err := os.MkdirAll(outdir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(stage)
	if err != nil {
		return err
	}
	for _, e := range entries {
		to := filepath.Join(outdir, e.Name())
		if err := os.RemoveAll(to); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(stage, e.Name()), to); err != nil {
			return err
		}
	}
	return nil
}

// loadConfig reads the app's whole context (cdk.json merged with -c values)
// and loads the configuration from it. It returns the context too: what the
// user set, for the notes and failure messages that name settings.
func loadConfig(app awscdk.App) (config.Config, map[string]any, error) {
	set, _ := app.Node().GetAllContext(nil).(map[string]any)
	cfg, err := config.Load(set)
	return cfg, set, err
}

// validationReport is the file the CDK writes into the cloud assembly when
// a validation plugin (the bundled CloudFormation validator, cdk-nag through
// annotationsInValidationReport) reports findings.
const validationReport = "validation-report.json"

// involvement maps what a CDK error or a validation finding mentions (a
// CloudFormation property, a construct's message) to the app: settings that
// produce it.
var involvement = []struct {
	pattern *regexp.Regexp
	keys    []string
}{
	{regexp.MustCompile(`\bDBInstanceClass\b`), []string{"dbInstanceClass"}},
	{regexp.MustCompile(`\bEngineVersion\b|PostgresEngineVersion|\bpostgres[0-9]+\b`), []string{"dbEngineVersion"}},
	{regexp.MustCompile(`\b(Max)?AllocatedStorage\b`), []string{"dbAllocatedStorage", "dbMaxAllocatedStorage"}},
	{regexp.MustCompile(`\bBackupRetentionPeriod\b`), []string{"dbBackupRetentionDays"}},
	{regexp.MustCompile(`\bDBName\b|[Dd]atabase name`), []string{"dbName"}},
	{regexp.MustCompile(`\bMultiAZ\b`), []string{"dbMultiAz"}},
	{regexp.MustCompile(`\bInstanceType\b|NAT instance`), []string{"natInstanceType", "natProvider"}},
	{regexp.MustCompile(`\bNatGateway\b|NAT gateway`), []string{"natGateways", "natProvider"}},
	{regexp.MustCompile(`\bAvailabilityZones?\b|availability zones`), []string{"maxAzs"}},
	{regexp.MustCompile(`\bClusterName\b|[Cc]luster name`), []string{"clusterName"}},
	{regexp.MustCompile(`\bFamily\b|task family`), []string{"taskFamily"}},
	{regexp.MustCompile(`\bContainerDefinitions\b|[Cc]ontainer name|awslogs-stream-prefix`), []string{"containerName"}},
	{regexp.MustCompile(`\bImage\b|container image`), []string{"image"}},
	{regexp.MustCompile(`\bCpuArchitecture\b|\bRuntimePlatform\b`), []string{"cpuArchitecture"}},
	{regexp.MustCompile(`\bCpu\b|\bCPU\b|\bMemory\b|\bmemory\b`), []string{"cpu", "memory"}},
	{regexp.MustCompile(`\bContainerPort\b`), []string{"containerPort"}},
	{regexp.MustCompile(`\bHealthCheckPath\b`), []string{"healthCheckPath"}},
	{regexp.MustCompile(`\bReadonlyRootFilesystem\b`), []string{"readonlyRootFilesystem"}},
	{regexp.MustCompile(`\b(Min|Max)Capacity\b`), []string{"minCapacity", "maxCapacity"}},
	{regexp.MustCompile(`\bEnableExecuteCommand\b|ExecuteCommandConfiguration`), []string{"enableExecuteCommand"}},
	{regexp.MustCompile(`\bCapacityProviderStrategy\b|FARGATE_SPOT`), []string{"fargateSpot"}},
	{regexp.MustCompile(`deletion_protection`), []string{"albDeletionProtection"}},
	{regexp.MustCompile(`\bRetentionInDays\b`), []string{"flowLogRetentionDays", "dbLogRetentionDays", "logRetentionDays", "accessLogRetentionDays"}},
	{regexp.MustCompile(`\bRouteKey\b|\b[Rr]outes?\b`), []string{"routes"}},
	{regexp.MustCompile(`\bStageName\b|[Ss]tage name`), []string{"stageName"}},
	{regexp.MustCompile(`\bThrottling(Rate|Burst)Limit\b`), []string{"throttleRateLimit", "throttleBurstLimit"}},
	{regexp.MustCompile(`\bJwtConfiguration\b|\bIssuer\b|\bAudience\b`), []string{"jwtIssuer", "jwtAudience"}},
	{regexp.MustCompile(`\bCorsConfiguration\b|\bAllow(Origins|Methods|Headers)\b`), []string{"corsAllowOrigins", "corsAllowMethods", "corsAllowHeaders"}},
	{regexp.MustCompile(`\bDomainName\b|[Dd]omain name`), []string{"domainName"}},
	{regexp.MustCompile(`\bCertificateArn\b`), []string{"certificateArn"}},
	{regexp.MustCompile(`\bHostedZoneId\b|[Hh]osted zone`), []string{"hostedZoneId", "hostedZoneName"}},
	{regexp.MustCompile(`\b[Ee]-?mail\b`), []string{"alarmEmail"}},
}

// reportEvidence is what each violation in a validation report says: its
// description and the template properties it points at.
func reportEvidence(raw []byte) string {
	var report struct {
		PluginReports []struct {
			Violations []struct {
				Description         string `json:"description"`
				Severity            string `json:"severity"`
				ViolatingConstructs []struct {
					CloudFormationResource struct {
						PropertyPaths []string `json:"propertyPaths"`
					} `json:"cloudFormationResource"`
				} `json:"violatingConstructs"`
			} `json:"violations"`
		} `json:"pluginReports"`
	}
	if json.Unmarshal(raw, &report) != nil {
		return ""
	}
	var b strings.Builder
	for _, r := range report.PluginReports {
		for _, v := range r.Violations {
			if v.Severity != "error" && v.Severity != "fatal" && v.Severity != "warning" {
				continue
			}
			b.WriteString("\n" + v.Description)
			for _, c := range v.ViolatingConstructs {
				b.WriteString(" " + strings.Join(c.CloudFormationResource.PropertyPaths, " "))
			}
		}
	}
	return b.String()
}

// afterValidation turns a panic from the CDK (a construct error, failed
// template validation) into the error the user sees: the CDK's message
// without its JavaScript stack, the app: settings it involves with their
// values, and where the validation report is. The staged templates are
// never published, so outdir holds none from this run.
func afterValidation(r any, cfg config.Config, context map[string]any, stage, outdir string) error {
	msg := fmt.Sprint(r)
	if err, ok := r.(error); ok {
		msg = err.Error()
	}
	var lines []string
	for _, l := range strings.Split(msg, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "at ") || strings.TrimSpace(l) == "" {
			continue
		}
		lines = append(lines, strings.TrimRight(l, " "))
	}
	msg = strings.Join(lines, "\n")
	evidence := msg

	// The report names the failing properties; keep it for the user, in
	// outdir (the staging directory goes away).
	if stage != "" {
		from := filepath.Join(stage, validationReport)
		if raw, err := os.ReadFile(from); err == nil {
			evidence += reportEvidence(raw)
			to := filepath.Join(outdir, validationReport)
			if os.MkdirAll(outdir, 0o755) == nil && os.Rename(from, to) == nil {
				// The CDK names the report by an absolute or a relative path,
				// whichever is shorter.
				staged := regexp.MustCompile(`\S*` + regexp.QuoteMeta(filepath.Base(stage)+string(filepath.Separator)+validationReport))
				msg = staged.ReplaceAllLiteralString(msg, to)
			}
		}
	}

	var b strings.Builder
	b.WriteString("synthesize: " + msg)
	if keys := involved(evidence); len(keys) > 0 {
		b.WriteString("\nThe failure involves these settings (it passed config validation, which should have caught it: please report it):")
		for _, k := range keys {
			note := ""
			if _, ok := context[config.Prefix+k]; !ok && cfg.Profile != "" {
				note = " (the " + cfg.Profile + " profile's default)"
			}
			fmt.Fprintf(&b, "\n  - %s%s = %s%s", config.Prefix, k, cfg.Value(k), note)
		}
	} else {
		var set []string
		for name := range context {
			if strings.HasPrefix(name, config.Prefix) {
				set = append(set, name)
			}
		}
		slices.Sort(set)
		if len(set) > 0 {
			b.WriteString("\nNo app: setting could be matched to it; the settings you set: " + strings.Join(set, ", "))
		}
	}
	if outdir != "" {
		b.WriteString("\nNo templates were written to " + outdir + ".")
	}
	return fmt.Errorf("%s", b.String())
}

// involved lists the app: keys (without the prefix) that text mentions,
// in documentation order.
func involved(text string) []string {
	found := map[string]bool{}
	for _, inv := range involvement {
		if inv.pattern.MatchString(text) {
			for _, k := range inv.keys {
				found[k] = true
			}
		}
	}
	var out []string
	for _, k := range config.Keys() {
		if k = strings.TrimPrefix(k, config.Prefix); found[k] {
			out = append(out, k)
		}
	}
	return out
}
