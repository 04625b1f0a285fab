package fargate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestZeroSettingsTakeTheDocumentedDefaults(t *testing.T) {
	s := Settings{}.WithDefaults()
	want := Settings{
		ContainerName: "web", CPUArchitecture: X86, CPU: 256, MemoryMiB: 512, ContainerPort: 8080,
		HealthCheckPath: "/", HealthCheckGracePeriodSeconds: 60, MinCapacity: 2, MaxCapacity: 4,
		CPUTargetPercent: 60, RequestsPerTarget: 1000, LogRetentionDays: 14,
		DeploymentStrategy: Rolling, CanaryPercent: 5, LinearStepPercent: 10,
		TracingSampleRate: 0.05, CollectorCPU: 64, CollectorMemoryMiB: 128,
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("defaults differ from the documented ones (-want +got):\n%s", diff)
	}
	if p := s.Validate(); len(p) != 0 {
		t.Errorf("defaults are invalid: %v", Error(p))
	}
}

func TestSetFieldsKeepTheirValues(t *testing.T) {
	s := Settings{CPU: 1024, MemoryMiB: 4096, HealthCheckPath: "/healthz", Rollback5xxPerMinute: 7}.WithDefaults()
	if s.CPU != 1024 || s.MemoryMiB != 4096 || s.HealthCheckPath != "/healthz" || s.Rollback5xxPerMinute != 7 {
		t.Errorf("WithDefaults overwrote set fields: %+v", s)
	}
}

// TestValidateRejects holds one case per rule, with the message a caller
// sees under the Go field names.
func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Settings)
		want   string
	}{
		{"architecture", func(s *Settings) { s.CPUArchitecture = "riscv" }, `CPUArchitecture: "riscv" is not allowed; allowed: X86_64 or ARM64`},
		{"cpu", func(s *Settings) { s.CPU = 300 }, "CPU: 300 is not allowed; allowed: one of 256, 512"},
		{"memory with cpu", func(s *Settings) { s.MemoryMiB = 4096 }, "MemoryMiB: 4096 is not allowed; allowed: with CPU 256, one of 512, 1024, 2048 MiB"},
		{"port", func(s *Settings) { s.ContainerPort = 70000 }, "ContainerPort: 70000 is not allowed; allowed: 1 to 65535"},
		{"health path", func(s *Settings) { s.HealthCheckPath = "healthz" }, `HealthCheckPath: "healthz" is not allowed`},
		{"grace period", func(s *Settings) { s.HealthCheckGracePeriodSeconds = -1 }, "HealthCheckGracePeriodSeconds: -1 is not allowed"},
		{"min capacity", func(s *Settings) { s.MinCapacity = 1 }, "MinCapacity: 1 is not allowed; allowed: 2 to 500"},
		{"max capacity", func(s *Settings) { s.MaxCapacity = 501 }, "MaxCapacity: 501 is not allowed; allowed: 2 to 500"},
		{"min above max", func(s *Settings) { s.MinCapacity = 5 }, "MinCapacity: 5 is not allowed; allowed: at most MaxCapacity (4)"},
		{"cpu target", func(s *Settings) { s.CPUTargetPercent = 95 }, "CPUTargetPercent: 95 is not allowed; allowed: 10 to 90"},
		{"requests per target", func(s *Settings) { s.RequestsPerTarget = -1 }, "RequestsPerTarget: -1 is not allowed"},
		{"log retention", func(s *Settings) { s.LogRetentionDays = 10 }, "LogRetentionDays: 10 is not allowed; allowed: one of 1, 3, 5"},
		{"exec with read-only root", func(s *Settings) { s.EnableExecuteCommand = true; s.ReadonlyRootFilesystem = true }, "EnableExecuteCommand: true is not allowed; allowed: only with ReadonlyRootFilesystem=false"},
		{"rollback threshold", func(s *Settings) { s.Rollback5xxPerMinute = -1 }, "Rollback5xxPerMinute: -1 is not allowed"},
		{"rollback latency", func(s *Settings) { s.RollbackResponseP99Ms = -1 }, "RollbackResponseP99Ms: -1 is not allowed"},
		{"unknown strategy", func(s *Settings) { s.DeploymentStrategy = "bluegreen" }, `DeploymentStrategy: "bluegreen" is not allowed; allowed: rolling, canary, linear, blueGreen`},
		{"canary percent below ECS minimum", func(s *Settings) { s.CanaryPercent = 0.05 }, "CanaryPercent: 0.05 is not allowed; allowed: 0.1 to 49.9 in steps of 0.1"},
		{"canary percent not in tenths", func(s *Settings) { s.CanaryPercent = 2.25 }, "CanaryPercent: 2.25 is not allowed"},
		{"canary of half the traffic", func(s *Settings) { s.CanaryPercent = 50 }, "CanaryPercent: 50 is not allowed"},
		{"linear step below ECS minimum", func(s *Settings) { s.LinearStepPercent = 2.9 }, "LinearStepPercent: 2.9 is not allowed; allowed: 3 to 100 in steps of 0.1"},
		{"linear step above 100", func(s *Settings) { s.LinearStepPercent = 100.1 }, "LinearStepPercent: 100.1 is not allowed"},
		{"linear step not in tenths", func(s *Settings) { s.LinearStepPercent = 12.34 }, "LinearStepPercent: 12.34 is not allowed"},
		{"canary bake above a day", func(s *Settings) { s.CanaryBakeMinutes = 1441 }, "CanaryBakeMinutes: 1441 is not allowed; allowed: 0 to 1440 minutes"},
		{"negative step bake", func(s *Settings) { s.LinearStepBakeMinutes = -1 }, "LinearStepBakeMinutes: -1 is not allowed"},
		{"deployment bake above a day", func(s *Settings) { s.DeploymentBakeMinutes = 2000 }, "DeploymentBakeMinutes: 2000 is not allowed"},
		{"sample rate zero", func(s *Settings) { s.TracingSampleRate = -0.5 }, "TracingSampleRate: -0.5 is not allowed; allowed: greater than 0 and at most 1"},
		{"sample rate above one", func(s *Settings) { s.TracingSampleRate = 5 }, "TracingSampleRate: 5 is not allowed; allowed: greater than 0 and at most 1"},
		{"collector CPU above a quarter of the task's", func(s *Settings) { s.CollectorCPU = 128 }, "CollectorCPU: 128 is not allowed; allowed: 32 to a quarter of CPU (64 CPU units), so the application keeps three quarters"},
		{"collector CPU below its floor", func(s *Settings) { s.CollectorCPU = 16 }, "CollectorCPU: 16 is not allowed; allowed: 32 to a quarter of CPU (64 CPU units)"},
		{"collector memory above a quarter of the task's", func(s *Settings) { s.CollectorMemoryMiB = 256 }, "CollectorMemoryMiB: 256 is not allowed; allowed: 64 to a quarter of MemoryMiB (128 MiB), so the application keeps three quarters"},
		{"collector memory below its floor", func(s *Settings) { s.CollectorMemoryMiB = 32 }, "CollectorMemoryMiB: 32 is not allowed; allowed: 64 to a quarter of MemoryMiB (128 MiB)"},
		{"canary longer than CloudFormation waits", func(s *Settings) {
			s.DeploymentStrategy, s.CanaryBakeMinutes, s.DeploymentBakeMinutes = Canary, 1440, 600
		}, "CanaryBakeMinutes: 1440 is not allowed; allowed: at most 1980 minutes together with DeploymentBakeMinutes (600)"},
		{"linear longer than CloudFormation waits", func(s *Settings) {
			s.DeploymentStrategy, s.LinearStepPercent, s.LinearStepBakeMinutes = Linear, 11, 240
		}, "LinearStepBakeMinutes: 240 is not allowed; allowed: at most 1980 minutes over its 9 steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Settings{}.WithDefaults()
			tt.modify(&s)
			err := Error(s.Validate())
			if len(err) == 0 {
				t.Fatalf("accepted %+v, want %q", s, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err.Error(), tt.want)
			}
		})
	}
}

func TestExplainRenamesFields(t *testing.T) {
	p := Problem{Field: "MinCapacity", Value: 5, Allowed: "at most {MaxCapacity} (3)"}
	got := p.Explain(strings.ToLower)
	if want := "mincapacity: 5 is not allowed; allowed: at most maxcapacity (3)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLinearStepsFollowCloudFormation(t *testing.T) {
	for _, tt := range []struct {
		percent float64
		want    int
	}{{10, 9}, {11, 9}, {25, 3}, {33.3, 3}, {50, 1}, {100, 0}, {3, 33}} {
		if got := (Settings{LinearStepPercent: tt.percent}).LinearSteps(); got != tt.want {
			t.Errorf("LinearSteps(%v) = %d, want %d", tt.percent, got, tt.want)
		}
	}
}

func TestLongestAllowedDeploymentsPass(t *testing.T) {
	for _, s := range []Settings{
		{DeploymentStrategy: Canary, CanaryPercent: 49.9, CanaryBakeMinutes: 1440, DeploymentBakeMinutes: 540},
		{DeploymentStrategy: Linear, LinearStepPercent: 3, LinearStepBakeMinutes: 60},
		{DeploymentStrategy: BlueGreen, DeploymentBakeMinutes: 1440},
		{DeploymentStrategy: Canary, CanaryPercent: 0.1},
	} {
		if p := s.WithDefaults().Validate(); len(p) != 0 {
			t.Errorf("%+v rejected: %v", s, Error(p))
		}
	}
}

// TestFargateCPUMemoryTable holds the CPU and memory pairs against the
// "Task CPU and memory" table of the Amazon ECS developer guide (Linux),
// transcribed here independently of fargateMemory: each row's minimum,
// maximum and first step are accepted, and one step below the minimum,
// one above the maximum and half a step between two sizes are refused.
func TestFargateCPUMemoryTable(t *testing.T) {
	table := []struct {
		cpu, min, max, step int
	}{
		{256, 512, 2048, 512}, // 512, 1024, 2048: listed, not a range
		{512, 1024, 4096, 1024},
		{1024, 2048, 8192, 1024},
		{2048, 4096, 16384, 1024},
		{4096, 8192, 30720, 1024},
		{8192, 16384, 61440, 4096},
		{16384, 32768, 122880, 8192},
	}
	check := func(t *testing.T, cpu, mem int, ok bool) {
		t.Helper()
		s := Settings{CPU: cpu, MemoryMiB: mem}.WithDefaults()
		var refused bool
		for _, p := range s.Validate() {
			refused = refused || p.Field == "MemoryMiB" || p.Field == "CPU"
		}
		if refused == ok {
			t.Errorf("cpu %d with memory %d MiB: accepted %v, want %v", cpu, mem, !refused, ok)
		}
	}
	for _, r := range table {
		t.Run(fmt.Sprint(r.cpu), func(t *testing.T) {
			below := r.min - r.step
			if below <= 0 { // 0 would take the default
				below = r.min / 2
			}
			check(t, r.cpu, r.min, true)
			check(t, r.cpu, r.min+r.step, true)
			check(t, r.cpu, r.max, true)
			check(t, r.cpu, below, false)
			check(t, r.cpu, r.max+r.step, false)
			check(t, r.cpu, r.min+r.step/2, false)
		})
	}
	// 256 lists 512, 1024 and 2048: 1536 lies on no step of it.
	check(t, 256, 1536, false)
	for _, cpu := range []int{128, 3072, 32768} {
		check(t, cpu, 8192, false)
	}
}
