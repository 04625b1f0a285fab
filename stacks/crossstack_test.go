package stacks_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// export is one Outputs entry with an Export name: who exports what.
type export struct {
	stack, part string
	value       string // the output's Value, as JSON
}

// exports returns every export of the deployment's stacks, keyed by name.
func (f *fixture) exports(deployment string) map[string]export {
	out := map[string]export{}
	for _, part := range stackParts {
		name := f.cfg[deployment].StackName(part)
		outputs, _ := f.templates[name]["Outputs"].(map[string]any)
		for _, o := range outputs {
			om := o.(map[string]any)
			exp, ok := om["Export"].(map[string]any)
			if !ok {
				continue
			}
			raw, _ := json.Marshal(om["Value"])
			out[fmt.Sprint(exp["Name"])] = export{stack: name, part: part, value: string(raw)}
		}
	}
	return out
}

// walk calls fn for every object nested anywhere in v.
func walk(v any, fn func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(x)
		for _, e := range x {
			walk(e, fn)
		}
	case []any:
		for _, e := range x {
			walk(e, fn)
		}
	}
}

// imports returns the export names the template imports.
func imports(tpl map[string]any) []string {
	var out []string
	walk(tpl, func(m map[string]any) {
		if name, ok := m["Fn::ImportValue"]; ok {
			out = append(out, fmt.Sprint(name))
		}
	})
	slices.Sort(out)
	return slices.Compact(out)
}

// TestCrossStackReferences holds docs/design.md's "Strong cross-stack references"
// choice: every value one stack takes from another travels as a
// CloudFormation export/import, so CloudFormation refuses (and rolls back) a
// producer update that would change or remove a value a consumer still
// uses, instead of leaving the consumer silently on the old value, which
// is what a weak Fn::GetStackOutput reference does.
func TestCrossStackReferences(t *testing.T) {
	f := app(t)
	deployments := []string{"dev", "prod", "custom", "options"}

	t.Run("no weak references", func(t *testing.T) {
		for name, tpl := range f.templates {
			walk(tpl, func(m map[string]any) {
				if ref, ok := m["Fn::GetStackOutput"]; ok {
					t.Errorf("%s reads %v with Fn::GetStackOutput: a replaced producer resource would not reach it", name, ref)
				}
			})
		}
	})

	t.Run("imports from earlier stacks only", func(t *testing.T) {
		for _, d := range deployments {
			exps := f.exports(d)
			for i, part := range stackParts {
				name := f.cfg[d].StackName(part)
				for _, imp := range imports(f.templates[name]) {
					e, ok := exps[imp]
					switch {
					case !ok:
						t.Errorf("%s imports %s, which no stack of %s exports", name, imp, d)
					case slices.Index(stackParts, e.part) >= i:
						t.Errorf("%s imports %s from %s, which deploys after it", name, imp, e.stack)
					}
				}
			}
		}
	})

	// The replacements the issue names: each value is imported, so a change
	// of it makes the producer's update fail instead of going unnoticed.
	locked := []struct {
		name, producer, resource, consumer string
	}{
		{"database endpoint", "Database", `"DatabaseB269D8BB","Endpoint.Address"`, "Service"},
		{"database security group", "Database", `"DatabaseSecurityGroup`, "Service"},
		{"database master secret", "Database", `"DatabaseB269D8BB","MasterUserSecret.SecretArn"`, "Service"},
		{"database resource ID (IAM auth)", "Database", `"DatabaseB269D8BB","DbiResourceId"`, "Service"},
		{"ALB listener", "Service", `"WebLoadBalancerPublicListener`, "Api"},
		{"ALB security group", "Service", `"WebLoadBalancerSecurityGroup`, "Api"},
		{"private subnet", "Network", `"VpcPrivateSubnet1Subnet`, "Service"},
		{"HTTP API", "Api", `"ApiHttpApi`, "Monitoring"},
	}
	for _, l := range locked {
		t.Run("a replaced "+l.name+" cannot go unnoticed by the "+l.consumer+" stack", func(t *testing.T) {
			consumer := f.templates[f.cfg["dev"].StackName(l.consumer)]
			for name, e := range f.exports("dev") {
				if e.part == l.producer && strings.Contains(e.value, l.resource) && slices.Contains(imports(consumer), name) {
					return
				}
			}
			t.Errorf("the %s stack imports no export of %s from the %s stack", l.consumer, l.resource, l.producer)
		})
	}
}
