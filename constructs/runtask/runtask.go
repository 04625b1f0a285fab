// Package runtask holds the inline Lambda handler that runs a one-off ECS
// task for a CloudFormation custom resource and waits for its exit code.
// It has no CDK dependency, so its test runs the handler under Node.js
// without starting the jsii kernel.
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
