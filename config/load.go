package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Prefix is the context namespace every key of this app lives under.
const Prefix = "app:"

// key describes one context key: its name without the prefix, what it sets
// and the Config field it sets, as a pointer. The field's type decides how a
// raw context value is parsed.
type key struct {
	name  string
	doc   string
	field func(c *Config) any
}

// set parses raw into the key's field of c.
func (k key) set(c *Config, raw any) error {
	switch f := k.field(c).(type) {
	case *string:
		if n, ok := raw.(float64); ok {
			// A JSON number would silently lose digits: 16.10 reads as 16.1.
			s := strconv.FormatFloat(n, 'f', -1, 64)
			return fmt.Errorf("number %s is not a string: a JSON number can lose digits (16.10 reads as 16.1, 012345678901 as 12345678901); allowed: the value as a JSON string, e.g. \"%s%s\": \"%s\" in cdk.json", s, Prefix, k.name, s)
		}
		return setString(f, raw)
	case *int:
		return setInt(f, raw)
	case *float64:
		return setFloat(f, raw)
	case *bool:
		return setBool(f, raw)
	case *map[string]string:
		return setMap(f, raw)
	case *[]Route:
		return setRoutes(f, raw)
	case *[]string:
		return setList(f, raw)
	}
	panic("config: key " + k.name + " has a field of an unsupported type")
}

// keys lists every supported key. "profile" and "name" are read first because
// the other defaults depend on them.
var keys = []key{
	{"profile", "Environment profile that sets the defaults: dev or prod.", func(c *Config) any { return &c.Profile }},
	{"name", "Prefix of the stack names and of the default cluster name and task family.", func(c *Config) any { return &c.Name }},
	{"account", "AWS account ID (12 digits) to pin the stacks to; needs region too.", func(c *Config) any { return &c.Account }},
	{"region", "AWS region to pin the stacks to; needs account too.", func(c *Config) any { return &c.Region }},

	{"maxAzs", "Availability zones the VPC spans (more than 2 needs account and region).", func(c *Config) any { return &c.Network.MaxAZs }},
	{"natGateways", "How many NAT gateways or NAT instances (see natProvider) carry the private subnets' egress (0 to maxAzs); 0: no NAT, VPC endpoints, an image in ECR.", func(c *Config) any { return &c.Network.NATGateways }},
	{"natProvider", "What the natGateways NAT devices are: gateway (managed NAT gateways) or instance (NAT instances: cheaper, less throughput, patched on replacement).", func(c *Config) any { return &c.Network.NATProvider }},
	{"natInstanceType", "EC2 type of the NAT instances with natProvider=instance; Graviton types (t4g, c7g, ...) get the arm64 image, others x86_64.", func(c *Config) any { return &c.Network.NATInstanceType }},
	{"flowLogRetentionDays", "Retention of the VPC flow logs, in days.", func(c *Config) any { return &c.Network.FlowLogRetentionDays }},

	{"dbEngineVersion", "PostgreSQL version, full minor version such as 17.9.", func(c *Config) any { return &c.Database.EngineVersion }},
	{"dbInstanceClass", "RDS instance class without the db. prefix, e.g. t4g.micro.", func(c *Config) any { return &c.Database.InstanceClass }},
	{"dbAllocatedStorage", "Initial storage in GiB (20-65536).", func(c *Config) any { return &c.Database.AllocatedStorageGiB }},
	{"dbMaxAllocatedStorage", "Storage autoscaling ceiling in GiB; 0 turns autoscaling off.", func(c *Config) any { return &c.Database.MaxAllocatedStorageGiB }},
	{"dbBackupRetentionDays", "Automated backup retention in days (1-35).", func(c *Config) any { return &c.Database.BackupRetentionDays }},
	{"dbName", "Name of the database created on the instance.", func(c *Config) any { return &c.Database.Name }},
	{"dbMultiAz", "Run a synchronous standby in a second AZ.", func(c *Config) any { return &c.Database.MultiAZ }},
	{"dbLogRetentionDays", "Retention of the exported PostgreSQL logs, in days.", func(c *Config) any { return &c.Database.LogRetentionDays }},
	{"dbKeepLegacySecret", "Upgrade step: keep the pre-IAM generated master secret and its export for one deploy (docs/operations.md: Upgrading an existing environment).", func(c *Config) any { return &c.Database.KeepLegacySecret }},

	{"clusterName", "ECS cluster name.", func(c *Config) any { return &c.Service.ClusterName }},
	{"taskFamily", "ECS task definition family.", func(c *Config) any { return &c.Service.TaskFamily }},
	{"containerName", "Name of the container in the task definition.", func(c *Config) any { return &c.Service.ContainerName }},
	{"image", "Container image reference (ECR, Docker Hub or any registry); empty builds sampleapi/.", func(c *Config) any { return &c.Service.Image }},
	{"migrationCommand", "Command of the one-off migration task run before each rollout (the image's entrypoint gets these arguments); none turns it off.", func(c *Config) any { return &c.Service.MigrationCommand }},
	{"openEgress", "Let the tasks reach any address; off, only the database and HTTPS (AWS APIs, registries).", func(c *Config) any { return &c.Service.OpenEgress }},
	{"cpuArchitecture", "X86_64 or ARM64.", func(c *Config) any { return &c.Service.CPUArchitecture }},
	{"cpu", "Task CPU units; must pair with memory as Fargate allows.", func(c *Config) any { return &c.Service.CPU }},
	{"memory", "Task memory in MiB; must pair with cpu as Fargate allows.", func(c *Config) any { return &c.Service.MemoryMiB }},
	{"containerPort", "Port the container listens on.", func(c *Config) any { return &c.Service.ContainerPort }},
	{"healthCheckPath", "Path the ALB health check requests.", func(c *Config) any { return &c.Service.HealthCheckPath }},
	{"environment", "Extra container environment: JSON object, or KEY=VALUE pairs separated by commas; each variable once.", func(c *Config) any { return &c.Service.Environment }},
	{"readonlyRootFilesystem", "Mount the container's root filesystem read-only.", func(c *Config) any { return &c.Service.ReadonlyRootFilesystem }},
	{"minCapacity", "Autoscaling minimum tasks (at least 2); a new service starts with this many.", func(c *Config) any { return &c.Service.MinCapacity }},
	{"maxCapacity", "Autoscaling maximum tasks.", func(c *Config) any { return &c.Service.MaxCapacity }},
	{"cpuTargetPercent", "Average task CPU the autoscaler aims for (10-90).", func(c *Config) any { return &c.Service.CPUTargetPercent }},
	{"requestsPerTarget", "ALB requests per task per minute the autoscaler aims for.", func(c *Config) any { return &c.Service.RequestsPerTarget }},
	{"logRetentionDays", "Retention of the container logs, in days.", func(c *Config) any { return &c.Service.LogRetentionDays }},
	{"enableExecuteCommand", "ECS Exec into running tasks, with session logs (needs readonlyRootFilesystem=false).", func(c *Config) any { return &c.Service.EnableExecuteCommand }},
	{"fargateSpot", "Run all tasks but one on Fargate Spot (cheaper, may be interrupted).", func(c *Config) any { return &c.Service.FargateSpot }},
	{"albDeletionProtection", "ALB deletion protection: the load balancer (and its stack) cannot be deleted until this is turned off.", func(c *Config) any { return &c.Service.LoadBalancerDeletionProtection }},
	{"deploymentStrategy", "How a new revision replaces the old: rolling, or canary, linear or blueGreen (traffic shifted by a listener rule between two target groups, rolled back on the new revision's alarms).", func(c *Config) any { return &c.Service.DeploymentStrategy }},
	{"canaryPercent", "canary: share of traffic (%, 0.1-49.9) the new revision gets first.", func(c *Config) any { return &c.Service.CanaryPercent }},
	{"canaryBakeMinutes", "canary: minutes (0-1440) the canary share runs before all traffic shifts.", func(c *Config) any { return &c.Service.CanaryBakeMinutes }},
	{"linearStepPercent", "linear: share of traffic (%, 3-100) each step shifts.", func(c *Config) any { return &c.Service.LinearStepPercent }},
	{"linearStepBakeMinutes", "linear: minutes (0-1440) each step runs before the next.", func(c *Config) any { return &c.Service.LinearStepBakeMinutes }},
	{"deploymentBakeMinutes", "canary, linear, blueGreen: minutes (0-1440) the old revision stays ready to take traffic back after the full shift.", func(c *Config) any { return &c.Service.DeploymentBakeMinutes }},

	{"routes", `HTTP API routes: JSON array or comma-separated "METHOD /path" strings.`, func(c *Config) any { return &c.API.Routes }},
	{"stageName", "Named API stage that prefixes the invoke URL, e.g. prod or v1.", func(c *Config) any { return &c.API.StageName }},
	{"throttleRateLimit", "Stage default steady-state request rate limit (requests per second).", func(c *Config) any { return &c.API.ThrottleRateLimit }},
	{"throttleBurstLimit", "Stage default burst limit (requests).", func(c *Config) any { return &c.API.ThrottleBurstLimit }},
	{"accessLogRetentionDays", "Retention of the API access logs, in days.", func(c *Config) any { return &c.API.AccessLogRetentionDays }},
	{"jwtIssuer", "Issuer URL (https) of a JWT authorizer on every route not in publicRoutes; empty: no authorizer.", func(c *Config) any { return &c.API.JWTIssuer }},
	{"jwtAudience", "Accepted JWT audiences (list); required with jwtIssuer.", func(c *Config) any { return &c.API.JWTAudience }},
	{"publicRoutes", "Routes (from routes) that stay open when jwtIssuer is set.", func(c *Config) any { return &c.API.PublicRoutes }},
	{"corsAllowOrigins", "CORS allowed origins (list, e.g. https://app.example.com); empty: CORS off.", func(c *Config) any { return &c.API.CORSAllowOrigins }},
	{"corsAllowMethods", "CORS allowed methods (list).", func(c *Config) any { return &c.API.CORSAllowMethods }},
	{"corsAllowHeaders", "CORS allowed request headers (list).", func(c *Config) any { return &c.API.CORSAllowHeaders }},
	{"corsMaxAgeSeconds", "How long browsers may cache a CORS preflight answer.", func(c *Config) any { return &c.API.CORSMaxAgeSeconds }},
	{"domainName", "Custom domain for the API stage, e.g. api.example.com; empty: none.", func(c *Config) any { return &c.API.DomainName }},
	{"certificateArn", "ACM certificate (same region) for domainName; or use hostedZoneId.", func(c *Config) any { return &c.API.CertificateARN }},
	{"hostedZoneId", "Route 53 zone in which to create and validate a certificate and the alias record for domainName.", func(c *Config) any { return &c.API.HostedZoneID }},
	{"hostedZoneName", "Name of hostedZoneId's zone, e.g. example.com.", func(c *Config) any { return &c.API.HostedZoneName }},

	{"alarmEmail", "E-mail address subscribed to the alarm topic; empty: none.", func(c *Config) any { return &c.Monitoring.AlarmEmail }},
	{"alarmApi5xxPercent", "Alarm when more than this % of API responses are 5xx.", func(c *Config) any { return &c.Monitoring.API5xxPercent }},
	{"alarmApiLatencyP99Ms", "Alarm when the API's p99 latency exceeds this, in ms.", func(c *Config) any { return &c.Monitoring.APILatencyP99Ms }},
	{"alarmTarget5xxPerMinute", "Alarm (and roll a deployment back) above this many task 5xx responses per minute.", func(c *Config) any { return &c.Monitoring.Target5xxPerMinute }},
	{"alarmTargetResponseP99Ms", "Alarm when the tasks' p99 response time at the ALB exceeds this, in ms.", func(c *Config) any { return &c.Monitoring.TargetResponseP99Ms }},
	{"alarmServiceCpuPercent", "Alarm when the service's average CPU exceeds this %.", func(c *Config) any { return &c.Monitoring.ServiceCPUPercent }},
	{"alarmServiceMemoryPercent", "Alarm when the service's average memory exceeds this %.", func(c *Config) any { return &c.Monitoring.ServiceMemoryPercent }},
	{"alarmDbCpuPercent", "Alarm when the database's CPU exceeds this %.", func(c *Config) any { return &c.Monitoring.DBCPUPercent }},
	{"alarmDbFreeStorageGiB", "Alarm when the database's free storage falls below this, in GiB (less than dbMaxAllocatedStorage, or dbAllocatedStorage without autoscaling).", func(c *Config) any { return &c.Monitoring.DBFreeStorageGiB }},
	{"alarmDbConnections", "Alarm when the database has more connections than this.", func(c *Config) any { return &c.Monitoring.DBConnections }},
}

// retired are keys earlier versions accepted, with why they went and what
// to set instead.
var retired = map[string]string{
	"desiredCount": "autoscaling owns the task count and a new service starts at app:minCapacity; " +
		"a count in the template would reset a scaled-out service on every deploy (set app:minCapacity instead)",
}

// Keys returns every supported key with its prefix, in documentation order.
func Keys() []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = Prefix + k.name
	}
	return out
}

// DefaultName is the stack name prefix when "app:name" is not set.
const DefaultName = "FargateApi"

// Load builds a validated Config from the app's whole context: cdk.json's
// context merged with `-c` values. Keys outside the "app:" namespace (CDK
// feature flags and the like) are left to the CDK, except those that are
// clearly meant as one of ours (a key name without its prefix, or the prefix
// in another case or spelling). The error, if any, is a *Error listing every
// problem once, in a stable order.
func Load(context map[string]any) (Config, error) {
	var p problems
	raw := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(context)) {
		if !strings.HasPrefix(name, Prefix) {
			if hint := misplaced(name, context[name]); hint != "" {
				p = append(p, problem{name: name, text: hint})
			}
			continue
		}
		key := strings.TrimPrefix(name, Prefix)
		if why, ok := retired[key]; ok {
			p = append(p, problem{name: name, text: "no longer a setting: " + why})
			continue
		}
		if lookup(key) == nil {
			p = append(p, problem{name: name, text: fmt.Sprintf("unknown key%s; docs/configuration.md lists every %s key", suggestion(name), Prefix)})
			continue
		}
		raw[key] = context[name]
	}

	// A key whose value has the wrong type keeps its default, and nothing is
	// said about it but the type error.
	typeErrors := map[string]error{}
	set := func(c *Config, key string) {
		if err := lookup(key).set(c, raw[key]); err != nil {
			typeErrors[key] = err
		}
	}

	// Profile and name first: the other defaults derive from them.
	head := Config{Profile: ProfileDev, Name: DefaultName}
	for _, key := range []string{"profile", "name"} {
		if _, ok := raw[key]; ok {
			set(&head, key)
		}
	}
	profile := head.Profile
	if profile != ProfileDev && profile != ProfileProd {
		p = append(p, problem{key: "profile", name: Prefix + "profile", text: fmt.Sprintf("%q is not a profile; allowed: %s, %s", profile, ProfileDev, ProfileProd)})
		profile = ProfileDev // keep going so the other keys are checked too
	}
	c := defaults(profile, head.Name)
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		if key != "profile" && key != "name" {
			set(&c, key)
		}
	}
	// In prod, one NAT gateway per AZ follows maxAzs unless set explicitly.
	if _, set := raw["natGateways"]; !set && c.Profile == ProfileProd {
		c.Network.NATGateways = c.Network.MaxAZs
	}
	// Without NAT there is nothing to provide: the profile's default provider
	// gives way, an explicit natProvider=instance is refused by Validate.
	if _, set := raw["natProvider"]; !set && c.Network.NATGateways == 0 {
		c.Network.NATProvider = NATGateway
	}
	c.Service.CPUArchitecture = strings.ToUpper(c.Service.CPUArchitecture)
	// A deployment rolls back on the thresholds that raise the alarms.
	c.Service.Rollback5xxPerMinute = c.Monitoring.Target5xxPerMinute
	c.Network.NATProvider = strings.ToLower(c.Network.NATProvider)
	c.Network.NATInstanceType = strings.ToLower(c.Network.NATInstanceType)
	c.Service.RollbackResponseP99Ms = c.Monitoring.TargetResponseP99Ms

	isSet := func(key string) bool { _, ok := raw[key]; return ok }
	for _, q := range c.check(isSet) {
		if typeErrors[q.key] == nil {
			p = append(p, q)
		}
	}
	for key, err := range typeErrors {
		text := err.Error()
		if !strings.Contains(text, "allowed:") {
			text += "; allowed: " + allowedFor(c, key)
		}
		p = append(p, problem{key: key, name: Prefix + key, text: text})
	}
	if msgs := p.render(func(key string) bool { return !isSet(key) }, c.Profile); len(msgs) > 0 {
		return Config{}, &Error{Problems: msgs}
	}
	return c, nil
}

// allowedFor says what key's rule allows, for a type error: the rule's own
// words, found by checking c with the key's field set to a value every rule
// rejects.
func allowedFor(c Config, key string) string {
	switch f := lookup(key).field(&c).(type) {
	case *int:
		*f = math.MinInt32
	case *string:
		*f = "\x00"
	default:
		return "see docs/configuration.md"
	}
	for _, q := range c.check(func(string) bool { return true }) {
		if q.key == key && q.allowed != "" {
			return q.allowed
		}
	}
	return "see docs/configuration.md"
}

// misplaced explains a context key outside the app: namespace that is
// clearly meant as one of ours: a key name without its prefix (-c
// profile=prod), or with the prefix in another case or spelling (-c
// App:cpu=512, app.cpu, app_cpu). CDK's own keys (@aws-cdk/... feature flags,
// aws:cdk:..., lookups such as availability-zones:...) never match.
func misplaced(name string, value any) string {
	lower := strings.ToLower(name)
	rest, hasPrefix := "", false
	for _, sep := range []string{":", ".", "-", "_", "/"} {
		if r, ok := strings.CutPrefix(lower, "app"+sep); ok {
			rest, hasPrefix = name[len(name)-len(r):], true
			break
		}
	}
	if hasPrefix {
		want := Prefix + rest
		if k := lookupFold(rest); k != nil {
			want = Prefix + k.name
		} else if s := suggestion(want); s != "" {
			return fmt.Sprintf("not a key of this app: the prefix is %s, in lower case%s", Prefix, s)
		}
		return fmt.Sprintf("not a key of this app: the prefix is %s, in lower case (did you mean %s?)", Prefix, want)
	}
	if k := lookupFold(name); k != nil {
		example := "..."
		if s, ok := value.(string); ok && s != "" && !strings.ContainsAny(s, " \t\n\"'") {
			example = s
		}
		return fmt.Sprintf("not a key of this app: every setting has the %s prefix (did you mean %s%s? e.g. -c %s%s=%s)", Prefix, Prefix, k.name, Prefix, k.name, example)
	}
	return ""
}

// lookupFold finds a key by name in any case.
func lookupFold(name string) *key {
	for i := range keys {
		if strings.EqualFold(keys[i].name, name) {
			return &keys[i]
		}
	}
	return nil
}

// Error lists every configuration problem found.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid configuration (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p)
	}
	return b.String()
}

func lookup(name string) *key {
	for i := range keys {
		if keys[i].name == name {
			return &keys[i]
		}
	}
	return nil
}

// suggestion names the known key closest to name, if one is within a
// typo's reach: a different case or up to two edits.
func suggestion(name string) string {
	return closest(name, Keys())
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func setString(field *string, raw any) error {
	switch v := raw.(type) {
	case string:
		*field = strings.TrimSpace(v)
		return nil
	}
	return fmt.Errorf("%s is not a string", describe(raw))
}

func setInt(field *int, raw any) error {
	switch v := raw.(type) {
	case float64:
		if v != math.Trunc(v) {
			return fmt.Errorf("%v is not a whole number", v)
		}
		if math.Abs(v) >= 1<<31 {
			return fmt.Errorf("%v is out of range", v)
		}
		*field = int(v)
		return nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return fmt.Errorf("%q is out of range", v)
			}
			return fmt.Errorf("%q is not a whole number", v)
		}
		*field = int(n)
		return nil
	}
	return fmt.Errorf("%s is not a whole number", describe(raw))
}

func setFloat(field *float64, raw any) error {
	switch v := raw.(type) {
	case float64:
		*field = v
		return nil
	case string:
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%q is not a number", v)
		}
		*field = x
		return nil
	}
	return fmt.Errorf("%s is not a number", describe(raw))
}

func setBool(field *bool, raw any) error {
	switch v := raw.(type) {
	case bool:
		*field = v
		return nil
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not a boolean; allowed: true, false", v)
		}
		*field = b
		return nil
	}
	return fmt.Errorf("%s is not a boolean; allowed: true, false", describe(raw))
}

func setMap(field *map[string]string, raw any) error {
	out := map[string]string{}
	switch v := raw.(type) {
	case map[string]any:
		for name, value := range v {
			s, ok := value.(string)
			if !ok {
				return fmt.Errorf("value of %s is %s; allowed: string values, e.g. {%q: %q}", name, describe(value), name, fmt.Sprint(value))
			}
			out[name] = s
		}
	case string:
		s := strings.TrimSpace(v)
		switch {
		case s == "":
		case strings.HasPrefix(s, "{"):
			var m map[string]string
			if err := json.Unmarshal([]byte(s), &m); err != nil {
				return fmt.Errorf("%q is not a JSON object of strings: %v", v, err)
			}
			// encoding/json keeps the last of two equal names without a word.
			if name := duplicateJSONName(s); name != "" {
				return fmt.Errorf("%q is set twice; allowed: each variable once", name)
			}
			out = m
		default:
			for _, pair := range strings.Split(s, ",") {
				name, value, ok := strings.Cut(pair, "=")
				if !ok {
					return fmt.Errorf("%q is not KEY=VALUE", pair)
				}
				name = strings.TrimSpace(name)
				if _, dup := out[name]; dup {
					return fmt.Errorf("%q is set twice; allowed: each variable once", name)
				}
				out[name] = value
			}
		}
	default:
		return fmt.Errorf("%s is not an object or KEY=VALUE list; allowed: a JSON object of strings, or KEY=VALUE pairs separated by commas", describe(raw))
	}
	*field = out
	return nil
}

// duplicateJSONName returns the first name that occurs twice at the top
// level of the JSON object s (already known to parse), or "".
func duplicateJSONName(s string) string {
	dec := json.NewDecoder(strings.NewReader(s))
	if _, err := dec.Token(); err != nil { // {
		return ""
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		name, _ := t.(string)
		if seen[name] {
			return name
		}
		seen[name] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ""
		}
	}
	return ""
}

// setList reads a JSON array of strings (cdk.json), or a string holding a
// JSON array or comma-separated items (-c on the command line).
func setList(field *[]string, raw any) error {
	items := []string{}
	switch v := raw.(type) {
	case []any:
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return fmt.Errorf("item %s is not a string", describe(item))
			}
			items = append(items, strings.TrimSpace(s))
		}
	case string:
		s := strings.TrimSpace(v)
		if strings.HasPrefix(s, "[") {
			if err := json.Unmarshal([]byte(s), &items); err != nil {
				return fmt.Errorf("%q is not a JSON array of strings: %v", v, err)
			}
		} else if s != "" {
			for _, item := range strings.Split(s, ",") {
				items = append(items, strings.TrimSpace(item))
			}
		}
	default:
		return fmt.Errorf("%s is not a list; allowed: a JSON array of strings, or items separated by commas", describe(raw))
	}
	*field = items
	return nil
}

func setRoutes(field *[]Route, raw any) error {
	var items []string
	if err := setList(&items, raw); err != nil {
		return err
	}
	routes := make([]Route, 0, len(items))
	for _, item := range items {
		method, path, _ := strings.Cut(strings.TrimSpace(item), " ")
		routes = append(routes, Route{Method: method, Path: strings.TrimSpace(path)})
	}
	*field = routes
	return nil
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return fmt.Sprintf("boolean %v", v)
	case float64:
		return fmt.Sprintf("number %v", v)
	case string:
		return fmt.Sprintf("string %q", v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
