package config

import (
	"slices"
	"strings"
	"testing"
)

func TestGitHubCISettings(t *testing.T) {
	t.Run("accepted, with the default environments", func(t *testing.T) {
		c, err := Load(map[string]any{"app:ciRepository": "octo-org/fargate-api.go", "app:ciRepositoryIds": "1234/5678"})
		if err != nil {
			t.Fatal(err)
		}
		if c.CI.Repository != "octo-org/fargate-api.go" || c.CI.RepositoryIDs != "1234/5678" || !slices.Equal(c.CI.Environments, []string{"dev", "prod"}) {
			t.Errorf("got %+v", c.CI)
		}
		if c.CIStackName() != "FargateApi-GitHubCi" {
			t.Errorf("CI stack name %s, want FargateApi-GitHubCi (one per account, no profile)", c.CIStackName())
		}
	})
	// Each refused value: the key, the value and what is allowed, in one
	// message; a wildcard never reaches a trust policy.
	bad := []struct {
		name string
		ctx  map[string]any
		want string
	}{
		{"wildcard repository", map[string]any{"app:ciRepository": "octo-org/*"}, `app:ciRepository: "octo-org/*" is not allowed; allowed: OWNER/REPO`},
		{"owner only", map[string]any{"app:ciRepository": "octo-org"}, `app:ciRepository: "octo-org" is not allowed`},
		{"subject injection", map[string]any{"app:ciRepository": "octo-org/api:environment:prod"}, `app:ciRepository: "octo-org/api:environment:prod" is not allowed`},
		{"wildcard environment", map[string]any{"app:ciRepository": "o/r", "app:ciEnvironments": "dev,*"}, `app:ciEnvironments: "dev,*" is not allowed; allowed: GitHub environment names of letters, digits, '.', '-' and '_' ("*" is not`},
		{"environment twice", map[string]any{"app:ciRepository": "o/r", "app:ciEnvironments": "prod,Prod"}, `("Prod" twice; GitHub's names ignore case)`},
		{"no environment", map[string]any{"app:ciRepository": "o/r", "app:ciEnvironments": "[]"}, `app:ciEnvironments: "" is not allowed; allowed: one or more`},
		{"IDs not numbers", map[string]any{"app:ciRepository": "o/r", "app:ciRepositoryIds": "octo/api"}, `app:ciRepositoryIds: "octo/api" is not allowed; allowed: OWNERID/REPOID`},
		{"provider of another issuer", map[string]any{"app:ciRepository": "o/r", "app:ciOidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/gitlab.com"}, `app:ciOidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/gitlab.com" is not allowed`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.ctx)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load(%v) = %v, want a message with %q", tc.ctx, err, tc.want)
			}
		})
	}
	t.Run("CI settings without a repository are named as moot", func(t *testing.T) {
		ctx := map[string]any{"app:ciEnvironments": "staging"}
		c, err := Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		notes := strings.Join(Ineffective(ctx, c), "\n")
		if !strings.Contains(notes, `app:ciEnvironments = "staging" has no effect: app:ciRepository is empty`) {
			t.Errorf("notes %q lack app:ciEnvironments", notes)
		}
	})
}
