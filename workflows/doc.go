// Package workflows holds the GitHub Actions workflows in
// .github/workflows to their promises, offline: actionlint (pinned in this
// module's go.mod as a tool, so `go tool actionlint` is the same version)
// finds no problem, every external action is pinned by commit, each job has
// exactly the permissions it needs, no workflow runs on
// pull_request_target, pull requests get the checks and the
// destructive-change gate, and deploys go dev then prod through GitHub
// environments, one at a time, never cancelled.
//
// It is a module of its own so that actionlint's dependencies stay out of
// the CDK app's module.
package workflows
