package workflows

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rhysd/actionlint"
)

const dir = "../.github/workflows"

// files lists the workflow files; a test that sees none would prove nothing.
func files(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"*.yml", "*.yaml"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) == 0 {
		t.Fatalf("no workflows in %s", dir)
	}
	sort.Strings(out)
	return out
}

// parsed is every workflow by file name (deploy.yml, ...).
func parsed(t *testing.T) map[string]*actionlint.Workflow {
	t.Helper()
	out := map[string]*actionlint.Workflow{}
	for _, f := range files(t) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		wf, errs := actionlint.Parse(src)
		for _, e := range errs {
			t.Errorf("%s:%d:%d: %s", f, e.Line, e.Column, e.Message)
		}
		if wf == nil {
			t.Fatalf("%s does not parse", f)
		}
		out[filepath.Base(f)] = wf
	}
	return out
}

func TestActionlint(t *testing.T) {
	// No shellcheck or pyflakes: their presence on PATH would make the
	// result depend on the machine. `go tool actionlint` in CI uses them
	// when the runner has them.
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFiles(files(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("%s:%d:%d: %s [%s]", e.Filepath, e.Line, e.Column, e.Message, e.Kind)
	}
}

// A step's uses: line: owner/repo[/path]@<full commit SHA> # vX.Y.Z. Tags
// and branches move; a commit does not. The comment says which release it is.
var pinned = regexp.MustCompile(`^\s*(?:-\s+)?uses:\s+[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}\s+#\s+v\d+\.\d+\.\d+\s*$`)

func TestActionsPinned(t *testing.T) {
	for _, f := range files(t) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			trimmed := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "-"))
			if !strings.HasPrefix(trimmed, "uses:") {
				continue
			}
			// Actions of this repository are reviewed with it.
			if strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(trimmed, "uses:")), "./") {
				continue
			}
			if !pinned.MatchString(line) {
				t.Errorf("%s:%d: %q: want owner/repo@<40-hex commit> # vX.Y.Z", filepath.Base(f), i+1, strings.TrimSpace(line))
			}
		}
	}
}

// permissions renders a permissions block as scope → level ("all" for
// read-all/write-all); nil when the block is absent.
func permissions(p *actionlint.Permissions) map[string]string {
	if p == nil {
		return nil
	}
	out := map[string]string{}
	if p.All != nil {
		out["all"] = p.All.Value
	}
	for _, s := range p.Scopes {
		out[s.Name.Value] = s.Value.Value
	}
	return out
}

func TestPermissions(t *testing.T) {
	// Every job of every workflow, with exactly what it may do: read by
	// default, an OIDC token only where a deploy assumes a role, write on
	// pull requests only where the comment is written.
	want := map[string]map[string]map[string]string{
		"checks.yml":                {"ci": {"contents": "read"}},
		"breakages.yml":             {"shard": {"contents": "read"}},
		"change-report.yml":         {"gate": {"contents": "read"}},
		"change-report-comment.yml": {"comment": {"actions": "read", "pull-requests": "write"}},
		"deploy.yml": {
			"dev":  {"contents": "read", "id-token": "write"},
			"prod": {"contents": "read", "id-token": "write"},
		},
	}
	got := map[string]map[string]map[string]string{}
	for name, wf := range parsed(t) {
		t.Run(name, func(t *testing.T) {
			// A job that forgets its block gets the workflow's: read only.
			if diff := cmp.Diff(map[string]string{"contents": "read"}, permissions(wf.Permissions)); diff != "" {
				t.Errorf("workflow permissions (-want +got):\n%s", diff)
			}
		})
		got[name] = map[string]map[string]string{}
		for id, job := range wf.Jobs {
			got[name][id] = permissions(job.Permissions)
		}
	}
	for name, jobs := range want {
		for id, perms := range jobs {
			t.Run(strings.TrimSuffix(name, ".yml")+"/"+id, func(t *testing.T) {
				if diff := cmp.Diff(perms, got[name][id]); diff != "" {
					t.Errorf("%s job %s permissions (-want +got):\n%s", name, id, diff)
				}
			})
		}
	}
	if diff := cmp.Diff(jobIDs(want), jobIDs(got)); diff != "" {
		t.Errorf("jobs the test knows vs jobs in the workflows (-want +got): a new job needs its permissions stated here:\n%s", diff)
	}
}

func jobIDs(m map[string]map[string]map[string]string) []string {
	var out []string
	for name, jobs := range m {
		for id := range jobs {
			out = append(out, name+"/"+id)
		}
	}
	sort.Strings(out)
	return out
}

// hooks lists a workflow's trigger events.
func hooks(wf *actionlint.Workflow) []string {
	var out []string
	for _, e := range wf.On {
		out = append(out, e.EventName())
	}
	return out
}

func TestNoPullRequestTarget(t *testing.T) {
	// pull_request_target runs with the base repository's secrets and a
	// write token while a fork's code is at hand: the comment uses
	// workflow_run instead, which never checks that code out.
	for name, wf := range parsed(t) {
		for _, h := range hooks(wf) {
			if h == "pull_request_target" {
				t.Errorf("%s runs on pull_request_target", name)
			}
		}
	}
}

// runs is every run: script of a job, joined.
func runs(job *actionlint.Job) string {
	var b strings.Builder
	for _, s := range job.Steps {
		if r, ok := s.Exec.(*actionlint.ExecRun); ok && r.Run != nil {
			b.WriteString(r.Run.Value + "\n")
		}
	}
	return b.String()
}

func uses(job *actionlint.Job) []string {
	var out []string
	for _, s := range job.Steps {
		if a, ok := s.Exec.(*actionlint.ExecAction); ok && a.Uses != nil {
			out = append(out, strings.SplitN(a.Uses.Value, "@", 2)[0])
		}
	}
	return out
}

func TestPullRequests(t *testing.T) {
	wfs := parsed(t)
	onPR := func(name string) bool {
		for _, h := range hooks(wfs[name]) {
			if h == "pull_request" {
				return true
			}
		}
		return false
	}
	t.Run("the tests, synths and golden check run through .ci/run", func(t *testing.T) {
		if !onPR("checks.yml") || !strings.Contains(runs(wfs["checks.yml"].Jobs["ci"]), "bash .ci/run") {
			t.Error("checks.yml: want job ci on pull_request running bash .ci/run")
		}
	})
	t.Run("every breakage runs on every pull request, in shards that make up the list", func(t *testing.T) {
		job := wfs["breakages.yml"].Jobs["shard"]
		if !onPR("breakages.yml") || job == nil || !strings.Contains(runs(job), `go run ./internal/tools/breakages -shard "$SHARD/4"`) {
			t.Fatal("breakages.yml: want job shard on pull_request running go run ./internal/tools/breakages -shard \"$SHARD/4\"")
		}
		var shards []string
		if job.Strategy != nil && job.Strategy.Matrix != nil && job.Strategy.Matrix.Rows["shard"] != nil {
			for _, v := range job.Strategy.Matrix.Rows["shard"].Values {
				shards = append(shards, strings.Trim(v.String(), `"`))
			}
		}
		if !cmp.Equal(shards, []string{"1", "2", "3", "4"}) {
			t.Errorf("breakages.yml matrix shard = %v, want 1 to 4 (the K of -shard K/4)", shards)
		}
	})
	t.Run("the gate runs on every pull request and on label changes", func(t *testing.T) {
		wf := wfs["change-report.yml"]
		if !onPR("change-report.yml") {
			t.Fatal("change-report.yml does not run on pull_request")
		}
		script := runs(wf.Jobs["gate"])
		for _, want := range []string{"bash scripts/diff-gate.sh", "--override", `"origin/$BASE_REF"`} {
			if !strings.Contains(script, want) {
				t.Errorf("gate job lacks %q", want)
			}
		}
		var types []string
		for _, e := range wf.On {
			if w, ok := e.(*actionlint.WebhookEvent); ok {
				for _, ty := range w.Types {
					types = append(types, ty.Value)
				}
			}
		}
		for _, want := range []string{"opened", "synchronize", "reopened", "labeled", "unlabeled"} {
			if !contains(types, want) {
				t.Errorf("change-report.yml pull_request types %v lack %s", types, want)
			}
		}
		override := ""
		for _, s := range wf.Jobs["gate"].Steps {
			if s.Env != nil && s.Env.Vars["override"] != nil {
				override = s.Env.Vars["override"].Value.Value
			}
		}
		if !strings.Contains(override, "'allow-destructive-change'") {
			t.Errorf("the gate's OVERRIDE is %q, not the label allow-destructive-change", override)
		}
	})
	t.Run("the comment never checks out the pull request's code", func(t *testing.T) {
		wf := wfs["change-report-comment.yml"]
		if got := hooks(wf); !cmp.Equal(got, []string{"workflow_run"}) {
			t.Errorf("change-report-comment.yml runs on %v, want only workflow_run", got)
		}
		for id, job := range wf.Jobs {
			if contains(uses(job), "actions/checkout") {
				t.Errorf("job %s checks out code", id)
			}
		}
	})
}

func TestDeploys(t *testing.T) {
	wf := parsed(t)["deploy.yml"]
	if wf == nil {
		t.Fatal("no deploy.yml")
	}
	if h := hooks(wf); !contains(h, "push") {
		t.Errorf("deploy.yml runs on %v, want push (to main)", h)
	}
	for _, env := range []string{"dev", "prod"} {
		t.Run(env, func(t *testing.T) {
			job := wf.Jobs[env]
			if job == nil {
				t.Fatalf("no job %s", env)
			}
			if job.Environment == nil || job.Environment.Name.Value != env {
				t.Errorf("job %s does not run in the GitHub environment %s (its reviewers and its OIDC subject)", env, env)
			}
			if c := job.Concurrency; c == nil || c.Group.Value != "deploy-"+env || c.CancelInProgress == nil || c.CancelInProgress.Value {
				t.Errorf("job %s: want concurrency group deploy-%s with cancel-in-progress: false", env, env)
			}
			if job.If == nil || job.If.Value != "github.ref == 'refs/heads/main'" {
				t.Errorf("job %s may deploy another branch than main", env)
			}
			if !strings.Contains(runs(job), "bash scripts/deploy.sh "+env) {
				t.Errorf("job %s does not run scripts/deploy.sh %s", env, env)
			}
			var creds *actionlint.ExecAction
			for _, s := range job.Steps {
				if a, ok := s.Exec.(*actionlint.ExecAction); ok && strings.HasPrefix(a.Uses.Value, "aws-actions/configure-aws-credentials@") {
					creds = a
				}
			}
			if creds == nil {
				t.Fatalf("job %s does not use aws-actions/configure-aws-credentials", env)
			}
			var inputs []string
			for k := range creds.Inputs {
				inputs = append(inputs, k)
			}
			sort.Strings(inputs)
			// OIDC only: a role to assume, no stored keys.
			if !cmp.Equal(inputs, []string{"aws-region", "role-to-assume"}) {
				t.Errorf("job %s configure-aws-credentials inputs %v, want only aws-region and role-to-assume", env, inputs)
			}
		})
	}
	if prod := wf.Jobs["prod"]; prod != nil && (len(prod.Needs) != 1 || prod.Needs[0].Value != "dev") {
		t.Error("prod does not wait for dev")
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
