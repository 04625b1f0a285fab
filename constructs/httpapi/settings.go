// Package httpapi holds the plain settings of an API Gateway HTTP API in
// front of a private load balancer (appconstructs.PrivateHTTPAPI): routes,
// stage, throttling, access logs, JWT authorizer, CORS and custom domain,
// with their defaults and rules. It imports no CDK, so the configuration
// package holds Settings directly and checks them in milliseconds.
package httpapi

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/example/fargate-api/constructs/rule"
)

// Route is one HTTP API route: a method (or ANY) and a path that may hold
// {param} segments and a final greedy {proxy+}.
type Route struct {
	Method string
	Path   string
}

// String renders the route the way API Gateway writes route keys.
func (r Route) String() string { return r.Method + " " + r.Path }

// UnmarshalText reads "METHOD /path"; Validate judges the result.
func (r *Route) UnmarshalText(text []byte) error {
	method, path, _ := strings.Cut(strings.TrimSpace(string(text)), " ")
	*r = Route{Method: method, Path: strings.TrimSpace(path)}
	return nil
}

// Settings are the plain (non-CDK) settings of the HTTP API. Start from
// Defaults(): a zero field is taken as it is.
type Settings struct {
	// Routes are the routes the API forwards to the load balancer.
	Routes []Route `default:"ANY /{proxy+}" key:"routes" doc:"HTTP API routes: JSON array or comma-separated \"METHOD /path\" strings."`
	// StageName is the named stage in the invoke URL, e.g. "prod" or "v1".
	StageName string `default:"prod" key:"stageName" doc:"Named API stage that prefixes the invoke URL, e.g. prod or v1."`
	// ThrottleRateLimit (requests per second) and ThrottleBurstLimit are the
	// stage's default route throttling.
	ThrottleRateLimit  int `default:"100" key:"throttleRateLimit" doc:"Stage default steady-state request rate limit (requests per second)."`
	ThrottleBurstLimit int `default:"200" key:"throttleBurstLimit" doc:"Stage default burst limit (requests)."`
	// AccessLogRetentionDays is how long the stage's access logs are kept.
	AccessLogRetentionDays int `default:"14" key:"accessLogRetentionDays" doc:"Retention of the API access logs, in days."`

	// JWTIssuer turns on a JWT authorizer for every route not in
	// PublicRoutes; JWTAudience lists the accepted "aud" values.
	JWTIssuer    string   `key:"jwtIssuer" doc:"Issuer URL (https) of a JWT authorizer on every route not in publicRoutes; empty: no authorizer."`
	JWTAudience  []string `key:"jwtAudience" doc:"Accepted JWT audiences (list); required with jwtIssuer."`
	PublicRoutes []Route  `key:"publicRoutes" doc:"Routes (from routes) that stay open when jwtIssuer is set."`

	// CORSAllowOrigins turns CORS on when not empty; each ANY route is then
	// created as one route per method but OPTIONS, so that API Gateway
	// answers preflight requests itself.
	CORSAllowOrigins  []string `key:"corsAllowOrigins" doc:"CORS allowed origins (list, e.g. https://app.example.com); empty: CORS off."`
	CORSAllowMethods  []string `default:"GET,POST,PUT,PATCH,DELETE" key:"corsAllowMethods" doc:"CORS allowed methods (list)."`
	CORSAllowHeaders  []string `default:"content-type,authorization" key:"corsAllowHeaders" doc:"CORS allowed request headers (list)."`
	CORSMaxAgeSeconds int      `default:"600" key:"corsMaxAgeSeconds" doc:"How long browsers may cache a CORS preflight answer."`

	// DomainName maps the stage to a custom domain, with the ACM certificate
	// CertificateARN (DNS is then up to the caller), or with a certificate
	// created and DNS-validated in the Route 53 hosted zone
	// HostedZoneID/HostedZoneName (which also gets the alias record).
	DomainName     string `key:"domainName" doc:"Custom domain for the API stage, e.g. api.example.com; empty: none."`
	CertificateARN string `key:"certificateArn" doc:"ACM certificate (same region) for domainName; or use hostedZoneId."`
	HostedZoneID   string `key:"hostedZoneId" doc:"Route 53 zone in which to create and validate a certificate and the alias record for domainName."`
	HostedZoneName string `key:"hostedZoneName" doc:"Name of hostedZoneId's zone, e.g. example.com."`
}

// Defaults returns the settings every `default` tag declares.
func Defaults() Settings {
	var s Settings
	rule.SetDefaults(&s)
	return s
}

// CORS reports whether the API answers CORS preflight requests.
func (s Settings) CORS() bool { return len(s.CORSAllowOrigins) > 0 }

// RouteMethods are the methods an HTTP API route key accepts.
var RouteMethods = []string{"ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// maxCertificateName is ACM's limit on a certificate's first domain name
// (its common name, RFC 5280): 64 octets. Further names may have 253.
const maxCertificateName = 64

var (
	reStage       = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	rePathLiteral = regexp.MustCompile(`^[A-Za-z0-9._~:@!$&'()*,;=-]+$`)
	rePathParam   = regexp.MustCompile(`^\{([A-Za-z0-9_.-]+)(\+?)\}$`)
	reOrigin      = regexp.MustCompile(`^https?://[a-z0-9*]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$`)
	reHeader      = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+.^_|~-]+$`)
	reDomain      = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	reCertificate = regexp.MustCompile(`^arn:aws[a-z-]*:acm:([a-z0-9-]+):[0-9]{12}:certificate/[0-9a-f-]{36}$`)
	reZoneID      = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
)

// CertificateRegion is the region of CertificateARN when a custom domain
// uses it, or "".
func (s Settings) CertificateRegion() string {
	if s.DomainName == "" || s.HostedZoneID != "" {
		return ""
	}
	if m := reCertificate.FindStringSubmatch(s.CertificateARN); m != nil {
		return m[1]
	}
	return ""
}

// Validate returns one Problem per invalid field of s, in field order.
func (s Settings) Validate() []rule.Problem {
	var p rule.Problems
	if len(s.Routes) == 0 {
		p.Add("Routes", "", `at least one route such as "ANY /{proxy+}"`)
	}
	seen := map[string]bool{}
	for _, r := range s.Routes {
		if msg := checkRoute(r); msg != "" {
			p.Add("Routes", r.String(), msg)
		} else if seen[r.String()] {
			p.Add("Routes", r.String(), "each route once")
		}
		seen[r.String()] = true
	}
	if !reStage.MatchString(s.StageName) {
		p.Add("StageName", s.StageName, "1 to 128 letters, digits, hyphens or underscores (a named stage; $default is not used)")
	}
	p.Between("ThrottleRateLimit", s.ThrottleRateLimit, 1, 10000, "requests per second (the default account quota)")
	p.Between("ThrottleBurstLimit", s.ThrottleBurstLimit, 1, 5000, "requests (the default account quota)")
	p.Retention("AccessLogRetentionDays", s.AccessLogRetentionDays)
	s.checkAuth(&p)
	s.checkCORS(&p)
	s.checkDomain(&p)
	return p
}

func (s Settings) checkAuth(p *rule.Problems) {
	if s.JWTIssuer == "" {
		if len(s.JWTAudience) > 0 {
			p.Add("JWTAudience", strings.Join(s.JWTAudience, ","), "empty unless {JWTIssuer} is set")
		}
		if len(s.PublicRoutes) > 0 {
			p.Add("PublicRoutes", routeList(s.PublicRoutes), "empty unless {JWTIssuer} is set (without an authorizer every route is public)")
		}
		return
	}
	if u, err := url.Parse(s.JWTIssuer); err != nil || u.Scheme != "https" || u.Host == "" {
		p.Add("JWTIssuer", s.JWTIssuer, "an https URL such as https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf or https://example.auth0.com/")
	}
	if len(s.JWTAudience) == 0 || slices.Contains(s.JWTAudience, "") {
		p.Add("JWTAudience", strings.Join(s.JWTAudience, ","), "one or more non-empty audiences (client IDs) when {JWTIssuer} is set")
	}
	for _, r := range s.PublicRoutes {
		if !slices.Contains(s.Routes, r) {
			p.AddAfter([]string{"Routes", "JWTIssuer"}, "PublicRoutes", r.String(), "routes listed in app:{Routes} ("+routeList(s.Routes)+")")
		}
	}
}

func (s Settings) checkCORS(p *rule.Problems) {
	for _, o := range s.CORSAllowOrigins {
		if o != "*" && !reOrigin.MatchString(o) {
			p.Add("CORSAllowOrigins", o, "* or origins such as https://app.example.com or http://localhost:3000 (scheme, host, optional port; no path)")
		}
	}
	for _, m := range s.CORSAllowMethods {
		if m != "*" && !slices.Contains(RouteMethods[1:], m) {
			p.Add("CORSAllowMethods", m, "* or methods among "+strings.Join(RouteMethods[1:], ", "))
		}
	}
	for _, h := range s.CORSAllowHeaders {
		if h != "*" && !reHeader.MatchString(h) {
			p.Add("CORSAllowHeaders", h, "* or header names such as content-type")
		}
	}
	p.Between("CORSMaxAgeSeconds", s.CORSMaxAgeSeconds, 0, 86400, "seconds")
	if !s.CORS() {
		return
	}
	// API Gateway answers a preflight itself only when no route matches
	// OPTIONS; an OPTIONS route would get the browser's token-less preflight.
	// (ANY routes are split into explicit methods for the same reason.)
	for _, r := range s.Routes {
		if r.Method == "OPTIONS" {
			p.AddAfter(nil, "Routes", r.String(), "no OPTIONS route while {CORSAllowOrigins} is set: API Gateway answers CORS preflight requests itself only when no route matches OPTIONS")
		}
	}
	// The browser sends the JWT in Authorization, which a preflight answer
	// must list by name: the Fetch standard keeps it out of the * wildcard.
	if s.JWTIssuer != "" && !slices.ContainsFunc(s.CORSAllowHeaders, func(h string) bool { return strings.EqualFold(h, "authorization") }) {
		p.AddAfter(nil, "CORSAllowHeaders", strings.Join(s.CORSAllowHeaders, ","), "a list that names authorization while {JWTIssuer} and {CORSAllowOrigins} are set: browsers send the token in that header, and * does not cover it")
	}
}

func (s Settings) checkDomain(p *rule.Problems) {
	if s.DomainName == "" {
		for _, f := range []struct{ field, value string }{{"CertificateARN", s.CertificateARN}, {"HostedZoneID", s.HostedZoneID}, {"HostedZoneName", s.HostedZoneName}} {
			if f.value != "" {
				p.Add(f.field, f.value, "empty unless {DomainName} is set")
			}
		}
		return
	}
	if len(s.DomainName) > 253 || !reDomain.MatchString(s.DomainName) {
		p.Add("DomainName", s.DomainName, "a lower-case DNS name of at most 253 characters such as api.example.com")
	} else if s.HostedZoneID != "" && s.CertificateARN == "" && len(s.DomainName) > maxCertificateName {
		// The certificate is requested with DomainName as its first
		// (common) name, which ACM caps at 64 octets (RFC 5280).
		p.AddAfter([]string{"HostedZoneID"}, "DomainName", s.DomainName, fmt.Sprintf("with {HostedZoneID} (the app requests an ACM certificate for it), at most %d characters (ACM's limit on a certificate's first domain name; this one has %d); for a longer name, bring your own certificate with {CertificateARN}", maxCertificateName, len(s.DomainName)))
	}
	switch {
	case (s.CertificateARN == "") == (s.HostedZoneID == ""):
		p.AddAfter([]string{"CertificateARN", "HostedZoneID"}, "DomainName", s.DomainName, "exactly one of {CertificateARN} (an existing certificate) or {HostedZoneID} with {HostedZoneName} (create and validate one)")
	case s.CertificateARN != "":
		// The certificate's region against the stacks' is the caller's rule.
		if !reCertificate.MatchString(s.CertificateARN) {
			p.Add("CertificateARN", s.CertificateARN, "an ACM certificate ARN arn:aws:acm:REGION:ACCOUNT:certificate/ID")
		}
		if s.HostedZoneName != "" {
			p.Add("HostedZoneName", s.HostedZoneName, "empty with {CertificateARN} (no DNS record is created; point your DNS at the output target)")
		}
	default:
		if !reZoneID.MatchString(s.HostedZoneID) {
			p.Add("HostedZoneID", s.HostedZoneID, "a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ")
		}
		zone := strings.TrimSuffix(s.HostedZoneName, ".")
		if zone == "" || len(zone) > 253 || !reDomain.MatchString(zone) {
			p.Add("HostedZoneName", s.HostedZoneName, "the zone's DNS name, such as example.com, with {HostedZoneID}")
		} else if s.DomainName != zone && !strings.HasSuffix(s.DomainName, "."+zone) {
			p.Add("DomainName", s.DomainName, "a name inside {HostedZoneName} ("+zone+")")
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
	if !slices.Contains(RouteMethods, r.Method) {
		return `"METHOD /path" with METHOD one of ` + strings.Join(RouteMethods, ", ")
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
