package runtask

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSDK stands in for @aws-sdk/client-ecs: each send() records the
// command and answers from the scenario's scripted responses ($never: an
// answer that never comes).
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
    if (answer && answer.$never) return new Promise(() => {});
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

// harness settles scenarios one at a time, each read as one JSON line
// ({"id", "scenario"}) from stdin and answered with one ({"id", "outcome"},
// or "crash" when the handler module or its entry point fails before the
// handler runs) on stdout. Each scenario gets the handler and the fake SDK
// loaded afresh (so their module state, the ECS client and calls included,
// starts anew), RUN_TIMEOUT_MINUTES as on the check function and its own
// SCENARIO, and calls the entry point the way the provider framework does.
// The handler's own logs go to stderr, out of the answers' way.
const harness = `
const path = require('path');
const readline = require('readline');
console.log = console.error;
const answer = (msg) => process.stdout.write(JSON.stringify(msg) + '\n');
async function settle(id, scenario) {
  let pending;
  try {
    for (const key of Object.keys(require.cache)) delete require.cache[key];
    delete globalThis.calls;
    process.env.RUN_TIMEOUT_MINUTES = '50';
    process.env.SCENARIO = JSON.stringify(scenario);
    const handlers = require(path.join(__dirname, 'index.js'));
    pending = handlers[scenario.entry](scenario.event);
    if (!(pending instanceof Promise)) throw new Error(scenario.entry + ' returned no promise');
  } catch (err) {
    return answer({ id, crash: String(err && err.stack || err) });
  }
  await pending.then(
    (result) => answer({ id, outcome: { result, calls: globalThis.calls } }),
    (err) => answer({ id, outcome: { error: err.message, calls: globalThis.calls } }),
  );
}
// One scenario at a time: two in flight would share globalThis.calls.
let queue = Promise.resolve();
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, scenario } = JSON.parse(line);
  queue = queue.then(() => settle(id, scenario));
});
`

// settleTimeout bounds one scenario; each takes milliseconds, so one that
// has not settled by then never will (a promise nobody resolves).
const settleTimeout = 10 * time.Second

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

// run settles one scenario in the test binary's node process, skipping the
// test without node, or failing it in CI.
func run(t *testing.T, scenario map[string]any) outcome {
	t.Helper()
	o, err := settle(nodePath(t), scenario, settleTimeout)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func nodePath(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node not on PATH (source scripts/node-env.sh)")
		}
		t.Skip("node not on PATH (source scripts/node-env.sh)")
	}
	return node
}

// handlers is the node process that runs every scenario of the test binary
// (a node started per scenario cost ~0.1 s each): started by the first
// scenario, stopped after a failure (the next scenario starts another) and
// by TestMain.
var handlers struct {
	sync.Mutex
	proc   *nodeProcess
	lastID int
}

func TestMain(m *testing.M) {
	code := m.Run()
	handlers.Lock()
	if handlers.proc != nil {
		handlers.proc.stop()
	}
	handlers.Unlock()
	os.Exit(code)
}

func settle(node string, scenario map[string]any, timeout time.Duration) (outcome, error) {
	handlers.Lock()
	defer handlers.Unlock()
	if handlers.proc == nil {
		p, err := startNode(node)
		if err != nil {
			return outcome{}, err
		}
		handlers.proc = p
	}
	p := handlers.proc
	// fail stops node, so that the next scenario starts a fresh one instead
	// of queueing behind one that never settles, and adds what node said.
	fail := func(err error) error {
		p.stop()
		handlers.proc = nil
		return fmt.Errorf("%w (node stopped)%s", err, p.stderr)
	}
	handlers.lastID++
	id := handlers.lastID
	p.stderr.reset()
	line, err := json.Marshal(map[string]any{"id": id, "scenario": scenario})
	if err != nil {
		return outcome{}, err
	}
	if _, err := p.stdin.Write(append(line, '\n')); err != nil {
		return outcome{}, fail(fmt.Errorf("send scenario to node: %w", err))
	}
	select {
	case raw, ok := <-p.replies:
		if !ok {
			return outcome{}, fail(errors.New("node exited before answering"))
		}
		var reply struct {
			ID      int
			Outcome json.RawMessage
			Crash   string
		}
		if err := json.Unmarshal(raw, &reply); err != nil || reply.ID != id {
			return outcome{}, fail(fmt.Errorf("node answered %q to scenario %d (%v)", raw, id, err))
		}
		if reply.Crash != "" {
			return outcome{}, fmt.Errorf("handler did not run: %s%s", reply.Crash, p.stderr)
		}
		var o outcome
		if err := json.Unmarshal(reply.Outcome, &o); err != nil {
			return outcome{}, fmt.Errorf("handler outcome %s: %v", reply.Outcome, err)
		}
		return o, nil
	case <-time.After(timeout):
		return outcome{}, fail(fmt.Errorf("scenario %s not settled after %v: the handler's promise neither resolved nor rejected", line, timeout))
	}
}

type nodeProcess struct {
	cmd     *exec.Cmd
	dir     string
	stdin   io.WriteCloser
	replies chan []byte   // node's stdout, one line each; closed at its end
	done    chan struct{} // closed by stop
	stderr  *tail
}

// startNode starts the harness in a directory of its own with the handler
// and the fake SDK.
func startNode(node string) (_ *nodeProcess, err error) {
	dir, err := os.MkdirTemp("", "runtask-handlers-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	sdk := filepath.Join(dir, "node_modules", "@aws-sdk", "client-ecs")
	if err := os.MkdirAll(sdk, 0o755); err != nil {
		return nil, err
	}
	for name, body := range map[string]string{
		filepath.Join(dir, "index.js"): Handler, filepath.Join(dir, "harness.js"): harness, filepath.Join(sdk, "index.js"): fakeSDK,
	} {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			return nil, err
		}
	}
	p := &nodeProcess{cmd: exec.Command(node, "harness.js"), dir: dir, replies: make(chan []byte), done: make(chan struct{}), stderr: &tail{}}
	p.cmd.Dir = dir
	p.cmd.Stderr = p.stderr
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start node: %w", err)
	}
	go func() {
		defer close(p.replies)
		lines := bufio.NewScanner(stdout)
		lines.Buffer(nil, 1<<20)
		for lines.Scan() {
			select {
			case p.replies <- bytes.Clone(lines.Bytes()):
			case <-p.done:
				return
			}
		}
	}()
	return p, nil
}

func (p *nodeProcess) stop() {
	close(p.done)
	p.cmd.Process.Kill()
	p.cmd.Wait()
	os.RemoveAll(p.dir)
}

// tail keeps the last 4 KiB node wrote to stderr during one scenario (the
// handler's logs included), for failure messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (w *tail) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if len(w.buf) > 4096 {
		w.buf = w.buf[len(w.buf)-4096:]
	}
	return len(p), nil
}

func (w *tail) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = nil
}

func (w *tail) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) == 0 {
		return ""
	}
	return "\nnode stderr:\n" + string(w.buf)
}

// TestAScenarioThatNeverSettlesFailsAlone: a handler whose promise never
// settles fails its own test after settleTimeout instead of hanging the
// binary, and the next scenario gets a node that is not stuck behind it.
func TestAScenarioThatNeverSettlesFailsAlone(t *testing.T) {
	never := map[string]any{"entry": "isComplete", "event": polled("Update", 1), "describe": []any{map[string]any{"$never": true}}}
	if _, err := settle(nodePath(t), never, 100*time.Millisecond); err == nil || !strings.Contains(err.Error(), "not settled after 100ms") {
		t.Fatalf("got %v, want the scenario not settled after 100ms", err)
	}
	e := event("Delete")
	e["PhysicalResourceId"] = "run-task"
	if o := run(t, map[string]any{"entry": "onEvent", "event": e}); o.Error != "" || o.Result == nil || o.Result.PhysicalResourceId != "run-task" {
		t.Fatalf("next scenario: outcome %+v", o)
	}
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
