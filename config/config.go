package config

import (
	"fmt"

	"github.com/example/fargate-api/constructs/fargate"
	"github.com/example/fargate-api/constructs/httpapi"
	"github.com/example/fargate-api/constructs/rule"
	"github.com/example/fargate-api/stacks/settings"
)

// Profiles the app knows. A profile only chooses defaults; every value it sets
// can be overridden key by key.
const (
	ProfileDev  = "dev"
	ProfileProd = "prod"
)

// Architectures a Fargate task (or a NAT instance) can run on.
const (
	ArchX86 = fargate.X86
	ArchARM = fargate.ARM
)

// The stacks' settings types. Each declares its keys (`key` and `doc`
// tags), its dev defaults (`default` tags) and its rules (Validate); this
// package reads context into them and adds the rules that span stacks.
type (
	Network    = settings.Network
	Database   = settings.Database
	Service    = settings.Service
	API        = httpapi.Settings
	Monitoring = settings.Monitoring
	GitHubCI   = settings.GitHubCI
	Route      = httpapi.Route
)

// NAT providers: what carries the private subnets' egress.
const (
	NATGateway  = settings.NATGateway
	NATInstance = settings.NATInstance
)

// MigrationOff is the app:migrationCommand value that turns the task off.
const MigrationOff = settings.MigrationOff

// Config is the whole, validated configuration of one copy of the app (a name and a profile).
// Its fields with a `key` tag, here and in the settings types, are the
// app's context keys, in documentation order.
type Config struct {
	// Profile is "dev" or "prod".
	Profile string `key:"profile" doc:"Environment profile that sets the defaults: dev or prod."`
	// Name prefixes the stack names, so several copies can share an account.
	Name string `key:"name" doc:"Prefix of the stack names and of the default cluster name and task family."`
	// Account and Region pin the stacks to one environment. Both empty means
	// environment-agnostic stacks, which synthesize offline but span 2 AZs.
	Account string `key:"account" doc:"AWS account ID (12 digits) to pin the stacks to; needs region too."`
	Region  string `key:"region" doc:"AWS region to pin the stacks to; needs account too."`

	Network    Network
	Database   Database
	Service    Service
	API        API
	Monitoring Monitoring
	// CI is the GitHub Actions access stack, one per account
	// (docs/delivery.md); synthesized only with CI.Repository set.
	CI GitHubCI
}

// CIStackName is the CI stack's name: one per account, whatever the profile.
func (c Config) CIStackName() string { return c.Name + "-GitHubCi" }

// StackName returns the CloudFormation stack name of one of the app's stacks.
func (c Config) StackName(part string) string {
	return fmt.Sprintf("%s-%s-%s", c.Name, c.Profile, part)
}

// defaults returns the configuration a profile starts from: the settings
// types' `default` tags, the app's own choices over the service construct's
// defaults, and then what prod changes.
func defaults(profile, name string) Config {
	c := Config{
		Profile: profile,
		Name:    name,
		Service: Service{
			ClusterName: name + "-" + profile,
			Settings: fargate.Settings{
				TaskFamily:             name + "-" + profile + "-api",
				ContainerName:          "api",
				HealthCheckPath:        "/healthz",
				Environment:            map[string]string{},
				ReadonlyRootFilesystem: true,
				CanaryPercent:          10,
				CanaryBakeMinutes:      10,
				LinearStepPercent:      25,
				LinearStepBakeMinutes:  5,
				DeploymentBakeMinutes:  5,
			},
		},
	}
	rule.SetDefaults(&c)
	if profile == ProfileProd {
		c.Network.NATGateways = c.Network.MaxAZs
		c.Network.NATProvider = NATGateway
		c.Network.FlowLogRetentionDays = 90
		c.Database.InstanceClass = "t4g.medium"
		c.Database.AllocatedStorageGiB = 50
		c.Database.MaxAllocatedStorageGiB = 200
		c.Database.BackupRetentionDays = 14
		c.Database.MultiAZ = true
		c.Database.Protected = true
		c.Database.LogRetentionDays = 90
		c.Service.CPU = 512
		c.Service.MemoryMiB = 1024
		c.Service.MaxCapacity = 10
		c.Service.LogRetentionDays = 90
		c.Service.LoadBalancerDeletionProtection = true
		c.Service.DeploymentStrategy = fargate.Canary
		// Production traffic is where a slow request has to be found; dev
		// keeps the collector's CPU and memory for the application, and its
		// spans off the bill, until asked (docs/operations.md: Tracing).
		c.Service.Tracing = true
		c.API.ThrottleRateLimit = 1000
		c.API.ThrottleBurstLimit = 2000
		c.API.AccessLogRetentionDays = 90
		c.Monitoring.API5xxPercent = 1
		c.Monitoring.Target5xxPerMinute = 5
		c.Monitoring.DBFreeStorageGiB = 10
		c.Monitoring.DBConnections = 300
	}
	return c
}
