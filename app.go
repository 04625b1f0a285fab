// Command fargate-api is the CDK app: API Gateway HTTP API → VPC link →
// internal ALB → ECS Fargate → RDS for PostgreSQL, in five stacks.
//
// It loads one validated configuration from CDK context, builds the stacks
// and synthesizes them. Invalid configuration ends the process with one
// message per problem and exit code 1, before any template is written; a
// failure after validation (a construct, cdk-nag or the CloudFormation
// validator) also exits 1, names the app: settings involved and leaves no
// template of this run in the output directory (synthesize.go).
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/fargate-api/config"
	"github.com/example/fargate-api/stacks"
)

// sampleImageDir is the sample API's Docker build context, relative to the
// directory cdk runs the app in (the repository root).
const sampleImageDir = "sampleapi"

func main() {
	// A configuration error is reported before the jsii kernel loads
	// aws-cdk-lib (seconds of Node.js), so that it comes at once and alone.
	if ctx, ok := config.CLIContext(); ok {
		if _, err := config.Load(ctx); err != nil {
			exit(err)
		}
	}
	// The CDK CLI (and scripts/synth.sh) name the output directory in
	// CDK_OUTDIR; without it the CDK picks a temporary one.
	exit(synthesize(os.Getenv("CDK_OUTDIR"), awscdk.AppProps{}, os.Stderr, func(app awscdk.App, cfg config.Config) {
		stacks.Build(app, cfg, sampleImageDir)
	}))
}

// exit stops the jsii kernel's Node.js process, which also removes the 2 MB
// runtime it unpacked into the temporary directory (jsii-runtime.*; without
// Close every run leaves one behind), reports err and ends the process.
func exit(err error) {
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}
