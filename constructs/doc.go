// Package constructs holds the reusable building blocks the stacks are made
// of: a hardened load-balanced Fargate service, a private HTTP API in front of
// an internal ALB, log groups and cdk-nag suppressions.
//
// The package keeps the name of its folder, as Go expects, even though it
// shares it with github.com/aws/constructs-go/constructs/v10, which every
// stack also needs for constructs.Construct. The rule that keeps this
// readable: the upstream package is always imported unaliased as
// "constructs" (as in every CDK Go example), and this package is always
// imported as "appconstructs". Nothing here is imported by this package's own
// files under another name.
package constructs
