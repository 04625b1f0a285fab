package config

import (
	"strings"
	"testing"

	"github.com/example/fargate-api/constructs/fargate"
)

func TestDeploymentStrategyDefaults(t *testing.T) {
	dev, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	prod, err := Load(map[string]any{"app:profile": "prod"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"dev deploys rolling (fast)", dev.Service.DeploymentStrategy, fargate.Rolling},
		{"prod deploys canary", prod.Service.DeploymentStrategy, fargate.Canary},
		{"canary shifts 10% first", prod.Service.CanaryPercent, 10.0},
		{"canary bakes 10 minutes", prod.Service.CanaryBakeMinutes, 10},
		{"old revision kept 5 minutes after the shift", prod.Service.DeploymentBakeMinutes, 5},
		{"linear steps of 25%", prod.Service.LinearStepPercent, 25.0},
		{"rollback latency follows the monitoring threshold", prod.Service.RollbackResponseP99Ms, prod.Monitoring.TargetResponseP99Ms},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestDeploymentSettingsParse(t *testing.T) {
	c, err := Load(map[string]any{
		"app:deploymentStrategy":    "linear",
		"app:linearStepPercent":     "12.5", // -c values are strings
		"app:linearStepBakeMinutes": float64(3),
		"app:canaryPercent":         float64(2.5), // cdk.json numbers
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Service.DeploymentStrategy != fargate.Linear || c.Service.LinearStepPercent != 12.5 || c.Service.LinearStepBakeMinutes != 3 || c.Service.CanaryPercent != 2.5 {
		t.Errorf("parsed %+v", c.Service.Settings)
	}
}

// TestDeploymentSettingsReject: each rule of the deployment settings, with
// the message under the user's key names.
func TestDeploymentSettingsReject(t *testing.T) {
	for _, tt := range []struct {
		name    string
		context map[string]any
		want    string
	}{
		{"unknown strategy", map[string]any{"app:deploymentStrategy": "bluegreen"}, `app:deploymentStrategy: "bluegreen" is not allowed; allowed: rolling, canary, linear, blueGreen`},
		{"percent not a number", map[string]any{"app:canaryPercent": "ten"}, `app:canaryPercent: "ten" is not a number`},
		{"canary percent in hundredths", map[string]any{"app:canaryPercent": "2.25"}, "app:canaryPercent: 2.25 is not allowed; allowed: 0.1 to 49.9 in steps of 0.1"},
		{"canary of half the traffic", map[string]any{"app:canaryPercent": "50"}, "app:canaryPercent: 50 is not allowed"},
		{"linear step too small", map[string]any{"app:linearStepPercent": "2"}, "app:linearStepPercent: 2 is not allowed; allowed: 3 to 100 in steps of 0.1"},
		{"canary bake over a day", map[string]any{"app:canaryBakeMinutes": "1441"}, "app:canaryBakeMinutes: 1441 is not allowed; allowed: 0 to 1440 minutes"},
		{"negative step bake", map[string]any{"app:linearStepBakeMinutes": "-1"}, "app:linearStepBakeMinutes: -1 is not allowed"},
		{"deployment bake over a day", map[string]any{"app:deploymentBakeMinutes": "1500"}, "app:deploymentBakeMinutes: 1500 is not allowed"},
		{"canary over CloudFormation's 33 hours", map[string]any{"app:deploymentStrategy": "canary", "app:canaryBakeMinutes": "1440", "app:deploymentBakeMinutes": "600"},
			"app:canaryBakeMinutes: 1440 is not allowed; allowed: at most 1980 minutes together with deploymentBakeMinutes (600)"},
		{"linear over CloudFormation's 33 hours", map[string]any{"app:deploymentStrategy": "linear", "app:linearStepPercent": "10", "app:linearStepBakeMinutes": "300"},
			"app:linearStepBakeMinutes: 300 is not allowed; allowed: at most 1980 minutes over its 9 steps together with deploymentBakeMinutes (5)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.context)
			if err == nil {
				t.Fatalf("Load(%v) succeeded, want %q", tt.context, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error lacks %q:\n%v", tt.want, err)
			}
		})
	}
}
