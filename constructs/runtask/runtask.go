// Package runtask holds the inline Lambda handler that runs a one-off ECS
// task for a CloudFormation custom resource and waits for its exit code.
// It has no CDK dependency, so its test runs the handler under Node.js
// without starting the jsii kernel; so does TestPinnedCLICannotHotswapTheService,
// which checks that the pinned CDK CLI cannot hotswap the service past the
// run this package's handlers make.
//
// The handlers serve the CDK provider framework in its asynchronous mode
// (onEvent starts, isComplete polls), so a run may outlast one Lambda
// invocation. Create and Update start the task and succeed only if its
// container exits 0; anything else, or a run longer than
// RUN_TIMEOUT_MINUTES (the task is then stopped), fails the deployment,
// which CloudFormation then rolls back. Delete does nothing.
//
// A DescribeTasks error is asked again at the next poll only when it may
// mend: throttling and server errors (5xx) until RUN_TIMEOUT_MINUTES,
// access denied (the check role's policy may still be propagating: IAM is
// eventually consistent) and no answer at all for the first GRACE (5)
// minutes of the run. Anything else (InvalidParameterException,
// ClusterNotFoundException, access denied after GRACE, ...) fails the
// deployment at that poll, naming the error, after asking ECS to stop the
// task: a rollback's run of the previous task definition would otherwise
// wait for this one's migration lock.
package runtask

import _ "embed"

// Handler is the handlers' source (CommonJS, Node.js 24 with the AWS SDK
// for JavaScript v3 that the Lambda runtime provides), inlined into the
// template so synth needs neither Docker nor a bundler. Entry points:
// index.onEvent (starts the task) and index.isComplete (polls it; reads
// RUN_TIMEOUT_MINUTES from its environment), for the CDK provider
// framework's asynchronous mode.
//
//go:embed handler.js
var Handler string
