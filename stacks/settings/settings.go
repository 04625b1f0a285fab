// Package settings holds one plain settings type per stack (Network,
// Database, Service, Monitoring; the API stack's are httpapi.Settings),
// each with its defaults as `default` tags and its own Validate. It imports
// no CDK: the configuration package embeds these types, sets them from
// context by their `key` tags and checks them in milliseconds, and each
// stack receives its type whole.
//
// A new setting is a field here with `key`, `doc` and (unless its zero is
// the default) `default` tags, its rule in Validate, and its use in the
// stack; a different prod default goes into config's defaults.
package settings

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/example/fargate-api/constructs/fargate"
	"github.com/example/fargate-api/constructs/rule"
)

// Defaults sets every zero field of the settings s points to that has a
// `default` tag to that default.
func Defaults[S any](s *S) { rule.SetDefaults(s) }

// Network configures the VPC.
type Network struct {
	// MaxAZs is how many availability zones the VPC spans.
	MaxAZs int `default:"2" key:"maxAzs" doc:"Availability zones the VPC spans (more than 2 needs account and region)."`
	// NATGateways is how many NAT devices (gateways or instances, as
	// NATProvider says) carry the private subnets' egress: 1 is cheap, one
	// per AZ survives the loss of an AZ, 0 means no internet egress at all:
	// VPC endpoints serve ECR, S3, CloudWatch Logs and Secrets Manager
	// instead. The key keeps its name from before NAT instances existed.
	NATGateways int `default:"1" key:"natGateways" doc:"How many NAT gateways or NAT instances (see natProvider) carry the private subnets' egress (0 to maxAzs); 0: no NAT, VPC endpoints, an image in ECR."`
	// NATProvider is NATGateway or NATInstance.
	NATProvider string `default:"instance" key:"natProvider" doc:"What the natGateways NAT devices are: gateway (managed NAT gateways) or instance (NAT instances: cheaper, less throughput, patched on replacement)."`
	// NATInstanceType is the EC2 instance type of NAT instances, e.g.
	// "t4g.nano"; its family decides the image's architecture.
	NATInstanceType string `default:"t4g.nano" key:"natInstanceType" doc:"EC2 type of the NAT instances with natProvider=instance; Graviton types (t4g, c7g, ...) get the arm64 image, others x86_64."`
	// FlowLogRetentionDays is how long VPC flow logs are kept.
	FlowLogRetentionDays int `default:"14" key:"flowLogRetentionDays" doc:"Retention of the VPC flow logs, in days."`
}

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

// NATInstances reports whether the NAT devices are EC2 instances.
func (n Network) NATInstances() bool { return n.NATGateways > 0 && n.NATProvider == NATInstance }

// natFamilies are the EC2 families a NAT instance may come from, with their
// CPU architecture, which chooses the Amazon Linux 2023 image (arm64 for
// Graviton, x86_64 otherwise): current-generation general-purpose and
// compute families without instance store, which automatic recovery
// requires. A test checks each architecture against the one aws-cdk-lib
// derives from the type.
var natFamilies = map[string]string{
	"t3": fargate.X86, "t3a": fargate.X86, "c5": fargate.X86, "c5n": fargate.X86, "c6i": fargate.X86, "c6in": fargate.X86, "c7i": fargate.X86,
	"m5": fargate.X86, "m6i": fargate.X86, "m7i": fargate.X86,
	"t4g": fargate.ARM, "c6g": fargate.ARM, "c6gn": fargate.ARM, "c7g": fargate.ARM, "c7gn": fargate.ARM, "c8g": fargate.ARM,
	"m6g": fargate.ARM, "m7g": fargate.ARM, "m8g": fargate.ARM,
}

// NATFamilies returns the instance families allowed for NAT instances, each
// with its CPU architecture (fargate.ARM or fargate.X86).
func NATFamilies() map[string]string { return maps.Clone(natFamilies) }

var reNATInstance = regexp.MustCompile(`^([a-z][a-z0-9]*)\.(nano|micro|small|medium|large|xlarge|[0-9]{1,2}xlarge)$`)

// Validate returns one Problem per invalid field of n, in field order. The
// rules that read other stacks' settings (more AZs need a pinned account,
// an image reachable without NAT) are the configuration's.
func (n Network) Validate() []rule.Problem {
	var p rule.Problems
	if n.MaxAZs < 2 || n.MaxAZs > 6 {
		p.Add("MaxAZs", n.MaxAZs, "2 to 6 (the service and a Multi-AZ database need at least 2)")
	}
	if n.NATGateways < 0 || n.NATGateways > n.MaxAZs {
		p.Add("NATGateways", n.NATGateways, "0 (VPC endpoints, no internet egress) to {MaxAZs} ("+itoa(n.MaxAZs)+"): at most one NAT gateway or NAT instance per AZ")
	}
	switch {
	case n.NATProvider != NATGateway && n.NATProvider != NATInstance:
		p.Add("NATProvider", n.NATProvider, NATGateway+" (managed NAT gateways) or "+NATInstance+" (NAT instances)")
	case n.NATProvider == NATInstance && n.NATGateways == 0:
		p.AddAfter([]string{"NATGateways"}, "NATProvider", n.NATProvider, "with {NATGateways}=0 there is no NAT to provide: leave {NATProvider} unset, or set {NATGateways} to 1..{MaxAZs} NAT instances")
	}
	checkNATInstanceType(&p, n.NATInstanceType)
	p.Retention("FlowLogRetentionDays", n.FlowLogRetentionDays)
	return p
}

// checkNATInstanceType accepts family.size of a family in natFamilies, in a
// size that family has: nano to small only in the burstable t families,
// medium also in the Graviton ones.
func checkNATInstanceType(p *rule.Problems, t string) {
	m := reNATInstance.FindStringSubmatch(t)
	if m == nil || natFamilies[m[1]] == "" {
		p.Add("NATInstanceType", t, "an EC2 instance type such as t4g.nano (Graviton, arm64 image) or t3.nano (x86_64 image) from the families "+natFamilyList())
		return
	}
	family, size := m[1], m[2]
	burstable := strings.HasPrefix(family, "t")
	switch {
	case (size == "nano" || size == "micro" || size == "small") && !burstable:
		p.Add("NATInstanceType", t, "nano, micro and small sizes only in the burstable t3, t3a and t4g families")
	case size == "medium" && !burstable && natFamilies[family] != fargate.ARM:
		p.Add("NATInstanceType", t, "medium only in the t families and the Graviton families; "+family+" starts at large")
	}
}

func natFamilyList() string {
	var arm, x86 []string
	for _, f := range slices.Sorted(maps.Keys(natFamilies)) {
		if natFamilies[f] == fargate.ARM {
			arm = append(arm, f)
		} else {
			x86 = append(x86, f)
		}
	}
	return strings.Join(arm, ", ") + " (arm64) and " + strings.Join(x86, ", ") + " (x86_64)"
}

// Database configures the RDS for PostgreSQL instance.
type Database struct {
	// EngineVersion is a full PostgreSQL minor version such as "17.9".
	EngineVersion string `default:"17.9" key:"dbEngineVersion" doc:"PostgreSQL version, full minor version such as 17.9."`
	// InstanceClass is an RDS class without the "db." prefix, e.g. "t4g.micro".
	InstanceClass string `default:"t4g.micro" key:"dbInstanceClass" doc:"RDS instance class without the db. prefix, e.g. t4g.micro."`
	// AllocatedStorageGiB is the initial gp3 storage size.
	AllocatedStorageGiB int `default:"20" key:"dbAllocatedStorage" doc:"Initial storage in GiB (20-65536)."`
	// MaxAllocatedStorageGiB enables storage autoscaling up to this size; 0 disables it.
	MaxAllocatedStorageGiB int `default:"50" key:"dbMaxAllocatedStorage" doc:"Storage autoscaling ceiling in GiB; 0 turns autoscaling off."`
	// BackupRetentionDays keeps automated backups this long (1-35).
	BackupRetentionDays int `default:"1" key:"dbBackupRetentionDays" doc:"Automated backup retention in days (1-35)."`
	// Name is the database created on the instance.
	Name string `default:"app" key:"dbName" doc:"Name of the database created on the instance."`
	// MultiAZ runs a synchronous standby in a second AZ.
	MultiAZ bool `key:"dbMultiAz" doc:"Run a synchronous standby in a second AZ."`
	// Protected turns on deletion protection and snapshot-on-removal; off, the
	// database is destroyed with its stack (dev). The profile decides it.
	Protected bool
	// LogRetentionDays is how long exported PostgreSQL logs are kept.
	LogRetentionDays int `default:"14" key:"dbLogRetentionDays" doc:"Retention of the exported PostgreSQL logs, in days."`
	// KeepLegacySecret keeps the CDK-generated master secret of releases
	// before RDS managed the password, and its export, for the one deploy
	// that moves an existing environment over (docs/operations.md, "Upgrading an
	// existing environment"): the deployed Service stack still imports it,
	// and CloudFormation refuses to remove an export in use. The secret is
	// stale from then on.
	KeepLegacySecret bool `key:"dbKeepLegacySecret" doc:"Upgrade step: keep the pre-IAM generated master secret and its export for one deploy (docs/operations.md: Upgrading an existing environment)."`
}

var reDBName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,62}$`)

// Validate returns one Problem per invalid field of d, in field order. The
// engine version and instance class are checked by the configuration,
// against the data of the aws-cdk-lib in use.
func (d Database) Validate() []rule.Problem {
	var p rule.Problems
	if d.AllocatedStorageGiB < 20 || d.AllocatedStorageGiB > 65536 {
		p.Add("AllocatedStorageGiB", d.AllocatedStorageGiB, "20 to 65536 GiB (gp3)")
	}
	if d.MaxAllocatedStorageGiB != 0 && (d.MaxAllocatedStorageGiB*10 < d.AllocatedStorageGiB*11 || d.MaxAllocatedStorageGiB > 65536) {
		p.Add("MaxAllocatedStorageGiB", d.MaxAllocatedStorageGiB, "0 (no storage autoscaling) or at least 10% above {AllocatedStorageGiB} ("+itoa(d.AllocatedStorageGiB)+") and at most 65536")
	}
	if d.BackupRetentionDays < 1 || d.BackupRetentionDays > 35 {
		p.Add("BackupRetentionDays", d.BackupRetentionDays, "1 to 35 days (automated backups cannot be turned off here)")
	}
	if !reDBName.MatchString(d.Name) || slices.Contains([]string{"postgres", "template0", "template1", "rdsadmin"}, strings.ToLower(d.Name)) {
		p.Add("Name", d.Name, "a letter followed by up to 62 letters, digits or underscores, not postgres, template0, template1 or rdsadmin")
	}
	p.Retention("LogRetentionDays", d.LogRetentionDays)
	return p
}

// Service configures the ECS cluster and the load-balanced Fargate service.
// The service's own settings (sizes, counts, health check, deployment) are
// the construct's fargate.Settings, embedded: their documentation, defaults
// and rules live there, once.
type Service struct {
	ClusterName string `key:"clusterName" doc:"ECS cluster name."`
	// Image is a registry reference (ECR, Docker Hub or any registry). Empty
	// builds the sample API in sampleapi/ as a container image asset.
	Image string `key:"image" doc:"Container image reference (ECR, Docker Hub or any registry); empty builds sampleapi/."`
	// MigrationCommand is the command (arguments after the image's
	// entrypoint, split on spaces) of the one-off migration task that runs
	// on every deploy that changes it, before the service rolls out.
	// MigrationOff turns the migration task off.
	MigrationCommand string `default:"migrate" key:"migrationCommand" doc:"Command of the one-off migration task run before each rollout (the image's entrypoint gets these arguments); none turns it off."`
	// OpenEgress lets the tasks reach any address. Off, they reach only the
	// database on its port and HTTPS (AWS APIs, image registries).
	OpenEgress bool `key:"openEgress" doc:"Let the tasks reach any address; off, only the database and HTTPS (AWS APIs, registries)."`
	fargate.Settings
}

// MigrationOff is the MigrationCommand value that turns the task off.
const MigrationOff = "none"

// MigrationArgs splits MigrationCommand into the migration task's
// arguments; nil when the task is off.
func (s Service) MigrationArgs() []string {
	if strings.TrimSpace(s.MigrationCommand) == MigrationOff {
		return nil
	}
	return strings.Fields(s.MigrationCommand)
}

// ReservedEnvironment are set by the service stack itself; user values
// would silently break the database connection or the listening port.
var ReservedEnvironment = []string{"PORT", "DB_HOST", "DB_PORT", "DB_NAME", "DB_SSLMODE", "DB_USERNAME", "DB_PASSWORD", "DB_AUTH", "DB_RUNTIME_USERNAME", "TRACING_ENDPOINT", "TRACING_SAMPLE_RATE", "TRACING_SERVICE_NAME"}

var (
	reEnvName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,254}$`)
	reImageRef    = regexp.MustCompile(`^` + imageName + `(?::` + imageTag + `)?(?:@` + imageDigest + `)?$`)
	imageDomain   = `(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?`
	imagePathPart = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
	imageName     = imageDomain + imagePathPart + `(?:/` + imagePathPart + `)*`
	imageTag      = `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
	imageDigest   = `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`
)

// Validate returns one Problem per invalid field of s, those of the
// embedded fargate.Settings last. The cluster, family and container names
// are checked by the configuration, which knows whether they derive from
// the app's name.
func (s Service) Validate() []rule.Problem {
	var p rule.Problems
	if s.Image != "" && (len(s.Image) > 255+72 || !reImageRef.MatchString(s.Image)) {
		p.Add("Image", s.Image, "an image reference [registry[:port]/]repository[:tag][@sha256:digest] with a lower-case repository, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1.4.2 or nginx:1.27; or empty to build sampleapi/")
	}
	if mc := strings.TrimSpace(s.MigrationCommand); mc == "" || len(mc) > 1024 || strings.ContainsAny(mc, "\n\r\t") {
		p.Add("MigrationCommand", s.MigrationCommand, "the migration task's arguments separated by spaces (e.g. migrate), or none to turn the migration task off")
	}
	for _, name := range slices.Sorted(maps.Keys(s.Environment)) {
		switch {
		case !reEnvName.MatchString(name):
			p.Add("Environment", name, "variable names of letters, digits and underscores, not starting with a digit")
		case slices.Contains(ReservedEnvironment, name):
			p.Add("Environment", name, "a name other than "+strings.Join(ReservedEnvironment, ", ")+" (the stack sets those)")
		case strings.HasPrefix(name, "AWS_") || strings.HasPrefix(name, "ECS_"):
			p.Add("Environment", name, "a name not starting with AWS_ or ECS_ (reserved by ECS and the AWS SDKs)")
		}
	}
	return append(p, s.Settings.Validate()...)
}

// Monitoring configures alarms and the dashboard. Thresholds apply per
// minute unless said otherwise; an alarm fires after 3 of 5 bad minutes.
type Monitoring struct {
	// AlarmEmail subscribes an address to the alarm topic; empty subscribes none.
	AlarmEmail string `key:"alarmEmail" doc:"E-mail address subscribed to the alarm topic; empty: none."`
	// API5xxPercent is the share of API responses that may be 5xx.
	API5xxPercent int `default:"5" key:"alarmApi5xxPercent" doc:"Alarm when more than this % of API responses are 5xx."`
	// APILatencyP99Ms bounds the API's p99 latency.
	APILatencyP99Ms int `default:"2000" key:"alarmApiLatencyP99Ms" doc:"Alarm when the API's p99 latency exceeds this, in ms."`
	// Target5xxPerMinute bounds 5xx responses from the tasks; it also rolls
	// deployments back.
	Target5xxPerMinute int `default:"10" key:"alarmTarget5xxPerMinute" doc:"Alarm (and roll a deployment back) above this many task 5xx responses per minute."`
	// TargetResponseP99Ms bounds the tasks' p99 response time at the ALB.
	TargetResponseP99Ms int `default:"1000" key:"alarmTargetResponseP99Ms" doc:"Alarm when the tasks' p99 response time at the ALB exceeds this, in ms."`
	// ServiceCPUPercent and ServiceMemoryPercent bound the service's average use.
	ServiceCPUPercent    int `default:"85" key:"alarmServiceCpuPercent" doc:"Alarm when the service's average CPU exceeds this %."`
	ServiceMemoryPercent int `default:"85" key:"alarmServiceMemoryPercent" doc:"Alarm when the service's average memory exceeds this %."`
	// DBCPUPercent, DBFreeStorageGiB and DBConnections bound the database.
	DBCPUPercent     int `default:"80" key:"alarmDbCpuPercent" doc:"Alarm when the database's CPU exceeds this %."`
	DBFreeStorageGiB int `default:"5" key:"alarmDbFreeStorageGiB" doc:"Alarm when the database's free storage falls below this, in GiB (less than dbMaxAllocatedStorage, or dbAllocatedStorage without autoscaling)."`
	DBConnections    int `default:"60" key:"alarmDbConnections" doc:"Alarm when the database has more connections than this."`
}

var reEmail = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$`)

// Validate returns one Problem per invalid field of m, in field order.
func (m Monitoring) Validate() []rule.Problem {
	var p rule.Problems
	if m.AlarmEmail != "" && !reEmail.MatchString(m.AlarmEmail) {
		p.Add("AlarmEmail", m.AlarmEmail, "an e-mail address such as oncall@example.com, or empty")
	}
	p.Between("API5xxPercent", m.API5xxPercent, 1, 100, "%")
	p.Between("APILatencyP99Ms", m.APILatencyP99Ms, 1, 30000, "ms (API Gateway times out at 30 s)")
	p.Between("Target5xxPerMinute", m.Target5xxPerMinute, 1, 100000, "responses per minute")
	p.Between("TargetResponseP99Ms", m.TargetResponseP99Ms, 1, 60000, "ms")
	p.Between("ServiceCPUPercent", m.ServiceCPUPercent, 1, 100, "%")
	p.Between("ServiceMemoryPercent", m.ServiceMemoryPercent, 1, 100, "%")
	p.Between("DBCPUPercent", m.DBCPUPercent, 1, 100, "%")
	// DBFreeStorageGiB is bounded by the database's storage: config's rule.
	p.Between("DBConnections", m.DBConnections, 1, 100000, "connections")
	return p
}

func itoa(n int) string { return rule.JoinInts([]int{n}) }
