package cdktest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
)

// Importing the CDK unpacks the jsii runtime into the temporary directory;
// Main removes it when the tests end, as in every other CDK test binary.
func TestMain(m *testing.M) { Main(m) }

// recorder is a testing.TB that keeps what is reported, and where: like
// testing, it reports the first caller that has not called Helper.
type recorder struct {
	testing.TB
	helpers map[string]bool
	errors  []string
	lines   []int
}

func newRecorder(t *testing.T) *recorder { return &recorder{TB: t, helpers: map[string]bool{}} }

func (r *recorder) Helper() {
	pc, _, _, _ := runtime.Caller(1)
	r.helpers[runtime.FuncForPC(pc).Name()] = true
}

func (r *recorder) Error(args ...any) {
	r.errors = append(r.errors, fmt.Sprint(args...))
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		if !r.helpers[f.Function] || !more {
			r.lines = append(r.lines, f.Line)
			return
		}
	}
}

// line is the line it is called on.
func line() int {
	_, _, l, _ := runtime.Caller(1)
	return l
}

func TestCheckTurnsAPanicIntoAnError(t *testing.T) {
	r := newRecorder(t)
	want := line() + 1
	Check(r, func() { panic("Template has 0 resources with type AWS::X") })
	Check(r, func() {})
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "AWS::X") {
		t.Fatalf("errors = %q, want the one panic's message", r.errors)
	}
	if r.lines[0] != want {
		t.Errorf("reported at line %d, want the caller's, %d", r.lines[0], want)
	}
}

// failingTemplate fails every HasResourceProperties as the CDK does, with
// a panic; the CDK's own failures are checked where a test binary runs the
// jsii kernel anyway (constructs, TestCDKAssertionFailures), which this
// package's tests need not start.
type failingTemplate struct {
	assertions.Template
	calls []string
}

func (f *failingTemplate) HasResourceProperties(typ *string, props any) {
	f.calls = append(f.calls, *typ)
	panic(fmt.Errorf("Template has 1 resources with type %s, but none match as expected", *typ))
}

func TestHasResourceReportsAtTheCallersLine(t *testing.T) {
	tpl := &failingTemplate{}
	r := newRecorder(t)
	want := line() + 1
	HasResource(r, tpl, "AWS::SQS::Queue", nil)
	if len(tpl.calls) != 1 || tpl.calls[0] != "AWS::SQS::Queue" {
		t.Errorf("asked the template about %q, want AWS::SQS::Queue once", tpl.calls)
	}
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "type AWS::SQS::Queue, but none match") {
		t.Fatalf("errors = %q, want the assertion's message", r.errors)
	}
	if r.lines[0] != want {
		t.Errorf("reported at line %d, want the caller's, %d", r.lines[0], want)
	}
}

func TestRootAndContext(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Errorf("Root() = %s, which has no go.mod", root)
	}
	ctx, err := Context()
	if err != nil {
		t.Fatal(err)
	}
	if len(ctx) == 0 {
		t.Errorf("cdk.json has no context: the tests' Apps would run without the app's feature flags")
	}
}

func TestRootAndContextFail(t *testing.T) {
	dir := t.TempDir()
	// A directory with no cdk.json above it (unless the temporary
	// directory sits in a CDK app).
	nowhere := filepath.Join(dir, "nowhere")
	notJSON := filepath.Join(dir, "notjson", "pkg")
	unreadable := filepath.Join(dir, "unreadable")
	for _, d := range []string{nowhere, notJSON, filepath.Join(unreadable, "cdk.json")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "notjson", "cdk.json"), []byte(`{"context": `), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Chdir(nowhere)
	if root, err := Root(); err == nil || err.Error() != "no cdk.json above the working directory" {
		t.Skipf("Root() = %q, %v: %s is inside a CDK app", root, err, dir)
	}
	if _, err := Context(); err == nil || !strings.Contains(err.Error(), "no cdk.json above") {
		t.Errorf("Context() without cdk.json: error %v", err)
	}

	t.Chdir(notJSON)
	if root, err := Root(); err != nil || root != filepath.Dir(notJSON) {
		t.Errorf("Root() = %q, %v; want the parent holding cdk.json, %s", root, err, filepath.Dir(notJSON))
	}
	if _, err := Context(); err == nil || !strings.HasPrefix(err.Error(), "parse cdk.json: ") {
		t.Errorf("Context() with a broken cdk.json: error %v, want parse cdk.json: …", err)
	}

	// cdk.json is a directory: found, but not readable as a file.
	t.Chdir(unreadable)
	if _, err := Context(); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("Context() with cdk.json a directory: error %v", err)
	}
}
