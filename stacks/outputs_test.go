package stacks_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// hashSuffix is how CDK makes a construct path into a unique logical ID.
var hashSuffix = regexp.MustCompile(`[0-9A-F]{8}$`)

// TestOutputs holds README.md's outputs table: `cdk deploy` prints every
// output, so each one a user reads has a readable name and a description,
// and none advertises a URL that does not work from outside. Exports are
// the cross-stack plumbing of strong references (TestCrossStackReferences)
// and keep CDK's names.
func TestOutputs(t *testing.T) {
	f := app(t)
	for name, tpl := range f.templates {
		outputs, _ := tpl["Outputs"].(map[string]any)
		for id, o := range outputs {
			out := o.(map[string]any)
			if _, plumbing := out["Export"]; plumbing {
				if !strings.HasPrefix(id, "ExportsOutput") {
					t.Errorf("%s: export %s is not CDK cross-stack plumbing; exports lock values (docs/design.md: strong cross-stack references)", name, id)
				}
				continue
			}
			if hashSuffix.MatchString(id) {
				t.Errorf("%s: output %s has a hash-suffixed name", name, id)
			}
			if d, _ := out["Description"].(string); d == "" {
				t.Errorf("%s: output %s has no description", name, id)
			}
			raw, _ := json.Marshal(out["Value"])
			if strings.Contains(string(raw), "http://") {
				t.Errorf("%s: output %s = %s, an http:// URL", name, id, raw)
			}
		}
	}

	want := map[string][]string{
		"Service":    {"InternalAlbDnsName"},
		"Api":        {"InvokeUrl"},
		"Monitoring": {"DashboardUrl", "AlarmTopicArn"},
	}
	for part, ids := range want {
		for _, id := range ids {
			t.Run(part+" stack outputs "+id, func(t *testing.T) {
				outputs, _ := f.templates[f.cfg["dev"].StackName(part)]["Outputs"].(map[string]any)
				if outputs[id] == nil {
					t.Errorf("no %s output; outputs: %v", id, keys(outputs))
				}
			})
		}
	}
	t.Run("custom domain outputs CustomUrl and DomainTarget", func(t *testing.T) {
		outputs, _ := f.templates[f.cfg["options"].StackName("Api")]["Outputs"].(map[string]any)
		for _, id := range []string{"CustomUrl", "DomainTarget"} {
			if outputs[id] == nil {
				t.Errorf("no %s output; outputs: %v", id, keys(outputs))
			}
		}
	})
}
