package config

import "fmt"

// Profiles the app knows. A profile only chooses defaults; every value it sets
// can be overridden key by key.
const (
	ProfileDev  = "dev"
	ProfileProd = "prod"
)

// Architectures a Fargate task can run on.
const (
	ArchX86 = "X86_64"
	ArchARM = "ARM64"
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

	Network  Network
	Database Database
	Service  Service
	API      API
}

// Network configures the VPC.
type Network struct {
	// MaxAZs is how many availability zones the VPC spans.
	MaxAZs int
	// NATGateways is how many NAT gateways carry the private subnets' egress:
	// 1 is cheap, one per AZ survives the loss of an AZ.
	NATGateways int
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
}

// Service configures the ECS cluster, task and service behind the ALB.
type Service struct {
	ClusterName   string
	TaskFamily    string
	ContainerName string
	// Image is a registry reference (ECR, Docker Hub or any registry). Empty
	// builds the sample API in sampleapi/ as a container image asset.
	Image string
	// CPUArchitecture is ArchX86 or ArchARM.
	CPUArchitecture string
	// CPU in CPU units and MemoryMiB must be a pair Fargate accepts.
	CPU       int
	MemoryMiB int
	// ContainerPort is the port the container listens on.
	ContainerPort int
	// HealthCheckPath is what the ALB target group requests.
	HealthCheckPath string
	// Environment is extra plain environment variables for the container.
	Environment map[string]string
	// ReadonlyRootFilesystem mounts the container's root filesystem read-only.
	ReadonlyRootFilesystem bool
	// DesiredCount is the task count at creation; MinCapacity and MaxCapacity
	// bound the autoscaler.
	DesiredCount int
	MinCapacity  int
	MaxCapacity  int
	// CPUTargetPercent is the average CPU the autoscaler aims for.
	CPUTargetPercent int
	// RequestsPerTarget is the ALB requests per task per minute the autoscaler aims for.
	RequestsPerTarget int
	// LogRetentionDays is how long container logs are kept.
	LogRetentionDays int
}

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
			ClusterName:            name + "-" + profile,
			TaskFamily:             name + "-" + profile + "-api",
			ContainerName:          "api",
			CPUArchitecture:        ArchX86,
			CPU:                    256,
			MemoryMiB:              512,
			ContainerPort:          8080,
			HealthCheckPath:        "/healthz",
			Environment:            map[string]string{},
			ReadonlyRootFilesystem: true,
			DesiredCount:           2,
			MinCapacity:            2,
			MaxCapacity:            4,
			CPUTargetPercent:       60,
			RequestsPerTarget:      1000,
			LogRetentionDays:       14,
		},
		API: API{
			Routes:                 []Route{{Method: "ANY", Path: "/{proxy+}"}},
			StageName:              "prod",
			ThrottleRateLimit:      100,
			ThrottleBurstLimit:     200,
			AccessLogRetentionDays: 14,
		},
	}
	if profile == ProfileProd {
		c.Network.NATGateways = c.Network.MaxAZs
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
		c.API.ThrottleRateLimit = 1000
		c.API.ThrottleBurstLimit = 2000
		c.API.AccessLogRetentionDays = 90
	}
	return c
}
