package runtask

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeSDK stands in for @aws-sdk/client-ecs: each send() records the
// command and answers from the scenario's scripted responses.
const fakeSDK = `
const scenario = JSON.parse(process.env.SCENARIO);
const calls = (globalThis.calls = []);
class RunTaskCommand { constructor(input) { this.input = input; } }
class DescribeTasksCommand { constructor(input) { this.input = input; } }
class StopTaskCommand { constructor(input) { this.input = input; } }
class ECSClient {
  async send(cmd) {
    const name = cmd.constructor.name;
    calls.push({ name, input: cmd.input });
    if (name === 'RunTaskCommand') return scenario.run;
    if (name === 'StopTaskCommand') return {};
    const answer = scenario.describe.shift();
    // Errors as AWS SDK v3 throws them: name, $fault, $metadata.httpStatusCode
    // (none when no answer came back).
    if (answer && answer.$error) {
      const e = answer.$error;
      throw Object.assign(new Error(e.message), { name: e.name, $fault: e.fault, $metadata: e.status ? { httpStatusCode: e.status } : {} });
    }
    return answer;
  }
}
module.exports = { ECSClient, RunTaskCommand, DescribeTasksCommand, StopTaskCommand };
`

// harness calls one entry point (scenario.entry) the way the provider
// framework does, with RUN_TIMEOUT_MINUTES set as on the check function.
const harness = `
process.env.RUN_TIMEOUT_MINUTES = '50';
const handlers = require('./index.js');
const scenario = JSON.parse(process.env.SCENARIO);
handlers[scenario.entry](scenario.event).then(
  (result) => console.log(JSON.stringify({ result, calls: globalThis.calls })),
  (err) => console.log(JSON.stringify({ error: err.message, calls: globalThis.calls })),
);
`

type outcome struct {
	Result *struct {
		PhysicalResourceId string
		Data               map[string]string
		IsComplete         *bool
	}
	Error string
	Calls []struct {
		Name  string
		Input map[string]any
	}
}

func run(t *testing.T, scenario map[string]any) outcome {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node not on PATH (source scripts/node-env.sh)")
		}
		t.Skip("node not on PATH (source scripts/node-env.sh)")
	}
	dir := t.TempDir()
	sdk := filepath.Join(dir, "node_modules", "@aws-sdk", "client-ecs")
	if err := os.MkdirAll(sdk, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		filepath.Join(dir, "index.js"): Handler, filepath.Join(dir, "harness.js"): harness, filepath.Join(sdk, "index.js"): fakeSDK,
	} {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, _ := json.Marshal(scenario)
	cmd := exec.Command(node, "harness.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SCENARIO="+string(raw))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var o outcome
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &o); err != nil {
		t.Fatalf("handler output %q: %v", out, err)
	}
	return o
}

func event(kind string) map[string]any {
	return map[string]any{
		"RequestType": kind,
		"ResourceProperties": map[string]any{
			"Cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/c", "TaskDefinition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/migrate:7",
			"Subnets": []string{"subnet-1", "subnet-2"}, "SecurityGroups": []string{"sg-1"},
			"Container": "migrate", "LogGroup": "/migrate",
		},
	}
}

var started = map[string]any{"tasks": []any{map[string]any{"taskArn": "arn:task/1"}}}

func stopped(exitCode any, reason string) map[string]any {
	c := map[string]any{"name": "migrate", "reason": reason}
	if exitCode != nil {
		c["exitCode"] = exitCode
	}
	return map[string]any{"tasks": []any{map[string]any{"lastStatus": "STOPPED", "stoppedReason": "Essential container in task exited", "containers": []any{c}}}}
}

var running = map[string]any{"tasks": []any{map[string]any{"lastStatus": "RUNNING"}}}

// polled is the event isComplete gets: the request plus what onEvent
// returned, for a task started minutesAgo.
func polled(kind string, minutesAgo int) map[string]any {
	e := event(kind)
	e["PhysicalResourceId"] = "run-task"
	e["Data"] = map[string]any{"TaskArn": "arn:task/1", "StartedAt": fmt.Sprint(time.Now().Add(-time.Duration(minutesAgo) * time.Minute).UnixMilli())}
	return e
}

func TestOnEvent(t *testing.T) {
	t.Run("create starts the task in the given network and hands its ARN on", func(t *testing.T) {
		o := run(t, map[string]any{"entry": "onEvent", "event": event("Create"), "run": started})
		if o.Error != "" || o.Result == nil || o.Result.Data["TaskArn"] != "arn:task/1" || o.Result.PhysicalResourceId != "run-task" {
			t.Fatalf("outcome %+v", o)
		}
		if at, err := strconv.ParseInt(o.Result.Data["StartedAt"], 10, 64); err != nil || time.Since(time.UnixMilli(at)) > time.Minute {
			t.Errorf("StartedAt %q, want now in milliseconds", o.Result.Data["StartedAt"])
		}
		if len(o.Calls) != 1 || o.Calls[0].Name != "RunTaskCommand" {
			t.Fatalf("calls %+v, want RunTask only (isComplete polls)", o.Calls)
		}
		in, _ := json.Marshal(o.Calls[0].Input)
		for _, want := range []string{`"launchType":"FARGATE"`, `"assignPublicIp":"DISABLED"`, `"subnets":["subnet-1","subnet-2"]`, `"securityGroups":["sg-1"]`, `"taskDefinition":"arn:aws:ecs:eu-west-1:123456789012:task-definition/migrate:7"`} {
			if !strings.Contains(string(in), want) {
				t.Errorf("RunTask input %s lacks %s", in, want)
			}
		}
	})
	t.Run("an update keeps the physical ID, so CloudFormation sends no Delete for the previous run", func(t *testing.T) {
		e := event("Update")
		e["PhysicalResourceId"] = "run-task"
		o := run(t, map[string]any{"entry": "onEvent", "event": e, "run": started})
		if o.Error != "" || o.Result.PhysicalResourceId != "run-task" {
			t.Fatalf("outcome %+v", o)
		}
	})
	t.Run("RunTask failures fail the deployment", func(t *testing.T) {
		o := run(t, map[string]any{"entry": "onEvent", "event": event("Create"), "run": map[string]any{"tasks": []any{}, "failures": []any{map[string]any{"reason": "RESOURCE:ENI"}}}})
		if !strings.Contains(o.Error, "RESOURCE:ENI") {
			t.Fatalf("error %q", o.Error)
		}
	})
	t.Run("delete does nothing", func(t *testing.T) {
		e := event("Delete")
		e["PhysicalResourceId"] = "run-task"
		o := run(t, map[string]any{"entry": "onEvent", "event": e})
		if o.Error != "" || len(o.Calls) != 0 || o.Result.PhysicalResourceId != "run-task" {
			t.Fatalf("outcome %+v", o)
		}
	})
}

func TestIsComplete(t *testing.T) {
	complete := func(t *testing.T, o outcome, want bool) {
		t.Helper()
		if o.Error != "" || o.Result == nil || o.Result.IsComplete == nil || *o.Result.IsComplete != want {
			t.Fatalf("outcome %+v, want IsComplete %v", o, want)
		}
		if o.Result.Data != nil {
			t.Errorf("Data %v: the provider framework refuses Data with IsComplete false, and the task ARN is already there", o.Result.Data)
		}
	}
	t.Run("a running task is not complete yet", func(t *testing.T) {
		o := run(t, map[string]any{"entry": "isComplete", "event": polled("Create", 3), "describe": []any{running}})
		complete(t, o, false)
		if len(o.Calls) != 1 || o.Calls[0].Name != "DescribeTasksCommand" {
			t.Fatalf("calls %+v", o.Calls)
		}
		if in, _ := json.Marshal(o.Calls[0].Input); string(in) != `{"cluster":"arn:aws:ecs:eu-west-1:123456789012:cluster/c","tasks":["arn:task/1"]}` {
			t.Errorf("DescribeTasks input %s", in)
		}
	})
	t.Run("a task not described yet is not complete yet", func(t *testing.T) {
		o := run(t, map[string]any{"entry": "isComplete", "event": polled("Create", 0), "describe": []any{map[string]any{"tasks": []any{}, "failures": []any{map[string]any{"reason": "MISSING"}}}}})
		complete(t, o, false)
	})
	t.Run("exit code 0 completes the run", func(t *testing.T) {
		complete(t, run(t, map[string]any{"entry": "isComplete", "event": polled("Update", 12), "describe": []any{stopped(0, "")}}), true)
	})
	t.Run("a non-zero exit code fails the deployment with the log group", func(t *testing.T) {
		o := run(t, map[string]any{"entry": "isComplete", "event": polled("Update", 1), "describe": []any{stopped(1, "")}})
		if !strings.Contains(o.Error, "exit code 1") || !strings.Contains(o.Error, "/migrate") {
			t.Fatalf("error %q, want exit code 1 and the log group", o.Error)
		}
	})
	t.Run("a task that never started its container fails", func(t *testing.T) {
		o := run(t, map[string]any{"entry": "isComplete", "event": polled("Update", 1), "describe": []any{stopped(nil, "CannotPullContainerError: pull access denied")}})
		if !strings.Contains(o.Error, "exit code none") || !strings.Contains(o.Error, "CannotPullContainerError") {
			t.Fatalf("error %q", o.Error)
		}
	})
	t.Run("a run past RUN_TIMEOUT_MINUTES is stopped, so a rollback's run does not wait for its lock, and fails", func(t *testing.T) {
		o := run(t, map[string]any{"entry": "isComplete", "event": polled("Update", 51), "describe": []any{running}})
		if !strings.Contains(o.Error, "ran longer than 50 minutes and was stopped") {
			t.Fatalf("error %q", o.Error)
		}
		if len(o.Calls) != 2 || o.Calls[1].Name != "StopTaskCommand" || o.Calls[1].Input["task"] != "arn:task/1" {
			t.Fatalf("calls %+v, want DescribeTasks then StopTask of the run", o.Calls)
		}
	})
	// After the container exits, a Fargate task passes DEACTIVATING, STOPPING
	// and DEPROVISIONING (its network interface released) before STOPPED.
	deprovisioning := func(exitCode int) map[string]any {
		return map[string]any{"tasks": []any{map[string]any{"lastStatus": "DEPROVISIONING", "desiredStatus": "STOPPED", "stoppedReason": "Essential container in task exited",
			"containers": []any{map[string]any{"name": "migrate", "lastStatus": "STOPPED", "exitCode": exitCode}}}}}
	}
	t.Run("a container that exited 0 completes the run before its task is STOPPED, even at the time limit (not stopped, not failed)", func(t *testing.T) {
		o := run(t, map[string]any{"entry": "isComplete", "event": polled("Update", 51), "describe": []any{deprovisioning(0)}})
		complete(t, o, true)
		if len(o.Calls) != 1 {
			t.Errorf("calls %+v, want DescribeTasks only", o.Calls)
		}
	})
	t.Run("a container that exited non-zero fails the run before its task is STOPPED", func(t *testing.T) {
		o := run(t, map[string]any{"entry": "isComplete", "event": polled("Update", 3), "describe": []any{deprovisioning(2)}})
		if !strings.Contains(o.Error, "exit code 2") {
			t.Fatalf("outcome %+v, want a failure with exit code 2", o)
		}
	})
	t.Run("a task still not described at the time limit fails saying so (there is nothing to stop)", func(t *testing.T) {
		o := run(t, map[string]any{"entry": "isComplete", "event": polled("Update", 51), "describe": []any{map[string]any{"tasks": []any{}, "failures": []any{map[string]any{"reason": "MISSING"}}}}})
		if !strings.Contains(o.Error, "not found after 50 minutes") || !strings.Contains(o.Error, "MISSING") || len(o.Calls) != 1 {
			t.Fatalf("outcome %+v, want a not-found failure and no StopTask", o)
		}
	})
	t.Run("just inside RUN_TIMEOUT_MINUTES it keeps waiting", func(t *testing.T) {
		complete(t, run(t, map[string]any{"entry": "isComplete", "event": polled("Update", 49), "describe": []any{running}}), false)
	})
	// sdkError is DescribeTasks failing as the SDK reports it; status 0: no answer.
	sdkError := func(name string, status int, fault string) map[string]any {
		e := map[string]any{"name": name, "message": name + " from ECS", "fault": fault}
		if status != 0 {
			e["status"] = status
		}
		return map[string]any{"$error": e}
	}
	for _, tt := range []struct {
		name    string
		err     map[string]any
		minutes int
		fails   bool // false: asked again at the next poll
	}{
		{"throttling is asked again", sdkError("ThrottlingException", 400, "client"), 2, false},
		{"throttling is asked again long after the start", sdkError("ThrottlingException", 400, "client"), 30, false},
		{"a server error (5xx) is asked again", sdkError("ServerException", 500, "server"), 30, false},
		{"access denied early (a new policy propagating) is asked again", sdkError("AccessDeniedException", 400, "client"), 2, false},
		{"access denied after the grace minutes fails", sdkError("AccessDeniedException", 400, "client"), 6, true},
		{"no answer at all early is asked again", sdkError("TimeoutError", 0, ""), 1, false},
		{"no answer at all after the grace minutes fails", sdkError("TimeoutError", 0, ""), 6, true},
		{"an invalid parameter fails at once", sdkError("InvalidParameterException", 400, "client"), 1, true},
		{"a missing cluster fails at once", sdkError("ClusterNotFoundException", 400, "client"), 1, true},
		{"any other client error fails at once", sdkError("ClientException", 400, "client"), 1, true},
		{"throttling still at RUN_TIMEOUT_MINUTES fails", sdkError("ThrottlingException", 400, "client"), 51, true},
	} {
		t.Run("DescribeTasks error: "+tt.name, func(t *testing.T) {
			o := run(t, map[string]any{"entry": "isComplete", "event": polled("Update", tt.minutes), "describe": []any{tt.err}})
			if !tt.fails {
				complete(t, o, false)
				return
			}
			name := tt.err["$error"].(map[string]any)["name"].(string)
			if !strings.Contains(o.Error, "DescribeTasks failed after") || !strings.Contains(o.Error, name+": "+name+" from ECS") || !strings.Contains(o.Error, "/migrate") {
				t.Fatalf("error %q, want the error's name and message and the log group", o.Error)
			}
			if len(o.Calls) != 2 || o.Calls[1].Name != "StopTaskCommand" || o.Calls[1].Input["task"] != "arn:task/1" {
				t.Fatalf("calls %+v, want DescribeTasks then StopTask of the run", o.Calls)
			}
		})
	}
	t.Run("delete is complete at once", func(t *testing.T) {
		e := event("Delete")
		e["PhysicalResourceId"] = "run-task"
		o := run(t, map[string]any{"entry": "isComplete", "event": e})
		complete(t, o, true)
		if len(o.Calls) != 0 {
			t.Errorf("calls %+v", o.Calls)
		}
	})
}

func TestHandlerSize(t *testing.T) {
	// CloudFormation's limit on inline (ZipFile) Lambda code.
	if len(Handler) > 4096 {
		t.Errorf("handler is %d bytes, CloudFormation inlines at most 4096", len(Handler))
	}
}
