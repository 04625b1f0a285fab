// Command fargate-api is the CDK app: API Gateway HTTP API → VPC link →
// internal ALB → ECS Fargate → RDS for PostgreSQL, in five stacks.
//
// It loads one validated configuration from CDK context, builds the stacks
// and synthesizes them. Invalid configuration ends the process with one
// message per problem and exit code 1, before any template is written; a
// failure after validation (a construct, cdk-nag or the CloudFormation
// validator) also exits 1, names the app: settings involved (failure.go) and
// leaves no template of this run in the output directory.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/example/fargate-api/config"
	"github.com/example/fargate-api/stacks"
)

// sampleImageDir is the sample API's Docker build context, relative to the
// directory cdk and go test run in (the repository root).
const sampleImageDir = "sampleapi"

func main() {
	// The CDK CLI (and scripts/synth.sh) name the output directory in
	// CDK_OUTDIR; without it the CDK picks a temporary one.
	// A configuration error is reported before the jsii kernel loads
	// aws-cdk-lib (seconds of Node.js), so that it comes at once and alone.
	// The kernel itself has started already (the CDK packages register
	// their types with it when they are initialized): Close removes the
	// runtime it unpacked.
	if ctx, ok := cliContext(); ok {
		if _, err := config.Load(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			jsii.Close()
			os.Exit(1)
		}
	}
	err := synthesizeApp(os.Getenv("CDK_OUTDIR"), awscdk.AppProps{}, func(app awscdk.App, cfg config.Config) { build(app, cfg) })
	// Close stops the jsii kernel's Node.js process and removes the 2 MB
	// runtime it unpacked into the temporary directory (jsii-runtime.*);
	// without it every synthesis leaves one behind.
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// cliContext reads the context the CDK CLI (or scripts/synth.sh) hands the
// app, as aws-cdk-lib's App does: CDK_CONTEXT_JSON, overlaid with the file
// that CONTEXT_OVERFLOW_LOCATION_ENV names when the context is too large
// for the environment. ok is false when either does not parse; the App then
// reports it.
func cliContext() (ctx map[string]any, ok bool) {
	ctx = map[string]any{}
	if s := os.Getenv("CDK_CONTEXT_JSON"); s != "" {
		if json.Unmarshal([]byte(s), &ctx) != nil {
			return nil, false
		}
	}
	if file := os.Getenv("CONTEXT_OVERFLOW_LOCATION_ENV"); file != "" {
		raw, err := os.ReadFile(file)
		overflow := map[string]any{}
		if err != nil || json.Unmarshal(raw, &overflow) != nil {
			return nil, false
		}
		maps.Copy(ctx, overflow)
	}
	return ctx, true
}

// notes receives what synthesizeApp has to say that is not an error.
var notes io.Writer = os.Stderr

// synthesizeApp loads the configuration, builds the app with buildApp and
// synthesizes it into outdir, all or nothing: the templates are written to a
// staging directory next to outdir and move into outdir only when the whole
// synthesis (constructs, cdk-nag, the CloudFormation validator) succeeded.
// A failure after validation names the app: settings involved where it can
// (failure.go). props are the App's; without Context, the CDK reads the
// context the CLI hands over (CDK_CONTEXT_JSON).
func synthesizeApp(outdir string, props awscdk.AppProps, buildApp func(awscdk.App, config.Config)) (err error) {
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
	addChecks(app)
	buildApp(app, cfg)
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

// addChecks runs cdk-nag's AwsSolutions pack over everything in app. Its
// findings are error annotations, which fail `cdk synth` and `cdk deploy`.
func addChecks(app awscdk.App) {
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// stackSet is the five stacks of one built copy of the app, for callers
// (tests) that need to reach into them.
type stackSet struct {
	Network    *stacks.Network
	Database   *stacks.Database
	Service    *stacks.Service
	API        *stacks.API
	Monitoring *stacks.Monitoring
	CI         *stacks.GitHubCI // nil without app:ciRepository
}

// build adds the stacks for cfg to app. Reading it top to bottom gives the
// dependency order: network → database → service → api → monitoring.
func build(app awscdk.App, cfg config.Config) stackSet {
	stackProps := func(part, description string) awscdk.StackProps {
		p := awscdk.StackProps{
			StackName:   jsii.String(cfg.StackName(part)),
			Description: jsii.String(description + " (" + cfg.Name + ", " + cfg.Profile + ")"),
			Tags:        &map[string]*string{"app": jsii.String(cfg.Name), "profile": jsii.String(cfg.Profile)},
		}
		if cfg.Account != "" {
			p.Env = &awscdk.Environment{Account: jsii.String(cfg.Account), Region: jsii.String(cfg.Region)}
		}
		return p
	}
	prod := cfg.Profile == config.ProfileProd

	net := stacks.NewNetwork(app, cfg.StackName("Network"), stacks.NetworkProps{
		StackProps:   stackProps("Network", "VPC, subnets, NAT and flow logs"),
		Network:      cfg.Network,
		ExecEndpoint: cfg.Service.EnableExecuteCommand,
	})

	dbProps := stackProps("Database", "RDS for PostgreSQL and its credentials")
	dbProps.TerminationProtection = jsii.Bool(prod)
	db := stacks.NewDatabase(app, cfg.StackName("Database"), stacks.DatabaseProps{
		StackProps: dbProps,
		VPC:        net.VPC,
		Database:   cfg.Database,
	})

	svc := stacks.NewService(app, cfg.StackName("Service"), stacks.ServiceProps{
		StackProps:           stackProps("Service", "ECS cluster, Fargate service, its migration task and internal ALB"),
		VPC:                  net.VPC,
		Database:             db.Instance,
		DatabaseMasterSecret: db.MasterSecret,
		DatabaseName:         db.DatabaseName,
		DatabasePort:         db.Port,
		RuntimeUsername:      stacks.RuntimeUsername,
		SampleImageDir:       sampleImageDir,
		ALBAccessLogs:        cfg.Region != "",
		Endpoints:            net.Endpoints,
		Service:              cfg.Service,
	})

	api := stacks.NewAPI(app, cfg.StackName("Api"), stacks.APIProps{
		StackProps: stackProps("Api", "API Gateway HTTP API and VPC link"),
		VPC:        net.VPC,
		Listener:   svc.Listener,
		Settings:   cfg.API,
	})

	mon := stacks.NewMonitoring(app, cfg.StackName("Monitoring"), stacks.MonitoringProps{
		StackProps:                   stackProps("Monitoring", "Alarms, alarm topic and dashboard"),
		API:                          api.Gateway.HTTPAPI,
		LoadBalancerFullName:         svc.LoadBalancerFullName,
		TargetGroupFullName:          svc.TargetGroupFullName,
		AlternateTargetGroupFullName: svc.AlternateTargetGroupFullName,
		Service:                      svc.Fargate,
		Database:                     db.Instance,
		NATInstanceAlarms:            net.NATInstanceAlarms,
		Monitoring:                   cfg.Monitoring,
	})

	d := stackSet{Network: net, Database: db, Service: svc, API: api, Monitoring: mon}
	// The CI stack belongs to the account, not to a profile, and an
	// administrator deploys it once: only a named repository adds it, so
	// the app's own `cdk deploy --all` (and the CI role) never needs it.
	if cfg.CI.Repository != "" {
		p := awscdk.StackProps{
			StackName:   jsii.String(cfg.CIStackName()),
			Description: jsii.String("GitHub Actions OIDC deploy roles for " + cfg.CI.Repository + " (" + cfg.Name + ")"),
			Tags:        &map[string]*string{"app": jsii.String(cfg.Name)},
		}
		if cfg.Account != "" {
			p.Env = &awscdk.Environment{Account: jsii.String(cfg.Account), Region: jsii.String(cfg.Region)}
		}
		d.CI = stacks.NewGitHubCI(app, cfg.CIStackName(), stacks.GitHubCIProps{StackProps: p, GitHubCI: cfg.CI})
	}
	return d
}
