package cdktest

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps what Check reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Error(args ...any) {
	r.errors = append(r.errors, fmt.Sprint(args...))
}

func TestCheckTurnsAPanicIntoAnError(t *testing.T) {
	r := &recorder{TB: t}
	Check(r, func() { panic("Template has 0 resources with type AWS::X") })
	Check(r, func() {})
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "AWS::X") {
		t.Errorf("errors = %q, want the one panic's message", r.errors)
	}
}

func TestRootAndContext(t *testing.T) {
	ctx, err := Context()
	if err != nil {
		t.Fatal(err)
	}
	if len(ctx) == 0 {
		t.Errorf("cdk.json has no context: the tests' Apps would run without the app's feature flags")
	}
}
