// Package fargate holds the plain settings of a load-balanced ECS Fargate
// service (appconstructs.LoadBalancedService): sizes, counts, health check and
// their rules. It imports no CDK, so a configuration package can hold
// Settings directly and check them in milliseconds, and one setting is
// declared, defaulted and validated in one place on its way from
// configuration to the construct.
package fargate

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/example/fargate-api/constructs/rule"
)

// Deployment strategies. Rolling replaces tasks behind one target group; the
// others start the new revision beside the old one behind a second target
// group and shift traffic between the two with a listener rule (ECS built-in
// blue/green, linear and canary deployments).
const (
	Rolling   = "rolling"
	Canary    = "canary"
	Linear    = "linear"
	BlueGreen = "blueGreen"
)

// Strategies lists the deployment strategies, Rolling first.
var Strategies = []string{Rolling, Canary, Linear, BlueGreen}

// CPU architectures a Fargate task can run on.
const (
	X86 = "X86_64"
	ARM = "ARM64"
)

// Settings are the plain (non-CDK) settings of a load-balanced Fargate
// service. The zero value is usable: a zero field takes the value of its
// `default` tag (WithDefaults). Fields whose zero value is meaningful (the
// booleans, and numbers for which 0 is a valid choice) have no tag and
// default to zero.
type Settings struct {
	// TaskFamily is the task definition family. Default: "" (CloudFormation
	// generates one).
	TaskFamily string `key:"taskFamily" doc:"ECS task definition family."`
	// ContainerName names the one container in the task definition.
	// Default: "web".
	ContainerName string `default:"web" key:"containerName" doc:"Name of the container in the task definition."`
	// CPUArchitecture is X86 or ARM (Graviton). Default: X86.
	CPUArchitecture string `default:"X86_64" key:"cpuArchitecture" doc:"X86_64 or ARM64."`
	// CPU (CPU units) and MemoryMiB must be a pair Fargate accepts.
	// Default: 256 and 512.
	CPU       int `default:"256" key:"cpu" doc:"Task CPU units; must pair with memory as Fargate allows."`
	MemoryMiB int `default:"512" key:"memory" doc:"Task memory in MiB; must pair with cpu as Fargate allows."`
	// ContainerPort is the port the container listens on; the target group
	// sends requests and health checks there. Default: 8080.
	ContainerPort int `default:"8080" key:"containerPort" doc:"Port the container listens on."`
	// HealthCheckPath is what the ALB requests to decide a task is healthy
	// (it must answer 200). Default: "/".
	HealthCheckPath string `default:"/" key:"healthCheckPath" doc:"Path the ALB health check requests."`
	// HealthCheckGracePeriodSeconds is how long after a task starts ECS
	// ignores failed ALB health checks, for applications that wait for a
	// dependency before they listen. Default: 60.
	HealthCheckGracePeriodSeconds int `default:"60"`
	// Environment holds plain, non-secret container variables. Default: none.
	Environment map[string]string `key:"environment" doc:"Extra container environment: JSON object, or KEY=VALUE pairs separated by commas; each variable once."`
	// ReadonlyRootFilesystem mounts the container's root filesystem
	// read-only. Default: false.
	ReadonlyRootFilesystem bool `key:"readonlyRootFilesystem" doc:"Mount the container's root filesystem read-only."`
	// MinCapacity and MaxCapacity bound the autoscaler, which owns the task
	// count: the service template sets no desired count, so a deploy never
	// resets a scaled-out service, and a new service reaches MinCapacity as
	// soon as its scalable target is registered. Default: 2 and 4.
	MinCapacity int `default:"2" key:"minCapacity" doc:"Autoscaling minimum tasks (at least 2); a new service starts with this many."`
	MaxCapacity int `default:"4" key:"maxCapacity" doc:"Autoscaling maximum tasks."`
	// CPUTargetPercent is the average task CPU the autoscaler aims for.
	// Default: 60.
	CPUTargetPercent int `default:"60" key:"cpuTargetPercent" doc:"Average task CPU the autoscaler aims for (10-90)."`
	// RequestsPerTarget is the ALB requests per task per minute the
	// autoscaler aims for. Default: 1000.
	RequestsPerTarget int `default:"1000" key:"requestsPerTarget" doc:"ALB requests per task per minute the autoscaler aims for."`
	// LogRetentionDays is how long container logs are kept; a CloudWatch Logs
	// retention value. Default: 14.
	LogRetentionDays int `default:"14" key:"logRetentionDays" doc:"Retention of the container logs, in days."`
	// EnableExecuteCommand turns on ECS Exec; the cluster must log sessions.
	// Default: false.
	EnableExecuteCommand bool `key:"enableExecuteCommand" doc:"ECS Exec into running tasks, with session logs (needs readonlyRootFilesystem=false)."`
	// FargateSpot keeps one task on regular Fargate and weighs the rest 3:1
	// onto Fargate Spot; the cluster must have the Fargate capacity
	// providers. Default: false.
	FargateSpot bool `key:"fargateSpot" doc:"Run all tasks but one on Fargate Spot (cheaper, may be interrupted)."`
	// LoadBalancerDeletionProtection makes the ALB refuse deletion (and so
	// refuse a stack delete or a replacement) until it is turned off.
	// Default: false.
	LoadBalancerDeletionProtection bool `key:"albDeletionProtection" doc:"ALB deletion protection: the load balancer (and its stack) cannot be deleted until this is turned off."`
	// Rollback5xxPerMinute rolls a deployment back when the tasks answer more
	// than this many 5xx per minute for 3 of 5 minutes. Default: 0 (no
	// rollback alarm; the circuit breaker still rolls back tasks that never
	// become healthy).
	Rollback5xxPerMinute int
	// RollbackResponseP99Ms also rolls back a traffic-shifting deployment
	// (not Rolling) when the new revision's p99 response time exceeds it for
	// 3 of 5 minutes. Default: 0 (no latency alarm).
	RollbackResponseP99Ms int

	// DeploymentStrategy is Rolling, Canary, Linear or BlueGreen. The
	// traffic-shifting ones scale on requests per running task from
	// Container Insights, which the cluster must have on. Default: Rolling.
	DeploymentStrategy string `default:"rolling" key:"deploymentStrategy" doc:"How a new revision replaces the old: rolling, or canary, linear or blueGreen (traffic shifted by a listener rule between two target groups, rolled back on the new revision's alarms)."`
	// CanaryPercent is the share of production traffic the new revision gets
	// first, in steps of 0.1 and below 50 (so the rollback alarms can tell
	// the canary from the rest). Default: 5 (the ECS default).
	CanaryPercent float64 `default:"5" key:"canaryPercent" doc:"canary: share of traffic (%, 0.1-49.9) the new revision gets first."`
	// CanaryBakeMinutes is how long the canary share runs before the rest of
	// the traffic shifts. Default: 0.
	CanaryBakeMinutes int `key:"canaryBakeMinutes" doc:"canary: minutes (0-1440) the canary share runs before all traffic shifts."`
	// LinearStepPercent is the share of production traffic each linear step
	// shifts, 3 to 100 in steps of 0.1. Default: 10 (the ECS default).
	LinearStepPercent float64 `default:"10" key:"linearStepPercent" doc:"linear: share of traffic (%, 3-100) each step shifts."`
	// LinearStepBakeMinutes is how long each linear step runs before the
	// next; not applied after the last. Default: 0.
	LinearStepBakeMinutes int `key:"linearStepBakeMinutes" doc:"linear: minutes (0-1440) each step runs before the next."`
	// DeploymentBakeMinutes is how long the old revision keeps running, ready
	// to take the traffic back, after all of it has shifted (ECS bake time).
	// Ignored by Rolling. Default: 0.
	DeploymentBakeMinutes int `key:"deploymentBakeMinutes" doc:"canary, linear, blueGreen: minutes (0-1440) the old revision stays ready to take traffic back after the full shift."`

	// Tracing runs an OpenTelemetry collector (ADOT) beside the container:
	// it receives OTLP/HTTP on localhost:4318 and exports the spans to
	// CloudWatch's OTLP traces endpoint, signed with the task role.
	// Default: false.
	Tracing bool `key:"tracing" doc:"OpenTelemetry traces: a collector sidecar in each service task sends the sample API's spans (a sample of requests, each with its queries) to CloudWatch; Transaction Search must be on in the account (docs/operations.md: Tracing)."`
	// TracingSampleRate is the fraction of requests traced, greater than 0
	// and at most 1; the container reads it. Default: 0.05.
	TracingSampleRate float64 `default:"0.05" key:"tracingSampleRate" doc:"tracing: fraction of requests traced (greater than 0, at most 1)."`
	// CollectorCPU and CollectorMemoryMiB are the collector's share of the
	// task's CPU and memory (a hard memory limit), taken out of CPU and
	// MemoryMiB: the task's size, a Fargate pair, does not change.
	// Default: 64 and 128.
	CollectorCPU       int `default:"64" key:"tracingCollectorCpu" doc:"tracing: CPU units of the task's cpu the collector gets (32 to a quarter of cpu)."`
	CollectorMemoryMiB int `default:"128" key:"tracingCollectorMemory" doc:"tracing: MiB of the task's memory the collector gets, a hard limit (64 to a quarter of memory)."`
}

// ShiftsTraffic reports whether the strategy runs the new revision beside the
// old one behind a second target group (every strategy but Rolling).
func (s Settings) ShiftsTraffic() bool { return s.DeploymentStrategy != Rolling }

// LinearSteps is how many step bakes a linear deployment waits through:
// CloudFormation's count (no bake after the step that reaches 100%).
func (s Settings) LinearSteps() int {
	tenths := int(math.Round(s.LinearStepPercent * 10))
	if tenths <= 0 {
		return 0
	}
	if 1000%tenths == 0 {
		return 1000/tenths - 1
	}
	return 1000 / tenths
}

// WithDefaults returns a copy of s in which every zero field that has a
// `default` tag holds that default.
func (s Settings) WithDefaults() Settings {
	rule.SetDefaults(&s)
	return s
}

// Problem is one invalid setting; Error lists them under the Go field names.
type (
	Problem = rule.Problem
	Error   = rule.Error
)

// fargateMemory maps each Fargate CPU value (Linux) to the memory sizes in MiB
// it accepts, from the "Task CPU and memory" table of the Amazon ECS
// developer guide.
var fargateMemory = map[int][]int{
	256:   {512, 1024, 2048},
	512:   steps(1024, 4096, 1024),
	1024:  steps(2048, 8192, 1024),
	2048:  steps(4096, 16384, 1024),
	4096:  steps(8192, 30720, 1024),
	8192:  steps(16384, 61440, 4096),
	16384: steps(32768, 122880, 8192),
}

func steps(from, to, step int) []int {
	var out []int
	for m := from; m <= to; m += step {
		out = append(out, m)
	}
	return out
}

// RetentionDays are the values CloudWatch Logs accepts for a log group.
var RetentionDays = rule.RetentionDays

var reHealthPath = regexp.MustCompile(`^/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$`)

// Validate returns one Problem per invalid field of s, in field order. Call
// it on s.WithDefaults(): zero values that have a default are rejected.
func (s Settings) Validate() []Problem {
	var p problems
	if s.CPUArchitecture != X86 && s.CPUArchitecture != ARM {
		p.Add("CPUArchitecture", s.CPUArchitecture, X86+" or "+ARM)
	}
	if mems, ok := fargateMemory[s.CPU]; !ok {
		p.Add("CPU", s.CPU, "one of 256, 512, 1024, 2048, 4096, 8192, 16384 CPU units")
	} else if !slices.Contains(mems, s.MemoryMiB) {
		p.Add("MemoryMiB", s.MemoryMiB, fmt.Sprintf("with {CPU} %d, one of %s MiB", s.CPU, joinInts(mems)))
	}
	if s.ContainerPort < 1 || s.ContainerPort > 65535 {
		p.Add("ContainerPort", s.ContainerPort, "1 to 65535")
	}
	if len(s.HealthCheckPath) > 1024 || !reHealthPath.MatchString(s.HealthCheckPath) {
		p.Add("HealthCheckPath", s.HealthCheckPath, "a path starting with / of at most 1024 URL characters")
	}
	if s.HealthCheckGracePeriodSeconds < 0 || s.HealthCheckGracePeriodSeconds > 2147483647 {
		p.Add("HealthCheckGracePeriodSeconds", s.HealthCheckGracePeriodSeconds, "0 to 2147483647 seconds")
	}
	if s.MinCapacity < 2 || s.MinCapacity > 500 {
		p.Add("MinCapacity", s.MinCapacity, "2 to 500 (at least 2 tasks keep the service up when one AZ or task fails)")
	}
	if s.MaxCapacity < 2 || s.MaxCapacity > 500 {
		p.Add("MaxCapacity", s.MaxCapacity, "2 to 500")
	}
	if s.MinCapacity > s.MaxCapacity {
		p.Add("MinCapacity", s.MinCapacity, fmt.Sprintf("at most {MaxCapacity} (%d)", s.MaxCapacity))
	}
	if s.CPUTargetPercent < 10 || s.CPUTargetPercent > 90 {
		p.Add("CPUTargetPercent", s.CPUTargetPercent, "10 to 90")
	}
	if s.RequestsPerTarget < 1 || s.RequestsPerTarget > 1000000 {
		p.Add("RequestsPerTarget", s.RequestsPerTarget, "1 to 1000000 requests per task per minute")
	}
	p.Retention("LogRetentionDays", s.LogRetentionDays)
	if s.EnableExecuteCommand && s.ReadonlyRootFilesystem {
		p.Add("EnableExecuteCommand", true, "only with {ReadonlyRootFilesystem}=false: ECS Exec's agent writes into the container's filesystem")
	}
	if s.Rollback5xxPerMinute < 0 {
		p.Add("Rollback5xxPerMinute", s.Rollback5xxPerMinute, "0 (no rollback alarm) or more responses per minute")
	}
	if s.RollbackResponseP99Ms < 0 {
		p.Add("RollbackResponseP99Ms", s.RollbackResponseP99Ms, "0 (no latency alarm) or more milliseconds")
	}
	checkDeployment(&p, s)
	checkTracing(&p, s)
	return p
}

// checkTracing keeps the collector to at most a quarter of the task's CPU
// and memory, so the application keeps three quarters; the task's size is
// what was asked for, so it stays a Fargate pair. The rules hold with
// tracing off too, so turning it on cannot surprise.
func checkTracing(p *problems, s Settings) {
	if !(s.TracingSampleRate > 0 && s.TracingSampleRate <= 1) {
		p.Add("TracingSampleRate", s.TracingSampleRate, "greater than 0 and at most 1 (the fraction of requests traced)")
	}
	if s.CollectorCPU < 32 || s.CollectorCPU > s.CPU/4 {
		p.Add("CollectorCPU", s.CollectorCPU, fmt.Sprintf("32 to a quarter of {CPU} (%d CPU units), so the application keeps three quarters", s.CPU/4))
	}
	if s.CollectorMemoryMiB < 64 || s.CollectorMemoryMiB > s.MemoryMiB/4 {
		p.Add("CollectorMemoryMiB", s.CollectorMemoryMiB, fmt.Sprintf("64 to a quarter of {MemoryMiB} (%d MiB), so the application keeps three quarters", s.MemoryMiB/4))
	}
}

// maxDeploymentMinutes is the longest deployment CloudFormation accepts: it
// rejects linear and canary configurations whose bake times add up to more
// than 33 hours (its operations time out after 36).
const maxDeploymentMinutes = 33 * 60

// checkDeployment applies the limits of the ECS API reference
// (DeploymentConfiguration, CanaryConfiguration, LinearConfiguration) and
// CloudFormation's 33-hour rule to the deployment fields.
func checkDeployment(p *problems, s Settings) {
	if !slices.Contains(Strategies, s.DeploymentStrategy) {
		p.Add("DeploymentStrategy", s.DeploymentStrategy, strings.Join(Strategies, ", "))
	}
	if !tenths(s.CanaryPercent) || s.CanaryPercent < 0.1 || s.CanaryPercent >= 50 {
		p.Add("CanaryPercent", s.CanaryPercent, "0.1 to 49.9 in steps of 0.1 (ECS allows up to 100; below half the traffic the rollback alarms can tell the canary from the old revision)")
	}
	if !tenths(s.LinearStepPercent) || s.LinearStepPercent < 3 || s.LinearStepPercent > 100 {
		p.Add("LinearStepPercent", s.LinearStepPercent, "3 to 100 in steps of 0.1 (ECS LinearConfiguration)")
	}
	for _, f := range []struct {
		name    string
		minutes int
	}{
		{"CanaryBakeMinutes", s.CanaryBakeMinutes},
		{"LinearStepBakeMinutes", s.LinearStepBakeMinutes},
		{"DeploymentBakeMinutes", s.DeploymentBakeMinutes},
	} {
		if f.minutes < 0 || f.minutes > 1440 {
			p.Add(f.name, f.minutes, "0 to 1440 minutes (ECS limit)")
		}
	}
	switch s.DeploymentStrategy {
	case Canary:
		if total := s.DeploymentBakeMinutes + s.CanaryBakeMinutes; total > maxDeploymentMinutes {
			p.Add("CanaryBakeMinutes", s.CanaryBakeMinutes, fmt.Sprintf("at most %d minutes together with {DeploymentBakeMinutes} (%d): CloudFormation rejects canary deployments longer than 33 hours", maxDeploymentMinutes, s.DeploymentBakeMinutes))
		}
	case Linear:
		if total := s.DeploymentBakeMinutes + s.LinearStepBakeMinutes*s.LinearSteps(); total > maxDeploymentMinutes {
			p.Add("LinearStepBakeMinutes", s.LinearStepBakeMinutes, fmt.Sprintf("at most %d minutes over its %d steps together with {DeploymentBakeMinutes} (%d): CloudFormation rejects linear deployments longer than 33 hours", maxDeploymentMinutes, s.LinearSteps(), s.DeploymentBakeMinutes))
		}
	}
}

// tenths reports whether x is a whole number of tenths, as ECS requires of
// its traffic percentages.
func tenths(x float64) bool {
	return math.Abs(x*10-math.Round(x*10)) < 1e-9
}

type problems = rule.Problems

func joinInts(xs []int) string { return rule.JoinInts(xs) }
