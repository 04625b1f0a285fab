package stacks_test

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	appconstructs "github.com/example/fargate-api/constructs"
	"github.com/example/fargate-api/stacks"
)

// stratTemplate is one Service stack's template with lookups by type.
type stratTemplate struct {
	name      string
	resources map[string]map[string]any // logical ID → resource
}

func stratService(t *testing.T, f *fixture, d stacks.Set) stratTemplate {
	t.Helper()
	tpl := f.templates[*d.Service.Stack.StackName()]
	res := map[string]map[string]any{}
	for id, r := range tpl["Resources"].(map[string]any) {
		res[id] = r.(map[string]any)
	}
	return stratTemplate{name: *d.Service.Stack.StackName(), resources: res}
}

// ids returns the logical IDs of the resources of typ, sorted.
func (d stratTemplate) ids(typ string) []string {
	var out []string
	for id, r := range d.resources {
		if r["Type"] == typ {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func (d stratTemplate) props(id string) map[string]any {
	p, _ := d.resources[id]["Properties"].(map[string]any)
	return p
}

// one returns the logical ID and properties of the only resource of typ.
func (d stratTemplate) one(t *testing.T, typ string) (string, map[string]any) {
	t.Helper()
	ids := d.ids(typ)
	if len(ids) != 1 {
		t.Fatalf("%s: %d resources of type %s, want 1", d.name, len(ids), typ)
	}
	return ids[0], d.props(ids[0])
}

func stratRef(id string) map[string]any { return map[string]any{"Ref": id} }

// stratPath walks nested maps and slices: stratPath(v, "A", 0, "B").
func stratPath(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			s, _ := v.([]any)
			if k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

func TestRollingByDefaultInDev(t *testing.T) {
	f := app(t)
	d := stratService(t, f, f.dev)
	id, svc := d.one(t, "AWS::ECS::Service")
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"no strategy: ECS rolls", stratPath(svc, "DeploymentConfiguration", "Strategy"), nil},
		{"no alternate target group", stratPath(svc, "LoadBalancers", 0, "AdvancedConfiguration"), nil},
		{"one target group", len(d.ids("AWS::ElasticLoadBalancingV2::TargetGroup")), 1},
		{"service keeps its logical ID", strings.HasSuffix(id, appconstructs.ShiftedServiceSuffix), false},
		{"no bake time", stratPath(svc, "DeploymentConfiguration", "BakeTimeInMinutes"), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestSwitchBackToRolling holds the order of operations when a deployment
// goes from canary, linear or blue/green (prod) back to rolling (dev's
// template stands for the new one: the Service stacks share construct paths).
// The last shifted deployment may have left production on the alternate
// target group. CloudFormation creates and updates first and deletes in its
// cleanup phase, so: the rolling service is new (a replacement), the
// production rule is the same resource (an update), updated only after the
// new service exists, and then forwards to the primary group alone; the old
// service and the alternate group, deleted last, get no traffic by then.
func TestSwitchBackToRolling(t *testing.T) {
	f := app(t)
	rolling, shifted := stratService(t, f, f.dev), stratService(t, f, f.prod)
	rollingSvc, _ := rolling.one(t, "AWS::ECS::Service")
	shiftedSvc, _ := shifted.one(t, "AWS::ECS::Service")
	ruleID, rule := rolling.one(t, "AWS::ElasticLoadBalancingV2::ListenerRule")
	shiftedRuleID, _ := shifted.one(t, "AWS::ElasticLoadBalancingV2::ListenerRule")
	_, listener := rolling.one(t, "AWS::ElasticLoadBalancingV2::Listener")
	t.Run("the service is replaced: a new one starts beside the old", func(t *testing.T) {
		if rollingSvc == shiftedSvc {
			t.Errorf("both strategies name the service %s", rollingSvc)
		}
	})
	t.Run("production rule updated in place", func(t *testing.T) {
		if ruleID != shiftedRuleID {
			t.Errorf("rolling rule %s, shifted rule %s: a new rule would be created first and the old one deleted last", ruleID, shiftedRuleID)
		}
	})
	t.Run("the rule is updated after the new service exists", func(t *testing.T) {
		if dep := rolling.resources[ruleID]["DependsOn"]; !stratContains(dep, rollingSvc) {
			t.Errorf("rule DependsOn %v, want the service %s", dep, rollingSvc)
		}
		if dep := rolling.resources[rollingSvc]["DependsOn"]; stratContains(dep, ruleID) {
			t.Errorf("service DependsOn %v includes the rule: a cycle", dep)
		}
	})
	t.Run("the rule then forwards every path to the primary target group only", func(t *testing.T) {
		primary := stratPath(listener, "DefaultActions", 0, "TargetGroupArn")
		want := []any{map[string]any{"Type": "forward", "TargetGroupArn": primary}}
		if got := rule["Actions"]; !reflect.DeepEqual(got, want) {
			t.Errorf("rule Actions = %v, want %v", got, want)
		}
		if got := stratPath(rule, "Conditions", 0, "PathPatternConfig", "Values"); !reflect.DeepEqual(got, []any{"/*"}) {
			t.Errorf("rule matches %v, want every path", got)
		}
		if got := len(rolling.ids("AWS::ElasticLoadBalancingV2::TargetGroup")); got != 1 {
			t.Errorf("%d target groups under rolling, want 1 (the alternate goes in the cleanup phase)", got)
		}
	})
}

// TestTrafficShiftingStrategies: prod (canary, the prod default), Options
// (linear) and Custom (blue/green) each get the second target group, the
// production rule ECS shifts, the role and the new-revision alarms.
func TestTrafficShiftingStrategies(t *testing.T) {
	f := app(t)
	for _, v := range []struct {
		variant string
		d       stacks.Set
		want    map[string]any // DeploymentConfiguration fields
		absent  []string
		// breaker: the circuit breaker is on only where AWS documents it
		// (rolling and blue/green); canary and linear rely on their alarms.
		breaker bool
	}{
		{"prod", f.prod, map[string]any{"Strategy": "CANARY", "BakeTimeInMinutes": 5.0,
			"CanaryConfiguration": map[string]any{"CanaryPercent": 10.0, "CanaryBakeTimeInMinutes": 10.0}}, []string{"LinearConfiguration"}, false},
		{"options", f.options, map[string]any{"Strategy": "LINEAR", "BakeTimeInMinutes": 5.0,
			"LinearConfiguration": map[string]any{"StepPercent": 25.0, "StepBakeTimeInMinutes": 5.0}}, []string{"CanaryConfiguration"}, false},
		{"custom", f.custom, map[string]any{"Strategy": "BLUE_GREEN", "BakeTimeInMinutes": 15.0}, []string{"CanaryConfiguration", "LinearConfiguration"}, true},
	} {
		t.Run(v.variant, func(t *testing.T) {
			d := stratService(t, f, v.d)
			svcID, svc := d.one(t, "AWS::ECS::Service")
			config, _ := svc["DeploymentConfiguration"].(map[string]any)
			t.Run("strategy and bake times", func(t *testing.T) {
				for k, want := range v.want {
					if diff := cmp.Diff(want, config[k]); diff != "" {
						t.Errorf("DeploymentConfiguration.%s (-want +got):\n%s", k, diff)
					}
				}
				for _, k := range v.absent {
					if config[k] != nil {
						t.Errorf("DeploymentConfiguration.%s = %v, want none", k, config[k])
					}
				}
			})
			t.Run("circuit breaker only where AWS documents it", func(t *testing.T) {
				if diff := cmp.Diff(map[string]any{"Enable": v.breaker, "Rollback": v.breaker}, config["DeploymentCircuitBreaker"]); diff != "" {
					t.Errorf("DeploymentCircuitBreaker (-want +got):\n%s", diff)
				}
				if stratPath(config, "Alarms", "Enable") != true || stratPath(config, "Alarms", "Rollback") != true {
					t.Errorf("Alarms = %v, want rollback alarms on", config["Alarms"])
				}
			})
			t.Run("switching from rolling replaces the service", func(t *testing.T) {
				if !strings.HasSuffix(svcID, appconstructs.ShiftedServiceSuffix) {
					t.Errorf("service logical ID %s lacks %q", svcID, appconstructs.ShiftedServiceSuffix)
				}
			})

			tgs := d.ids("AWS::ElasticLoadBalancingV2::TargetGroup")
			if len(tgs) != 2 {
				t.Fatalf("%d target groups, want 2", len(tgs))
			}
			primary, _ := stratPath(svc, "LoadBalancers", 0, "TargetGroupArn", "Ref").(string)
			alternate := tgs[0]
			if alternate == primary {
				alternate = tgs[1]
			}
			ruleID, rule := d.one(t, "AWS::ElasticLoadBalancingV2::ListenerRule")
			listenerID, listener := d.one(t, "AWS::ElasticLoadBalancingV2::Listener")
			roleArn := stratPath(svc, "LoadBalancers", 0, "AdvancedConfiguration", "RoleArn", "Fn::GetAtt", 0)

			t.Run("both target groups alike, IP targets", func(t *testing.T) {
				a, b := d.props(primary), d.props(alternate)
				for _, k := range []string{"TargetType", "Protocol", "Port", "HealthCheckPath", "HealthCheckIntervalSeconds", "HealthyThresholdCount", "UnhealthyThresholdCount", "Matcher"} {
					if !reflect.DeepEqual(a[k], b[k]) {
						t.Errorf("%s: primary %v, alternate %v", k, a[k], b[k])
					}
				}
				if b["TargetType"] != "ip" {
					t.Errorf("alternate TargetType = %v, want ip", b["TargetType"])
				}
			})
			t.Run("service names alternate group, rule, role", func(t *testing.T) {
				adv := stratPath(svc, "LoadBalancers", 0, "AdvancedConfiguration")
				if got := stratPath(adv, "AlternateTargetGroupArn"); !reflect.DeepEqual(got, stratRef(alternate)) {
					t.Errorf("AlternateTargetGroupArn = %v, want %v", got, stratRef(alternate))
				}
				if got := stratPath(adv, "ProductionListenerRule"); !reflect.DeepEqual(got, stratRef(ruleID)) {
					t.Errorf("ProductionListenerRule = %v, want %v", got, stratRef(ruleID))
				}
				if d.resources[fmt.Sprint(roleArn)]["Type"] != "AWS::IAM::Role" {
					t.Errorf("RoleArn points at %v, not a role", roleArn)
				}
			})
			t.Run("production rule: 100/0 on the VPC link's listener", func(t *testing.T) {
				if got := stratPath(rule, "ListenerArn"); !reflect.DeepEqual(got, stratRef(listenerID)) {
					t.Errorf("rule ListenerArn = %v, want %v", got, stratRef(listenerID))
				}
				if got := stratPath(rule, "Conditions", 0, "PathPatternConfig", "Values"); !reflect.DeepEqual(got, []any{"/*"}) {
					t.Errorf("rule matches %v, want every path", got)
				}
				want := []any{
					map[string]any{"TargetGroupArn": stratRef(primary), "Weight": 100.0},
					map[string]any{"TargetGroupArn": stratRef(alternate), "Weight": 0.0},
				}
				if got := stratPath(rule, "Actions", 0, "ForwardConfig", "TargetGroups"); !reflect.DeepEqual(got, want) {
					t.Errorf("rule forwards to %v, want %v", got, want)
				}
				if got := stratPath(listener, "DefaultActions", 0, "TargetGroupArn"); !reflect.DeepEqual(got, stratRef(primary)) {
					t.Errorf("listener default action = %v, want the primary target group", got)
				}
			})
			t.Run("role: ECS may touch only these target groups and this rule", func(t *testing.T) {
				role := d.props(fmt.Sprint(roleArn))
				if got := stratPath(role, "AssumeRolePolicyDocument", "Statement", 0, "Principal", "Service"); got != "ecs.amazonaws.com" {
					t.Errorf("role assumed by %v", got)
				}
				if role["ManagedPolicyArns"] != nil {
					t.Errorf("role has managed policies %v", role["ManagedPolicyArns"])
				}
				statements := map[string]any{}
				for _, pid := range d.ids("AWS::IAM::Policy") {
					p := d.props(pid)
					if !reflect.DeepEqual(stratPath(p, "Roles", 0), stratRef(fmt.Sprint(roleArn))) {
						continue
					}
					for _, s := range stratPath(p, "PolicyDocument", "Statement").([]any) {
						statements[fmt.Sprint(stratPath(s, "Sid"))] = stratPath(s, "Resource")
					}
				}
				if got, want := statements["RegisterTasks"], []any{stratRef(alternate), stratRef(primary)}; !stratSame(got, want) {
					t.Errorf("RegisterTargets on %v, want %v", got, want)
				}
				if got := statements["ShiftTraffic"]; !reflect.DeepEqual(got, stratRef(ruleID)) {
					t.Errorf("ModifyRule on %v, want the production rule", got)
				}
				if got := statements["ModifyListener"]; !reflect.DeepEqual(got, stratRef(listenerID)) {
					t.Errorf("ModifyListener on %v, want the one listener", got)
				}
				if dep := d.resources[svcID]["DependsOn"]; !stratContains(dep, fmt.Sprint(roleArn), ruleID) {
					t.Errorf("service DependsOn %v lacks the role and the rule", dep)
				}
			})
			t.Run("rollback alarms judge each target group as the new revision", func(t *testing.T) {
				names, _ := stratPath(config, "Alarms", "AlarmNames").([]any)
				byName := map[string]map[string]any{}
				for _, id := range d.ids("AWS::CloudWatch::Alarm") {
					byName[fmt.Sprint(d.props(id)["AlarmName"])] = d.props(id)
				}
				judged := map[string]bool{}
				for _, n := range names {
					alarm, ok := byName[fmt.Sprint(n)]
					if !ok {
						t.Errorf("deployment alarm %v is not an alarm of this stack", n)
						continue
					}
					var value, theirs string
					var expr string
					for _, m := range alarm["Metrics"].([]any) {
						switch stratPath(m, "Id") {
						case "value":
							value = fmt.Sprint(stratPath(m, "MetricStat", "Metric", "MetricName")) + " on " + stratTG(m)
						case "theirs":
							theirs = stratTG(m)
						}
						if e, ok := stratPath(m, "Expression").(string); ok {
							expr = e
						}
					}
					if expr != appconstructs.NewRevisionExpression {
						t.Errorf("alarm %v is not scoped to the new revision: %s", n, expr)
					}
					if strings.HasSuffix(value, theirs) {
						t.Errorf("alarm %v compares %s with itself", n, value)
					}
					if stratPath(config, "Alarms", "Rollback") != true {
						t.Errorf("alarms do not roll back")
					}
					judged[value] = true
				}
				want := map[string]bool{}
				for _, tg := range []string{primary, alternate} {
					want["HTTPCode_Target_5XX_Count on "+tg] = true
					want["TargetResponseTime on "+tg] = true
				}
				if !reflect.DeepEqual(judged, want) {
					t.Errorf("deployment alarms judge %v, want %v", judged, want)
				}
			})
			t.Run("service depends on its rollback alarms (ECS knows them by name only)", func(t *testing.T) {
				alarms := d.ids("AWS::CloudWatch::Alarm")
				if len(alarms) == 0 || !stratContains(d.resources[svcID]["DependsOn"], alarms...) {
					t.Errorf("service DependsOn %v, want every alarm of %v", d.resources[svcID]["DependsOn"], alarms)
				}
			})
			t.Run("request scaling counts both target groups", func(t *testing.T) {
				found := false
				for _, pid := range d.ids("AWS::ApplicationAutoScaling::ScalingPolicy") {
					spec := stratPath(d.props(pid), "TargetTrackingScalingPolicyConfiguration", "CustomizedMetricSpecification")
					if spec == nil {
						continue
					}
					found = true
					if stratPath(spec, "MetricName") != nil {
						t.Errorf("custom metric still has a single metric: %v", spec)
					}
					if got := stratPath(spec, "Metrics", 2, "Expression"); got != "requests / tasks" {
						t.Errorf("expression = %v", got)
					}
					if got := stratPath(spec, "Metrics", 0, "MetricStat", "Metric", "Dimensions"); len(got.([]any)) != 1 {
						t.Errorf("requests metric dimensions %v, want the load balancer only", got)
					}
				}
				if !found {
					t.Error("no scaling policy on a custom metric")
				}
			})
		})
	}
}

// stratTG returns the logical ID of the target group in a metric query's
// TargetGroup dimension.
func stratTG(query any) string {
	for _, dim := range stratPath(query, "MetricStat", "Metric", "Dimensions").([]any) {
		if stratPath(dim, "Name") == "TargetGroup" {
			return fmt.Sprint(stratPath(dim, "Value", "Fn::GetAtt", 0))
		}
	}
	return ""
}

func stratSame(got, want any) bool {
	g, ok := got.([]any)
	if !ok {
		return false
	}
	w := want.([]any)
	if len(g) != len(w) {
		return false
	}
	for _, x := range w {
		found := false
		for _, y := range g {
			if reflect.DeepEqual(x, y) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func stratContains(list any, ids ...string) bool {
	l, _ := list.([]any)
	for _, id := range ids {
		found := false
		for _, x := range l {
			if x == id {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// TestMonitoringFollowsBothTargetGroups: production alternates between the
// two target groups, so prod's ALB alarms must not watch only the first.
func TestMonitoringFollowsBothTargetGroups(t *testing.T) {
	f := app(t)
	dims := func(d stacks.Set, metric string) []any {
		for _, r := range f.resources(d.Monitoring.Stack, "AWS::CloudWatch::Alarm") {
			if r["MetricName"] == metric {
				return r["Dimensions"].([]any)
			}
		}
		return nil
	}
	if got := dims(f.prod, "HTTPCode_Target_5XX_Count"); len(got) != 1 || stratPath(got, 0, "Name") != "LoadBalancer" {
		t.Errorf("prod 5xx alarm dimensions %v, want the load balancer only", got)
	}
	if got := dims(f.dev, "HTTPCode_Target_5XX_Count"); len(got) != 2 {
		t.Errorf("dev (rolling) 5xx alarm dimensions %v, want load balancer and target group", got)
	}
	found := false
	for _, r := range f.resources(f.prod.Monitoring.Stack, "AWS::CloudWatch::Alarm") {
		if strings.HasPrefix(fmt.Sprint(r["AlarmDescription"]), "ALB: a task fails") {
			found = true
			if expr := stratPath(r, "Metrics", 0, "Expression"); expr != "MAX([FILL(unhealthyPrimary, 0), FILL(unhealthyAlternate, 0)])" {
				t.Errorf("prod unhealthy-task alarm = %v, want the maximum over both groups", expr)
			}
		}
	}
	if !found {
		t.Error("prod has no unhealthy-task alarm")
	}
}
