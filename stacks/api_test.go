package stacks_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

func TestAPI(t *testing.T) {
	f := app(t)
	dev, custom := f.dev.API.Stack, f.custom.API.Stack
	tests := []struct {
		name  string
		stack awscdk.Stack
		typ   string
		props assertions.Matcher
	}{
		{"HTTP API", dev, "AWS::ApiGatewayV2::Api", obj("ProtocolType", "HTTP")},
		{"integration reaches the ALB listener through the VPC link", dev, "AWS::ApiGatewayV2::Integration", obj(
			"IntegrationType", "HTTP_PROXY",
			"ConnectionType", "VPC_LINK",
			"ConnectionId", obj("Ref", assertions.Match_StringLikeRegexp(jsii.String("^ApiVpcLink"))),
			"IntegrationUri", stackOutput("Listener"),
			"IntegrationMethod", "ANY")},
		{"container sees the path without the stage prefix", dev, "AWS::ApiGatewayV2::Integration", obj(
			"RequestParameters", obj("overwrite:path", "$request.path"))},
		{"VPC link sits in the private subnets", dev, "AWS::ApiGatewayV2::VpcLink", obj(
			"SubnetIds", arrayWith(stackOutput("PrivateSubnet")))},
		{"default route proxies everything", dev, "AWS::ApiGatewayV2::Route", obj("RouteKey", "ANY /{proxy+}")},
		{"named stage prod with auto-deploy and throttling", dev, "AWS::ApiGatewayV2::Stage", obj(
			"StageName", "prod", "AutoDeploy", true,
			"DefaultRouteSettings", obj("ThrottlingRateLimit", 100, "ThrottlingBurstLimit", 200))},
		{"custom stage v1", custom, "AWS::ApiGatewayV2::Stage", obj("StageName", "v1")},
		{"VPC link may reach the ALB listener only", dev, "AWS::EC2::SecurityGroupEgress", obj(
			"FromPort", 80, "ToPort", 80,
			"DestinationSecurityGroupId", stackOutput("LoadBalancerSecurityGroup"))},
		{"ALB admits only the VPC link, rule kept in the API stack", dev, "AWS::EC2::SecurityGroupIngress", obj(
			"FromPort", 80, "ToPort", 80,
			"GroupId", stackOutput("LoadBalancerSecurityGroup"),
			"SourceSecurityGroupId", obj("Fn::GetAtt", arrayWith(assertions.Match_StringLikeRegexp(jsii.String("^ApiVpcLinkSecurityGroup")))))},
		{"access logs expire", dev, "AWS::Logs::LogGroup", obj("RetentionInDays", 14)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { hasResource(t, tt.stack, tt.typ, tt.props) })
	}

	t.Run("configured routes", func(t *testing.T) {
		var got []string
		for _, r := range f.resources(custom, "AWS::ApiGatewayV2::Route") {
			got = append(got, r["RouteKey"].(string))
		}
		sort.Strings(got)
		// With CORS on, ANY /users/{id} stands for every method but OPTIONS
		// and GET, which has its own route (TestCORSPreflight).
		want := []string{"DELETE /users/{id}", "GET /products", "GET /users/{id}", "HEAD /users/{id}", "PATCH /users/{id}", "POST /users", "POST /users/{id}", "PUT /users/{id}"}
		if !slices.Equal(got, want) {
			t.Errorf("route keys = %v, want %v", got, want)
		}
	})
	t.Run("access logs are JSON with the request ID", func(t *testing.T) {
		stage := f.only(t, dev, "AWS::ApiGatewayV2::Stage")
		settings, _ := stage["AccessLogSettings"].(map[string]any)
		var format map[string]string
		if err := json.Unmarshal([]byte(fmt.Sprint(settings["Format"])), &format); err != nil {
			t.Fatalf("access log format %v is not JSON: %v", settings["Format"], err)
		}
		if format["requestId"] != "$context.requestId" || format["status"] != "$context.status" {
			t.Errorf("access log format %v lacks requestId or status", format)
		}
		if settings["DestinationArn"] == nil {
			t.Error("access logs have no destination")
		}
	})
	t.Run("invoke URL output includes the stage", func(t *testing.T) {
		for stack, stage := range map[awscdk.Stack]string{dev: "/prod", custom: "/v1"} {
			out, _ := f.templates[*stack.StackName()]["Outputs"].(map[string]any)["InvokeUrl"].(map[string]any)
			raw, _ := json.Marshal(out["Value"])
			if !strings.Contains(string(raw), "execute-api") || !strings.HasSuffix(string(raw), `"`+stage+`"]]}`) {
				t.Errorf("%s InvokeUrl = %s, want an execute-api URL ending in %s", *stack.StackName(), raw, stage)
			}
		}
	})
}
