package stacks_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/example/fargate-api/stacks"
)

// byLogicalID returns the resources of typ in stack whose logical ID is
// construct id followed by CDK's 8-character hash (an ID at stack level).
func (f *fixture) byLogicalID(s awscdk.Stack, typ, id string) (map[string]any, bool) {
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(id) + `[0-9A-F]{8}$`)
	for logical, props := range f.resources(s, typ) {
		if re.MatchString(logical) {
			return props, true
		}
	}
	return nil, false
}

// TestAlarmValues checks every alarm's threshold, operator and evaluation
// window in the templates, for the dev and prod defaults and for the custom
// variant, which sets every threshold off its default: a threshold that
// does not follow its setting, or a window other than 3 of 5 minutes (what
// docs/operations.md promises), fails here by alarm name.
func TestAlarmValues(t *testing.T) {
	f := app(t)
	const gib = 1 << 30
	type want struct {
		threshold float64
		op        string
		missing   string // TreatMissingData; "" means notBreaching
	}
	above, below := "GreaterThanThreshold", "LessThanThreshold"
	expected := map[string]map[string]want{
		"dev": {
			"Api5xxRate": {5, above, ""}, "ApiLatency": {2000, above, ""}, "Target5xx": {10, above, ""},
			"UnhealthyTasks": {0, above, ""}, "TargetResponseTime": {1, above, ""},
			"ServiceCpu": {85, above, ""}, "ServiceMemory": {85, above, ""},
			"DatabaseCpu": {80, above, ""}, "DatabaseFreeStorage": {5 * gib, below, ""}, "DatabaseConnections": {60, above, ""},
			// dev's NAT instance status alarm is in the Network stack, with a
			// composite alarm here (natinstance_test.go).
		},
		"prod": {
			"Api5xxRate": {1, above, ""}, "ApiLatency": {2000, above, ""}, "Target5xx": {5, above, ""},
			"UnhealthyTasks": {0, above, ""}, "TargetResponseTime": {1, above, ""},
			"ServiceCpu": {85, above, ""}, "ServiceMemory": {85, above, ""},
			"DatabaseCpu": {80, above, ""}, "DatabaseFreeStorage": {10 * gib, below, ""}, "DatabaseConnections": {300, above, ""},
		},
		"custom": {
			"Api5xxRate": {7, above, ""}, "ApiLatency": {1500, above, ""}, "Target5xx": {25, above, ""},
			"UnhealthyTasks": {0, above, ""}, "TargetResponseTime": {0.75, above, ""},
			"ServiceCpu": {70, above, ""}, "ServiceMemory": {75, above, ""},
			"DatabaseCpu": {65, above, ""}, "DatabaseFreeStorage": {8 * gib, below, ""}, "DatabaseConnections": {120, above, ""},
		},
	}
	// The deployment alarm in the Service stack rolls deploys back on the
	// same threshold as the Target5xx alarm.
	rollback := map[string]float64{"dev": 10, "prod": 5, "custom": 25}
	variants := map[string]stacks.Set{"dev": f.dev, "prod": f.prod, "custom": f.custom}

	check := func(t *testing.T, props map[string]any, w want) {
		t.Helper()
		if got, _ := props["Threshold"].(float64); got != w.threshold || props["Threshold"] == nil {
			t.Errorf("Threshold = %v, want %v", props["Threshold"], w.threshold)
		}
		if props["ComparisonOperator"] != w.op {
			t.Errorf("ComparisonOperator = %v, want %s", props["ComparisonOperator"], w.op)
		}
		if props["EvaluationPeriods"] != 5.0 || props["DatapointsToAlarm"] != 3.0 {
			t.Errorf("fires on %v of %v datapoints, want 3 of 5", props["DatapointsToAlarm"], props["EvaluationPeriods"])
		}
		if w.missing == "" {
			w.missing = "notBreaching"
		}
		if props["TreatMissingData"] != w.missing {
			t.Errorf("TreatMissingData = %v, want %s", props["TreatMissingData"], w.missing)
		}
	}
	for _, name := range []string{"dev", "prod", "custom"} {
		d := variants[name]
		ids := keys(expected[name])
		for _, id := range ids {
			t.Run(name+"/"+id, func(t *testing.T) {
				props, ok := f.byLogicalID(d.Monitoring.Stack, "AWS::CloudWatch::Alarm", id)
				if !ok {
					t.Fatalf("%s: no alarm %s", *d.Monitoring.StackName(), id)
				}
				check(t, props, expected[name][id])
			})
		}
		t.Run(name+"/only these alarms", func(t *testing.T) {
			if got := len(f.resources(d.Monitoring.Stack, "AWS::CloudWatch::Alarm")); got != len(ids) {
				t.Errorf("%d alarms in %s, want %d (%v)", got, *d.Monitoring.StackName(), len(ids), ids)
			}
		})
		t.Run(name+"/deployment rollback alarm", func(t *testing.T) {
			alarms := f.resources(d.Service.Stack, "AWS::CloudWatch::Alarm")
			if f.cfg[name].Service.ShiftsTraffic() {
				// Canary, linear, blue/green: a 5xx and a latency alarm per
				// target group, on the new revision (strategy_test.go).
				got := map[string][]float64{}
				for _, props := range alarms {
					for _, q := range props["Metrics"].([]any) {
						if q.(map[string]any)["Id"] == "value" {
							metric := fmt.Sprint(stratPath(q, "MetricStat", "Metric", "MetricName"))
							got[metric] = append(got[metric], props["Threshold"].(float64))
						}
					}
				}
				latency := float64(f.cfg[name].Monitoring.TargetResponseP99Ms) / 1000
				want := map[string][]float64{"HTTPCode_Target_5XX_Count": {rollback[name], rollback[name]}, "TargetResponseTime": {latency, latency}}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("new-revision alarm thresholds (-want +got):\n%s", diff)
				}
				return
			}
			if len(alarms) != 1 {
				t.Fatalf("%d alarms in %s, want the one deployment alarm", len(alarms), *d.Service.StackName())
			}
			for _, props := range alarms {
				if props["MetricName"] != "HTTPCode_Target_5XX_Count" {
					t.Errorf("MetricName = %v, want HTTPCode_Target_5XX_Count", props["MetricName"])
				}
				check(t, props, want{rollback[name], above, ""})
			}
		})
	}
}

// TestContainerEnvironmentValues checks the values, not only the names, of
// what the container receives.
func TestContainerEnvironmentValues(t *testing.T) {
	f := app(t)
	env := func(t *testing.T, s awscdk.Stack) map[string]string {
		out := map[string]string{}
		items, _ := container(t, f, s)["Environment"].([]any)
		for _, item := range items {
			kv := item.(map[string]any)
			v, isString := kv["Value"].(string)
			if !isString {
				raw, _ := json.Marshal(kv["Value"])
				v = string(raw)
			}
			out[kv["Name"].(string)] = v
		}
		return out
	}
	dev := env(t, f.dev.Service.Stack)
	for name, want := range map[string]string{
		"PORT":       "8080",
		"DB_PORT":    "5432",
		"DB_NAME":    "app",
		"DB_SSLMODE": "verify-full", // the server's certificate is checked against the RDS CA (issue 10)
	} {
		t.Run("dev "+name, func(t *testing.T) {
			if got, ok := dev[name]; !ok || got != want {
				t.Errorf("%s = %q (set: %v), want %q", name, got, ok, want)
			}
		})
	}
	t.Run("dev DB_HOST is the database's endpoint address", func(t *testing.T) {
		if !strings.Contains(dev["DB_HOST"], "EndpointAddress") {
			t.Errorf("DB_HOST = %s, want the database stack's endpoint address", dev["DB_HOST"])
		}
	})
	t.Run("custom LOG_LEVEL from app:environment", func(t *testing.T) {
		if got := env(t, f.custom.Service.Stack)["LOG_LEVEL"]; got != "debug" {
			t.Errorf("LOG_LEVEL = %q, want debug", got)
		}
	})
}

// TestDatabaseLogRetention checks that every log the database exports to
// CloudWatch expires after the configured number of days.
func TestDatabaseLogRetention(t *testing.T) {
	f := app(t)
	for name, c := range map[string]struct {
		d    stacks.Set
		days float64
	}{"dev": {f.dev, 14}, "prod": {f.prod, 90}, "custom": {f.custom, 30}} {
		t.Run(name, func(t *testing.T) {
			s := c.d.Database.Stack
			db := f.only(t, s, "AWS::RDS::DBInstance")
			var exported []string
			for _, l := range db["EnableCloudwatchLogsExports"].([]any) {
				exported = append(exported, l.(string))
			}
			var retained []string
			for id, r := range f.resources(s, "Custom::LogRetention") {
				raw, _ := json.Marshal(r["LogGroupName"])
				for _, l := range exported {
					if strings.Contains(string(raw), fmt.Sprintf(`"/%s"`, l)) {
						retained = append(retained, l)
						if r["RetentionInDays"] != c.days {
							t.Errorf("%s: %s logs kept %v days, want %v", id, l, r["RetentionInDays"], c.days)
						}
					}
				}
			}
			sort.Strings(exported)
			sort.Strings(retained)
			if len(exported) == 0 || !slices.Equal(exported, retained) {
				t.Errorf("exported logs %v, logs with a retention %v: every exported log needs one", exported, retained)
			}
		})
	}
}
