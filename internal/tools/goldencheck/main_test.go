package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A golden template and what cdk synth writes for it: the CLI's additions
// (CDKMetadata, aws:cdk:path, aws:asset:*) and a real asset hash, which the
// check must set aside and scrub before it compares.
const (
	goldenBucket = `{"Resources": {"Bucket": {"Type": "AWS::S3::Bucket",
		"Properties": {"Key": "<asset-hash>.zip"}}}}`
	synthBucket = `{"Resources": {
		"Bucket": {"Type": "AWS::S3::Bucket",
			"Properties": {"Key": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.zip"},
			"Metadata": {"aws:cdk:path": "App/Bucket/Resource", "aws:asset:path": "asset.x"}},
		"CDKMetadata": {"Type": "AWS::CDK::Metadata"}},
		"Conditions": {"CDKMetadataAvailable": {"Fn::Equals": ["a", "a"]}}}`
)

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		golden   map[string]string // stack -> golden file
		synth    map[string]string // stack -> template cdk synth wrote
		expected int
		code     int
		stdout   []string
		stderr   []string
	}{{
		name:     "match after the CLI's additions",
		golden:   map[string]string{"App-Store": goldenBucket},
		synth:    map[string]string{"App-Store": synthBucket},
		expected: 1,
		stdout:   []string{"goldencheck: 1 templates in OUT match GOLDEN"},
	}, {
		name:     "stack without a golden file is not counted",
		golden:   map[string]string{"App-Store": goldenBucket},
		synth:    map[string]string{"App-Store": synthBucket, "App-Ci": `{}`},
		expected: 2,
		code:     1,
		stderr:   []string{"goldencheck: compared 1 templates in OUT with GOLDEN, expected 2"},
	}, {
		name:     "golden file without a template is not counted",
		golden:   map[string]string{"App-Store": goldenBucket, "App-Gone": `{}`},
		synth:    map[string]string{"App-Store": synthBucket},
		expected: 2,
		code:     1,
		stderr:   []string{"compared 1 templates"},
	}, {
		name:   "changed property",
		golden: map[string]string{"App-Store": goldenBucket},
		synth: map[string]string{"App-Store": strings.Replace(synthBucket,
			`"Type": "AWS::S3::Bucket"`, `"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"`, 1)},
		expected: 1,
		code:     1,
		stderr: []string{
			"App-Store: GOLDEN/App-Store.json is not what cdk synth writes",
			"Resources.Bucket.DeletionPolicy",
			"go test -run TestGoldenTemplates -update ./stacks",
		},
	}, {
		// A difference fails even when the count is right for another
		// stack that matches.
		name:   "one of two differs",
		golden: map[string]string{"App-A": goldenBucket, "App-B": goldenBucket},
		synth: map[string]string{"App-A": synthBucket,
			"App-B": strings.Replace(synthBucket, ".zip", ".jar", 1)},
		expected: 2,
		code:     1,
		stderr:   []string{"App-B: GOLDEN/App-B.json is not what cdk synth writes", "Resources.Bucket.Properties.Key"},
	}, {
		name:     "template that is not JSON",
		golden:   map[string]string{"App-Store": goldenBucket},
		synth:    map[string]string{"App-Store": `{"Resources":`},
		expected: 1,
		code:     1,
		stderr:   []string{"OUT/App-Store.template.json: unexpected end of JSON input"},
	}, {
		name:     "golden file that is not JSON",
		golden:   map[string]string{"App-Store": `[`},
		synth:    map[string]string{"App-Store": synthBucket},
		expected: 1,
		code:     1,
		stderr:   []string{"GOLDEN/App-Store.json: unexpected end of JSON input"},
	}, {
		name:     "nothing synthesized, nothing expected",
		expected: 0,
		stdout:   []string{"goldencheck: 0 templates in OUT match GOLDEN"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, dir := t.TempDir(), t.TempDir()
			for stack, s := range tt.golden {
				write(t, filepath.Join(dir, stack+".json"), s)
			}
			for stack, s := range tt.synth {
				write(t, filepath.Join(out, stack+".template.json"), s)
			}
			var stdout, stderr bytes.Buffer
			code := run(out, dir, tt.expected, &stdout, &stderr)
			// The temporary directories' names, for readable wants.
			names := strings.NewReplacer(out, "OUT", dir, "GOLDEN")
			gotOut, gotErr := names.Replace(stdout.String()), names.Replace(stderr.String())
			if code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, gotErr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(gotOut, want) {
					t.Errorf("stdout lacks %q:\n%s", want, gotOut)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(gotErr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, gotErr)
				}
			}
			if code != 0 && gotOut != "" {
				t.Errorf("a failed check printed %q on stdout", gotOut)
			}
		})
	}
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args     []string
		outdir   string
		expected int
		ok       bool
	}{
		{[]string{"cdk.out", "5"}, "cdk.out", 5, true},
		{[]string{"cdk.out", "0"}, "cdk.out", 0, true},
		{[]string{"cdk.out", "-1"}, "", 0, false},
		{[]string{"cdk.out", "five"}, "", 0, false},
		{[]string{"cdk.out"}, "", 0, false},
		{[]string{"cdk.out", "5", "6"}, "", 0, false},
	}
	for _, tt := range tests {
		outdir, expected, ok := parseArgs(tt.args)
		if outdir != tt.outdir || expected != tt.expected || ok != tt.ok {
			t.Errorf("parseArgs(%q) = %q, %d, %v; want %q, %d, %v",
				tt.args, outdir, expected, ok, tt.outdir, tt.expected, tt.ok)
		}
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
