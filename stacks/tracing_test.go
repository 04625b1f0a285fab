package stacks_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	appconstructs "github.com/example/fargate-api/constructs"
)

// containers returns the container definitions of the service's task by
// name.
func containers(t *testing.T, f *fixture, s awscdk.Stack) (map[string]any, map[string]map[string]any) {
	t.Helper()
	_, td := f.byPrefix(t, s, "AWS::ECS::TaskDefinition", "WebTask")
	out := map[string]map[string]any{}
	for _, c := range td["ContainerDefinitions"].([]any) {
		def := c.(map[string]any)
		out[def["Name"].(string)] = def
	}
	return td, out
}

// logGroupOf returns the log group resource a container's awslogs driver
// writes to.
func logGroupOf(t *testing.T, f *fixture, s awscdk.Stack, c map[string]any) map[string]any {
	t.Helper()
	opts := c["LogConfiguration"].(map[string]any)["Options"].(map[string]any)
	ref, _ := opts["awslogs-group"].(map[string]any)["Ref"].(string)
	groups := f.resources(s, "AWS::Logs::LogGroup")
	g, ok := groups[ref]
	if !ok {
		t.Fatalf("container %v writes to %v, not a log group of the stack", c["Name"], opts["awslogs-group"])
	}
	return g
}

// TestTracing: prod (tracing on by default) runs the collector sidecar
// with its own expiring logs, a share of the task's size that leaves the
// task's Fargate pair alone, the X-Ray write permission on the task role
// and nothing else, and the application pointed at it; dev (off) has none
// of it.
func TestTracing(t *testing.T) {
	f := app(t)
	prod := f.prod.Service.Stack
	cfg := f.cfg["prod"]
	td, cs := containers(t, f, prod)
	col, app := cs[appconstructs.CollectorContainerName], cs[cfg.Service.ContainerName]
	if col == nil || app == nil || len(cs) != 2 {
		t.Fatalf("prod task containers %v, want the application and %s", slices.Collect(maps.Keys(cs)), appconstructs.CollectorContainerName)
	}

	t.Run("collector image pinned by digest", func(t *testing.T) {
		img, _ := col["Image"].(string)
		if img != appconstructs.CollectorImage || !strings.Contains(img, ":v") || !strings.Contains(img, "@sha256:") {
			t.Errorf("image %v, want a tag and a digest", col["Image"])
		}
	})
	t.Run("collector not essential, read-only, configured from its environment", func(t *testing.T) {
		env := envMap(col)
		if col["Essential"] != false || col["ReadonlyRootFilesystem"] != true || !strings.Contains(env["OTEL_COLLECTOR_CONFIG"], "authenticator: sigv4auth") {
			t.Errorf("collector essential %v, read-only %v, config %q", col["Essential"], col["ReadonlyRootFilesystem"], env["OTEL_COLLECTOR_CONFIG"])
		}
		if !strings.Contains(env["OTEL_COLLECTOR_CONFIG"], "endpoint: 127.0.0.1:4318") {
			t.Errorf("the collector's receiver must listen on the task's loopback only: %s", env["OTEL_COLLECTOR_CONFIG"])
		}
	})
	t.Run("collector logs to its own group, which expires", func(t *testing.T) {
		g := logGroupOf(t, f, prod, col)
		if g["RetentionInDays"] != float64(cfg.Service.LogRetentionDays) {
			t.Errorf("collector log group retention %v, want %d", g["RetentionInDays"], cfg.Service.LogRetentionDays)
		}
		group := func(c map[string]any) string {
			ref, _ := json.Marshal(c["LogConfiguration"].(map[string]any)["Options"].(map[string]any)["awslogs-group"])
			return string(ref)
		}
		if group(col) == group(app) {
			t.Errorf("collector and application share the log group %s", group(col))
		}
	})
	t.Run("collector's share taken from the task, whose size stays the configured Fargate pair", func(t *testing.T) {
		if col["Cpu"] != float64(cfg.Service.CollectorCPU) || col["Memory"] != float64(cfg.Service.CollectorMemoryMiB) {
			t.Errorf("collector cpu %v memory %v, want %d and %d (hard)", col["Cpu"], col["Memory"], cfg.Service.CollectorCPU, cfg.Service.CollectorMemoryMiB)
		}
		if td["Cpu"] != strconv.Itoa(cfg.Service.CPU) || td["Memory"] != strconv.Itoa(cfg.Service.MemoryMiB) {
			t.Errorf("task size %v/%v, want %d/%d", td["Cpu"], td["Memory"], cfg.Service.CPU, cfg.Service.MemoryMiB)
		}
	})
	t.Run("application starts after the collector and sends it its spans", func(t *testing.T) {
		deps, _ := json.Marshal(app["DependsOn"])
		if !strings.Contains(string(deps), `"ContainerName":"`+appconstructs.CollectorContainerName+`"`) {
			t.Errorf("application DependsOn %s", deps)
		}
		env := envMap(app)
		contract := loadContract(t)
		var got []string
		for k := range env {
			if strings.HasPrefix(k, "TRACING_") {
				got = append(got, k)
			}
		}
		slices.Sort(got)
		if want := slices.Sorted(slices.Values(contract.Tracing.Environment)); !slices.Equal(got, want) {
			t.Errorf("application tracing variables %v, sampleapi/contract.json's %v", got, want)
		}
		if env["TRACING_ENDPOINT"] != appconstructs.TracesEndpoint || env["TRACING_SAMPLE_RATE"] != "0.05" || env["TRACING_SERVICE_NAME"] != cfg.Service.TaskFamily {
			t.Errorf("application tracing environment %v", env)
		}
	})
	t.Run("task role may write spans and nothing more", func(t *testing.T) {
		var found []string
		for id, p := range f.resources(prod, "AWS::IAM::Policy") {
			doc, _ := json.Marshal(p["PolicyDocument"])
			if !strings.Contains(string(doc), "xray:") {
				continue
			}
			found = append(found, id)
			want := `{"Statement":[{"Action":["xray:PutSpans","xray:PutSpansForIndexing"],"Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}`
			if string(doc) != want {
				t.Errorf("policy %s: %s\nwant %s", id, doc, want)
			}
			roles, _ := json.Marshal(p["Roles"])
			if !strings.Contains(string(roles), `"WebTaskTaskRole`) && !strings.Contains(string(roles), `"MigrationTaskTaskRole`) {
				t.Errorf("policy %s attached to %s, want a task role", id, roles)
			}
		}
		if len(found) != 2 {
			t.Errorf("X-Ray policies %v, want one per task role (service, migration)", found)
		}
	})
	t.Run("migration run traced through its own collector, which does not keep the task running", func(t *testing.T) {
		_, mig := f.byPrefix(t, prod, "AWS::ECS::TaskDefinition", "MigrationTask")
		run, col := namedContainer(t, mig, "migrate"), namedContainer(t, mig, appconstructs.CollectorContainerName)
		if col["Essential"] != false || run["Essential"] != true {
			t.Errorf("migration containers essential: run %v, collector %v", run["Essential"], col["Essential"])
		}
		if g := logGroupOf(t, f, prod, col); g["RetentionInDays"] != float64(cfg.Service.LogRetentionDays) {
			t.Errorf("migration collector log retention %v", g["RetentionInDays"])
		}
		if env := envMap(run); env["TRACING_ENDPOINT"] != appconstructs.TracesEndpoint || env["TRACING_SERVICE_NAME"] != cfg.Service.TaskFamily {
			t.Errorf("migration tracing environment %v", env)
		}
		deps, _ := json.Marshal(run["DependsOn"])
		if !strings.Contains(string(deps), appconstructs.CollectorContainerName) {
			t.Errorf("migration container DependsOn %s", deps)
		}
	})

	t.Run("dashboard links to the service's traces, with the way from an alarm to a slow trace", func(t *testing.T) {
		body, _ := json.Marshal(f.only(t, f.prod.Monitoring.Stack, "AWS::CloudWatch::Dashboard")["DashboardBody"])
		for _, want := range []string{"#application-signals:transaction-search", "service.name = " + cfg.Service.TaskFamily, "sort the spans by duration", "HTTP APIs emit no traces"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("prod dashboard lacks %q", want)
			}
		}
		if dev, _ := json.Marshal(f.only(t, f.dev.Monitoring.Stack, "AWS::CloudWatch::Dashboard")["DashboardBody"]); strings.Contains(string(dev), "transaction-search") {
			t.Error("dev's dashboard links to traces it does not send")
		}
	})
	t.Run("off: no collector, no tracing variables, no X-Ray permission", func(t *testing.T) {
		dev := f.dev.Service.Stack
		if f.cfg["dev"].Service.Tracing {
			t.Fatal("dev has tracing on by default")
		}
		_, cs := containers(t, f, dev)
		for name, c := range cs {
			if name == appconstructs.CollectorContainerName {
				t.Errorf("dev runs the collector")
			}
			for k := range envMap(c) {
				if strings.HasPrefix(k, "TRACING_") {
					t.Errorf("dev container %s has %s", name, k)
				}
			}
		}
		for id, p := range f.resources(dev, "AWS::IAM::Policy") {
			if doc, _ := json.Marshal(p["PolicyDocument"]); strings.Contains(string(doc), "xray:") {
				t.Errorf("dev policy %s grants X-Ray: %s", id, doc)
			}
		}
	})
}
