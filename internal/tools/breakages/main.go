// Command breakages breaks each promise the tests hold, once, on purpose, and
// checks that a test with a name fails for it: the team's "before you call a
// promise tested, break it once (one line) and watch a named test fail",
// made repeatable.
//
//	go run ./internal/tools/breakages [-j N] [-shard K/N] [SUBSTRING]
//
// CI runs it in the breakages workflow (.github/workflows/breakages.yml),
// split into interleaved shards (-shard) that run side by side; run it
// whole before you call a new promise tested.
//
// Each entry of the list (list.go) is one promise, broken by replacing the
// one occurrence of From in File with To. The module's files (git ls-files:
// tracked, plus untracked ones that are not ignored) are copied once for
// each of N workers (-j, default the number of CPUs) into a temporary
// directory, node_modules is linked, and each breakage is applied on a free
// worker's copy, `go test -count=1 -json -run <Expect> <Pkg>` runs, and the
// file is restored. First, once per package, the same runs with nothing
// broken, over every test the package's breakages expect (the baseline).
// The lines are printed in list order, whichever worker ran them.
//
// Only the tests in Expect and their subtests run (-run quotes and anchors
// each level of each name; a sibling whose name is the start of one at a
// "/" may run too): the verdict reads nothing else, and a CDK test package
// costs a link and a synthesis either way, but a breakage no longer pays
// for every other test of its package (the reach test's one synthesis per
// setting, above all). So a caught line names only the expected tests: what
// else a breakage would fail is not looked at. A breakage is
//
//	caught   when every test in Expect fails (a name matches itself and its
//	         subtests: "TestAlarmValues/custom" is caught by
//	         TestAlarmValues/custom/Api5xxRate). Names are as go test -json
//	         reports them: subtests with _ for spaces.
//	MISSED   when one of them passes or does not exist (a name that matches
//	         no test runs nothing, so nothing fails), or the package does not
//	         build (a breakage that does not compile proves nothing), or one
//	         of them fails without the breakage too.
//	FAILED   "no longer applies", when From occurs zero or several times in
//	         File (the code moved on: update the entry).
//
// It exits 1 unless every breakage is caught, 2 when it cannot run (bad
// arguments, a copy it could not make or restore). SUBSTRING runs only the
// breakages whose names contain it.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// breakage is one promise and the one-line change that breaks it.
type breakage struct {
	Name   string   // the promise broken; the SUBSTRING filter matches it
	File   string   // relative to the repository
	From   string   // occurs exactly once in File
	To     string   // what From becomes
	Dir    string   // the Go module, relative to the repository; "" is the root module
	Pkg    string   // the package go test runs, in that module ("." or "./config")
	Expect []string // the tests that must fail, as go test -json names them
	// Env: variables go test gets for this breakage only (e.g. REACH=1 for
	// the test that costs a synthesis per setting); the baseline runs
	// without them.
	Env map[string]string
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	started := time.Now()
	flags := flag.NewFlagSet("breakages", flag.ContinueOnError)
	flags.Usage = func() {
		fmt.Fprintln(flags.Output(), "usage: go run ./internal/tools/breakages [-j N] [-shard K/N] [SUBSTRING]")
		flags.PrintDefaults()
	}
	workers := flags.Int("j", runtime.NumCPU(), "breakages tested at once, each on a copy of the module of its own")
	shardFlag := flags.String("shard", "1/1", "run only the Kth of N interleaved shares of the list (CI's matrix runs the N shares side by side)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *workers < 1 || flags.NArg() > 1 {
		flags.Usage()
		return 2
	}
	shard, shards, err := parseShard(*shardFlag)
	if err != nil {
		fmt.Fprintf(os.Stderr, "breakages: -shard %s: %v\n", *shardFlag, err)
		return 2
	}
	filter := flags.Arg(0)
	selected := selectBreakages(breakages, filter, shard, shards)
	if len(selected) == 0 {
		fmt.Fprintf(os.Stderr, "breakages: no breakage name contains %q (in shard %d/%d)\n", filter, shard, shards)
		return 2
	}
	if err := checkList(breakages); err != nil {
		fmt.Fprintf(os.Stderr, "breakages: %v\n", err)
		return 2
	}

	root, err := output("", "git", "rev-parse", "--show-toplevel")
	if err != nil {
		fmt.Fprintf(os.Stderr, "breakages: %v\n", err)
		return 2
	}
	root = strings.TrimSpace(root)
	scratch, err := os.MkdirTemp("", "breakages-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "breakages: %v\n", err)
		return 2
	}
	defer os.RemoveAll(scratch)
	// Interrupted: every scratch copy goes too (go test's children die with
	// the process group's signal).
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		os.RemoveAll(scratch)
		os.Exit(130)
	}()

	*workers = min(*workers, len(selected))
	copies := make([]string, *workers)
	n := 0
	for w := range copies {
		copies[w] = filepath.Join(scratch, strconv.Itoa(w+1))
		if n, err = copyModule(root, copies[w]); err != nil {
			fmt.Fprintf(os.Stderr, "breakages: copying the module: %v\n", err)
			return 2
		}
	}
	env := append(os.Environ(),
		// The pinned Node.js, as scripts/node-env.sh puts it, for jsii.
		"PATH="+filepath.Join(root, "node_modules", ".bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		// The sample API's integration tests need PostgreSQL; a breakage
		// there must be caught by a unit test.
		"SAMPLEAPI_SKIP_INTEGRATION=1",
	)
	where := scratch + "/1"
	if *workers > 1 {
		where = fmt.Sprintf("%s/{1..%d}", scratch, *workers)
	}
	fmt.Printf("breakages: %d of %d, %d at a time, each on a copy of %d files in %s\n", len(selected), len(breakages), *workers, n, where)

	// The jobs, in the order their lines are printed: without any breakage
	// first, once per package, running every test the package's selected
	// breakages expect to fail (one that fails already cannot show that a
	// breakage is caught); then the breakages in list order.
	type key struct{ dir, pkg string }
	var jobs []*job
	baseline := map[key]*job{}
	for _, b := range selected {
		k := key{b.dir(), b.Pkg}
		if !applies(copies[0], b) {
			continue
		}
		if baseline[k] == nil {
			baseline[k] = &job{dir: k.dir, pkg: k.pkg, env: env}
			jobs = append(jobs, baseline[k])
		}
		baseline[k].expect = append(baseline[k].expect, b.Expect...)
	}
	for i, b := range selected {
		jobs = append(jobs, &job{
			label: fmt.Sprintf("[%d/%d]", i+1, len(selected)),
			b:     &selected[i], dir: b.dir(), pkg: b.Pkg, expect: b.Expect, env: withEnv(env, b.Env),
		})
	}
	for _, j := range jobs {
		if j.b == nil {
			j.label = "[baseline] go test " + j.where()
		}
		j.done = make(chan struct{})
	}

	// Each worker has its own copy; the jobs go to whichever is free, and
	// their lines are printed in the order above as they complete.
	queue := make(chan *job)
	var fatal atomic.Pointer[error]
	var wg sync.WaitGroup
	for _, dir := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				if err := j.do(dir); err != nil {
					fatal.CompareAndSwap(nil, &err)
				}
				close(j.done)
			}
		}()
	}
	go func() {
		defer close(queue)
		for i, j := range jobs {
			if fatal.Load() != nil {
				// A copy could not be restored: what follows would
				// run on a broken module.
				for _, rest := range jobs[i:] {
					close(rest.done)
				}
				return
			}
			queue <- j
		}
	}()

	var results []string
	for _, j := range jobs {
		<-j.done
		if err := fatal.Load(); err != nil {
			wg.Wait()
			fmt.Fprintf(os.Stderr, "breakages: %v\n", *err)
			return 2
		}
		r := j.r
		if j.b == nil {
			switch {
			case r.buildFailed:
				fmt.Printf("  %s, nothing broken: the package does not build or run: %s\n", j.label, strings.Join(first(r.errors, 5), " | "))
			case len(r.failed) > 0:
				fmt.Printf("  %s, nothing broken: already failing: %s\n", j.label, abbreviate(r.failed, 4))
			default:
				fmt.Printf("  %s, nothing broken: passes [%.1f s]\n", j.label, r.seconds)
			}
			continue
		}
		if j.stale != "" {
			line := fmt.Sprintf("FAILED  %s: no longer applies: update the list (%s)", j.b.Name, j.stale)
			results = append(results, line)
			fmt.Printf("  %s %s\n", j.label, line)
			continue
		}
		line := judge(*j.b, r, baseline[key{j.dir, j.pkg}].r)
		results = append(results, line)
		fmt.Printf("  %s %s [%.1f s]\n", j.label, line, r.seconds)
	}
	wg.Wait()

	bad := 0
	for _, l := range results {
		if !strings.HasPrefix(l, "caught") {
			bad++
		}
	}
	fmt.Printf("\n%s\n\n", strings.Join(results, "\n"))
	fmt.Printf("breakages: %d of %d caught in %.0f s", len(results)-bad, len(results), time.Since(started).Seconds())
	if bad > 0 {
		fmt.Printf("; %d not (MISSED: the promise needs a named test that fails when it is broken; FAILED: update the list)\n", bad)
		return 1
	}
	fmt.Println()
	return 0
}

// job is one go test run on a worker's copy of the module: a breakage's,
// or a package's baseline (b nil).
type job struct {
	label    string // how its lines start
	b        *breakage
	dir, pkg string
	expect   []string // the tests go test runs, and nothing else
	env      []string

	// Set by do, read after done is closed.
	r     result
	stale string // why b no longer applies
	done  chan struct{}
}

func (j *job) where() string {
	if j.dir == "." {
		return j.pkg
	}
	return j.pkg + " in " + j.dir + "/"
}

// do runs the job on the copy of the module in dir: applies the breakage,
// runs go test and restores the file. An error means the copy could not
// be restored.
func (j *job) do(dir string) (err error) {
	label := j.label
	if j.b != nil {
		label += " " + j.b.Name
		file := filepath.Join(dir, j.b.File)
		original, err := os.ReadFile(file)
		if err != nil {
			j.stale = err.Error()
			return nil
		}
		if n := occurrences(string(original), j.b.From); n != 1 {
			j.stale = fmt.Sprintf("%s has %d occurrences of %s, want exactly 1", j.b.File, n, quote(j.b.From))
			return nil
		}
		broken := strings.Replace(string(original), j.b.From, j.b.To, 1)
		if err := os.WriteFile(file, []byte(broken), 0o644); err != nil {
			return err
		}
		defer func() {
			if werr := os.WriteFile(file, original, 0o644); werr != nil {
				err = fmt.Errorf("restoring %s: %w", j.b.File, werr)
			}
		}()
	}
	j.r = goTest(filepath.Join(dir, j.dir), j.pkg, runPattern(j.expect), j.env, label)
	return nil
}

// runPattern is go test's -run pattern for exactly the tests named and
// their subtests: one alternative per name, each element of the name (go
// test matches them level by level, split at "/") quoted and anchored.
// Siblings that are not named do not run, so cannot fail; a name that
// matches no test selects nothing, and the breakage is MISSED.
func runPattern(tests []string) string {
	var alts []string
	for _, t := range tests {
		elems := strings.Split(t, "/")
		for i, e := range elems {
			elems[i] = "^" + regexp.QuoteMeta(e) + "$"
		}
		alts = append(alts, strings.Join(elems, "/"))
	}
	sort.Strings(alts)
	return strings.Join(slices.Compact(alts), "|")
}

// selectBreakages returns the entries of list whose names contain filter,
// in the Kth of N shares: every Nth entry from the Kth, so that each share
// gets some of every package.
func selectBreakages(list []breakage, filter string, k, n int) []breakage {
	var out []breakage
	for i, b := range list {
		if strings.Contains(b.Name, filter) && i%n == k-1 {
			out = append(out, b)
		}
	}
	return out
}

// parseShard reads -shard's K/N: the Kth (from 1) of N shares of the list.
func parseShard(v string) (k, n int, err error) {
	ks, ns, ok := strings.Cut(v, "/")
	k, kerr := strconv.Atoi(ks)
	n, nerr := strconv.Atoi(ns)
	if !ok || kerr != nil || nerr != nil || n < 1 || k < 1 || k > n {
		return 0, 0, fmt.Errorf("want K/N with 1 <= K <= N, e.g. 2/4")
	}
	return k, n, nil
}

// withEnv returns env with vars added; later entries win in os/exec.
func withEnv(env []string, vars map[string]string) []string {
	out := slices.Clone(env)
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	return out
}

func (b breakage) dir() string {
	if b.Dir == "" {
		return "."
	}
	return b.Dir
}

// checkList refuses entries that cannot mean anything: a missing field, or
// a name given twice (the filter and the report go by name).
func checkList(list []breakage) error {
	seen := map[string]bool{}
	for i, b := range list {
		switch {
		case b.Name == "":
			return fmt.Errorf("entry %d of list.go has no Name", i+1)
		case seen[b.Name]:
			return fmt.Errorf("two entries are named %q", b.Name)
		case b.File == "" || b.From == "" || b.Pkg == "" || len(b.Expect) == 0:
			return fmt.Errorf("%q needs File, From, Pkg and Expect", b.Name)
		case b.From == b.To:
			return fmt.Errorf("%q changes nothing (From == To)", b.Name)
		}
		seen[b.Name] = true
	}
	return nil
}

// judge says what one breakage's test run shows, against the package's run
// without it.
func judge(b breakage, r, base result) string {
	alreadyFailing := []string{}
	for _, want := range b.Expect {
		if slices.ContainsFunc(base.failed, func(t string) bool { return matches(t, want) }) {
			alreadyFailing = append(alreadyFailing, want)
		}
	}
	switch {
	case r.buildFailed:
		return fmt.Sprintf("MISSED  %s: does not build, so it proves nothing (a breakage must compile): %s", b.Name, strings.Join(first(r.errors, 3), " | "))
	case len(alreadyFailing) > 0:
		verb := "fail"
		if len(alreadyFailing) == 1 {
			verb = "fails"
		}
		return fmt.Sprintf("MISSED  %s: %s %s without the breakage too", b.Name, strings.Join(alreadyFailing, ", "), verb)
	}
	var shown []string
	for _, want := range b.Expect {
		failed := leaves(filter(r.failed, func(t string) bool { return matches(t, want) }))
		switch len(failed) {
		case 0:
			instead := "nothing"
			if len(r.failed) > 0 {
				instead = abbreviate(r.failed, 4)
			}
			return fmt.Sprintf("MISSED  %s: expected %s to fail; failed instead: %s", b.Name, strings.Join(b.Expect, ", "), instead)
		case 1:
			shown = append(shown, failed[0])
		default:
			shown = append(shown, fmt.Sprintf("%s (%d failed)", want, len(failed)))
		}
	}
	return fmt.Sprintf("caught  %s: %s", b.Name, strings.Join(shown, ", "))
}

// result is what one go test -json run showed.
type result struct {
	failed      []string // every test that failed, subtests and their parents
	buildFailed bool     // the package did not build or run
	errors      []string // its build errors, and go test's stderr
	seconds     float64
}

// goTest runs go test -json -run run in dir and returns the tests that
// failed, and the build errors when the package did not build.
func goTest(dir, pkg, run string, env []string, label string) result {
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-json", "-timeout=5m", "-run", run, pkg)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	// The test binary, go test's child, may hold the pipes after go test
	// is killed.
	cmd.WaitDelay = 10 * time.Second
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return result{buildFailed: true, errors: []string{err.Error()}}
	}
	go func() { done <- cmd.Wait() }()
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-tick.C:
			fmt.Printf("  %s: still running (%.0f s)\n", label, time.Since(t0).Seconds())
		}
	}

	r := result{seconds: time.Since(t0).Seconds()}
	failed := map[string]bool{}
	var buildOutput strings.Builder
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<26)
	for sc.Scan() {
		var e struct {
			Action, Test, Output string
			FailedBuild          string
		}
		if !bytes.HasPrefix(sc.Bytes(), []byte("{")) || json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		switch {
		case e.Action == "fail" && e.Test != "":
			failed[e.Test] = true
		case e.Action == "build-output":
			buildOutput.WriteString(e.Output)
		}
		if e.Action == "build-fail" || (e.Action == "fail" && e.Test == "" && e.FailedBuild != "") {
			r.buildFailed = true
		}
	}
	for t := range failed {
		r.failed = append(r.failed, t)
	}
	sort.Strings(r.failed)
	// A package that fails with no test failing did not build or run (a vet
	// error, a panic in init, a timeout with no test running).
	if err != nil && len(r.failed) == 0 {
		r.buildFailed = true
	}
	for _, l := range strings.Split(buildOutput.String()+stderr.String(), "\n") {
		if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "#") {
			r.errors = append(r.errors, l)
		}
	}
	return r
}

// copyModule copies the files git knows (tracked, and untracked but not
// ignored) from root to dst and links node_modules; it returns how many.
func copyModule(root, dst string) (int, error) {
	list, err := output(root, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range strings.Split(list, "\x00") {
		if f == "" {
			continue
		}
		src, err := os.Open(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue // deleted in the work tree, not yet in the index
		} else if err != nil {
			return n, err
		}
		info, err := src.Stat()
		if err != nil || info.IsDir() {
			src.Close()
			continue
		}
		target := filepath.Join(dst, f)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			src.Close()
			return n, err
		}
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
		if err == nil {
			_, err = io.Copy(out, src)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		src.Close()
		if err != nil {
			return n, err
		}
		n++
	}
	return n, os.Symlink(filepath.Join(root, "node_modules"), filepath.Join(dst, "node_modules"))
}

func output(dir string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return string(out), nil
}

func applies(scratch string, b breakage) bool {
	text, err := os.ReadFile(filepath.Join(scratch, b.File))
	return err == nil && occurrences(string(text), b.From) == 1
}

// occurrences counts s in text, overlapping ones included: "aa" occurs
// twice in "aaa", and replacing one of them would be ambiguous.
func occurrences(text, s string) int {
	if s == "" {
		return 0
	}
	n := 0
	for i := strings.Index(text, s); i >= 0; {
		n++
		j := strings.Index(text[i+1:], s)
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return n
}

// matches reports whether test is want or one of its subtests.
func matches(test, want string) bool {
	return test == want || strings.HasPrefix(test, want+"/")
}

// leaves keeps the failed tests that have no failed subtest: a failing
// subtest fails its parents, which say nothing more.
func leaves(tests []string) []string {
	out := filter(tests, func(t string) bool {
		return !slices.ContainsFunc(tests, func(u string) bool { return strings.HasPrefix(u, t+"/") })
	})
	sort.Strings(out)
	return out
}

// abbreviate lists tests one per top-level test: the test itself when one
// leaf failed under it, "Top (n subtests)" when more did.
func abbreviate(tests []string, max int) string {
	var tops []string
	byTop := map[string][]string{}
	for _, t := range leaves(tests) {
		top, _, _ := strings.Cut(t, "/")
		if _, ok := byTop[top]; !ok {
			tops = append(tops, top)
		}
		byTop[top] = append(byTop[top], t)
	}
	var parts []string
	for _, top := range tops {
		if ts := byTop[top]; len(ts) == 1 {
			parts = append(parts, ts[0])
		} else {
			parts = append(parts, fmt.Sprintf("%s (%d subtests)", top, len(ts)))
		}
	}
	if len(parts) > max {
		return fmt.Sprintf("%s, +%d more", strings.Join(parts[:max], ", "), len(parts)-max)
	}
	return strings.Join(parts, ", ")
}

func filter(list []string, keep func(string) bool) []string {
	var out []string
	for _, s := range list {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

func first(list []string, n int) []string {
	return list[:min(n, len(list))]
}

// quote shows text as JSON does, as the list's readers know it from
// editors and diffs.
func quote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
