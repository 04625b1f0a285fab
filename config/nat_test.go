package config

import (
	"strings"
	"testing"
)

// arch is the architecture validation accepted n's NAT instance type for.
func arch(n Network) string {
	family, _, _ := strings.Cut(n.NATInstanceType, ".")
	return NATFamilies()[family]
}

func TestNATDefaultsAndChoices(t *testing.T) {
	load := func(ctx map[string]any) Network {
		t.Helper()
		c, err := Load(ctx)
		if err != nil {
			t.Fatalf("Load(%v): %v", ctx, err)
		}
		return c.Network
	}
	tests := []struct {
		name                string
		ctx                 map[string]any
		provider, typ, arch string
		natGateways         int
	}{
		{"dev: one NAT instance, Graviton", nil, NATInstance, "t4g.nano", ArchARM, 1},
		{"prod: one NAT gateway per AZ", map[string]any{"app:profile": "prod"}, NATGateway, "t4g.nano", ArchARM, 2},
		{"prod with NAT instances, one per AZ", map[string]any{"app:profile": "prod", "app:natProvider": "instance"}, NATInstance, "t4g.nano", ArchARM, 2},
		{"dev with a NAT gateway", map[string]any{"app:natProvider": "Gateway"}, NATGateway, "t4g.nano", ArchARM, 1},
		{"x86 instance type picks the x86_64 image", map[string]any{"app:natInstanceType": "T3.Micro"}, NATInstance, "t3.micro", ArchX86, 1},
		{"Graviton compute type", map[string]any{"app:natInstanceType": "c7gn.medium"}, NATInstance, "c7gn.medium", ArchARM, 1},
		{"no NAT in dev: the instance default gives way", map[string]any{"app:natGateways": "0"}, NATGateway, "t4g.nano", ArchARM, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := load(tt.ctx)
			if n.NATProvider != tt.provider || n.NATInstanceType != tt.typ || arch(n) != tt.arch || n.NATGateways != tt.natGateways {
				t.Errorf("provider %q, type %q, arch %q, count %d; want %q, %q, %q, %d",
					n.NATProvider, n.NATInstanceType, arch(n), n.NATGateways, tt.provider, tt.typ, tt.arch, tt.natGateways)
			}
		})
	}
}

// TestNATRejects holds one bad-configuration case per NAT rule, each with
// the message fragment a user sees.
func TestNATRejects(t *testing.T) {
	tests := []struct {
		name string
		ctx  map[string]any
		want string
	}{
		{"unknown provider", map[string]any{"app:natProvider": "nat-gateway"},
			`app:natProvider: "nat-gateway" is not allowed; allowed: gateway (managed NAT gateways) or instance (NAT instances)`},
		{"NAT instances without NAT", map[string]any{"app:natProvider": "instance", "app:natGateways": "0"},
			`app:natProvider: "instance" is not allowed; allowed: with natGateways=0 there is no NAT to provide`},
		{"more NAT instances than AZs", map[string]any{"app:natGateways": "3"},
			"app:natGateways: 3 is not allowed; allowed: 0 (VPC endpoints, no internet egress) to maxAzs (2): at most one NAT gateway or NAT instance per AZ"},
		{"not an instance type", map[string]any{"app:natInstanceType": "nano"},
			`app:natInstanceType: "nano" is not allowed; allowed: an EC2 instance type such as t4g.nano (Graviton, arm64 image) or t3.nano (x86_64 image) from the families c6g,`},
		{"family whose architecture is not known here", map[string]any{"app:natInstanceType": "a1.medium"},
			`app:natInstanceType: "a1.medium" is not allowed`},
		{"nano outside the burstable families", map[string]any{"app:natInstanceType": "c7g.nano"},
			`app:natInstanceType: "c7g.nano" is not allowed; allowed: nano, micro and small sizes only in the burstable t3, t3a and t4g families`},
		{"medium in an x86 family that starts at large", map[string]any{"app:natInstanceType": "m5.medium"},
			`app:natInstanceType: "m5.medium" is not allowed; allowed: medium only in the t families and the Graviton families; m5 starts at large`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.ctx)
			if err == nil {
				t.Fatalf("Load(%v) succeeded, want an error containing %q", tt.ctx, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not contain %q:\n%v", tt.want, err)
			}
		})
	}
}
