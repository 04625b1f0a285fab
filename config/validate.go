package config

import (
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/example/fargate-api/constructs/fargate"
)

// retentionDays are the values CloudWatch Logs accepts for a log group.
var retentionDays = fargate.RetentionDays

// routeMethods are the methods an HTTP API route key accepts.
var routeMethods = []string{"ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// reservedEnvironment are set by the service stack itself; user values would
// silently break the database connection or the listening port.
var reservedEnvironment = []string{"PORT", "DB_HOST", "DB_PORT", "DB_NAME", "DB_SSLMODE", "DB_USERNAME", "DB_PASSWORD", "DB_AUTH", "DB_RUNTIME_USERNAME"}

var (
	reName        = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,19}$`)
	reAccount     = regexp.MustCompile(`^[0-9]{12}$`)
	reECSName     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	reDBName      = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,62}$`)
	reStage       = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	reEnvName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,254}$`)
	rePathLiteral = regexp.MustCompile(`^[A-Za-z0-9._~:@!$&'()*,;=-]+$`)
	rePathParam   = regexp.MustCompile(`^\{([A-Za-z0-9_.-]+)(\+?)\}$`)
	reECRImage    = regexp.MustCompile(`^[0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/`)
	reEmail       = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$`)
	reOrigin      = regexp.MustCompile(`^https?://[a-z0-9*]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$`)
	reHeader      = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+.^_|~-]+$`)
	reDomain      = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	reCertificate = regexp.MustCompile(`^arn:aws[a-z-]*:acm:([a-z0-9-]+):[0-9]{12}:certificate/[0-9a-f-]{36}$`)
	reZoneID      = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	reImageRef    = regexp.MustCompile(`^` + imageName + `(?::` + imageTag + `)?(?:@` + imageDigest + `)?$`)
	imageDomain   = `(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?`
	imagePathPart = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
	imageName     = imageDomain + imagePathPart + `(?:/` + imagePathPart + `)*`
	imageTag      = `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
	imageDigest   = `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`
	reNATInstance = regexp.MustCompile(`^([a-z][a-z0-9]*)\.(nano|micro|small|medium|large|xlarge|[0-9]{1,2}xlarge)$`)
)

// natFamilies are the EC2 families a NAT instance may come from, with their
// CPU architecture, which chooses the Amazon Linux 2023 image (arm64 for
// Graviton, x86_64 otherwise): current-generation general-purpose and
// compute families without instance store, which automatic recovery
// requires. A test checks each architecture against the one aws-cdk-lib
// derives from the type.
var natFamilies = map[string]string{
	"t3": ArchX86, "t3a": ArchX86, "c5": ArchX86, "c5n": ArchX86, "c6i": ArchX86, "c6in": ArchX86, "c7i": ArchX86,
	"m5": ArchX86, "m6i": ArchX86, "m7i": ArchX86,
	"t4g": ArchARM, "c6g": ArchARM, "c6gn": ArchARM, "c7g": ArchARM, "c7gn": ArchARM, "c8g": ArchARM,
	"m6g": ArchARM, "m7g": ArchARM, "m8g": ArchARM,
}

// NATFamilies returns the instance families allowed for NAT instances, each
// with its CPU architecture (ArchARM or ArchX86).
func NATFamilies() map[string]string { return maps.Clone(natFamilies) }

// Validate checks every field and returns one message per problem, each
// naming the key, the value and what is allowed. Load runs the same checks;
// Validate is exported so a Config built in code can be checked too.
func (c Config) Validate() []string {
	return c.check(func(string) bool { return true }).render(nil, "")
}

// check runs every rule. isSet tells whether the user set a key (rather than
// its profile supplying it), for the rules about defaults derived from other
// keys. A rule that reads a second key names it as a dependency, so that a
// problem with that key does not also produce a follow-on message here.
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
	switch {
	case n.MaxAZs < 2 || n.MaxAZs > 6:
		p.add("maxAzs", n.MaxAZs, "2 to 6 (the service and a Multi-AZ database need at least 2)")
	case n.MaxAZs > 2 && c.Account == "":
		p.add("maxAzs", n.MaxAZs, "2 for environment-agnostic stacks; set account and region to span more AZs", "account")
	}
	if n.NATGateways < 0 || n.NATGateways > n.MaxAZs {
		p.add("natGateways", n.NATGateways, fmt.Sprintf("0 (VPC endpoints, no internet egress) to maxAzs (%d): at most one NAT gateway or NAT instance per AZ", n.MaxAZs), "maxAzs")
	}
	switch {
	case n.NATProvider != NATGateway && n.NATProvider != NATInstance:
		p.add("natProvider", n.NATProvider, NATGateway+" (managed NAT gateways) or "+NATInstance+" (NAT instances)")
	case n.NATProvider == NATInstance && n.NATGateways == 0:
		p.add("natProvider", n.NATProvider, "with natGateways=0 there is no NAT to provide: leave natProvider unset, or set natGateways to 1..maxAzs NAT instances", "natGateways")
	}
	p.checkNATInstanceType(n.NATInstanceType)
	if n.NATGateways == 0 {
		// Without a NAT gateway the tasks reach only what VPC endpoints serve:
		// ECR in this region.
		if m := reECRImage.FindStringSubmatch(c.Service.Image); c.Service.Image != "" && m == nil {
			p.add("image", c.Service.Image, "with natGateways=0, an image in private ECR (or empty to build sampleapi/): other registries are out of reach without internet egress", "natGateways")
		} else if m != nil && c.Region != "" && m[1] != c.Region {
			p.add("image", c.Service.Image, "with natGateways=0, an ECR image in the stacks' region ("+c.Region+"): VPC endpoints serve only their own region", "natGateways", "region")
		}
	}
	p.retention("flowLogRetentionDays", n.FlowLogRetentionDays)

	d := c.Database
	p.checkEngine(c)
	if d.AllocatedStorageGiB < 20 || d.AllocatedStorageGiB > 65536 {
		p.add("dbAllocatedStorage", d.AllocatedStorageGiB, "20 to 65536 GiB (gp3)")
	}
	if d.MaxAllocatedStorageGiB != 0 && (d.MaxAllocatedStorageGiB*10 < d.AllocatedStorageGiB*11 || d.MaxAllocatedStorageGiB > 65536) {
		p.add("dbMaxAllocatedStorage", d.MaxAllocatedStorageGiB, fmt.Sprintf("0 (no storage autoscaling) or at least 10%% above dbAllocatedStorage (%d) and at most 65536", d.AllocatedStorageGiB), "dbAllocatedStorage")
	}
	if d.BackupRetentionDays < 1 || d.BackupRetentionDays > 35 {
		p.add("dbBackupRetentionDays", d.BackupRetentionDays, "1 to 35 days (automated backups cannot be turned off here)")
	}
	if !reDBName.MatchString(d.Name) || slices.Contains([]string{"postgres", "template0", "template1", "rdsadmin"}, strings.ToLower(d.Name)) {
		p.add("dbName", d.Name, "a letter followed by up to 62 letters, digits or underscores, not postgres, template0, template1 or rdsadmin")
	}
	p.retention("dbLogRetentionDays", d.LogRetentionDays)

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
	if s.Image != "" && (len(s.Image) > 255+72 || !reImageRef.MatchString(s.Image)) {
		p.add("image", s.Image, "an image reference [registry[:port]/]repository[:tag][@sha256:digest] with a lower-case repository, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1.4.2 or nginx:1.27; or empty to build sampleapi/")
	}
	if mc := strings.TrimSpace(s.MigrationCommand); mc == "" || len(mc) > 1024 || strings.ContainsAny(mc, "\n\r\t") {
		p.add("migrationCommand", s.MigrationCommand, "the migration task's arguments separated by spaces (e.g. migrate), or none to turn the migration task off")
	}
	for _, name := range sortedKeys(s.Environment) {
		switch {
		case !reEnvName.MatchString(name):
			p.add("environment", name, "variable names of letters, digits and underscores, not starting with a digit")
		case slices.Contains(reservedEnvironment, name):
			p.add("environment", name, "a name other than "+strings.Join(reservedEnvironment, ", ")+" (the stack sets those)")
		case strings.HasPrefix(name, "AWS_") || strings.HasPrefix(name, "ECS_"):
			p.add("environment", name, "a name not starting with AWS_ or ECS_ (reserved by ECS and the AWS SDKs)")
		}
	}
	// The service's own rules live with its settings; they report here
	// under the keys that set each field.
	for _, prob := range s.Settings.Validate() {
		p.addSetting(prob)
	}

	a := c.API
	if len(a.Routes) == 0 {
		p.add("routes", "", `at least one route such as "ANY /{proxy+}"`)
	}
	seen := map[string]bool{}
	for _, r := range a.Routes {
		if msg := checkRoute(r); msg != "" {
			p.add("routes", r.String(), msg)
		} else if seen[r.String()] {
			p.add("routes", r.String(), "each route once")
		}
		seen[r.String()] = true
	}
	if !reStage.MatchString(a.StageName) {
		p.add("stageName", a.StageName, "1 to 128 letters, digits, hyphens or underscores (a named stage; $default is not used)")
	}
	if a.ThrottleRateLimit < 1 || a.ThrottleRateLimit > 10000 {
		p.add("throttleRateLimit", a.ThrottleRateLimit, "1 to 10000 requests per second (the default account quota)")
	}
	if a.ThrottleBurstLimit < 1 || a.ThrottleBurstLimit > 5000 {
		p.add("throttleBurstLimit", a.ThrottleBurstLimit, "1 to 5000 requests (the default account quota)")
	}
	p.retention("accessLogRetentionDays", a.AccessLogRetentionDays)
	p.checkAuth(a)
	p.checkCORS(a)
	p.checkDomain(c)

	m := c.Monitoring
	if m.AlarmEmail != "" && !reEmail.MatchString(m.AlarmEmail) {
		p.add("alarmEmail", m.AlarmEmail, "an e-mail address such as oncall@example.com, or empty")
	}
	p.between("alarmApi5xxPercent", m.API5xxPercent, 1, 100, "%")
	p.between("alarmApiLatencyP99Ms", m.APILatencyP99Ms, 1, 30000, "ms (API Gateway times out at 30 s)")
	p.between("alarmTarget5xxPerMinute", m.Target5xxPerMinute, 1, 100000, "responses per minute")
	p.between("alarmTargetResponseP99Ms", m.TargetResponseP99Ms, 1, 60000, "ms")
	p.between("alarmServiceCpuPercent", m.ServiceCPUPercent, 1, 100, "%")
	p.between("alarmServiceMemoryPercent", m.ServiceMemoryPercent, 1, 100, "%")
	p.between("alarmDbCpuPercent", m.DBCPUPercent, 1, 100, "%")
	// Free storage at or above the most the instance can have never clears
	// the alarm: with autoscaling that is dbMaxAllocatedStorage, without it
	// dbAllocatedStorage.
	ceiling, ceilingKey := d.AllocatedStorageGiB, "dbAllocatedStorage"
	if d.MaxAllocatedStorageGiB != 0 {
		ceiling, ceilingKey = d.MaxAllocatedStorageGiB, "dbMaxAllocatedStorage"
	}
	if m.DBFreeStorageGiB < 1 || m.DBFreeStorageGiB >= ceiling {
		p.add("alarmDbFreeStorageGiB", m.DBFreeStorageGiB, fmt.Sprintf("1 to %d GiB, below %s (%d GiB): the database never has more free storage than that", ceiling-1, ceilingKey, ceiling), "dbAllocatedStorage", "dbMaxAllocatedStorage")
	}
	p.between("alarmDbConnections", m.DBConnections, 1, 100000, "connections")

	return p
}

// checkNATInstanceType accepts family.size of a family in natFamilies, in a
// size that family has: nano to small only in the burstable t families,
// medium also in the Graviton ones.
func (p *problems) checkNATInstanceType(t string) {
	m := reNATInstance.FindStringSubmatch(t)
	if m == nil || natFamilies[m[1]] == "" {
		p.add("natInstanceType", t, "an EC2 instance type such as t4g.nano (Graviton, arm64 image) or t3.nano (x86_64 image) from the families "+natFamilyList())
		return
	}
	family, size := m[1], m[2]
	burstable := strings.HasPrefix(family, "t")
	switch {
	case (size == "nano" || size == "micro" || size == "small") && !burstable:
		p.add("natInstanceType", t, "nano, micro and small sizes only in the burstable t3, t3a and t4g families")
	case size == "medium" && !burstable && natFamilies[family] != ArchARM:
		p.add("natInstanceType", t, "medium only in the t families and the Graviton families; "+family+" starts at large")
	}
}

func natFamilyList() string {
	var arm, x86 []string
	for _, f := range sortedKeys(natFamilies) {
		if natFamilies[f] == ArchARM {
			arm = append(arm, f)
		} else {
			x86 = append(x86, f)
		}
	}
	return strings.Join(arm, ", ") + " (arm64) and " + strings.Join(x86, ", ") + " (x86_64)"
}

func (p *problems) checkAuth(a API) {
	if a.JWTIssuer == "" {
		if len(a.JWTAudience) > 0 {
			p.add("jwtAudience", strings.Join(a.JWTAudience, ","), "empty unless jwtIssuer is set", "jwtIssuer")
		}
		if len(a.PublicRoutes) > 0 {
			p.add("publicRoutes", routeList(a.PublicRoutes), "empty unless jwtIssuer is set (without an authorizer every route is public)", "jwtIssuer")
		}
		return
	}
	if u, err := url.Parse(a.JWTIssuer); err != nil || u.Scheme != "https" || u.Host == "" {
		p.add("jwtIssuer", a.JWTIssuer, "an https URL such as https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf or https://example.auth0.com/")
	}
	if len(a.JWTAudience) == 0 || slices.Contains(a.JWTAudience, "") {
		p.add("jwtAudience", strings.Join(a.JWTAudience, ","), "one or more non-empty audiences (client IDs) when jwtIssuer is set", "jwtIssuer")
	}
	for _, r := range a.PublicRoutes {
		if !slices.Contains(a.Routes, r) {
			p.add("publicRoutes", r.String(), "routes listed in app:routes ("+routeList(a.Routes)+")", "routes", "jwtIssuer")
		}
	}
}

func (p *problems) checkCORS(a API) {
	for _, o := range a.CORSAllowOrigins {
		if o != "*" && !reOrigin.MatchString(o) {
			p.add("corsAllowOrigins", o, "* or origins such as https://app.example.com or http://localhost:3000 (scheme, host, optional port; no path)")
		}
	}
	for _, m := range a.CORSAllowMethods {
		if m != "*" && !slices.Contains(routeMethods[1:], m) {
			p.add("corsAllowMethods", m, "* or methods among "+strings.Join(routeMethods[1:], ", "))
		}
	}
	for _, h := range a.CORSAllowHeaders {
		if h != "*" && !reHeader.MatchString(h) {
			p.add("corsAllowHeaders", h, "* or header names such as content-type")
		}
	}
	p.between("corsMaxAgeSeconds", a.CORSMaxAgeSeconds, 0, 86400, "seconds")
	if len(a.CORSAllowOrigins) == 0 {
		return
	}
	// API Gateway answers a preflight itself only when no route matches
	// OPTIONS; an OPTIONS route would get the browser's token-less preflight.
	// (ANY routes are split into explicit methods for the same reason.)
	for _, r := range a.Routes {
		if r.Method == "OPTIONS" {
			p.add("routes", r.String(), "no OPTIONS route while corsAllowOrigins is set: API Gateway answers CORS preflight requests itself only when no route matches OPTIONS")
		}
	}
	// The browser sends the JWT in Authorization, which a preflight answer
	// must list by name: the Fetch standard keeps it out of the * wildcard.
	if a.JWTIssuer != "" && !slices.ContainsFunc(a.CORSAllowHeaders, func(h string) bool { return strings.EqualFold(h, "authorization") }) {
		p.add("corsAllowHeaders", strings.Join(a.CORSAllowHeaders, ","), "a list that names authorization while jwtIssuer and corsAllowOrigins are set: browsers send the token in that header, and * does not cover it")
	}
}

func (p *problems) checkDomain(c Config) {
	a := c.API
	if a.DomainName == "" {
		for _, kv := range [][2]string{{"certificateArn", a.CertificateARN}, {"hostedZoneId", a.HostedZoneID}, {"hostedZoneName", a.HostedZoneName}} {
			if kv[1] != "" {
				p.add(kv[0], kv[1], "empty unless domainName is set", "domainName")
			}
		}
		return
	}
	if len(a.DomainName) > 253 || !reDomain.MatchString(a.DomainName) {
		p.add("domainName", a.DomainName, "a lower-case DNS name of at most 253 characters such as api.example.com")
	} else if a.HostedZoneID != "" && a.CertificateARN == "" && len(a.DomainName) > maxCertificateName {
		// The app requests the certificate with domainName as its first
		// (common) name, which ACM caps at 64 octets (RFC 5280).
		p.add("domainName", a.DomainName, fmt.Sprintf("with hostedZoneId (the app requests an ACM certificate for it), at most %d characters (ACM's limit on a certificate's first domain name; this one has %d); for a longer name, bring your own certificate with certificateArn", maxCertificateName, len(a.DomainName)), "hostedZoneId")
	}
	switch {
	case (a.CertificateARN == "") == (a.HostedZoneID == ""):
		p.add("domainName", a.DomainName, "exactly one of certificateArn (an existing certificate) or hostedZoneId with hostedZoneName (create and validate one)", "certificateArn", "hostedZoneId")
	case a.CertificateARN != "":
		m := reCertificate.FindStringSubmatch(a.CertificateARN)
		if m == nil {
			p.add("certificateArn", a.CertificateARN, "an ACM certificate ARN arn:aws:acm:REGION:ACCOUNT:certificate/ID")
		} else if c.Region != "" && m[1] != c.Region {
			p.add("certificateArn", a.CertificateARN, "a certificate in the stacks' region ("+c.Region+"): a regional API domain needs one from its own region", "region")
		}
		if a.HostedZoneName != "" {
			p.add("hostedZoneName", a.HostedZoneName, "empty with certificateArn (no DNS record is created; point your DNS at the output target)", "certificateArn")
		}
	default:
		if !reZoneID.MatchString(a.HostedZoneID) {
			p.add("hostedZoneId", a.HostedZoneID, "a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ")
		}
		zone := strings.TrimSuffix(a.HostedZoneName, ".")
		if zone == "" || len(zone) > 253 || !reDomain.MatchString(zone) {
			p.add("hostedZoneName", a.HostedZoneName, "the zone's DNS name, such as example.com, with hostedZoneId", "hostedZoneId")
		} else if a.DomainName != zone && !strings.HasSuffix(a.DomainName, "."+zone) {
			p.add("domainName", a.DomainName, "a name inside hostedZoneName ("+zone+")", "hostedZoneName")
		}
	}
}

func routeList(routes []Route) string {
	parts := make([]string, len(routes))
	for i, r := range routes {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}

// checkRoute returns what is wrong with a route, or "".
func checkRoute(r Route) string {
	if !slices.Contains(routeMethods, r.Method) {
		return `"METHOD /path" with METHOD one of ` + strings.Join(routeMethods, ", ")
	}
	if r.Path == "/" {
		return ""
	}
	if !strings.HasPrefix(r.Path, "/") || strings.HasSuffix(r.Path, "/") || strings.Contains(r.Path, " ") {
		return `"METHOD /path" with a path that starts with / and has no trailing / or spaces`
	}
	params := map[string]bool{}
	segments := strings.Split(r.Path[1:], "/")
	for i, seg := range segments {
		if m := rePathParam.FindStringSubmatch(seg); m != nil {
			if m[2] == "+" && i != len(segments)-1 {
				return "a greedy parameter such as {proxy+} only as the last path segment"
			}
			if params[m[1]] {
				return "each path parameter name once"
			}
			params[m[1]] = true
			continue
		}
		if seg == "" || !rePathLiteral.MatchString(seg) {
			return "path segments that are literals (letters, digits, . _ ~ - and the like) or whole parameters such as {id} or {proxy+}"
		}
	}
	return ""
}

// addSetting adds a problem of the service's fargate.Settings under the
// key that sets its field; the other fields its rule names ({Field}) are
// the keys it depends on.
func (p *problems) addSetting(prob fargate.Problem) {
	var after []string
	for _, m := range reSettingRef.FindAllStringSubmatch(prob.Allowed, -1) {
		after = append(after, settingKey(m[1]))
	}
	allowed := reSettingRef.ReplaceAllStringFunc(prob.Allowed, func(m string) string { return settingKey(m[1 : len(m)-1]) })
	p.add(settingKey(prob.Field), prob.Value, allowed, after...)
}

var reSettingRef = regexp.MustCompile(`\{([A-Za-z.]+)\}`)

func (p *problems) retention(key string, days int) {
	if !slices.Contains(retentionDays, days) {
		p.add(key, days, "one of "+joinInts(retentionDays)+" days (CloudWatch Logs retention values)")
	}
}

func (p *problems) between(key string, v, lo, hi int, unit string) {
	if v < lo || v > hi {
		p.add(key, v, fmt.Sprintf("%d to %d %s", lo, hi, unit))
	}
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

// settingKey returns the name of the key that sets the fargate.Settings field
// named field (e.g. "MemoryMiB" → "memory"), found through the keys table,
// or field itself if no key sets it.
func settingKey(field string) string {
	var c Config
	v := reflect.ValueOf(&c.Service.Settings).Elem()
	for _, name := range strings.Split(field, ".") {
		if v.Kind() != reflect.Struct {
			return field
		}
		if v = v.FieldByName(name); !v.IsValid() {
			return field
		}
	}
	target := v.Addr().Interface()
	for _, k := range keys {
		if k.field(&c) == target {
			return k.name
		}
	}
	return field
}

func quote(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
