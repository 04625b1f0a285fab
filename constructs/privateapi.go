package constructs

import (
	"encoding/json"

	apigw "github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	apigwv2 "github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	integrations "github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// HTTPRoute is one route of the HTTP API: a method (or ANY) and a path that
// may hold {param} segments and a final greedy {proxy+}.
type HTTPRoute struct {
	Method string
	Path   string
}

// PrivateHTTPAPIProps configures a PrivateHTTPAPI. All fields are required.
type PrivateHTTPAPIProps struct {
	VPC ec2.IVpc
	// Listener is the internal ALB listener the integration targets.
	Listener elbv2.IApplicationListener
	// LoadBalancer receives an ingress rule from the VPC link's security group.
	LoadBalancer ec2.IConnectable
	// ListenerPort is the port that rule opens.
	ListenerPort           int
	Routes                 []HTTPRoute
	StageName              string
	ThrottleRateLimit      int
	ThrottleBurstLimit     int
	AccessLogRetentionDays int
}

// PrivateHTTPAPI is an API Gateway HTTP API that reaches an internal ALB
// through a VPC link, with a named, throttled, access-logged stage.
//
// With a named stage API Gateway forwards the path the client called,
// stage prefix included ("/prod/users"), to an HTTP integration. The
// integration therefore overwrites the path with $request.path, which is the
// path without the stage, so the container sees "/users" whatever the stage
// is called.
type PrivateHTTPAPI struct {
	constructs.Construct
	API     apigwv2.HttpApi
	Stage   apigwv2.HttpStage
	VPCLink apigwv2.VpcLink
}

// accessLogFormat is one JSON object per request. HTTP APIs support a
// different set of $context variables than REST APIs, so CDK's REST-oriented
// standard fields are not used.
var accessLogFormat = map[string]string{
	"requestId":          "$context.requestId",
	"ip":                 "$context.identity.sourceIp",
	"userAgent":          "$context.identity.userAgent",
	"requestTime":        "$context.requestTime",
	"httpMethod":         "$context.httpMethod",
	"routeKey":           "$context.routeKey",
	"path":               "$context.path",
	"protocol":           "$context.protocol",
	"status":             "$context.status",
	"responseLength":     "$context.responseLength",
	"responseLatency":    "$context.responseLatency",
	"integrationStatus":  "$context.integrationStatus",
	"integrationLatency": "$context.integrationLatency",
	"integrationError":   "$context.integrationErrorMessage",
}

// NewPrivateHTTPAPI creates the API, its VPC link, routes and stage, and
// admits the VPC link's security group to the load balancer. Call it from the
// stack that depends on the load balancer's stack, so the ingress rule lives
// there and no reference cycle forms.
func NewPrivateHTTPAPI(scope constructs.Construct, id string, p PrivateHTTPAPIProps) *PrivateHTTPAPI {
	c := constructs.NewConstruct(scope, jsii.String(id))

	linkSG := ec2.NewSecurityGroup(c, jsii.String("VpcLinkSecurityGroup"), &ec2.SecurityGroupProps{
		Vpc:              p.VPC,
		Description:      jsii.String("API Gateway VPC link: may reach the internal ALB listener only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	linkSG.Connections().AllowTo(p.LoadBalancer, ec2.Port_Tcp(jsii.Number(p.ListenerPort)), jsii.String("API Gateway VPC link to ALB listener"))

	link := apigwv2.NewVpcLink(c, jsii.String("VpcLink"), &apigwv2.VpcLinkProps{
		Vpc:            p.VPC,
		Subnets:        &ec2.SubnetSelection{SubnetType: ec2.SubnetType_PRIVATE_WITH_EGRESS},
		SecurityGroups: &[]interfacesawsec2.ISecurityGroupRef{linkSG},
	})

	api := apigwv2.NewHttpApi(c, jsii.String("HttpApi"), &apigwv2.HttpApiProps{
		Description:        jsii.String("HTTP API in front of the internal ALB"),
		CreateDefaultStage: jsii.Bool(false),
	})
	integration := integrations.NewHttpAlbIntegration(jsii.String("Alb"), p.Listener, &integrations.HttpAlbIntegrationProps{
		VpcLink:          link,
		ParameterMapping: apigwv2.NewParameterMapping().OverwritePath(apigwv2.MappingValue_RequestPath()),
	})
	for _, r := range p.Routes {
		api.AddRoutes(&apigwv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]apigwv2.HttpMethod{apigwv2.HttpMethod(r.Method)},
			Integration: integration,
		})
	}

	logs := NewLogGroup(c, "AccessLogs", p.AccessLogRetentionDays)
	format, _ := json.Marshal(accessLogFormat) // a map of strings always marshals
	stage := apigwv2.NewHttpStage(c, jsii.String("Stage"), &apigwv2.HttpStageProps{
		HttpApi:    api,
		StageName:  jsii.String(p.StageName),
		AutoDeploy: jsii.Bool(true),
		Throttle: &apigwv2.ThrottleSettings{
			RateLimit:  jsii.Number(p.ThrottleRateLimit),
			BurstLimit: jsii.Number(p.ThrottleBurstLimit),
		},
		AccessLogSettings: &accessLogSettings{
			destination: apigwv2.NewLogGroupLogDestination(logs),
			format:      apigw.AccessLogFormat_Custom(jsii.String(string(format))),
		},
	})

	return &PrivateHTTPAPI{Construct: c, API: api, Stage: stage, VPCLink: link}
}

// accessLogSettings implements apigwv2.IAccessLogSettings, an interface
// rather than a struct in the CDK's Go binding.
type accessLogSettings struct {
	destination apigwv2.IAccessLogDestination
	format      apigw.AccessLogFormat
}

func (s *accessLogSettings) Destination() apigwv2.IAccessLogDestination { return s.destination }
func (s *accessLogSettings) Format() apigw.AccessLogFormat              { return s.format }
