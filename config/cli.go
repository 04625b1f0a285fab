package config

import (
	"encoding/json"
	"maps"
	"os"
)

// CLIContext reads the context the CDK CLI (or scripts/synth.sh) hands the
// app, as aws-cdk-lib's App does: CDK_CONTEXT_JSON, overlaid with the file
// that CONTEXT_OVERFLOW_LOCATION_ENV names when the context is too large
// for the environment. ok is false when either does not parse; the App then
// reports it. main checks this context before the jsii kernel loads
// aws-cdk-lib, so that a configuration error comes at once and alone.
func CLIContext() (ctx map[string]any, ok bool) {
	ctx = map[string]any{}
	if s := os.Getenv("CDK_CONTEXT_JSON"); s != "" {
		if json.Unmarshal([]byte(s), &ctx) != nil {
			return nil, false
		}
	}
	if file := os.Getenv("CONTEXT_OVERFLOW_LOCATION_ENV"); file != "" {
		raw, err := os.ReadFile(file)
		overflow := map[string]any{}
		if err != nil || json.Unmarshal(raw, &overflow) != nil {
			return nil, false
		}
		maps.Copy(ctx, overflow)
	}
	return ctx, true
}
