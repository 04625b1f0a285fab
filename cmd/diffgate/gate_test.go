package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// resources is a template's Resources section: logical ID → resource.
type resources map[string]map[string]any

func rds(dbName string) map[string]any {
	return map[string]any{
		"Type":       "AWS::RDS::DBInstance",
		"Properties": map[string]any{"DBName": dbName, "DBInstanceClass": "db.t4g.micro"},
		"Metadata":   map[string]any{"aws:cdk:path": "App-dev-Database/Database/Resource"},
	}
}

var (
	logGroup = map[string]any{"Type": "AWS::Logs::LogGroup", "Properties": map[string]any{"RetentionInDays": 30}}
	taskDef  = func(image string) map[string]any {
		return map[string]any{"Type": "AWS::ECS::TaskDefinition", "Properties": map[string]any{"ContainerDefinitions": []any{map[string]any{"Image": image}}}}
	}
	role = func(action string) map[string]any {
		return map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{"Policies": []any{action}}}
	}
)

// assembly writes one stack template per entry into a fresh directory.
func assembly(t *testing.T, stacks map[string]resources) string {
	t.Helper()
	dir := t.TempDir()
	for name, res := range stacks {
		raw, err := json.Marshal(map[string]any{"Resources": res})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".template.json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// cannedDiffer returns the CLI output recorded for a stack (testdata/rename.diff
// is the pinned CLI's real output for app:dbName=other).
func cannedDiffer(t *testing.T, outputs map[string]string) Differ {
	return func(stack, baseTemplate, headAssembly string) (string, error) {
		out, ok := outputs[stack]
		if !ok {
			t.Errorf("cdk diff ran for %s, whose templates are equal", stack)
		}
		return out, nil
	}
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestGate(t *testing.T) {
	base := map[string]resources{
		"App-dev-Database": {"DatabaseB269D8BB": rds("app"), "DbLogs": logGroup},
		"App-dev-Service":  {"WebTask30236CB9": taskDef("v1"), "TaskRole": role("s3:GetObject")},
	}
	instanceClassDiff := "Stack App-dev-Database\nResources\n[~] AWS::RDS::DBInstance Database DatabaseB269D8BB \n └─ [~] DBInstanceClass\n     ├─ [-] db.t4g.micro\n     └─ [+] db.t4g.small\n"
	taskDiff := "Stack App-dev-Service\nResources\n[~] AWS::ECS::TaskDefinition Web/Task WebTask30236CB9 replace\n └─ [~] ContainerDefinitions (requires replacement)\n"

	tests := []struct {
		name       string
		head       map[string]resources
		cli        map[string]string
		override   bool
		wantExit   int
		wantReport []string
	}{
		{
			name: "database rename blocks naming the instance and the property",
			head: map[string]resources{
				"App-dev-Database": {"DatabaseB269D8BB": rds("other"), "DbLogs": logGroup},
				"App-dev-Service":  base["App-dev-Service"],
			},
			cli:      map[string]string{"App-dev-Database": readTestdata(t, "rename.diff")},
			wantExit: 1,
			wantReport: []string{"## Change report: BLOCKED", "AWS::RDS::DBInstance `DatabaseB269D8BB` (App-dev-Database/Database/Resource) will be replaced",
				"Cause: DBName (requires replacement).", "`allow-destructive-change`"},
		},
		{
			name: "instance class change passes",
			head: map[string]resources{
				"App-dev-Database": {"DatabaseB269D8BB": func() map[string]any {
					r := rds("app")
					r["Properties"].(map[string]any)["DBInstanceClass"] = "db.t4g.small"
					return r
				}(), "DbLogs": logGroup},
				"App-dev-Service": base["App-dev-Service"],
			},
			cli:        map[string]string{"App-dev-Database": instanceClassDiff},
			wantExit:   0,
			wantReport: []string{"## Change report: nothing blocking", "| dev | App-dev-Database | 0 | 0 | 1 | 0 | - | - |"},
		},
		{
			name: "deleted log group blocks",
			head: map[string]resources{
				"App-dev-Database": {"DatabaseB269D8BB": rds("app")},
				"App-dev-Service":  base["App-dev-Service"],
			},
			cli:        map[string]string{"App-dev-Database": "Stack App-dev-Database\nResources\n[-] AWS::Logs::LogGroup DbLogs destroy\n"},
			wantExit:   1,
			wantReport: []string{"AWS::Logs::LogGroup `DbLogs` (-) would be deleted — a log group: its logs."},
		},
		{
			name: "removed stack blocks on its database",
			head: map[string]resources{
				"App-dev-Service": base["App-dev-Service"],
			},
			wantExit:   1,
			wantReport: []string{"`App-dev-Database`: AWS::RDS::DBInstance `DatabaseB269D8BB` (App-dev-Database/Database/Resource) would be deleted"},
		},
		{
			name: "task definition replacement is a warning",
			head: map[string]resources{
				"App-dev-Database": base["App-dev-Database"],
				"App-dev-Service":  {"WebTask30236CB9": taskDef("v2"), "TaskRole": role("s3:GetObject")},
			},
			cli:        map[string]string{"App-dev-Service": taskDiff},
			wantExit:   0,
			wantReport: []string{"### Warnings: other replacements", "AWS::ECS::TaskDefinition `WebTask30236CB9` (-) will be replaced. Cause: ContainerDefinitions (requires replacement)."},
		},
		{
			name: "IAM change is called out",
			head: map[string]resources{
				"App-dev-Database": base["App-dev-Database"],
				"App-dev-Service":  {"WebTask30236CB9": taskDef("v1"), "TaskRole": role("s3:*")},
			},
			cli:        map[string]string{"App-dev-Service": "Stack App-dev-Service\nIAM Statement Changes\n"},
			wantExit:   0,
			wantReport: []string{"| dev | App-dev-Service | 0 | 0 | 1 | 0 | modified `TaskRole` | - |"},
		},
		{
			name: "the override label lets a blocking change pass and says so",
			head: map[string]resources{
				"App-dev-Database": {"DatabaseB269D8BB": rds("other"), "DbLogs": logGroup},
				"App-dev-Service":  base["App-dev-Service"],
			},
			cli:        map[string]string{"App-dev-Database": readTestdata(t, "rename.diff")},
			override:   true,
			wantExit:   0,
			wantReport: []string{"## Change report: blocking changes allowed by the label `allow-destructive-change`", "### Blocking"},
		},
		{
			name:       "no changes",
			head:       base,
			wantExit:   0,
			wantReport: []string{"## Change report: no template changes"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			baseDir, headDir := assembly(t, base), assembly(t, tc.head)
			diffs, err := Compare("dev", baseDir, headDir, cannedDiffer(t, tc.cli))
			if err != nil {
				t.Fatal(err)
			}
			var report bytes.Buffer
			blocked := Render(&report, diffs, []string{"dev"}, tc.override)
			exit := 0
			if blocked && !tc.override {
				exit = 1
			}
			if exit != tc.wantExit {
				t.Errorf("exit %d, want %d; report:\n%s", exit, tc.wantExit, report.String())
			}
			if !strings.HasPrefix(report.String(), Marker+"\n") {
				t.Errorf("report does not start with %s", Marker)
			}
			for _, want := range tc.wantReport {
				if !strings.Contains(report.String(), want) {
					t.Errorf("report lacks %q; report:\n%s", want, report.String())
				}
			}
		})
	}
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"dev"}, {"dev=onlybase"}, {"=a,b"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("run(%q) = %d with stderr %q, want 2 and a message", args, code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"dev=" + t.TempDir() + "," + t.TempDir()}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "not a synthesized assembly") {
		t.Errorf("empty assemblies: exit %d, stderr %q; want 2 naming the directory", code, stderr.String())
	}
}

// TestWorkflowsAgree holds the change-report workflows to the names this
// command uses: the label that passes --override, and the marker by which
// the comment is found and updated in place.
func TestWorkflowsAgree(t *testing.T) {
	for file, want := range map[string]string{
		"change-report.yml":         "'" + OverrideLabel + "'",
		"change-report-comment.yml": `startswith("` + Marker + `")`,
	} {
		raw, err := os.ReadFile(filepath.Join("..", "..", ".github", "workflows", file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), want) {
			t.Errorf("%s does not use %s", file, want)
		}
	}
}
