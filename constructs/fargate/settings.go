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
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
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
	// ContainerName names the one container in the task definition.
	// Default: "web".
	ContainerName string `default:"web"`
	// TaskFamily is the task definition family. Default: "" (CloudFormation
	// generates one).
	TaskFamily string
	// CPUArchitecture is X86 or ARM (Graviton). Default: X86.
	CPUArchitecture string `default:"X86_64"`
	// CPU (CPU units) and MemoryMiB must be a pair Fargate accepts.
	// Default: 256 and 512.
	CPU       int `default:"256"`
	MemoryMiB int `default:"512"`
	// ContainerPort is the port the container listens on; the target group
	// sends requests and health checks there. Default: 8080.
	ContainerPort int `default:"8080"`
	// HealthCheckPath is what the ALB requests to decide a task is healthy
	// (it must answer 200). Default: "/".
	HealthCheckPath string `default:"/"`
	// HealthCheckGracePeriodSeconds is how long after a task starts ECS
	// ignores failed ALB health checks, for applications that wait for a
	// dependency before they listen. Default: 60.
	HealthCheckGracePeriodSeconds int `default:"60"`
	// Environment holds plain, non-secret container variables. Default: none.
	Environment map[string]string
	// ReadonlyRootFilesystem mounts the container's root filesystem
	// read-only. Default: false.
	ReadonlyRootFilesystem bool
	// MinCapacity and MaxCapacity bound the autoscaler, which owns the task
	// count: the service template sets no desired count, so a deploy never
	// resets a scaled-out service, and a new service reaches MinCapacity as
	// soon as its scalable target is registered. Default: 2 and 4.
	MinCapacity int `default:"2"`
	MaxCapacity int `default:"4"`
	// CPUTargetPercent is the average task CPU the autoscaler aims for.
	// Default: 60.
	CPUTargetPercent int `default:"60"`
	// RequestsPerTarget is the ALB requests per task per minute the
	// autoscaler aims for. Default: 1000.
	RequestsPerTarget int `default:"1000"`
	// LogRetentionDays is how long container logs are kept; a CloudWatch Logs
	// retention value. Default: 14.
	LogRetentionDays int `default:"14"`
	// EnableExecuteCommand turns on ECS Exec; the cluster must log sessions.
	// Default: false.
	EnableExecuteCommand bool
	// FargateSpot keeps one task on regular Fargate and weighs the rest 3:1
	// onto Fargate Spot; the cluster must have the Fargate capacity
	// providers. Default: false.
	FargateSpot bool
	// LoadBalancerDeletionProtection makes the ALB refuse deletion (and so
	// refuse a stack delete or a replacement) until it is turned off.
	// Default: false.
	LoadBalancerDeletionProtection bool
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
	DeploymentStrategy string `default:"rolling"`
	// CanaryPercent is the share of production traffic the new revision gets
	// first, in steps of 0.1 and below 50 (so the rollback alarms can tell
	// the canary from the rest). Default: 5 (the ECS default).
	CanaryPercent float64 `default:"5"`
	// CanaryBakeMinutes is how long the canary share runs before the rest of
	// the traffic shifts. Default: 0.
	CanaryBakeMinutes int
	// LinearStepPercent is the share of production traffic each linear step
	// shifts, 3 to 100 in steps of 0.1. Default: 10 (the ECS default).
	LinearStepPercent float64 `default:"10"`
	// LinearStepBakeMinutes is how long each linear step runs before the
	// next; not applied after the last. Default: 0.
	LinearStepBakeMinutes int
	// DeploymentBakeMinutes is how long the old revision keeps running, ready
	// to take the traffic back, after all of it has shifted (ECS bake time).
	// Ignored by Rolling. Default: 0.
	DeploymentBakeMinutes int
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
	setDefaults(reflect.ValueOf(&s).Elem())
	return s
}

func setDefaults(v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f := v.Field(i)
		if f.Kind() == reflect.Struct {
			setDefaults(f)
			continue
		}
		tag, ok := t.Field(i).Tag.Lookup("default")
		if !ok || !f.IsZero() {
			continue
		}
		switch f.Kind() {
		case reflect.String:
			f.SetString(tag)
		case reflect.Int:
			n, err := strconv.Atoi(tag)
			if err != nil {
				panic(fmt.Sprintf("fargate: default %q of %s is not a whole number", tag, t.Field(i).Name))
			}
			f.SetInt(int64(n))
		case reflect.Float64:
			x, err := strconv.ParseFloat(tag, 64)
			if err != nil {
				panic(fmt.Sprintf("fargate: default %q of %s is not a number", tag, t.Field(i).Name))
			}
			f.SetFloat(x)
		default:
			panic("fargate: a default tag on " + t.Field(i).Name + ", a field of kind " + f.Kind().String())
		}
	}
}

// Problem is one invalid setting.
type Problem struct {
	// Field is the Settings field, e.g. "MemoryMiB", or a dotted path into a
	// nested struct.
	Field string
	// Value is the rejected value.
	Value any
	// Allowed says what would be accepted. It names other fields as {Field},
	// so each caller can show them under its own names (Explain).
	Allowed string
}

var reField = regexp.MustCompile(`\{([A-Za-z.]+)\}`)

// Explain renders the problem with every field name, its own included,
// passed through name.
func (p Problem) Explain(name func(field string) string) string {
	allowed := reField.ReplaceAllStringFunc(p.Allowed, func(m string) string { return name(m[1 : len(m)-1]) })
	v := fmt.Sprint(p.Value)
	if s, ok := p.Value.(string); ok {
		v = strconv.Quote(s)
	}
	return fmt.Sprintf("%s: %s is not allowed; allowed: %s", name(p.Field), v, allowed)
}

// Error lists the problems of a Settings value under the Go field names.
type Error []Problem

func (e Error) Error() string {
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.Explain(func(f string) string { return f })
	}
	return strings.Join(lines, "; ")
}

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
var RetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

var reHealthPath = regexp.MustCompile(`^/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$`)

// Validate returns one Problem per invalid field of s, in field order. Call
// it on s.WithDefaults(): zero values that have a default are rejected.
func (s Settings) Validate() []Problem {
	var p problems
	if s.CPUArchitecture != X86 && s.CPUArchitecture != ARM {
		p.add("CPUArchitecture", s.CPUArchitecture, X86+" or "+ARM)
	}
	if mems, ok := fargateMemory[s.CPU]; !ok {
		p.add("CPU", s.CPU, "one of 256, 512, 1024, 2048, 4096, 8192, 16384 CPU units")
	} else if !slices.Contains(mems, s.MemoryMiB) {
		p.add("MemoryMiB", s.MemoryMiB, fmt.Sprintf("with {CPU} %d, one of %s MiB", s.CPU, joinInts(mems)))
	}
	if s.ContainerPort < 1 || s.ContainerPort > 65535 {
		p.add("ContainerPort", s.ContainerPort, "1 to 65535")
	}
	if len(s.HealthCheckPath) > 1024 || !reHealthPath.MatchString(s.HealthCheckPath) {
		p.add("HealthCheckPath", s.HealthCheckPath, "a path starting with / of at most 1024 URL characters")
	}
	if s.HealthCheckGracePeriodSeconds < 0 || s.HealthCheckGracePeriodSeconds > 2147483647 {
		p.add("HealthCheckGracePeriodSeconds", s.HealthCheckGracePeriodSeconds, "0 to 2147483647 seconds")
	}
	if s.MinCapacity < 2 || s.MinCapacity > 500 {
		p.add("MinCapacity", s.MinCapacity, "2 to 500 (at least 2 tasks keep the service up when one AZ or task fails)")
	}
	if s.MaxCapacity < 2 || s.MaxCapacity > 500 {
		p.add("MaxCapacity", s.MaxCapacity, "2 to 500")
	}
	if s.MinCapacity > s.MaxCapacity {
		p.add("MinCapacity", s.MinCapacity, fmt.Sprintf("at most {MaxCapacity} (%d)", s.MaxCapacity))
	}
	if s.CPUTargetPercent < 10 || s.CPUTargetPercent > 90 {
		p.add("CPUTargetPercent", s.CPUTargetPercent, "10 to 90")
	}
	if s.RequestsPerTarget < 1 || s.RequestsPerTarget > 1000000 {
		p.add("RequestsPerTarget", s.RequestsPerTarget, "1 to 1000000 requests per task per minute")
	}
	if !slices.Contains(RetentionDays, s.LogRetentionDays) {
		p.add("LogRetentionDays", s.LogRetentionDays, "one of "+joinInts(RetentionDays)+" days (CloudWatch Logs retention values)")
	}
	if s.EnableExecuteCommand && s.ReadonlyRootFilesystem {
		p.add("EnableExecuteCommand", true, "only with {ReadonlyRootFilesystem}=false: ECS Exec's agent writes into the container's filesystem")
	}
	if s.Rollback5xxPerMinute < 0 {
		p.add("Rollback5xxPerMinute", s.Rollback5xxPerMinute, "0 (no rollback alarm) or more responses per minute")
	}
	if s.RollbackResponseP99Ms < 0 {
		p.add("RollbackResponseP99Ms", s.RollbackResponseP99Ms, "0 (no latency alarm) or more milliseconds")
	}
	p.checkDeployment(s)
	return p
}

// maxDeploymentMinutes is the longest deployment CloudFormation accepts: it
// rejects linear and canary configurations whose bake times add up to more
// than 33 hours (its operations time out after 36).
const maxDeploymentMinutes = 33 * 60

// checkDeployment applies the limits of the ECS API reference
// (DeploymentConfiguration, CanaryConfiguration, LinearConfiguration) and
// CloudFormation's 33-hour rule to the deployment fields.
func (p *problems) checkDeployment(s Settings) {
	if !slices.Contains(Strategies, s.DeploymentStrategy) {
		p.add("DeploymentStrategy", s.DeploymentStrategy, strings.Join(Strategies, ", "))
	}
	if !tenths(s.CanaryPercent) || s.CanaryPercent < 0.1 || s.CanaryPercent >= 50 {
		p.add("CanaryPercent", s.CanaryPercent, "0.1 to 49.9 in steps of 0.1 (ECS allows up to 100; below half the traffic the rollback alarms can tell the canary from the old revision)")
	}
	if !tenths(s.LinearStepPercent) || s.LinearStepPercent < 3 || s.LinearStepPercent > 100 {
		p.add("LinearStepPercent", s.LinearStepPercent, "3 to 100 in steps of 0.1 (ECS LinearConfiguration)")
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
			p.add(f.name, f.minutes, "0 to 1440 minutes (ECS limit)")
		}
	}
	switch s.DeploymentStrategy {
	case Canary:
		if total := s.DeploymentBakeMinutes + s.CanaryBakeMinutes; total > maxDeploymentMinutes {
			p.add("CanaryBakeMinutes", s.CanaryBakeMinutes, fmt.Sprintf("at most %d minutes together with {DeploymentBakeMinutes} (%d): CloudFormation rejects canary deployments longer than 33 hours", maxDeploymentMinutes, s.DeploymentBakeMinutes))
		}
	case Linear:
		if total := s.DeploymentBakeMinutes + s.LinearStepBakeMinutes*s.LinearSteps(); total > maxDeploymentMinutes {
			p.add("LinearStepBakeMinutes", s.LinearStepBakeMinutes, fmt.Sprintf("at most %d minutes over its %d steps together with {DeploymentBakeMinutes} (%d): CloudFormation rejects linear deployments longer than 33 hours", maxDeploymentMinutes, s.LinearSteps(), s.DeploymentBakeMinutes))
		}
	}
}

// tenths reports whether x is a whole number of tenths, as ECS requires of
// its traffic percentages.
func tenths(x float64) bool {
	return math.Abs(x*10-math.Round(x*10)) < 1e-9
}

type problems []Problem

func (p *problems) add(field string, value any, allowed string) {
	*p = append(*p, Problem{Field: field, Value: value, Allowed: allowed})
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}
