package stacks_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/fargate-api/stacks"
)

// TestVendedLogGroups: API Gateway delivers access logs through CloudWatch
// Logs' vended-log mechanism, which grows the account's size-capped
// resource policy for every log group outside /aws/vendedlogs/. The other
// groups AWS writes to here are written with IAM roles (VPC flow logs: the
// flow log's role; container and ECS Exec logs: the task's roles) or named
// by the service itself (RDS exports), so they keep CloudFormation names.
func TestVendedLogGroups(t *testing.T) {
	f := app(t)
	for _, v := range []struct {
		name string
		d    stacks.Set
	}{{"dev", f.dev}, {"prod", f.prod}} {
		api := v.d.API.Stack
		want := "/aws/vendedlogs/apigateway/" + f.cfg[v.name].StackName("Api") + "/access"
		t.Run(v.name+": API access logs go to a /aws/vendedlogs/ group named for the stack", func(t *testing.T) {
			hasResource(t, api, "AWS::Logs::LogGroup", obj("LogGroupName", want))
		})
		t.Run(v.name+": the stage writes its access logs to that group", func(t *testing.T) {
			groups := f.resources(api, "AWS::Logs::LogGroup")
			stage := f.only(t, api, "AWS::ApiGatewayV2::Stage")
			raw, _ := json.Marshal(stage["AccessLogSettings"].(map[string]any)["DestinationArn"])
			for id, g := range groups {
				if g["LogGroupName"] == want && strings.Contains(string(raw), `"`+id+`"`) {
					return
				}
			}
			t.Errorf("stage access log destination %s is not the %s group", raw, want)
		})
	}
	t.Run("flow logs are delivered with an IAM role, not the resource policy", func(t *testing.T) {
		hasResource(t, f.dev.Network.Stack, "AWS::EC2::FlowLog", obj(
			"LogDestinationType", "cloud-watch-logs",
			"DeliverLogsPermissionArn", obj("Fn::GetAtt", arrayWith(assertions.Match_StringLikeRegexp(jsii.String("Role"))))))
	})
}
