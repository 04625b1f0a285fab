package httpapi

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/example/fargate-api/constructs/rule"
)

func TestDefaultsAreValid(t *testing.T) {
	s := Defaults()
	if diff := cmp.Diff([]Route{{Method: "ANY", Path: "/{proxy+}"}}, s.Routes); diff != "" {
		t.Errorf("default routes (-want +got):\n%s", diff)
	}
	if p := s.Validate(); len(p) != 0 {
		t.Errorf("defaults are invalid: %v", rule.Error(p))
	}
}

// TestValidateRejects holds one case per rule, under the Go field names.
func TestValidateRejects(t *testing.T) {
	zone := func(s *Settings) {
		s.DomainName, s.HostedZoneID, s.HostedZoneName = "api.example.com", "Z0123456789ABCDEFGHIJ", "example.com"
	}
	tests := []struct {
		name   string
		modify func(*Settings)
		want   string
	}{
		{"no routes", func(s *Settings) { s.Routes = nil }, `Routes: "" is not allowed; allowed: at least one route`},
		{"method", func(s *Settings) { s.Routes = []Route{{Method: "FETCH", Path: "/"}} }, `Routes: "FETCH /" is not allowed; allowed: "METHOD /path" with METHOD one of ANY`},
		{"greedy not last", func(s *Settings) { s.Routes = []Route{{Method: "GET", Path: "/{proxy+}/x"}} }, "only as the last path segment"},
		{"route twice", func(s *Settings) { s.Routes = []Route{{Method: "GET", Path: "/a"}, {Method: "GET", Path: "/a"}} }, "each route once"},
		{"stage", func(s *Settings) { s.StageName = "$default" }, `StageName: "$default" is not allowed`},
		{"zero rate", func(s *Settings) { s.ThrottleRateLimit = 0 }, "ThrottleRateLimit: 0 is not allowed; allowed: 1 to 10000 requests per second"},
		{"zero burst", func(s *Settings) { s.ThrottleBurstLimit = 0 }, "ThrottleBurstLimit: 0 is not allowed; allowed: 1 to 5000 requests"},
		{"access log retention", func(s *Settings) { s.AccessLogRetentionDays = 2 }, "AccessLogRetentionDays: 2 is not allowed"},
		{"audience without issuer", func(s *Settings) { s.JWTAudience = []string{"a"} }, "JWTAudience: \"a\" is not allowed; allowed: empty unless JWTIssuer is set"},
		{"issuer not https", func(s *Settings) { s.JWTIssuer, s.JWTAudience = "http://issuer", []string{"a"} }, `JWTIssuer: "http://issuer" is not allowed`},
		{"public route not a route", func(s *Settings) {
			s.JWTIssuer, s.JWTAudience, s.PublicRoutes = "https://issuer/", []string{"a"}, []Route{{Method: "GET", Path: "/health"}}
		}, `PublicRoutes: "GET /health" is not allowed; allowed: routes listed in app:Routes (ANY /{proxy+})`},
		{"origin with path", func(s *Settings) { s.CORSAllowOrigins = []string{"https://a.example.com/x"} }, "CORSAllowOrigins"},
		{"OPTIONS route with CORS", func(s *Settings) {
			s.CORSAllowOrigins, s.Routes = []string{"*"}, []Route{{Method: "OPTIONS", Path: "/a"}}
		}, "no OPTIONS route while CORSAllowOrigins is set"},
		{"JWT and CORS without authorization header", func(s *Settings) {
			s.JWTIssuer, s.JWTAudience, s.CORSAllowOrigins, s.CORSAllowHeaders = "https://issuer/", []string{"a"}, []string{"*"}, []string{"content-type"}
		}, "a list that names authorization while JWTIssuer and CORSAllowOrigins are set"},
		{"certificate without domain", func(s *Settings) { s.CertificateARN = "arn" }, "CertificateARN: \"arn\" is not allowed; allowed: empty unless DomainName is set"},
		{"both certificate and zone", func(s *Settings) { zone(s); s.CertificateARN = "arn" }, "exactly one of CertificateARN (an existing certificate) or HostedZoneID with HostedZoneName"},
		{"domain outside its zone", func(s *Settings) { zone(s); s.DomainName = "api.example.org" }, "a name inside HostedZoneName (example.com)"},
		{"common name too long", func(s *Settings) { zone(s); s.DomainName = strings.Repeat("a", 60) + ".example.com" }, "at most 64 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Defaults()
			tt.modify(&s)
			err := rule.Error(s.Validate())
			if len(err) == 0 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err.Error(), tt.want)
			}
		})
	}
}

func TestCertificateRegion(t *testing.T) {
	s := Defaults()
	s.DomainName, s.CertificateARN = "api.example.com", "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
	if got := s.CertificateRegion(); got != "eu-west-1" {
		t.Errorf("CertificateRegion = %q, want eu-west-1", got)
	}
	s.HostedZoneID = "Z1"
	if got := s.CertificateRegion(); got != "" {
		t.Errorf("with a hosted zone too, CertificateRegion = %q, want none", got)
	}
}
