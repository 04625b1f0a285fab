package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCLIContext holds that main reads the context the way aws-cdk-lib's
// App does (CDK_CONTEXT_JSON, overlaid with the file the CLI names in
// CONTEXT_OVERFLOW_LOCATION_ENV when the context is large), so that the
// configuration it checks before starting the jsii kernel is the one the
// App then synthesizes.
func TestCLIContext(t *testing.T) {
	overflow := filepath.Join(t.TempDir(), "context.json")
	if err := os.WriteFile(overflow, []byte(`{"app:cpu":"512","app:memory":"1024"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CDK_CONTEXT_JSON", `{"app:profile":"prod","app:cpu":"256"}`)
	t.Setenv("CONTEXT_OVERFLOW_LOCATION_ENV", overflow)
	got, ok := CLIContext()
	want := map[string]any{"app:profile": "prod", "app:cpu": "512", "app:memory": "1024"}
	if diff := cmp.Diff(want, got); !ok || diff != "" {
		t.Errorf("CLIContext() ok = %v, (-want +got):\n%s", ok, diff)
	}

	t.Setenv("CDK_CONTEXT_JSON", `{"app:cpu":`)
	if _, ok := CLIContext(); ok {
		t.Error("CLIContext() accepted a CDK_CONTEXT_JSON that does not parse; the App should report it")
	}
}
