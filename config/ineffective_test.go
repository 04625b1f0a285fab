package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIneffective(t *testing.T) {
	for _, tc := range []struct {
		name    string
		context map[string]any
		notes   []string
	}{
		{"nothing set", nil, nil},
		{"NAT instance type with the dev profile's NAT instance", map[string]any{"app:natInstanceType": "t3.micro"}, nil},
		{"NAT instance type with prod's NAT gateways", map[string]any{"app:profile": "prod", "app:natInstanceType": "t3.micro"},
			[]string{`app:natInstanceType = "t3.micro" has no effect: app:natProvider is "gateway" (the prod profile's default); it applies to NAT instances (natProvider=instance, natGateways of 1 or more)`}},
		{"NAT instance type with NAT instances asked for", map[string]any{"app:profile": "prod", "app:natProvider": "instance", "app:natInstanceType": "t3.small"}, nil},
		{"NAT instance type without NAT", map[string]any{"app:natGateways": 0.0, "app:natInstanceType": "t4g.micro"},
			[]string{`app:natInstanceType = "t4g.micro" has no effect: app:natGateways is 0; it applies to NAT instances (natProvider=instance, natGateways of 1 or more)`}},
		{"canary settings with dev's rolling deploys", map[string]any{"app:canaryPercent": "20", "app:canaryBakeMinutes": 15.0},
			[]string{
				`app:canaryPercent = 20 has no effect: app:deploymentStrategy is "rolling" (the dev profile's default); it applies to canary deployments`,
				`app:canaryBakeMinutes = 15 has no effect: app:deploymentStrategy is "rolling" (the dev profile's default); it applies to canary deployments`,
			}},
		{"canary settings with prod's canary deploys", map[string]any{"app:profile": "prod", "app:canaryPercent": "20", "app:canaryBakeMinutes": 15.0}, nil},
		{"linear settings with canary deploys", map[string]any{"app:profile": "prod", "app:linearStepPercent": 20.0, "app:linearStepBakeMinutes": 2.0},
			[]string{
				`app:linearStepPercent = 20 has no effect: app:deploymentStrategy is "canary" (the prod profile's default); it applies to linear deployments`,
				`app:linearStepBakeMinutes = 2 has no effect: app:deploymentStrategy is "canary" (the prod profile's default); it applies to linear deployments`,
			}},
		{"linear settings with linear deploys", map[string]any{"app:deploymentStrategy": "linear", "app:linearStepPercent": 20.0, "app:linearStepBakeMinutes": 2.0}, nil},
		{"bake time with rolling deploys set explicitly", map[string]any{"app:profile": "prod", "app:deploymentStrategy": "rolling", "app:deploymentBakeMinutes": 30.0},
			[]string{`app:deploymentBakeMinutes = 30 has no effect: app:deploymentStrategy is "rolling"; it applies to canary, linear and blueGreen deployments`}},
		{"bake time with blue/green deploys", map[string]any{"app:deploymentStrategy": "blueGreen", "app:deploymentBakeMinutes": 30.0}, nil},
		{"CORS details without CORS", map[string]any{"app:corsAllowMethods": "GET,POST", "app:corsMaxAgeSeconds": 600.0},
			[]string{
				`app:corsMaxAgeSeconds = 600 has no effect: app:corsAllowOrigins is empty; it applies to CORS (corsAllowOrigins set)`,
				`app:corsAllowMethods = "GET,POST" has no effect: app:corsAllowOrigins is empty; it applies to CORS (corsAllowOrigins set)`,
			}},
		{"CORS details with CORS", map[string]any{"app:corsAllowOrigins": "https://app.example.com", "app:corsAllowMethods": "GET,POST"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.context)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if diff := cmp.Diff(tc.notes, Ineffective(tc.context, c)); diff != "" {
				t.Errorf("Ineffective (-want +got):\n%s", diff)
			}
		})
	}
}
