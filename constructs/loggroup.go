package constructs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// NewLogGroup creates a log group that expires its events after days (a
// CloudWatch Logs retention value; config validates it) and is removed with
// its stack, so a destroyed environment leaves no orphaned, billed logs
// behind. CDK's own default keeps logs forever and the group after deletion.
func NewLogGroup(scope constructs.Construct, id string, days int) awslogs.LogGroup {
	return awslogs.NewLogGroup(scope, jsii.String(id), &awslogs.LogGroupProps{
		Retention:     Retention(days),
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
}

// NewVendedLogGroup is NewLogGroup for a group an AWS service delivers logs
// to through CloudWatch Logs' vended-log mechanism (API Gateway access logs,
// for one). That mechanism adds each such group to the account's CloudWatch
// Logs resource policy, which is capped at 5,120 characters and 10 policies
// per region; a group whose name starts with /aws/vendedlogs/ is covered by
// one wildcard entry instead ("Enabling logging from AWS services",
// CloudWatch Logs user guide). The name is
// /aws/vendedlogs/<service>/<stack name>/<suffix>: stable per stack, and the
// stack name carries the app name and profile.
func NewVendedLogGroup(scope constructs.Construct, id, service, suffix string, days int) awslogs.LogGroup {
	name := "/aws/vendedlogs/" + service + "/" + *awscdk.Stack_Of(scope).StackName() + "/" + suffix
	return awslogs.NewLogGroup(scope, jsii.String(id), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(name),
		Retention:     Retention(days),
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
}

// Retention converts a validated number of days into the CDK enum.
func Retention(days int) awslogs.RetentionDays {
	switch days {
	case 1:
		return awslogs.RetentionDays_ONE_DAY
	case 3:
		return awslogs.RetentionDays_THREE_DAYS
	case 5:
		return awslogs.RetentionDays_FIVE_DAYS
	case 7:
		return awslogs.RetentionDays_ONE_WEEK
	case 14:
		return awslogs.RetentionDays_TWO_WEEKS
	case 30:
		return awslogs.RetentionDays_ONE_MONTH
	case 60:
		return awslogs.RetentionDays_TWO_MONTHS
	case 90:
		return awslogs.RetentionDays_THREE_MONTHS
	case 120:
		return awslogs.RetentionDays_FOUR_MONTHS
	case 150:
		return awslogs.RetentionDays_FIVE_MONTHS
	case 180:
		return awslogs.RetentionDays_SIX_MONTHS
	case 365:
		return awslogs.RetentionDays_ONE_YEAR
	case 400:
		return awslogs.RetentionDays_THIRTEEN_MONTHS
	case 545:
		return awslogs.RetentionDays_EIGHTEEN_MONTHS
	case 731:
		return awslogs.RetentionDays_TWO_YEARS
	case 1096:
		return awslogs.RetentionDays_THREE_YEARS
	case 1827:
		return awslogs.RetentionDays_FIVE_YEARS
	case 2192:
		return awslogs.RetentionDays_SIX_YEARS
	case 2557:
		return awslogs.RetentionDays_SEVEN_YEARS
	case 2922:
		return awslogs.RetentionDays_EIGHT_YEARS
	case 3288:
		return awslogs.RetentionDays_NINE_YEARS
	case 3653:
		return awslogs.RetentionDays_TEN_YEARS
	}
	panic(fmt.Sprintf("retention of %d days is not a CloudWatch Logs retention value (fargate.RetentionDays lists them)", days))
}
