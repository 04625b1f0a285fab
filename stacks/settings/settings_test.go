package settings

import (
	"slices"
	"strings"
	"testing"

	"github.com/example/fargate-api/constructs/fargate"
	"github.com/example/fargate-api/constructs/rule"
)

func TestMigrationCommandSetting(t *testing.T) {
	for in, want := range map[string][]string{"migrate": {"migrate"}, " db  migrate --yes ": {"db", "migrate", "--yes"}, "none": nil, " none ": nil} {
		if got := (Service{MigrationCommand: in}).MigrationArgs(); !slices.Equal(got, want) {
			t.Errorf("MigrationArgs of %q = %q, want %q", in, got, want)
		}
	}
}

func TestDefaultsAreValid(t *testing.T) {
	var n Network
	var d Database
	var m Monitoring
	s := Service{Settings: fargate.Settings{}.WithDefaults()}
	Defaults(&n)
	Defaults(&d)
	Defaults(&m)
	Defaults(&s)
	for name, problems := range map[string][]rule.Problem{"Network": n.Validate(), "Database": d.Validate(), "Service": s.Validate(), "Monitoring": m.Validate()} {
		if len(problems) != 0 {
			t.Errorf("%s defaults are invalid: %v", name, rule.Error(problems))
		}
	}
	if want := (Network{MaxAZs: 2, NATGateways: 1, NATProvider: NATInstance, NATInstanceType: "t4g.nano", FlowLogRetentionDays: 14}); n != want {
		t.Errorf("Network defaults = %+v, want %+v", n, want)
	}
}

// TestValidateRejects holds one case per rule, under the Go field names.
func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name     string
		problems func() []rule.Problem
		want     string
	}{
		{"AZs", func() []rule.Problem { n := defaulted[Network](); n.MaxAZs = 1; return n.Validate() }, "MaxAZs: 1 is not allowed; allowed: 2 to 6"},
		{"NAT above AZs", func() []rule.Problem { n := defaulted[Network](); n.NATGateways = 3; return n.Validate() }, "NATGateways: 3 is not allowed; allowed: 0 (VPC endpoints, no internet egress) to MaxAZs (2)"},
		{"NAT instances without NAT", func() []rule.Problem { n := defaulted[Network](); n.NATGateways = 0; return n.Validate() }, "NATProvider: \"instance\" is not allowed; allowed: with NATGateways=0 there is no NAT to provide"},
		{"NAT instance size", func() []rule.Problem { n := defaulted[Network](); n.NATInstanceType = "c7g.nano"; return n.Validate() }, "nano, micro and small sizes only in the burstable"},
		{"storage", func() []rule.Problem { d := defaulted[Database](); d.AllocatedStorageGiB = 10; return d.Validate() }, "AllocatedStorageGiB: 10 is not allowed; allowed: 20 to 65536 GiB (gp3)"},
		{"storage ceiling", func() []rule.Problem { d := defaulted[Database](); d.MaxAllocatedStorageGiB = 21; return d.Validate() }, "at least 10% above AllocatedStorageGiB (20)"},
		{"backups", func() []rule.Problem { d := defaulted[Database](); d.BackupRetentionDays = 0; return d.Validate() }, "BackupRetentionDays: 0 is not allowed; allowed: 1 to 35 days"},
		{"database name", func() []rule.Problem { d := defaulted[Database](); d.Name = "postgres"; return d.Validate() }, `Name: "postgres" is not allowed`},
		{"image", func() []rule.Problem { s := defaulted[Service](); s.Image = "Nginx"; return s.Validate() }, `Image: "Nginx" is not allowed`},
		{"reserved variable", func() []rule.Problem {
			s := defaulted[Service]()
			s.Environment = map[string]string{"DB_HOST": "x"}
			return s.Validate()
		}, `Environment: "DB_HOST" is not allowed`},
		{"the construct's own rules", func() []rule.Problem { s := defaulted[Service](); s.CPU = 300; return s.Validate() }, "CPU: 300 is not allowed"},
		{"alarm e-mail", func() []rule.Problem { m := defaulted[Monitoring](); m.AlarmEmail = "oncall"; return m.Validate() }, `AlarmEmail: "oncall" is not allowed`},
		{"alarm threshold", func() []rule.Problem { m := defaulted[Monitoring](); m.DBConnections = 0; return m.Validate() }, "DBConnections: 0 is not allowed; allowed: 1 to 100000 connections"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := rule.Error(tt.problems())
			if len(err) == 0 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err.Error(), tt.want)
			}
		})
	}
}

func defaulted[S any]() S {
	var s S
	Defaults(&s)
	return s
}
