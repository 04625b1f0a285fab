package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	appconstructs "github.com/example/fargate-api/constructs"
	"github.com/example/fargate-api/constructs/httpapi"
)

// APIProps configures the API stack.
type APIProps struct {
	awscdk.StackProps
	VPC      ec2.IVpc
	Listener elbv2.IApplicationListener
	// Settings are the API's own settings, handed to the construct whole.
	httpapi.Settings
}

// API is the public entry point: an HTTP API whose named stage forwards to
// the internal ALB through a VPC link.
type API struct {
	awscdk.Stack
	Gateway *appconstructs.PrivateHTTPAPI
}

// NewAPI creates the API stack.
func NewAPI(scope constructs.Construct, id string, p APIProps) *API {
	stack := awscdk.NewStack(scope, jsii.String(id), &p.StackProps)

	api := appconstructs.NewPrivateHTTPAPI(stack, "Api", appconstructs.PrivateHTTPAPIProps{
		VPC:      p.VPC,
		Subnets:  &ec2.SubnetSelection{SubnetGroupName: jsii.String(PrivateSubnets)},
		Listener: p.Listener,
		Settings: p.Settings,
	})
	reason := "public by configuration (app:publicRoutes) next to the JWT-protected routes"
	if p.Settings.JWTIssuer == "" {
		reason = "the API is public by design, as in the walkthrough it replaces (app:jwtIssuer adds a JWT authorizer); callers are limited by stage throttling and the service validates its input"
	}
	for _, route := range api.PublicRoutes {
		appconstructs.Suppress(route, appconstructs.Suppression{Rule: "AwsSolutions-APIG4", Reason: reason})
	}

	awscdk.NewCfnOutput(stack, jsii.String("InvokeUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("Invoke URL of the API stage: append a route path, e.g. products"),
		Value:       api.Stage.Url(),
	})
	if api.Domain != nil {
		awscdk.NewCfnOutput(stack, jsii.String("CustomUrl"), &awscdk.CfnOutputProps{
			Description: jsii.String("The API stage on its custom domain"),
			Value:       jsii.String("https://" + p.Settings.DomainName + "/"),
		})
		awscdk.NewCfnOutput(stack, jsii.String("DomainTarget"), &awscdk.CfnOutputProps{
			Description: jsii.String("Point a CNAME or alias for the custom domain here (done for you with app:hostedZoneId)"),
			Value:       api.Domain.RegionalDomainName(),
		})
	}
	return &API{Stack: stack, Gateway: api}
}
