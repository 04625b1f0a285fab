package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/example/fargate-api/config"
)

// AddChecks runs cdk-nag's AwsSolutions pack over everything in app. Its
// findings are error annotations, which fail `cdk synth` and `cdk deploy`.
func AddChecks(app awscdk.App) {
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// Set is the stacks of one built copy of the app, for callers (tests) that
// need to reach into them.
type Set struct {
	Network    *Network
	Database   *Database
	Service    *Service
	API        *API
	Monitoring *Monitoring
	CI         *GitHubCI // nil without app:ciRepository
}

// Build adds the stacks for cfg to app. Reading it top to bottom gives the
// dependency order: network → database → service → api → monitoring.
// sampleImageDir is the sample API's Docker build context, used when
// cfg.Service.Image is empty.
func Build(app awscdk.App, cfg config.Config, sampleImageDir string) Set {
	stackProps := func(part, description string) awscdk.StackProps {
		p := awscdk.StackProps{
			StackName:   jsii.String(cfg.StackName(part)),
			Description: jsii.String(description + " (" + cfg.Name + ", " + cfg.Profile + ")"),
			Tags:        &map[string]*string{"app": jsii.String(cfg.Name), "profile": jsii.String(cfg.Profile)},
		}
		if cfg.Account != "" {
			p.Env = &awscdk.Environment{Account: jsii.String(cfg.Account), Region: jsii.String(cfg.Region)}
		}
		return p
	}
	prod := cfg.Profile == config.ProfileProd

	net := NewNetwork(app, cfg.StackName("Network"), NetworkProps{
		StackProps:   stackProps("Network", "VPC, subnets, NAT and flow logs"),
		Network:      cfg.Network,
		ExecEndpoint: cfg.Service.EnableExecuteCommand,
	})

	dbProps := stackProps("Database", "RDS for PostgreSQL and its credentials")
	dbProps.TerminationProtection = jsii.Bool(prod)
	db := NewDatabase(app, cfg.StackName("Database"), DatabaseProps{
		StackProps: dbProps,
		VPC:        net.VPC,
		Database:   cfg.Database,
	})

	svc := NewService(app, cfg.StackName("Service"), ServiceProps{
		StackProps:           stackProps("Service", "ECS cluster, Fargate service, its migration task and internal ALB"),
		VPC:                  net.VPC,
		Database:             db.Instance,
		DatabaseMasterSecret: db.MasterSecret,
		DatabaseName:         db.DatabaseName,
		DatabasePort:         db.Port,
		RuntimeUsername:      RuntimeUsername,
		SampleImageDir:       sampleImageDir,
		ALBAccessLogs:        cfg.Region != "",
		Endpoints:            net.Endpoints,
		Service:              cfg.Service,
	})

	api := NewAPI(app, cfg.StackName("Api"), APIProps{
		StackProps: stackProps("Api", "API Gateway HTTP API and VPC link"),
		VPC:        net.VPC,
		Listener:   svc.Listener,
		Settings:   cfg.API,
	})

	mon := NewMonitoring(app, cfg.StackName("Monitoring"), MonitoringProps{
		StackProps:                   stackProps("Monitoring", "Alarms, alarm topic and dashboard"),
		API:                          api.Gateway.HTTPAPI,
		LoadBalancerFullName:         svc.LoadBalancerFullName,
		TargetGroupFullName:          svc.TargetGroupFullName,
		AlternateTargetGroupFullName: svc.AlternateTargetGroupFullName,
		Service:                      svc.Fargate,
		Database:                     db.Instance,
		NATInstanceAlarms:            net.NATInstanceAlarms,
		Monitoring:                   cfg.Monitoring,
		TracedService:                tracedService(cfg),
	})

	d := Set{Network: net, Database: db, Service: svc, API: api, Monitoring: mon}
	// The CI stack belongs to the account, not to a profile, and an
	// administrator deploys it once: only a named repository adds it, so
	// the app's own `cdk deploy --all` (and the CI role) never needs it.
	if cfg.CI.Repository != "" {
		p := awscdk.StackProps{
			StackName:   jsii.String(cfg.CIStackName()),
			Description: jsii.String("GitHub Actions OIDC deploy roles for " + cfg.CI.Repository + " (" + cfg.Name + ")"),
			Tags:        &map[string]*string{"app": jsii.String(cfg.Name)},
		}
		if cfg.Account != "" {
			p.Env = &awscdk.Environment{Account: jsii.String(cfg.Account), Region: jsii.String(cfg.Region)}
		}
		d.CI = NewGitHubCI(app, cfg.CIStackName(), GitHubCIProps{StackProps: p, GitHubCI: cfg.CI})
	}
	return d
}

// tracedService is the service.name the service's spans carry (the stack
// sets TRACING_SERVICE_NAME to the task family), "" without tracing.
func tracedService(cfg config.Config) string {
	if !cfg.Service.Tracing {
		return ""
	}
	return cfg.Service.TaskFamily
}
