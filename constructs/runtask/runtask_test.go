package runtask

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSDK stands in for @aws-sdk/client-ecs: each send() records the
// command and answers from the scenario's scripted responses.
const fakeSDK = `
const scenario = JSON.parse(process.env.SCENARIO);
const calls = (globalThis.calls = []);
class RunTaskCommand { constructor(input) { this.input = input; } }
class DescribeTasksCommand { constructor(input) { this.input = input; } }
class ECSClient {
  async send(cmd) {
    const name = cmd.constructor.name;
    calls.push({ name, input: cmd.input });
    if (name === 'RunTaskCommand') return scenario.run;
    return scenario.describe.shift();
  }
}
module.exports = { ECSClient, RunTaskCommand, DescribeTasksCommand };
`

const harness = `
const { handler } = require('./index.js');
const scenario = JSON.parse(process.env.SCENARIO);
const context = { getRemainingTimeInMillis: () => scenario.remainingMs ?? 600000 };
handler(scenario.event, context).then(
  (result) => console.log(JSON.stringify({ result, calls: globalThis.calls })),
  (err) => console.log(JSON.stringify({ error: err.message, calls: globalThis.calls })),
);
`

type outcome struct {
	Result *struct {
		PhysicalResourceId string
		Data               map[string]string
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
			"Container": "migrate", "LogGroup": "/migrate", "PollSeconds": "0",
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

func TestHandler(t *testing.T) {
	t.Run("create runs the task in the given network and succeeds on exit code 0", func(t *testing.T) {
		o := run(t, map[string]any{"event": event("Create"), "run": started, "describe": []any{running, stopped(0, "")}})
		if o.Error != "" || o.Result == nil || o.Result.Data["TaskArn"] != "arn:task/1" {
			t.Fatalf("outcome %+v", o)
		}
		if len(o.Calls) != 3 || o.Calls[0].Name != "RunTaskCommand" {
			t.Fatalf("calls %+v, want RunTask then two DescribeTasks", o.Calls)
		}
		in, _ := json.Marshal(o.Calls[0].Input)
		for _, want := range []string{`"launchType":"FARGATE"`, `"assignPublicIp":"DISABLED"`, `"subnets":["subnet-1","subnet-2"]`, `"securityGroups":["sg-1"]`, `"taskDefinition":"arn:aws:ecs:eu-west-1:123456789012:task-definition/migrate:7"`} {
			if !strings.Contains(string(in), want) {
				t.Errorf("RunTask input %s lacks %s", in, want)
			}
		}
	})
	t.Run("a non-zero exit code fails the deployment with the log group", func(t *testing.T) {
		o := run(t, map[string]any{"event": event("Update"), "run": started, "describe": []any{stopped(1, "")}})
		if !strings.Contains(o.Error, "exit code 1") || !strings.Contains(o.Error, "/migrate") {
			t.Fatalf("error %q, want exit code 1 and the log group", o.Error)
		}
	})
	t.Run("a task that never started its container fails", func(t *testing.T) {
		o := run(t, map[string]any{"event": event("Update"), "run": started, "describe": []any{stopped(nil, "CannotPullContainerError: pull access denied")}})
		if !strings.Contains(o.Error, "exit code none") || !strings.Contains(o.Error, "CannotPullContainerError") {
			t.Fatalf("error %q", o.Error)
		}
	})
	t.Run("RunTask failures fail the deployment", func(t *testing.T) {
		o := run(t, map[string]any{"event": event("Create"), "run": map[string]any{"tasks": []any{}, "failures": []any{map[string]any{"reason": "RESOURCE:ENI"}}}})
		if !strings.Contains(o.Error, "RESOURCE:ENI") {
			t.Fatalf("error %q", o.Error)
		}
	})
	t.Run("running out of time fails instead of reporting success", func(t *testing.T) {
		o := run(t, map[string]any{"event": event("Create"), "run": started, "describe": []any{running}, "remainingMs": 1000})
		if !strings.Contains(o.Error, "ran out of time") {
			t.Fatalf("error %q", o.Error)
		}
	})
	t.Run("delete does nothing", func(t *testing.T) {
		e := event("Delete")
		e["PhysicalResourceId"] = "run-task"
		o := run(t, map[string]any{"event": e})
		if o.Error != "" || len(o.Calls) != 0 || o.Result.PhysicalResourceId != "run-task" {
			t.Fatalf("outcome %+v", o)
		}
	})
	t.Run("fits CloudFormation's 4 KiB inline code limit", func(t *testing.T) {
		if len(Handler) > 4096 {
			t.Errorf("handler is %d bytes", len(Handler))
		}
	})
}
