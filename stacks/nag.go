package stacks

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	appconstructs "github.com/example/fargate-api/constructs"
)

// cdkHandlerPrefixes are the construct IDs of the singleton custom-resource
// handlers that aws-cdk-lib adds to a stack by itself.
var cdkHandlerPrefixes = []string{
	"LogRetention",                 // CloudwatchLogsRetention on RDS exports
	"Custom::VpcRestrictDefaultSG", // RestrictDefaultSecurityGroup on the VPC
}

// suppressCDKHandlers accepts the cdk-nag findings on the custom-resource
// handlers aws-cdk-lib adds to stack. Their code and IAM are CDK's, not ours:
// purpose says what the handler does in this stack. Call it last in a stack
// constructor, after the handlers exist.
func suppressCDKHandlers(stack awscdk.Stack, purpose string) {
	for _, child := range *stack.Node().Children() {
		id := *child.Node().Id()
		for _, prefix := range cdkHandlerPrefixes {
			if !strings.HasPrefix(id, prefix) {
				continue
			}
			appconstructs.Suppress(child,
				appconstructs.Suppression{
					Rule:      "AwsSolutions-IAM4",
					Reason:    "aws-cdk-lib's own handler (" + purpose + ") writes its logs through the AWSLambdaBasicExecutionRole managed policy",
					AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
				},
				appconstructs.Suppression{
					Rule:      "AwsSolutions-IAM5",
					Reason:    "aws-cdk-lib's own handler (" + purpose + ") acts on log groups that the service creates at run time, whose names are not known at deploy time",
					AppliesTo: []string{"Resource::*"},
				},
				appconstructs.Suppression{
					Rule:   "AwsSolutions-L1",
					Reason: "aws-cdk-lib pins the runtime of its own handler (" + purpose + "); it moves with CDK upgrades",
				},
			)
		}
	}
}
