package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	appconstructs "github.com/example/fargate-api/constructs"
	"github.com/example/fargate-api/stacks/settings"
)

// GitHubOIDCHost is GitHub Actions' token issuer.
const GitHubOIDCHost = "token.actions.githubusercontent.com"

// BootstrapRoleTag is the tag the CDK's bootstrap template puts on its
// deploy, file-publishing, image-publishing and lookup roles, with those
// words as values. The CI roles may assume exactly the roles that carry it.
const BootstrapRoleTag = "aws-cdk:bootstrap-role"

// BootstrapRoles are the values of BootstrapRoleTag the CLI uses to deploy.
var BootstrapRoles = []string{"deploy", "file-publishing", "image-publishing", "lookup"}

// GitHubCIProps configures the stack that lets one GitHub repository's
// workflows deploy the app.
type GitHubCIProps struct {
	awscdk.StackProps
	// Settings are the repository, its IDs, the environments and an
	// existing OIDC provider.
	settings.GitHubCI
}

// GitHubCI is the per-account stack an administrator deploys once: GitHub's
// OIDC provider and one role per GitHub environment that only a workflow job
// in that environment of that repository can assume, and that may only
// assume the CDK bootstrap roles (which do the deploying).
type GitHubCI struct {
	awscdk.Stack
	// Roles maps each environment to its role.
	Roles map[string]iam.Role
}

// NewGitHubCI builds the stack.
func NewGitHubCI(scope constructs.Construct, id string, p GitHubCIProps) *GitHubCI {
	stack := awscdk.NewStack(scope, jsii.String(id), &p.StackProps)
	s := &GitHubCI{Stack: stack, Roles: map[string]iam.Role{}}

	var provider iam.IOidcProvider
	if p.OIDCProviderARN != "" {
		provider = iam.OidcProviderNative_FromOidcProviderArn(stack, jsii.String("GitHubOidc"), jsii.String(p.OIDCProviderARN))
	} else {
		// The native provider (AWS::IAM::OIDCProvider), not the custom
		// resource one: no Lambda. IAM no longer checks thumbprints for
		// GitHub's issuer, whose certificate chains to a trusted CA.
		provider = iam.NewOidcProviderNative(stack, jsii.String("GitHubOidc"), &iam.OidcProviderNativeProps{
			Url:       jsii.String("https://" + GitHubOIDCHost),
			ClientIds: jsii.Strings("sts.amazonaws.com"),
		})
	}

	for _, env := range p.Environments {
		role := iam.NewRole(stack, jsii.String("Deploy"+construct(env)), &iam.RoleProps{
			Description: jsii.String("GitHub Actions deploys of " + p.Repository + " from its environment " + env + ": may only assume the CDK bootstrap roles"),
			AssumedBy: iam.NewWebIdentityPrincipal(provider.OidcProviderArn(), &map[string]any{
				// StringEquals, no wildcard: a token from another repository,
				// branch, pull request or environment does not match.
				"StringEquals": map[string]any{
					GitHubOIDCHost + ":aud": "sts.amazonaws.com",
					GitHubOIDCHost + ":sub": Subject(p.Repository, p.RepositoryIDs, env),
				},
			}),
		})
		role.AddToPolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Sid:     jsii.String("AssumeCdkBootstrapRoles"),
			Actions: jsii.Strings("sts:AssumeRole"),
			// The bootstrap roles' names carry a qualifier and the region;
			// the tag, which the bootstrap template sets, selects them.
			Resources: jsii.Strings("arn:" + *awscdk.Aws_PARTITION() + ":iam::" + *awscdk.Aws_ACCOUNT_ID() + ":role/*"),
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"iam:ResourceTag/" + BootstrapRoleTag: BootstrapRoles},
			},
		}))
		appconstructs.Suppress(role, appconstructs.Suppression{
			Rule:      "AwsSolutions-IAM5",
			Reason:    "sts:AssumeRole on this account's roles only where the role carries the tag " + BootstrapRoleTag + " (deploy, file-publishing, image-publishing, lookup), which the CDK bootstrap template sets; their names depend on the bootstrap qualifier and region",
			AppliesTo: []string{"Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*"},
		})
		awscdk.NewCfnOutput(stack, jsii.String("RoleArn"+construct(env)), &awscdk.CfnOutputProps{
			Value:       role.RoleArn(),
			Description: jsii.String("The GitHub environment " + env + "'s variable AWS_ROLE_ARN"),
		})
		s.Roles[env] = role
	}
	return s
}

// Subject is the OIDC sub claim of a workflow job that runs in environment
// env of repository ("OWNER/REPO"); with ids ("OWNERID/REPOID") in GitHub's
// immutable format.
func Subject(repository, ids, env string) string {
	if ids == "" {
		return "repo:" + repository + ":environment:" + env
	}
	owner, repo := split(repository)
	ownerID, repoID := split(ids)
	return "repo:" + owner + "@" + ownerID + "/" + repo + "@" + repoID + ":environment:" + env
}

func split(s string) (string, string) {
	for i := range s {
		if s[i] == '/' {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// construct turns an environment name into a construct-ID suffix: letters
// and digits, each word capitalized ("prod-eu" → "ProdEu").
func construct(env string) string {
	out := make([]byte, 0, len(env))
	up := true
	for i := 0; i < len(env); i++ {
		c := env[i]
		switch {
		case c >= 'a' && c <= 'z':
			if up {
				c -= 'a' - 'A'
			}
			out, up = append(out, c), false
		case c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			out, up = append(out, c), false
		default:
			up = true
		}
	}
	return string(out)
}
