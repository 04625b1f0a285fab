package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/example/fargate-api/constructs/fargate"
)

// dependent is a setting that does something only when other settings allow
// it: a NAT instance type with NAT instances, a canary share with canary
// deploys.
type dependent struct {
	key string
	// moot says why c leaves the setting without effect, naming the
	// settings that decide it as "app:key is value", or "" when it applies.
	moot func(c Config, named func(key string, value any) string) string
	// appliesTo says where the setting takes effect.
	appliesTo string
}

var dependents = []dependent{
	{"natInstanceType", func(c Config, named func(string, any) string) string {
		switch {
		case c.Network.NATGateways == 0:
			return named("natGateways", c.Network.NATGateways)
		case c.Network.NATProvider != NATInstance:
			return named("natProvider", c.Network.NATProvider)
		}
		return ""
	}, "NAT instances (natProvider=instance, natGateways of 1 or more)"},
	{"canaryPercent", strategyOtherThan(fargate.Canary), "canary deployments"},
	{"canaryBakeMinutes", strategyOtherThan(fargate.Canary), "canary deployments"},
	{"linearStepPercent", strategyOtherThan(fargate.Linear), "linear deployments"},
	{"linearStepBakeMinutes", strategyOtherThan(fargate.Linear), "linear deployments"},
	// ECS bakes only deployments that shift traffic between two target groups.
	{"deploymentBakeMinutes", strategyOtherThan(fargate.Canary, fargate.Linear, fargate.BlueGreen), "canary, linear and blueGreen deployments"},
	{"tracingSampleRate", withoutTracing, "tracing (app:tracing=true)"},
	{"tracingCollectorCpu", withoutTracing, "tracing (app:tracing=true)"},
	{"tracingCollectorMemory", withoutTracing, "tracing (app:tracing=true)"},
	{"corsMaxAgeSeconds", withoutCORS, "CORS (corsAllowOrigins set)"},
	{"corsAllowMethods", withoutCORS, "CORS (corsAllowOrigins set)"},
	{"corsAllowHeaders", withoutCORS, "CORS (corsAllowOrigins set)"},
	{"ciRepositoryIds", withoutCI, "the CI stack (ciRepository set)"},
	{"ciEnvironments", withoutCI, "the CI stack (ciRepository set)"},
	{"ciOidcProviderArn", withoutCI, "the CI stack (ciRepository set)"},
}

func strategyOtherThan(strategies ...string) func(Config, func(string, any) string) string {
	return func(c Config, named func(string, any) string) string {
		if slices.Contains(strategies, c.Service.DeploymentStrategy) {
			return ""
		}
		return named("deploymentStrategy", c.Service.DeploymentStrategy)
	}
}

func withoutTracing(c Config, named func(string, any) string) string {
	if c.Service.Tracing {
		return ""
	}
	return named("tracing", c.Service.Tracing)
}

func withoutCORS(c Config, named func(string, any) string) string {
	if len(c.API.CORSAllowOrigins) > 0 {
		return ""
	}
	return Prefix + "corsAllowOrigins is empty"
}

// withoutCI makes the CI stack's settings moot when no repository is named.
func withoutCI(c Config, named func(string, any) string) string {
	if c.CI.Repository != "" {
		return ""
	}
	return Prefix + "ciRepository is empty"
}

// Ineffective lists the app: settings in context that c, loaded from that
// context, leaves without effect, one note each, e.g.
//
//	app:canaryPercent = 20 has no effect: app:deploymentStrategy is "rolling" (the dev profile's default); it applies to canary deployments
//
// These are not errors: one cdk.json serves every profile, and a setting
// meant for prod's canary deploys is rightly unused by dev's rolling ones.
// Only settings present in context are reported.
func Ineffective(context map[string]any, c Config) []string {
	var notes []string
	for _, d := range dependents {
		if _, set := context[Prefix+d.key]; !set {
			continue
		}
		named := func(key string, v any) string {
			s := fmt.Sprintf("%s%s is %s", Prefix, key, quote(v))
			if _, ok := context[Prefix+key]; !ok {
				s += fmt.Sprintf(" (the %s profile's default)", c.Profile)
			}
			return s
		}
		if why := d.moot(c, named); why != "" {
			notes = append(notes, fmt.Sprintf("%s%s = %s has no effect: %s; it applies to %s", Prefix, d.key, shown(c, d.key), why, d.appliesTo))
		}
	}
	return notes
}

// shown is key's value in c as messages show it: a string quoted, a list
// comma-separated.
func shown(c Config, key string) string {
	v := reflect.ValueOf(lookup(key).field(&c)).Elem().Interface()
	if list, ok := v.([]string); ok {
		return quote(strings.Join(list, ","))
	}
	return quote(v)
}
