package settings

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/example/fargate-api/constructs/rule"
)

// GitHubCI configures the per-account stack that lets one GitHub
// repository's workflows deploy the app through OIDC (docs/delivery.md). The
// app synthesizes it only when Repository is set, so the app's own
// `cdk deploy --all` never needs it.
type GitHubCI struct {
	// Repository is "OWNER/REPO"; empty: no CI stack.
	Repository string `key:"ciRepository" doc:"GitHub repository (OWNER/REPO) whose workflows deploy through OIDC; set, the app adds the per-account CI stack NAME-GitHubCi (docs/delivery.md); empty: no CI stack."`
	// RepositoryIDs is "OWNERID/REPOID", GitHub's numeric owner and
	// repository IDs: the roles then trust GitHub's immutable subject
	// (repo:OWNER@OWNERID/REPO@REPOID:environment:NAME), which repositories
	// created since 2026-07-15 get. Empty: the subject by names.
	RepositoryIDs string `key:"ciRepositoryIds" doc:"OWNERID/REPOID, the repository's numeric GitHub IDs: the roles trust GitHub's immutable subject format; empty: the subject by names."`
	// Environments are the GitHub environments, one role each.
	Environments []string `default:"dev,prod" key:"ciEnvironments" doc:"GitHub environments (list) that get a deploy role each."`
	// OIDCProviderARN is the account's existing GitHub OIDC provider (an
	// account has at most one per URL); empty: the stack creates it.
	OIDCProviderARN string `key:"ciOidcProviderArn" doc:"The account's existing GitHub OIDC provider (an account has one per URL); empty: the CI stack creates it."`
}

var (
	// GitHub's rules: an owner of up to 39 letters, digits and single
	// hyphens; a repository of up to 100 letters, digits, '.', '-', '_'.
	reRepository    = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,38}/[A-Za-z0-9._-]{1,100}$`)
	reRepositoryIDs = regexp.MustCompile(`^[1-9][0-9]{0,19}/[1-9][0-9]{0,19}$`)
	// Environment names go into the subject claim verbatim: no wildcard
	// (*, ?) and no ':' that would shift the claim's fields.
	reEnvironment = regexp.MustCompile(`^[A-Za-z0-9._-]{1,255}$`)
	reOIDCARN     = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:oidc-provider/token\.actions\.githubusercontent\.com$`)
)

// Validate returns one Problem per invalid field of g, in field order.
func (g GitHubCI) Validate() []rule.Problem {
	var p rule.Problems
	if g.Repository != "" && (!reRepository.MatchString(g.Repository) || strings.HasSuffix(g.Repository, "/.") || strings.HasSuffix(g.Repository, "/..")) {
		p.Add("Repository", g.Repository, "OWNER/REPO of the GitHub repository whose workflows deploy, e.g. octo-org/fargate-api (no wildcards)")
	}
	if g.RepositoryIDs != "" && !reRepositoryIDs.MatchString(g.RepositoryIDs) {
		p.Add("RepositoryIDs", g.RepositoryIDs, `OWNERID/REPOID, the numeric IDs GitHub gives the owner and the repository (gh api repos/OWNER/REPO --jq '"\(.owner.id)/\(.id)"'); empty: the subject by names`)
	}
	envs := strings.Join(g.Environments, ",")
	seen := map[string]bool{}
	if len(g.Environments) == 0 {
		p.Add("Environments", envs, "one or more GitHub environment names, e.g. dev,prod: one role each")
	}
	for _, env := range g.Environments {
		if !reEnvironment.MatchString(env) {
			p.Add("Environments", envs, fmt.Sprintf("GitHub environment names of letters, digits, '.', '-' and '_' (%q is not: a wildcard or ':' would widen or break the role's trusted subject)", env))
			break
		}
		if seen[strings.ToLower(env)] {
			p.Add("Environments", envs, fmt.Sprintf("each environment once (%q twice; GitHub's names ignore case)", env))
			break
		}
		seen[strings.ToLower(env)] = true
	}
	if g.OIDCProviderARN != "" && !reOIDCARN.MatchString(g.OIDCProviderARN) {
		p.Add("OIDCProviderARN", g.OIDCProviderARN, "the ARN of the account's GitHub OIDC provider, arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com; empty: the CI stack creates it")
	}
	return p
}
