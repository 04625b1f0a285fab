package main

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// TestWatchAndHotswapSettings holds what cdk.json tells `cdk watch` and
// `cdk deploy --hotswap` (docs/operations.md, "The fast loop"). That no hotswap can roll an
// image out without its migration is held by TestDatabaseAccess (the
// service's container carries an attribute of the migration run) and
// constructs/runtask's TestPinnedCLICannotHotswapTheService.
func TestWatchAndHotswapSettings(t *testing.T) {
	raw, err := os.ReadFile("cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var cdk struct {
		Watch struct {
			Exclude []string `json:"exclude"`
		} `json:"watch"`
		Hotswap struct {
			ECS struct {
				MinimumHealthyPercent *int `json:"minimumHealthyPercent"`
				MaximumHealthyPercent *int `json:"maximumHealthyPercent"`
			} `json:"ecs"`
		} `json:"hotswap"`
	}
	if err := json.Unmarshal(raw, &cdk); err != nil {
		t.Fatal(err)
	}
	t.Run("a hotswap keeps every task running (the CLI sends minimumHealthyPercent 0 when cdk.json sets none)", func(t *testing.T) {
		ecs := cdk.Hotswap.ECS
		if ecs.MinimumHealthyPercent == nil || *ecs.MinimumHealthyPercent != 100 || ecs.MaximumHealthyPercent == nil || *ecs.MaximumHealthyPercent != 200 {
			t.Errorf("hotswap.ecs = %s, want minimumHealthyPercent 100 and maximumHealthyPercent 200, as the service's own deployments", mustJSON(ecs))
		}
	})
	t.Run("watch ignores what deploys nothing (docs, scripts, other synth output directories)", func(t *testing.T) {
		for _, want := range []string{"**/*.md", "docs", "scripts", "cdk.out*", "**/*_test.go", "testdata"} {
			if !slices.Contains(cdk.Watch.Exclude, want) {
				t.Errorf("watch.exclude %v lacks %q", cdk.Watch.Exclude, want)
			}
		}
	})
}
