package config

import (
	"fmt"

	"github.com/example/fargate-api/constructs/fargate"
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

// NAT providers: what carries the private subnets' egress.
const (
	// NATGateway is the managed NAT gateway: scales to 100 Gbps, AWS patches
	// and replaces it, billed per hour and per GB.
	NATGateway = "gateway"
	// NATInstance is an EC2 instance forwarding with iptables: a fraction of
	// the price, bounded by its instance type's bandwidth, patched only when
	// it is replaced.
	NATInstance = "instance"
)

// Config is the whole, validated configuration of one deployment of the app.
type Config struct {
	// Profile is "dev" or "prod".
	Profile string
	// Name prefixes the stack names, so several copies can share an account.
	Name string
	// Account and Region pin the stacks to one environment. Both empty means
	// environment-agnostic stacks, which synthesize offline but span 2 AZs.
	Account string
	Region  string

	Network    Network
	Database   Database
	Service    Service
	API        API
	Monitoring Monitoring
}

// Network configures the VPC.
type Network struct {
	// MaxAZs is how many availability zones the VPC spans.
	MaxAZs int
	// NATGateways is how many NAT devices (gateways or instances, as
	// NATProvider says) carry the private subnets' egress: 1 is cheap, one
	// per AZ survives the loss of an AZ, 0 means no internet egress at all:
	// VPC endpoints serve ECR, S3, CloudWatch Logs and Secrets Manager
	// instead. The key keeps its name from before NAT instances existed.
	NATGateways int
	// NATProvider is NATGateway or NATInstance.
	NATProvider string
	// NATInstanceType is the EC2 instance type of NAT instances, e.g.
	// "t4g.nano"; its family decides the image's architecture.
	NATInstanceType string
	// FlowLogRetentionDays is how long VPC flow logs are kept.
	FlowLogRetentionDays int
}

// Database configures the RDS for PostgreSQL instance.
type Database struct {
	// EngineVersion is a full PostgreSQL minor version such as "17.9".
	EngineVersion string
	// InstanceClass is an RDS class without the "db." prefix, e.g. "t4g.micro".
	InstanceClass string
	// AllocatedStorageGiB is the initial gp3 storage size.
	AllocatedStorageGiB int
	// MaxAllocatedStorageGiB enables storage autoscaling up to this size; 0 disables it.
	MaxAllocatedStorageGiB int
	// BackupRetentionDays keeps automated backups this long (1-35).
	BackupRetentionDays int
	// Name is the database created on the instance.
	Name string
	// MultiAZ runs a synchronous standby in a second AZ.
	MultiAZ bool
	// Protected turns on deletion protection and snapshot-on-removal; off, the
	// database is destroyed with its stack (dev).
	Protected bool
	// LogRetentionDays is how long exported PostgreSQL logs are kept.
	LogRetentionDays int
	// KeepLegacySecret keeps the CDK-generated master secret of releases
	// before RDS managed the password, and its export, for the one deploy
	// that moves an existing environment over (docs/operations.md, "Upgrading an
	// existing environment"). The secret is stale from then on.
	KeepLegacySecret bool
}

// Service configures the ECS cluster and the load-balanced Fargate service.
// The service's own settings (sizes, counts, health check, deployment) are
// the construct's fargate.Settings, embedded: their documentation, defaults
// and rules live there, once.
type Service struct {
	ClusterName string
	// Image is a registry reference (ECR, Docker Hub or any registry). Empty
	// builds the sample API in sampleapi/ as a container image asset.
	Image string
	// MigrationCommand is the command (arguments after the image's
	// entrypoint, split on spaces) of the one-off migration task that runs
	// on every deploy that changes it, before the service rolls out.
	// "none" turns the migration task off.
	MigrationCommand string
	// OpenEgress lets the tasks reach any address. Off, they reach only the
	// database on its port and HTTPS (AWS APIs, image registries).
	OpenEgress bool
	fargate.Settings
}

// MigrationOff is the MigrationCommand value that turns the task off.
const MigrationOff = "none"

// API configures the API Gateway HTTP API.
type API struct {
	// Routes are "METHOD /path" strings, e.g. "GET /products" or "ANY /{proxy+}".
	Routes []Route
	// StageName is the named stage in the invoke URL, e.g. "prod" or "v1".
	StageName string
	// ThrottleRateLimit (requests per second) and ThrottleBurstLimit are the
	// stage's default route throttling.
	ThrottleRateLimit  int
	ThrottleBurstLimit int
	// AccessLogRetentionDays is how long the stage's access logs are kept.
	AccessLogRetentionDays int

	// JWTIssuer turns on a JWT authorizer for every route not in
	// PublicRoutes; JWTAudience lists the accepted "aud" values.
	JWTIssuer    string
	JWTAudience  []string
	PublicRoutes []Route

	// CORSAllowOrigins turns CORS on when not empty.
	CORSAllowOrigins  []string
	CORSAllowMethods  []string
	CORSAllowHeaders  []string
	CORSMaxAgeSeconds int

	// DomainName maps the stage to a custom domain, with the ACM certificate
	// CertificateARN, or with a certificate created and DNS-validated in the
	// Route 53 hosted zone HostedZoneID/HostedZoneName (which also gets the
	// alias record).
	DomainName     string
	CertificateARN string
	HostedZoneID   string
	HostedZoneName string
}

// Monitoring configures alarms and the dashboard. Thresholds apply per
// minute unless said otherwise; an alarm fires after 3 of 5 bad minutes.
type Monitoring struct {
	// AlarmEmail subscribes an address to the alarm topic; empty subscribes none.
	AlarmEmail string
	// API5xxPercent is the share of API responses that may be 5xx.
	API5xxPercent int
	// APILatencyP99Ms bounds the API's p99 latency.
	APILatencyP99Ms int
	// Target5xxPerMinute bounds 5xx responses from the tasks; it also rolls
	// deployments back.
	Target5xxPerMinute int
	// TargetResponseP99Ms bounds the tasks' p99 response time at the ALB.
	TargetResponseP99Ms int
	// ServiceCPUPercent and ServiceMemoryPercent bound the service's average use.
	ServiceCPUPercent    int
	ServiceMemoryPercent int
	// DBCPUPercent, DBFreeStorageGiB and DBConnections bound the database.
	DBCPUPercent     int
	DBFreeStorageGiB int
	DBConnections    int
}

// Route is one HTTP API route.
type Route struct {
	Method string
	Path   string
}

// String renders the route the way API Gateway writes route keys.
func (r Route) String() string { return r.Method + " " + r.Path }

// StackName returns the CloudFormation stack name of one of the app's stacks.
func (c Config) StackName(part string) string {
	return fmt.Sprintf("%s-%s-%s", c.Name, c.Profile, part)
}

// defaults returns the configuration a profile starts from.
func defaults(profile, name string) Config {
	c := Config{
		Profile: profile,
		Name:    name,
		Network: Network{
			MaxAZs:               2,
			NATGateways:          1,
			NATProvider:          NATInstance,
			NATInstanceType:      "t4g.nano",
			FlowLogRetentionDays: 14,
		},
		Database: Database{
			EngineVersion:          "17.9",
			InstanceClass:          "t4g.micro",
			AllocatedStorageGiB:    20,
			MaxAllocatedStorageGiB: 50,
			BackupRetentionDays:    1,
			Name:                   "app",
			LogRetentionDays:       14,
		},
		Service: Service{
			ClusterName:      name + "-" + profile,
			MigrationCommand: "migrate",
			// Zero fields take the construct's documented defaults.
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
			}.WithDefaults(),
		},
		API: API{
			Routes:                 []Route{{Method: "ANY", Path: "/{proxy+}"}},
			StageName:              "prod",
			ThrottleRateLimit:      100,
			ThrottleBurstLimit:     200,
			AccessLogRetentionDays: 14,
			JWTAudience:            []string{},
			PublicRoutes:           []Route{},
			CORSAllowOrigins:       []string{},
			CORSAllowMethods:       []string{"GET", "POST", "PUT", "PATCH", "DELETE"},
			CORSAllowHeaders:       []string{"content-type", "authorization"},
			CORSMaxAgeSeconds:      600,
		},
		Monitoring: Monitoring{
			API5xxPercent:        5,
			APILatencyP99Ms:      2000,
			Target5xxPerMinute:   10,
			TargetResponseP99Ms:  1000,
			ServiceCPUPercent:    85,
			ServiceMemoryPercent: 85,
			DBCPUPercent:         80,
			DBFreeStorageGiB:     5,
			DBConnections:        60,
		},
	}
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
