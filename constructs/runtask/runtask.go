// Package runtask holds the inline Lambda handler that runs a one-off ECS
// task for a CloudFormation custom resource and waits for its exit code.
// It has no CDK dependency, so its test runs the handler under Node.js
// without starting the jsii kernel.
package runtask

import _ "embed"

// Handler is the handler's source (CommonJS, Node.js 22 with the AWS SDK
// for JavaScript v3 that the Lambda runtime provides), inlined into the
// template so synth needs neither Docker nor a bundler. Entry point:
// index.handler.
//
//go:embed handler.js
var Handler string
