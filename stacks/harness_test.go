package stacks_test

// The test fixture: every variant the tests look at, each built in an App
// of its own and synthesized once per test binary. A variant that fails
// to build or synthesize (a construct error, a cyclic reference, a jsii
// exception) is recorded, not fatal: TestSynthesis names it with the error,
// the tests that look at its stacks fail with a pointer there, and every
// other variant's tests still run. cdk-nag findings and every other
// annotation are read from the synthesized assembly's metadata files, so
// TestNag costs no second synthesis.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/fargate-api/config"
	"github.com/example/fargate-api/constructs/cdktest"
	"github.com/example/fargate-api/stacks"
)

// fixture is the whole app as the tests see it: the default dev variant,
// the prod profile, a "Custom" dev variant that sets the options the
// defaults leave off (registry image, ARM64, explicit routes, a v1 stage, a
// pinned environment, CORS, a custom domain with its own certificate, a NAT
// gateway instead of dev's NAT instance, every alarm threshold off its
// default, blue/green deploys), and an "Options" dev variant with the
// remaining switches on (no NAT, ECS Exec, Fargate Spot, JWT with CORS, a
// Route 53 domain, alarm e-mail, linear deploys).
type fixture struct {
	dev, prod, custom, options stacks.Set
	cfg                        map[string]config.Config
	templates                  map[string]map[string]any // stack name → template JSON
	stacks                     []awscdk.Stack

	outcomes   []*outcome          // one per variant, in build order
	stackOwner map[string]*outcome // stack name → its variant's outcome
	assertable map[string]assertions.Template
}

// outcome is what building and synthesizing one variant produced.
type outcome struct {
	name     string
	stacks   []string  // stack names, in build order
	err      error     // the variant did not build or synthesize
	messages []message // every error, warning and info annotation
}

// message is one annotation from the synthesized assembly: what `cdk synth`
// prints as [Error at /path] / [Warning at /path] / [Info at /path].
type message struct {
	Level string // "error", "warning" or "info"
	Stack string
	Path  string // construct path, e.g. /FargateApi-dev-Database/Database/Resource
	Text  string
}

// Rule is the finding's rule ID: "AwsSolutions-RDS2" for a cdk-nag finding,
// "CdkNagValidationFailure[AwsSolutions-EC23]" when a rule could not decide
// (for example on an unresolved token), empty for messages without one.
func (m message) Rule() string {
	if i := strings.Index(m.Text, ":"); i > 0 && !strings.Contains(m.Text[:i], " ") {
		return m.Text[:i]
	}
	return ""
}

// nag reports whether m is a cdk-nag AwsSolutions finding.
func (m message) nag() bool {
	r := m.Rule()
	return strings.HasPrefix(r, "AwsSolutions-") || strings.HasPrefix(r, "CdkNagValidationFailure[AwsSolutions-")
}

func (m message) String() string {
	return fmt.Sprintf("%s at %s: %s", m.Level, m.Path, m.Text)
}

// variants are the copies of the app the fixture builds, each with the context it
// adds to cdk.json's. Add settings to these, not new variants: each one
// costs about a second of every test run.
var variants = []struct {
	name string
	ctx  map[string]any
	into func(*fixture) *stacks.Set
}{
	{"dev", nil, func(f *fixture) *stacks.Set { return &f.dev }},
	{"prod", map[string]any{"app:profile": "prod"}, func(f *fixture) *stacks.Set { return &f.prod }},
	{"custom", customContext, func(f *fixture) *stacks.Set { return &f.custom }},
	{"options", optionsContext, func(f *fixture) *stacks.Set { return &f.options }},
}

// testContext returns cdk.json's context with what the tests change: the
// CLI's cached AZ lookup for the pinned variant, and annotations left in
// the assembly instead of failing the synthesis, so that one cdk-nag
// finding becomes a failing TestNag subtest rather than a panic that ends
// the test binary.
func testContext() (map[string]any, error) {
	ctx, err := cdktest.Context()
	if err != nil {
		return nil, err
	}
	// What `cdk synth` would otherwise look up with credentials and cache in
	// cdk.context.json.
	ctx["availability-zones:account=123456789012:region=eu-west-1"] = []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
	ctx["@aws-cdk/core:annotationsInValidationReport"] = false
	// Creation stack traces are written into every metadata entry; nobody
	// reads them here.
	ctx["aws:cdk:disable-stack-trace"] = true
	return ctx, nil
}

func TestMain(m *testing.M) { cdktest.Main(m) }

// stackParts is the deployment order: a stack may import only from stacks
// before it.
var stackParts = []string{"Network", "Database", "Service", "Api", "Monitoring"}

// stackNames lists the stacks Build adds for cfg, in build order: the five,
// and the CI stack with app:ciRepository.
func stackNames(cfg config.Config) []string {
	var names []string
	for _, part := range stackParts {
		names = append(names, cfg.StackName(part))
	}
	if cfg.CI.Repository != "" {
		names = append(names, cfg.CIStackName())
	}
	return names
}

// sampleImageDir is the sample API's Docker build context, from this
// package's directory.
const sampleImageDir = "../sampleapi"

var synthesize = sync.OnceValues(func() (*fixture, error) {
	base, err := testContext()
	if err != nil {
		return nil, err
	}
	f := &fixture{
		cfg:        map[string]config.Config{},
		templates:  map[string]map[string]any{},
		stackOwner: map[string]*outcome{},
		assertable: map[string]assertions.Template{},
	}
	for _, v := range variants {
		ctx := map[string]any{}
		for k, val := range base {
			ctx[k] = val
		}
		for k, val := range v.ctx {
			ctx[k] = val
		}
		cfg, err := config.Load(ctx)
		if err != nil {
			return nil, fmt.Errorf("load %s config: %w", v.name, err)
		}
		f.cfg[v.name] = cfg
		o := &outcome{name: v.name, stacks: stackNames(cfg)}
		for _, name := range o.stacks {
			f.stackOwner[name] = o
		}
		f.outcomes = append(f.outcomes, o)
		d := v.into(f)
		o.err = f.synthesizeOne(ctx, cfg, d, o)
		if o.err != nil {
			placeholders(cfg, d)
			for _, name := range o.stacks {
				f.templates[name] = map[string]any{"Resources": map[string]any{}, "Outputs": map[string]any{}}
			}
		}
		f.stacks = append(f.stacks, d.Network.Stack, d.Database.Stack, d.Service.Stack, d.API.Stack, d.Monitoring.Stack)
		if d.CI != nil {
			f.stacks = append(f.stacks, d.CI.Stack)
		}
	}
	return f, nil
})

// synthesizeOne builds one variant in an App of its own and synthesizes
// it, reading back its templates and annotations. CDK reports construct
// errors as panics from the jsii kernel; they are returned as the error.
func (f *fixture) synthesizeOne(ctx map[string]any, cfg config.Config, d *stacks.Set, o *outcome) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	app := awscdk.NewApp(&awscdk.AppProps{
		Context: &ctx,
		// The strict CloudFormation validator runs in CI on `cdk synth`; here it
		// would only add seconds to every test run.
		BuiltinCloudFormationValidation: jsii.Bool(false),
	})
	stacks.AddChecks(app)
	*d = stacks.Build(app, cfg, sampleImageDir)
	dir := *app.Synth(nil).Directory()
	for _, name := range o.stacks {
		tpl, msgs, err := readArtifact(dir, name)
		if err != nil {
			return err
		}
		f.templates[name] = tpl
		o.messages = append(o.messages, msgs...)
	}
	return nil
}

// readArtifact reads a stack's template and its annotations from a cloud
// assembly directory, following the manifest like the CDK CLI does.
func readArtifact(dir, stack string) (map[string]any, []message, error) {
	var manifest struct {
		Artifacts map[string]struct {
			Properties struct {
				TemplateFile string `json:"templateFile"`
			} `json:"properties"`
			Metadata               map[string][]metadataEntry `json:"metadata"`
			AdditionalMetadataFile string                     `json:"additionalMetadataFile"`
		} `json:"artifacts"`
	}
	if err := readJSON(filepath.Join(dir, "manifest.json"), &manifest); err != nil {
		return nil, nil, err
	}
	a, ok := manifest.Artifacts[stack]
	if !ok {
		return nil, nil, fmt.Errorf("cloud assembly %s has no artifact %s", dir, stack)
	}
	var tpl map[string]any
	if err := readJSON(filepath.Join(dir, a.Properties.TemplateFile), &tpl); err != nil {
		return nil, nil, err
	}
	metadata := a.Metadata
	if a.AdditionalMetadataFile != "" {
		var more map[string][]metadataEntry
		if err := readJSON(filepath.Join(dir, a.AdditionalMetadataFile), &more); err != nil {
			return nil, nil, err
		}
		metadata = more
		for path, entries := range a.Metadata {
			metadata[path] = append(metadata[path], entries...)
		}
	}
	var msgs []message
	for path, entries := range metadata {
		for _, e := range entries {
			level, ok := map[string]string{"aws:cdk:error": "error", "aws:cdk:warning": "warning", "aws:cdk:info": "info"}[e.Type]
			if !ok {
				continue
			}
			text, isString := e.Data.(string)
			if !isString {
				raw, _ := json.Marshal(e.Data)
				text = string(raw)
			}
			msgs = append(msgs, message{Level: level, Stack: stack, Path: path, Text: text})
		}
	}
	sort.Slice(msgs, func(i, j int) bool {
		if msgs[i].Path != msgs[j].Path {
			return msgs[i].Path < msgs[j].Path
		}
		return msgs[i].Text < msgs[j].Text
	})
	return tpl, msgs, nil
}

type metadataEntry struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}

// placeholders gives a variant that failed part-way empty stacks in a
// throwaway App, so tests can still name its stacks (and fail, pointing at
// TestSynthesis) instead of dereferencing nil and ending the test binary.
func placeholders(cfg config.Config, d *stacks.Set) {
	scratch := awscdk.NewApp(nil)
	stack := func(part string) awscdk.Stack {
		return awscdk.NewStack(scratch, jsii.String(cfg.StackName(part)), &awscdk.StackProps{StackName: jsii.String(cfg.StackName(part))})
	}
	if d.Network == nil {
		d.Network = &stacks.Network{Stack: stack("Network")}
	}
	if d.Database == nil {
		d.Database = &stacks.Database{Stack: stack("Database")}
	}
	if d.Service == nil {
		d.Service = &stacks.Service{Stack: stack("Service")}
	}
	if d.API == nil {
		d.API = &stacks.API{Stack: stack("Api")}
	}
	if d.Monitoring == nil {
		d.Monitoring = &stacks.Monitoring{Stack: stack("Monitoring")}
	}
}

func app(t *testing.T) *fixture {
	t.Helper()
	f, err := synthesize()
	if err != nil {
		t.Fatalf("synthesize app: %v", err)
	}
	return f
}

// broken reports why stack has no real template (its variant did not
// synthesize), or "" when it has one.
func (f *fixture) broken(stack string) string {
	if o := f.stackOwner[stack]; o != nil && o.err != nil {
		return fmt.Sprintf("stack %s: the %s variant did not synthesize (see TestSynthesis/%s)", stack, o.name, o.name)
	}
	return ""
}

// assert runs a CDK assertion and reports its failure at the caller's line.
func assert(t *testing.T, fn func()) {
	t.Helper()
	cdktest.Check(t, fn)
}

// template returns the assertion view of stack's template, made once per
// stack from the one synthesis.
func (f *fixture) template(s awscdk.Stack) assertions.Template {
	name := *s.StackName()
	tpl, ok := f.assertable[name]
	if !ok {
		tpl = assertions.Template_FromStack(s, &assertions.TemplateParsingOptions{SkipCyclicalDependenciesCheck: jsii.Bool(true)})
		f.assertable[name] = tpl
	}
	return tpl
}

// hasResource asserts that stack has a resource of type whose properties
// match props (object-like, recursively).
func hasResource(t *testing.T, s awscdk.Stack, typ string, props any) {
	t.Helper()
	f, err := synthesize()
	if err != nil {
		t.Fatalf("synthesize app: %v", err)
	}
	if why := f.broken(*s.StackName()); why != "" {
		t.Error(why)
		return
	}
	assert(t, func() { f.template(s).HasResourceProperties(jsii.String(typ), props) })
}

// resources returns the properties of every resource of typ in the template
// of stack, keyed by logical ID.
func (f *fixture) resources(s awscdk.Stack, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	all, _ := f.templates[*s.StackName()]["Resources"].(map[string]any)
	for id, r := range all {
		res := r.(map[string]any)
		if res["Type"] == typ {
			props, _ := res["Properties"].(map[string]any)
			out[id] = props
		}
	}
	return out
}

func (f *fixture) only(t *testing.T, s awscdk.Stack, typ string) map[string]any {
	t.Helper()
	if why := f.broken(*s.StackName()); why != "" {
		t.Fatal(why)
	}
	rs := f.resources(s, typ)
	if len(rs) != 1 {
		t.Fatalf("%s: %d resources of type %s, want 1", *s.StackName(), len(rs), typ)
	}
	for _, props := range rs {
		return props
	}
	return nil
}

// TestSynthesis fails, per variant, when the variant did not build or
// synthesize or carries an error annotation (what would fail `cdk synth`):
// it lists construct errors itself and counts cdk-nag's, which TestNag lists
// per stack. Warnings fail too (the CLI prints them on every synth); infos
// are logged (go test -v), except the deployment alarm's false "circular
// dependency" alarm, which fails.
func TestSynthesis(t *testing.T) {
	f := app(t)
	for _, o := range f.outcomes {
		t.Run(o.name, func(t *testing.T) {
			if o.err != nil {
				t.Errorf("the %s variant did not synthesize:\n%v", o.name, o.err)
			}
			nag := 0
			for _, m := range o.messages {
				switch {
				case m.Level != "info" && m.nag():
					nag++
				case m.Level == "error", m.Level == "warning":
					// `cdk synth` prints warnings on every run; acknowledge one
					// where it is raised, with the reason, if it is a false alarm.
					t.Errorf("%s", m)
				case strings.Contains(m.Text, "may cause a circular dependency"):
					t.Errorf("%s (give the deployment alarm a physical name: see constructs/service.go)", m)
				default:
					t.Logf("%s", m)
				}
			}
			if nag > 0 {
				t.Errorf("%d cdk-nag findings, each listed under TestNag", nag)
			}
		})
	}
}

// TestNag fails on any cdk-nag AwsSolutions error or warning that is not
// suppressed with a reason, per stack, naming rule, resource and message.
func TestNag(t *testing.T) {
	f := app(t)
	for _, o := range f.outcomes {
		for _, stack := range o.stacks {
			t.Run(stack, func(t *testing.T) {
				if o.err != nil {
					t.Fatalf("%s (cdk-nag did not run to the end)", f.broken(stack))
				}
				for _, m := range o.messages {
					if m.Stack == stack && m.Level != "info" && m.nag() {
						t.Errorf("%s %s at %s: %s", m.Level, m.Rule(), m.Path, strings.TrimPrefix(m.Text, m.Rule()+": "))
					}
				}
			})
		}
	}
}
