package constructs

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	authorizers "github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	acm "github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	route53 "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	route53targets "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"

	apigw "github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	apigwv2 "github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	integrations "github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/fargate-api/constructs/httpapi"
	"github.com/example/fargate-api/constructs/rule"
)

// PrivateHTTPAPIProps configures a PrivateHTTPAPI. Fields are required
// unless they say otherwise.
type PrivateHTTPAPIProps struct {
	VPC ec2.IVpc
	// Subnets hold the VPC link's network interfaces.
	Subnets *ec2.SubnetSelection
	// Listener is the internal ALB listener the integration targets. Its
	// load balancer receives an ingress rule from the VPC link's security
	// group on the listener's own port, so the port is stated only where
	// the listener is made.
	Listener elbv2.IApplicationListener
	// Settings are the API's plain settings (routes, stage, throttling,
	// access logs, JWT, CORS, custom domain), taken as they are: start from
	// httpapi.Defaults(). A JWT issuer, CORS origins and a domain name are
	// optional; each turns its feature on.
	httpapi.Settings
}

// validate checks p before anything is created: API Gateway would accept a
// stage throttled to 0 requests per second (AWS documents 429s beyond a
// stage's limits; with none, nothing should pass)
// or an empty stage name, and a missing VPC or listener fails deep inside
// the CDK with a message that names neither.
func (p PrivateHTTPAPIProps) validate() error {
	problems := p.Settings.Validate()
	for _, f := range []struct {
		field   string
		missing bool
		allowed string
	}{
		{"VPC", p.VPC == nil, "the VPC of the load balancer"},
		{"Listener", p.Listener == nil, "the load balancer's listener"},
	} {
		if f.missing {
			problems = append(problems, rule.Problem{Field: f.field, Value: "nil", Allowed: f.allowed})
		}
	}
	if len(problems) > 0 {
		return rule.Error(problems)
	}
	return nil
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
	HTTPAPI apigwv2.HttpApi
	Stage   apigwv2.HttpStage
	VPCLink apigwv2.VpcLink
	// Domain is the custom domain, nil without one.
	Domain apigwv2.DomainName
	// PublicRoutes are the routes without an authorizer: all of them when JWT
	// is nil.
	PublicRoutes []apigwv2.HttpRoute
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
	if err := p.validate(); err != nil {
		panic(fmt.Errorf("PrivateHTTPAPI %s/%s: invalid props: %w", *scope.Node().Path(), id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))

	linkSG := ec2.NewSecurityGroup(c, jsii.String("VpcLinkSecurityGroup"), &ec2.SecurityGroupProps{
		Vpc:              p.VPC,
		Description:      jsii.String("API Gateway VPC link: may reach the internal ALB listener only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	linkSG.Connections().AllowToDefaultPort(p.Listener, jsii.String("API Gateway VPC link to ALB listener"))

	link := apigwv2.NewVpcLink(c, jsii.String("VpcLink"), &apigwv2.VpcLinkProps{
		Vpc:            p.VPC,
		Subnets:        p.Subnets,
		SecurityGroups: &[]interfacesawsec2.ISecurityGroupRef{linkSG},
	})

	api := apigwv2.NewHttpApi(c, jsii.String("HttpApi"), &apigwv2.HttpApiProps{
		Description:        jsii.String("HTTP API in front of the internal ALB"),
		CreateDefaultStage: jsii.Bool(false),
		CorsPreflight:      corsPreflight(p.Settings),
	})
	integration := integrations.NewHttpAlbIntegration(jsii.String("Alb"), p.Listener, &integrations.HttpAlbIntegrationProps{
		VpcLink:          link,
		ParameterMapping: apigwv2.NewParameterMapping().OverwritePath(apigwv2.MappingValue_RequestPath()),
	})
	var jwt apigwv2.IHttpRouteAuthorizer
	if p.JWTIssuer != "" {
		jwt = authorizers.NewHttpJwtAuthorizer(jsii.String("Jwt"), jsii.String(p.JWTIssuer), &authorizers.HttpJwtAuthorizerProps{
			JwtAudience: jsii.Strings(p.JWTAudience...),
		})
	}
	var public []apigwv2.HttpRoute
	for _, r := range p.Routes {
		authorizer := jwt
		if jwt == nil || slices.Contains(p.PublicRoutes, r) {
			authorizer = apigwv2.NewHttpNoneAuthorizer()
		}
		methods := []apigwv2.HttpMethod{apigwv2.HttpMethod(r.Method)}
		if p.CORS() {
			methods = preflightFree(r, p.Routes)
		}
		routes := api.AddRoutes(&apigwv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &methods,
			Integration: integration,
			Authorizer:  authorizer,
		})
		if authorizer != jwt {
			public = append(public, *routes...)
		}
	}

	logs := NewVendedLogGroup(c, "AccessLogs", "apigateway", "access", p.AccessLogRetentionDays)
	format, _ := json.Marshal(accessLogFormat) // a map of strings always marshals
	var domain apigwv2.DomainName
	var mapping *apigwv2.DomainMappingOptions
	if p.DomainName != "" {
		domain = newDomain(c, p.Settings)
		mapping = &apigwv2.DomainMappingOptions{DomainName: domain}
	}
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
		DomainMapping: mapping,
	})

	return &PrivateHTTPAPI{Construct: c, HTTPAPI: api, Stage: stage, VPCLink: link, Domain: domain, PublicRoutes: public}
}

// anyMethods are the methods an ANY route stands for, except OPTIONS.
var anyMethods = []apigwv2.HttpMethod{
	apigwv2.HttpMethod_GET, apigwv2.HttpMethod_POST, apigwv2.HttpMethod_PUT,
	apigwv2.HttpMethod_PATCH, apigwv2.HttpMethod_DELETE, apigwv2.HttpMethod_HEAD,
}

// preflightFree returns the methods to route for r when CORS is on. API
// Gateway answers a browser's preflight (OPTIONS, no token) itself only when
// no route matches OPTIONS, and an ANY route matches it: the preflight would
// reach the JWT authorizer (401) or the container (405). So an ANY route
// becomes one route per other method, minus those configured on the same
// path in their own right; each keeps r's authorization. Validation refuses
// OPTIONS routes with CORS.
func preflightFree(r httpapi.Route, all []httpapi.Route) []apigwv2.HttpMethod {
	if r.Method != string(apigwv2.HttpMethod_ANY) {
		return []apigwv2.HttpMethod{apigwv2.HttpMethod(r.Method)}
	}
	var out []apigwv2.HttpMethod
	for _, m := range anyMethods {
		if !slices.Contains(all, httpapi.Route{Method: string(m), Path: r.Path}) {
			out = append(out, m)
		}
	}
	return out
}

func corsPreflight(s httpapi.Settings) *apigwv2.CorsPreflightOptions {
	if !s.CORS() {
		return nil
	}
	methods := make([]apigwv2.CorsHttpMethod, len(s.CORSAllowMethods))
	for i, m := range s.CORSAllowMethods {
		methods[i] = apigwv2.CorsHttpMethod(m)
	}
	return &apigwv2.CorsPreflightOptions{
		AllowOrigins: jsii.Strings(s.CORSAllowOrigins...),
		AllowMethods: &methods,
		AllowHeaders: jsii.Strings(s.CORSAllowHeaders...),
		MaxAge:       awscdk.Duration_Seconds(jsii.Number(s.CORSMaxAgeSeconds)),
	}
}

// newDomain creates the custom domain with its certificate (the given one,
// or one DNS-validated in the given hosted zone, which then also gets the
// alias record).
func newDomain(scope constructs.Construct, d httpapi.Settings) apigwv2.DomainName {
	var cert acm.ICertificate
	var zone route53.IHostedZone
	if d.CertificateARN != "" {
		cert = acm.Certificate_FromCertificateArn(scope, jsii.String("Certificate"), jsii.String(d.CertificateARN))
	} else {
		zone = route53.HostedZone_FromHostedZoneAttributes(scope, jsii.String("Zone"), &route53.HostedZoneAttributes{
			HostedZoneId: jsii.String(d.HostedZoneID),
			ZoneName:     jsii.String(strings.TrimSuffix(d.HostedZoneName, ".")),
		})
		cert = acm.NewCertificate(scope, jsii.String("Certificate"), &acm.CertificateProps{
			DomainName: jsii.String(d.DomainName),
			Validation: acm.CertificateValidation_FromDns(zone),
		})
	}
	domain := apigwv2.NewDomainName(scope, jsii.String("Domain"), &apigwv2.DomainNameProps{
		DomainName:     jsii.String(d.DomainName),
		Certificate:    cert,
		SecurityPolicy: apigwv2.SecurityPolicy_TLS_1_2,
	})
	if zone != nil {
		route53.NewARecord(scope, jsii.String("Alias"), &route53.ARecordProps{
			Zone:       zone,
			RecordName: jsii.String(d.DomainName),
			Target: route53.RecordTarget_FromAlias(route53targets.NewApiGatewayv2DomainProperties(
				domain.RegionalDomainName(), domain.RegionalHostedZoneId())),
		})
	}
	return domain
}

// accessLogSettings implements apigwv2.IAccessLogSettings, an interface
// rather than a struct in the CDK's Go binding.
type accessLogSettings struct {
	destination apigwv2.IAccessLogDestination
	format      apigw.AccessLogFormat
}

func (s *accessLogSettings) Destination() apigwv2.IAccessLogDestination { return s.destination }
func (s *accessLogSettings) Format() apigw.AccessLogFormat              { return s.format }
