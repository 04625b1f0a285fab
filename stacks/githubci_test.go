package stacks_test

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The CI stack rides along in two fixture deployments (no synthesis of its
// own): "custom" names the repository only, so its roles trust the subject
// by names and it creates the OIDC provider; "options" adds the numeric
// IDs (GitHub's immutable subject) and an existing provider.

// resourcesOfType returns the resources of one type in a template, by
// logical ID.
func resourcesOfType(tpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := tpl["Resources"].(map[string]any)
	for id, r := range res {
		if m, _ := r.(map[string]any); m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// sameJSON compares a value from a template with what the test writes in
// Go, through JSON, and reports both when they differ.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	norm := func(v any) any {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var out any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if g, w := norm(got), norm(want); !reflect.DeepEqual(g, w) {
		gj, _ := json.MarshalIndent(g, "", "  ")
		wj, _ := json.MarshalIndent(w, "", "  ")
		t.Errorf("%s:\ngot  %s\nwant %s", what, gj, wj)
	}
}

func TestGitHubCI(t *testing.T) {
	f := app(t)
	ref := func(id string) map[string]any { return map[string]any{"Ref": id} }
	accountRoles := map[string]any{"Fn::Join": []any{"", []any{"arn:", ref("AWS::Partition"), ":iam::", ref("AWS::AccountId"), ":role/*"}}}
	onlyBootstrapRoles := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid":      "AssumeCdkBootstrapRoles",
			"Effect":   "Allow",
			"Action":   "sts:AssumeRole",
			"Resource": accountRoles,
			"Condition": map[string]any{"StringEquals": map[string]any{
				"iam:ResourceTag/aws-cdk:bootstrap-role": []any{"deploy", "file-publishing", "image-publishing", "lookup"},
			}},
		}},
	}
	trust := func(provider any, sub string) map[string]any {
		return map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Effect":    "Allow",
				"Action":    "sts:AssumeRoleWithWebIdentity",
				"Principal": map[string]any{"Federated": provider},
				"Condition": map[string]any{"StringEquals": map[string]any{
					"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
					"token.actions.githubusercontent.com:sub": sub,
				}},
			}},
		}
	}
	existing := "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"

	tests := []struct {
		name, stack string
		provider    any
		subjects    map[string]string // role logical ID prefix → subject
		providers   int
	}{
		{"each role trusts exactly its repository and environment by name", "Custom-GitHubCi",
			map[string]any{"Ref": "GitHubOidc"}, // fixed up below with the real logical ID
			map[string]string{"DeployDev": "repo:octo-org/fargate-api:environment:dev", "DeployProd": "repo:octo-org/fargate-api:environment:prod"}, 1},
		{"immutable subject with numeric IDs and an existing provider", "Options-GitHubCi", existing,
			map[string]string{"DeployStaging": "repo:octo-org@1234/fargate-api@5678:environment:staging"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tpl := f.templates[tc.stack]
			if tpl == nil {
				t.Fatalf("no stack %s", tc.stack)
			}
			providers := resourcesOfType(tpl, "AWS::IAM::OIDCProvider")
			if len(providers) != tc.providers {
				t.Fatalf("%d OIDC providers, want %d", len(providers), tc.providers)
			}
			provider := tc.provider
			for id, p := range providers {
				provider = map[string]any{"Ref": id} // AWS::IAM::OIDCProvider's Ref is its ARN
				sameJSON(t, "provider", p["Properties"], map[string]any{
					"Url": "https://token.actions.githubusercontent.com", "ClientIdList": []any{"sts.amazonaws.com"},
				})
			}
			roles := resourcesOfType(tpl, "AWS::IAM::Role")
			if len(roles) != len(tc.subjects) {
				t.Errorf("%d roles, want one per environment: %d", len(roles), len(tc.subjects))
			}
			for prefix, sub := range tc.subjects {
				var role map[string]any
				for id, r := range roles {
					if len(id) > len(prefix) && id[:len(prefix)] == prefix {
						role = r["Properties"].(map[string]any)
					}
				}
				if role == nil {
					t.Errorf("no role %s...", prefix)
					continue
				}
				sameJSON(t, prefix+" trust", role["AssumeRolePolicyDocument"], trust(provider, sub))
				for _, k := range []string{"ManagedPolicyArns", "PermissionsBoundary", "Policies"} {
					if role[k] != nil {
						t.Errorf("%s has %s: %v; its only permission is the policy below", prefix, k, role[k])
					}
				}
			}
			// Each role's one policy: sts:AssumeRole on the bootstrap roles.
			policies := resourcesOfType(tpl, "AWS::IAM::Policy")
			if len(policies) != len(tc.subjects) {
				t.Errorf("%d policies, want one per role", len(policies))
			}
			for id, p := range policies {
				sameJSON(t, id+" document", p["Properties"].(map[string]any)["PolicyDocument"], onlyBootstrapRoles)
			}
		})
	}
	t.Run("only when a repository is named", func(t *testing.T) {
		for _, name := range []string{"FargateApi-GitHubCi", "FargateApi-dev-GitHubCi"} {
			if _, ok := f.templates[name]; ok {
				t.Errorf("the dev deployment without app:ciRepository has %s", name)
			}
		}
	})
}
