package constructs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/example/fargate-api/constructs/cdktest"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// errorsOf is a testing.TB that keeps the errors reported to it.
type errorsOf struct {
	testing.TB
	got []string
}

func (e *errorsOf) Helper()           {}
func (e *errorsOf) Error(args ...any) { e.got = append(e.got, fmt.Sprint(args...)) }

// cdktest's wrappers on the CDK's own assertions and matchers: a failed one
// comes back from the jsii kernel as a panic, which must reach the test as
// one error with the CDK's explanation, and a match as none. Here because
// this test binary runs the kernel anyway (cdktest's own tests do not).
func TestCDKAssertionFailures(t *testing.T) {
	tpl := assertions.Template_FromJSON(&map[string]any{"Resources": map[string]any{
		"Queue": map[string]any{"Type": "AWS::SQS::Queue", "Properties": map[string]any{
			"QueueName": "orders",
			"Tags":      []any{map[string]any{"Key": "a", "Value": "1"}, map[string]any{"Key": "b", "Value": "2"}},
			"Redrive":   map[string]any{"maxReceiveCount": 3, "deadLetterTargetArn": "arn"},
		}},
	}}, nil)
	tests := []struct {
		name  string
		typ   string
		props any
		want  string // "" for a match
	}{
		{"Obj", "AWS::SQS::Queue", cdktest.Obj("QueueName", "orders"), ""},
		{"Like", "AWS::SQS::Queue", cdktest.Obj("Redrive", cdktest.Like(map[string]any{"maxReceiveCount": 3})), ""},
		{"ArrayWith", "AWS::SQS::Queue", cdktest.Obj("Tags", cdktest.ArrayWith(cdktest.Obj("Key", "b"))), ""},
		{"another value", "AWS::SQS::Queue", cdktest.Obj("QueueName", "invoices"), "Expected invoices but received orders"},
		{"a missing key", "AWS::SQS::Queue", cdktest.Obj("Redrive", cdktest.Like(map[string]any{"owner": "x"})), "Missing key 'owner'"},
		{"not in the array", "AWS::SQS::Queue", cdktest.Obj("Tags", cdktest.ArrayWith(cdktest.Obj("Key", "c"))), "Could not match arrayWith pattern"},
		{"another type", "AWS::SNS::Topic", cdktest.Obj(), "0 resources with type AWS::SNS::Topic"},
	}
	for _, tt := range tests {
		e := &errorsOf{TB: t}
		cdktest.HasResource(e, tpl, tt.typ, tt.props)
		switch {
		case tt.want == "" && len(e.got) != 0:
			t.Errorf("%s: a matching resource was reported: %q", tt.name, e.got)
		case tt.want != "" && (len(e.got) != 1 || !strings.Contains(e.got[0], tt.want)):
			t.Errorf("%s: errors = %q, want one with %q", tt.name, e.got, tt.want)
		}
	}
}
