package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	appconstructs "github.com/example/fargate-api/constructs"
)

// APIProps configures the API stack.
type APIProps struct {
	awscdk.StackProps
	VPC          ec2.IVpc
	Listener     elbv2.IApplicationListener
	LoadBalancer elbv2.IApplicationLoadBalancer
	// Routes are (method, path) pairs, e.g. {"GET", "/products"}.
	Routes                 []appconstructs.HTTPRoute
	StageName              string
	ThrottleRateLimit      int
	ThrottleBurstLimit     int
	AccessLogRetentionDays int
}

// API is the public entry point: an HTTP API whose named stage forwards to
// the internal ALB through a VPC link.
type API struct {
	awscdk.Stack
	HTTPAPI *appconstructs.PrivateHTTPAPI
}

// NewAPI creates the API stack.
func NewAPI(scope constructs.Construct, id string, p APIProps) *API {
	stack := awscdk.NewStack(scope, jsii.String(id), &p.StackProps)

	api := appconstructs.NewPrivateHTTPAPI(stack, "Api", appconstructs.PrivateHTTPAPIProps{
		VPC:                    p.VPC,
		Listener:               p.Listener,
		LoadBalancer:           p.LoadBalancer,
		ListenerPort:           ListenerPort,
		Routes:                 p.Routes,
		StageName:              p.StageName,
		ThrottleRateLimit:      p.ThrottleRateLimit,
		ThrottleBurstLimit:     p.ThrottleBurstLimit,
		AccessLogRetentionDays: p.AccessLogRetentionDays,
	})
	appconstructs.Suppress(api.API, appconstructs.Suppression{
		Rule:   "AwsSolutions-APIG4",
		Reason: "the API is public by design, as in the walkthrough it replaces; callers are limited by stage throttling, and the service validates its input",
	})

	awscdk.NewCfnOutput(stack, jsii.String("InvokeUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("Invoke URL of the API stage: append a route path, e.g. products"),
		Value:       api.Stage.Url(),
	})
	return &API{Stack: stack, HTTPAPI: api}
}
