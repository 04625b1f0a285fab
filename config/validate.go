package config

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/example/fargate-api/constructs/rule"
	"github.com/example/fargate-api/stacks/settings"
)

var (
	reName     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,19}$`)
	reAccount  = regexp.MustCompile(`^[0-9]{12}$`)
	reECSName  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	reECRImage = regexp.MustCompile(`^[0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/`)
)

// NATFamilies returns the instance families allowed for NAT instances, each
// with its CPU architecture (ArchARM or ArchX86).
func NATFamilies() map[string]string { return settings.NATFamilies() }

// Validate checks every field and returns one message per problem, each
// naming the key, the value and what is allowed. Load runs the same checks;
// Validate is exported so a Config built in code can be checked too.
func (c Config) Validate() []string {
	return c.check(func(string) bool { return true }).render(nil, "")
}

// check runs every rule: each settings type's own (Validate), reported
// under the keys of its fields, and those that read more than one stack's
// settings. isSet tells whether the user set a key (rather than its profile
// supplying it), for the rules about defaults derived from other keys. A
// rule that reads a second key names it as a dependency, so that a problem
// with that key does not also produce a follow-on message here.
func (c Config) check(isSet func(key string) bool) problems {
	var p problems

	if !reName.MatchString(c.Name) {
		p.add("name", c.Name, "a letter followed by up to 19 letters or digits (it prefixes stack names)")
	}
	if (c.Account == "") != (c.Region == "") {
		p.add("account", c.Account, "account and region set together, or neither (environment-agnostic)", "region")
	}
	if c.Account != "" && !reAccount.MatchString(c.Account) {
		p.add("account", c.Account, "a 12-digit AWS account ID")
	}
	if c.Region != "" && !slices.Contains(awsRegions, c.Region) {
		p.add("region", c.Region, "a region aws-cdk-lib "+cdkLibVersion+"'s region-info knows"+closest(c.Region, awsRegions)+": "+strings.Join(awsRegions, ", "))
	}

	n := c.Network
	p.addSettings("Network", n.Validate())
	if n.MaxAZs > 2 && n.MaxAZs <= 6 && c.Account == "" {
		p.add("maxAzs", n.MaxAZs, "2 for environment-agnostic stacks; set account and region to span more AZs", "account")
	}
	if n.NATGateways == 0 {
		// Without a NAT gateway the tasks reach only what VPC endpoints serve:
		// ECR in this region.
		if m := reECRImage.FindStringSubmatch(c.Service.Image); c.Service.Image != "" && m == nil {
			p.add("image", c.Service.Image, "with natGateways=0, an image in private ECR (or empty to build sampleapi/): other registries are out of reach without internet egress", "natGateways")
		} else if m != nil && c.Region != "" && m[1] != c.Region {
			p.add("image", c.Service.Image, "with natGateways=0, an ECR image in the stacks' region ("+c.Region+"): VPC endpoints serve only their own region", "natGateways", "region")
		}
	}

	p.checkEngine(c)
	p.addSettings("Database", c.Database.Validate())

	s := c.Service
	// By default the cluster and the family are named after app:name; a bad
	// name is reported once, as itself.
	var fromName []string
	if !isSet("clusterName") {
		fromName = []string{"name"}
	}
	p.ecsName("clusterName", s.ClusterName, "", fromName...)
	fromName = nil
	if !isSet("taskFamily") {
		fromName = []string{"name"}
	}
	p.ecsName("taskFamily", s.TaskFamily, "", fromName...)
	// The container's log streams are named streamPrefix/containerName/taskID
	// with the container name as the prefix, and CloudWatch Logs caps stream
	// names at 512 characters.
	p.ecsName("containerName", s.ContainerName, streamLimit)
	p.addSettings("Service", s.Validate())

	p.addSettings("API", c.API.Validate())
	if r := c.API.CertificateRegion(); r != "" && c.Region != "" && r != c.Region {
		p.add("certificateArn", c.API.CertificateARN, "a certificate in the stacks' region ("+c.Region+"): a regional API domain needs one from its own region", "region")
	}

	p.addSettings("Monitoring", c.Monitoring.Validate())
	p.addSettings("CI", c.CI.Validate())
	// Free storage at or above the most the instance can have never clears
	// the alarm: with autoscaling that is dbMaxAllocatedStorage, without it
	// dbAllocatedStorage.
	d, m := c.Database, c.Monitoring
	ceiling, ceilingKey := d.AllocatedStorageGiB, "dbAllocatedStorage"
	if d.MaxAllocatedStorageGiB != 0 {
		ceiling, ceilingKey = d.MaxAllocatedStorageGiB, "dbMaxAllocatedStorage"
	}
	if m.DBFreeStorageGiB < 1 || m.DBFreeStorageGiB >= ceiling {
		p.add("alarmDbFreeStorageGiB", m.DBFreeStorageGiB, fmt.Sprintf("1 to %d GiB, below %s (%d GiB): the database never has more free storage than that", ceiling-1, ceilingKey, ceiling), "dbAllocatedStorage", "dbMaxAllocatedStorage")
	}
	return p
}

// addSettings adds the problems a settings type found, under the keys that
// set its fields; area is the Config field that holds it. The fields a
// problem depends on become the keys it is reported after.
func (p *problems) addSettings(area string, found []rule.Problem) {
	name := func(field string) string {
		if k, ok := settingKey(area, field); ok {
			return k
		}
		return "{" + field + "}" // braces in the text itself, e.g. {id}
	}
	for _, prob := range found {
		var after []string
		for _, f := range prob.Refs() {
			if k, ok := settingKey(area, f); ok {
				after = append(after, k)
			}
		}
		k, ok := settingKey(area, prob.Field)
		if !ok {
			k = prob.Field
		}
		p.add(k, prob.Value, prob.AllowedAs(name), after...)
	}
}

// settingKey returns the name of the key that sets the field named field
// (e.g. "MemoryMiB" → "memory", or a dotted path) of the settings in
// Config's field area.
func settingKey(area, field string) (string, bool) {
	t := reflect.TypeFor[Config]()
	f, ok := t.FieldByName(area)
	if !ok {
		return "", false
	}
	index, t := f.Index, f.Type
	for _, name := range strings.Split(field, ".") {
		if t.Kind() != reflect.Struct {
			return "", false
		}
		if f, ok = t.FieldByName(name); !ok {
			return "", false
		}
		index, t = append(slices.Clone(index), f.Index...), f.Type
	}
	for _, k := range keys {
		if slices.Equal(k.index, index) {
			return k.name, true
		}
	}
	return "", false
}

// ecsName checks an ECS name (cluster, task family, container): letters,
// digits, hyphens and underscores, at most 255 of them, or fewer for a name
// that also names log streams (limit streamLimit).
func (p *problems) ecsName(key, name string, limit string, after ...string) {
	max := 255
	if limit == streamLimit {
		max = maxContainerName
	}
	switch {
	case !reECSName.MatchString(name):
		p.add(key, name, fmt.Sprintf("1 to %d letters, digits, hyphens or underscores", max), after...)
	case len(name) > max:
		p.add(key, name, fmt.Sprintf("at most %d characters (this one has %d): its awslogs stream names, %s, must fit CloudWatch Logs' %d characters", max, len(name), "name/name/<32-character task ID>", maxStreamName), after...)
	}
}

func quote(v any) string { return rule.Quote(v) }

func joinInts(xs []int) string { return rule.JoinInts(xs) }
