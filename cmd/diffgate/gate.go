package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// protected names the resource types whose replacement or deletion loses
// data or changes what users address, and why that matters. A change that
// replaces or deletes one of them blocks; any other replacement is a
// warning. The RDS-managed master secret lives on the instance itself, so
// "the database and its secret" is the DBInstance plus any Secrets Manager
// secret the app may hold.
var protected = map[string]string{
	"AWS::RDS::DBInstance":                      "the database instance: its data",
	"AWS::RDS::DBCluster":                       "a database cluster: its data",
	"AWS::SecretsManager::Secret":               "a secret: the credentials clients hold",
	"AWS::Logs::LogGroup":                       "a log group: its logs",
	"AWS::ElasticLoadBalancingV2::LoadBalancer": "the load balancer: its DNS name",
	"AWS::ApiGatewayV2::Api":                    "the HTTP API: its invoke URL",
	"AWS::ApiGatewayV2::DomainName":             "the custom domain: its regional endpoint",
}

// iamTypes and sgTypes are called out in the report: a change to who may do
// what, or to what may reach what, deserves a reviewer's eye even when it
// replaces nothing.
var iamTypes = map[string]bool{
	"AWS::IAM::Role": true, "AWS::IAM::Policy": true, "AWS::IAM::ManagedPolicy": true,
	"AWS::IAM::User": true, "AWS::IAM::Group": true, "AWS::IAM::InstanceProfile": true,
	"AWS::Lambda::Permission": true, "AWS::Logs::ResourcePolicy": true,
	"AWS::SecretsManager::ResourcePolicy": true, "AWS::KMS::Key": true,
	"AWS::IAM::OIDCProvider": true,
}

var sgTypes = map[string]bool{
	"AWS::EC2::SecurityGroup": true, "AWS::EC2::SecurityGroupIngress": true,
	"AWS::EC2::SecurityGroupEgress": true,
}

// Change is what one profile's change does to one resource.
type Change struct {
	Profile, Stack string
	LogicalID      string
	Type           string
	Path           string // the construct path, when the template records it
	Kind           string // "added", "removed", "modified"
	Replace        string // "", "will be replaced", "may be replaced"
	Causes         []string
}

// Blocks says whether the change replaces or deletes a protected resource.
func (c Change) Blocks() bool {
	_, ok := protected[c.Type]
	return ok && (c.Kind == "removed" || c.Replace != "")
}

// StackDiff is one stack of one profile: its resource changes and the CLI's
// own rendering of them.
type StackDiff struct {
	Profile, Stack string
	Changes        []Change
	CLI            string // cdk diff's output; empty when the templates are equal
}

// Differ runs `cdk diff` for one stack: the head assembly against the base
// template, and returns what it printed.
type Differ func(stack, baseTemplate, headAssembly string) (string, error)

type template struct {
	Resources map[string]map[string]any
}

func readTemplate(path string) (template, []byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return template{}, nil, err
	}
	var t template
	if err := json.Unmarshal(raw, &t); err != nil {
		return template{}, nil, fmt.Errorf("read %s: %w", path, err)
	}
	return t, raw, nil
}

// stacks lists the stack names in an assembly directory.
func stacks(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no *.template.json (not a synthesized assembly)", dir)
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".template.json"))
	}
	return out, nil
}

// Compare diffs every stack of one profile, base assembly against head.
// Which resources are added, removed or modified comes from the two
// templates; whether a modification replaces the resource, and which
// property forces it, comes from the CLI (which knows each property's update
// behaviour from the CloudFormation resource specification). The CLI runs
// only for stacks whose templates differ.
func Compare(profile, baseDir, headDir string, diff Differ) ([]StackDiff, error) {
	baseStacks, err := stacks(baseDir)
	if err != nil {
		return nil, err
	}
	headStacks, err := stacks(headDir)
	if err != nil {
		return nil, err
	}
	all := map[string]bool{}
	for _, s := range append(baseStacks, headStacks...) {
		all[s] = true
	}
	names := make([]string, 0, len(all))
	for s := range all {
		names = append(names, s)
	}
	sort.Strings(names)

	var out []StackDiff
	for _, name := range names {
		basePath := filepath.Join(baseDir, name+".template.json")
		headPath := filepath.Join(headDir, name+".template.json")
		var base, head template
		var baseRaw, headRaw []byte
		if _, err := os.Stat(basePath); err == nil {
			if base, baseRaw, err = readTemplate(basePath); err != nil {
				return nil, err
			}
		}
		if _, err := os.Stat(headPath); err == nil {
			if head, headRaw, err = readTemplate(headPath); err != nil {
				return nil, err
			}
		}
		if bytes.Equal(baseRaw, headRaw) {
			continue
		}
		sd := StackDiff{Profile: profile, Stack: name, Changes: resourceChanges(profile, name, base, head)}
		if baseRaw != nil && headRaw != nil {
			if sd.CLI, err = diff(name, basePath, headDir); err != nil {
				return nil, fmt.Errorf("cdk diff %s (%s): %w", name, profile, err)
			}
			applyReplacements(sd.Changes, sd.CLI)
		}
		out = append(out, sd)
	}
	return out, nil
}

// resourceChanges lists what differs between two templates of one stack.
// Metadata (construct paths, asset paths) is not deployed and is ignored.
func resourceChanges(profile, stack string, base, head template) []Change {
	ids := map[string]bool{}
	for id := range base.Resources {
		ids[id] = true
	}
	for id := range head.Resources {
		ids[id] = true
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)
	var out []Change
	for _, id := range sorted {
		b, inBase := base.Resources[id]
		h, inHead := head.Resources[id]
		c := Change{Profile: profile, Stack: stack, LogicalID: id}
		switch {
		case !inHead:
			c.Kind, c.Type, c.Path = "removed", str(b["Type"]), cdkPath(b)
		case !inBase:
			c.Kind, c.Type, c.Path = "added", str(h["Type"]), cdkPath(h)
		case !reflect.DeepEqual(withoutMetadata(b), withoutMetadata(h)):
			c.Kind, c.Type, c.Path = "modified", str(h["Type"]), cdkPath(h)
			if bt := str(b["Type"]); bt != c.Type {
				// CloudFormation cannot update a resource into another type.
				c.Replace, c.Causes = "will be replaced", []string{"Type (" + bt + " → " + c.Type + ")"}
			}
		default:
			continue
		}
		out = append(out, c)
	}
	return out
}

func withoutMetadata(r map[string]any) map[string]any {
	out := make(map[string]any, len(r))
	for k, v := range r {
		if k != "Metadata" {
			out[k] = v
		}
	}
	return out
}

func str(v any) string { s, _ := v.(string); return s }

func cdkPath(r map[string]any) string {
	m, _ := r["Metadata"].(map[string]any)
	return str(m["aws:cdk:path"])
}

var (
	ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)
	// A resource line of cdk diff: "[~] AWS::RDS::DBInstance Database DatabaseB269D8BB replace".
	resourceLine = regexp.MustCompile(`^\[(.)\] (\S+) (.+?)(?: (replace|may be replaced|destroy|orphan))?$`)
	// A property line under it: " └─ [~] DBName (requires replacement)".
	causeLine = regexp.MustCompile(`^\s*\S+ \[.\] (.+?) \((requires replacement|may cause replacement)\)$`)
)

// applyReplacements marks the changes the CLI says replace their resource,
// with the properties it names as the cause.
func applyReplacements(changes []Change, cli string) {
	byID := map[string]*Change{}
	for i := range changes {
		byID[changes[i].LogicalID] = &changes[i]
	}
	var cur *Change
	for _, line := range strings.Split(ansi.ReplaceAllString(cli, ""), "\n") {
		if m := resourceLine.FindStringSubmatch(line); m != nil && strings.Contains(m[2], "::") {
			fields := strings.Fields(m[3])
			cur = byID[fields[len(fields)-1]]
			if cur != nil && cur.Kind == "modified" {
				switch m[4] {
				case "replace":
					cur.Replace = "will be replaced"
				case "may be replaced":
					cur.Replace = "may be replaced"
				}
			}
			continue
		}
		if m := causeLine.FindStringSubmatch(line); m != nil && cur != nil && cur.Replace != "" {
			cur.Causes = append(cur.Causes, m[1]+" ("+m[2]+")")
			continue
		}
		if line != "" && !strings.HasPrefix(line, " ") {
			cur = nil // a section heading ends the resource
		}
	}
}
