package config

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Prefix is the context namespace every key of this app lives under.
const Prefix = "app:"

// key describes one context key: its name without the prefix, what it sets
// and how to read a raw context value into the Config.
type key struct {
	name string
	doc  string
	set  func(c *Config, raw any) error
}

// keys lists every supported key. "profile" and "name" are read first because
// the other defaults depend on them.
var keys = []key{
	{"profile", "Environment profile that sets the defaults: dev or prod.", setString(func(c *Config) *string { return &c.Profile })},
	{"name", "Prefix of the stack names and of the default cluster name and task family.", setString(func(c *Config) *string { return &c.Name })},
	{"account", "AWS account ID (12 digits) to pin the stacks to; needs region too.", setString(func(c *Config) *string { return &c.Account })},
	{"region", "AWS region to pin the stacks to; needs account too.", setString(func(c *Config) *string { return &c.Region })},

	{"maxAzs", "Availability zones the VPC spans (more than 2 needs account and region).", setInt(func(c *Config) *int { return &c.Network.MaxAZs })},
	{"natGateways", "NAT gateways for the private subnets' egress (1 to maxAzs).", setInt(func(c *Config) *int { return &c.Network.NATGateways })},
	{"flowLogRetentionDays", "Retention of the VPC flow logs, in days.", setInt(func(c *Config) *int { return &c.Network.FlowLogRetentionDays })},

	{"dbEngineVersion", "PostgreSQL version, full minor version such as 17.9.", setString(func(c *Config) *string { return &c.Database.EngineVersion })},
	{"dbInstanceClass", "RDS instance class without the db. prefix, e.g. t4g.micro.", setString(func(c *Config) *string { return &c.Database.InstanceClass })},
	{"dbAllocatedStorage", "Initial storage in GiB (20-65536).", setInt(func(c *Config) *int { return &c.Database.AllocatedStorageGiB })},
	{"dbMaxAllocatedStorage", "Storage autoscaling ceiling in GiB; 0 turns autoscaling off.", setInt(func(c *Config) *int { return &c.Database.MaxAllocatedStorageGiB })},
	{"dbBackupRetentionDays", "Automated backup retention in days (1-35).", setInt(func(c *Config) *int { return &c.Database.BackupRetentionDays })},
	{"dbName", "Name of the database created on the instance.", setString(func(c *Config) *string { return &c.Database.Name })},
	{"dbMultiAz", "Run a synchronous standby in a second AZ.", setBool(func(c *Config) *bool { return &c.Database.MultiAZ })},
	{"dbLogRetentionDays", "Retention of the exported PostgreSQL logs, in days.", setInt(func(c *Config) *int { return &c.Database.LogRetentionDays })},

	{"clusterName", "ECS cluster name.", setString(func(c *Config) *string { return &c.Service.ClusterName })},
	{"taskFamily", "ECS task definition family.", setString(func(c *Config) *string { return &c.Service.TaskFamily })},
	{"containerName", "Name of the container in the task definition.", setString(func(c *Config) *string { return &c.Service.ContainerName })},
	{"image", "Container image reference (ECR, Docker Hub or any registry); empty builds sampleapi/.", setString(func(c *Config) *string { return &c.Service.Image })},
	{"cpuArchitecture", "X86_64 or ARM64.", setString(func(c *Config) *string { return &c.Service.CPUArchitecture })},
	{"cpu", "Task CPU units; must pair with memory as Fargate allows.", setInt(func(c *Config) *int { return &c.Service.CPU })},
	{"memory", "Task memory in MiB; must pair with cpu as Fargate allows.", setInt(func(c *Config) *int { return &c.Service.MemoryMiB })},
	{"containerPort", "Port the container listens on.", setInt(func(c *Config) *int { return &c.Service.ContainerPort })},
	{"healthCheckPath", "Path the ALB health check requests.", setString(func(c *Config) *string { return &c.Service.HealthCheckPath })},
	{"environment", "Extra container environment: JSON object, or KEY=VALUE pairs separated by commas.", setMap(func(c *Config) *map[string]string { return &c.Service.Environment })},
	{"readonlyRootFilesystem", "Mount the container's root filesystem read-only.", setBool(func(c *Config) *bool { return &c.Service.ReadonlyRootFilesystem })},
	{"desiredCount", "Tasks at creation (at least 2).", setInt(func(c *Config) *int { return &c.Service.DesiredCount })},
	{"minCapacity", "Autoscaling minimum tasks (at least 2).", setInt(func(c *Config) *int { return &c.Service.MinCapacity })},
	{"maxCapacity", "Autoscaling maximum tasks.", setInt(func(c *Config) *int { return &c.Service.MaxCapacity })},
	{"cpuTargetPercent", "Average task CPU the autoscaler aims for (10-90).", setInt(func(c *Config) *int { return &c.Service.CPUTargetPercent })},
	{"requestsPerTarget", "ALB requests per task per minute the autoscaler aims for.", setInt(func(c *Config) *int { return &c.Service.RequestsPerTarget })},
	{"logRetentionDays", "Retention of the container logs, in days.", setInt(func(c *Config) *int { return &c.Service.LogRetentionDays })},

	{"routes", `HTTP API routes: JSON array or comma-separated "METHOD /path" strings.`, setRoutes},
	{"stageName", "Named API stage that prefixes the invoke URL, e.g. prod or v1.", setString(func(c *Config) *string { return &c.API.StageName })},
	{"throttleRateLimit", "Stage default steady-state request rate limit (requests per second).", setInt(func(c *Config) *int { return &c.API.ThrottleRateLimit })},
	{"throttleBurstLimit", "Stage default burst limit (requests).", setInt(func(c *Config) *int { return &c.API.ThrottleBurstLimit })},
	{"accessLogRetentionDays", "Retention of the API access logs, in days.", setInt(func(c *Config) *int { return &c.API.AccessLogRetentionDays })},
}

// Keys returns every supported key with its prefix, in documentation order.
func Keys() []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = Prefix + k.name
	}
	return out
}

// Doc returns the one-line description of a key (given with its prefix).
func Doc(name string) string {
	for _, k := range keys {
		if Prefix+k.name == name {
			return k.doc
		}
	}
	return ""
}

// DefaultName is the stack name prefix when "app:name" is not set.
const DefaultName = "FargateApi"

// Load builds a validated Config from the app's whole context: cdk.json's
// context merged with `-c` values. Keys outside the "app:" namespace (CDK
// feature flags and the like) are ignored. The error, if any, is a *Error
// listing every problem.
func Load(context map[string]any) (Config, error) {
	var problems []string
	raw := map[string]any{}
	for name, v := range context {
		if !strings.HasPrefix(name, Prefix) {
			continue
		}
		if lookup(strings.TrimPrefix(name, Prefix)) == nil {
			problems = append(problems, fmt.Sprintf("%s: unknown key%s; keys under %q are: %s",
				name, suggestion(name), Prefix, strings.Join(Keys(), ", ")))
			continue
		}
		raw[strings.TrimPrefix(name, Prefix)] = v
	}

	// Profile and name first: the other defaults derive from them.
	head := Config{Profile: ProfileDev, Name: DefaultName}
	for _, name := range []string{"profile", "name"} {
		if v, ok := raw[name]; ok {
			if err := lookup(name).set(&head, v); err != nil {
				problems = append(problems, fmt.Sprintf("%s%s: %v", Prefix, name, err))
			}
		}
	}
	profile := head.Profile
	if profile != ProfileDev && profile != ProfileProd {
		problems = append(problems, fmt.Sprintf("%sprofile: %q is not a profile; allowed: %s, %s", Prefix, profile, ProfileDev, ProfileProd))
		profile = ProfileDev // keep going so the other keys are checked too
	}
	c := defaults(profile, head.Name)

	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "profile" || name == "name" {
			continue
		}
		if err := lookup(name).set(&c, raw[name]); err != nil {
			problems = append(problems, fmt.Sprintf("%s%s: %v", Prefix, name, err))
		}
	}
	// In prod, one NAT gateway per AZ follows maxAzs unless set explicitly.
	if _, set := raw["natGateways"]; !set && c.Profile == ProfileProd {
		c.Network.NATGateways = c.Network.MaxAZs
	}
	c.Service.CPUArchitecture = strings.ToUpper(c.Service.CPUArchitecture)

	problems = append(problems, c.Validate()...)
	if len(problems) > 0 {
		return Config{}, &Error{Problems: problems}
	}
	return c, nil
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

// suggestion names a known key that differs from name only in case, the most
// common typo with -c on a command line.
func suggestion(name string) string {
	for _, k := range Keys() {
		if strings.EqualFold(k, name) {
			return fmt.Sprintf(" (did you mean %s?)", k)
		}
	}
	return ""
}

func setString(field func(*Config) *string) func(*Config, any) error {
	return func(c *Config, raw any) error {
		switch v := raw.(type) {
		case string:
			*field(c) = strings.TrimSpace(v)
			return nil
		case float64:
			// cdk.json may hold a version like 17.9 as a number.
			*field(c) = strconv.FormatFloat(v, 'f', -1, 64)
			return nil
		}
		return fmt.Errorf("%s is not a string", describe(raw))
	}
}

func setInt(field func(*Config) *int) func(*Config, any) error {
	return func(c *Config, raw any) error {
		switch v := raw.(type) {
		case float64:
			if v != math.Trunc(v) || math.Abs(v) > 1<<31 {
				return fmt.Errorf("%v is not a whole number", v)
			}
			*field(c) = int(v)
			return nil
		case string:
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%q is not a whole number", v)
			}
			*field(c) = n
			return nil
		}
		return fmt.Errorf("%s is not a whole number", describe(raw))
	}
}

func setBool(field func(*Config) *bool) func(*Config, any) error {
	return func(c *Config, raw any) error {
		switch v := raw.(type) {
		case bool:
			*field(c) = v
			return nil
		case string:
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%q is not a boolean; allowed: true, false", v)
			}
			*field(c) = b
			return nil
		}
		return fmt.Errorf("%s is not a boolean; allowed: true, false", describe(raw))
	}
}

func setMap(field func(*Config) *map[string]string) func(*Config, any) error {
	return func(c *Config, raw any) error {
		out := map[string]string{}
		switch v := raw.(type) {
		case map[string]any:
			for name, value := range v {
				s, ok := value.(string)
				if !ok {
					return fmt.Errorf("value of %s is %s; environment values must be strings", name, describe(value))
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
				out = m
			default:
				for _, pair := range strings.Split(s, ",") {
					name, value, ok := strings.Cut(pair, "=")
					if !ok {
						return fmt.Errorf("%q is not KEY=VALUE", pair)
					}
					out[strings.TrimSpace(name)] = value
				}
			}
		default:
			return fmt.Errorf("%s is not an object or KEY=VALUE list", describe(raw))
		}
		*field(c) = out
		return nil
	}
}

func setRoutes(c *Config, raw any) error {
	var items []string
	switch v := raw.(type) {
	case []any:
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return fmt.Errorf("route %s is not a string", describe(item))
			}
			items = append(items, s)
		}
	case string:
		s := strings.TrimSpace(v)
		if strings.HasPrefix(s, "[") {
			if err := json.Unmarshal([]byte(s), &items); err != nil {
				return fmt.Errorf("%q is not a JSON array of strings: %v", v, err)
			}
		} else if s != "" {
			items = strings.Split(s, ",")
		}
	default:
		return fmt.Errorf("%s is not a list of routes", describe(raw))
	}
	routes := make([]Route, 0, len(items))
	for _, item := range items {
		method, path, _ := strings.Cut(strings.TrimSpace(item), " ")
		routes = append(routes, Route{Method: method, Path: strings.TrimSpace(path)})
	}
	c.API.Routes = routes
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
