// Command breakages breaks each promise the tests hold, once, on purpose, and
// checks that a test with a name fails for it: the team's "before you call a
// promise tested, break it once (one line) and watch a named test fail",
// made repeatable. CI runs it after the tests (.ci/run).
//
//	go run ./internal/tools/breakages [SUBSTRING]
//
// Each entry of the list (list.go) is one promise, broken by replacing the
// one occurrence of From in File with To. The module's files (git ls-files:
// tracked, plus untracked ones that are not ignored) are copied once into a
// temporary directory, node_modules is linked, and each breakage in turn is
// applied there, `go test -count=1 -json <Pkg>` runs, and the file is
// restored. A breakage is
//
//	caught   when every test in Expect fails (a name matches itself and its
//	         subtests: "TestAlarmValues/custom" is caught by
//	         TestAlarmValues/custom/Api5xxRate). Names are as go test -json
//	         reports them: subtests with _ for spaces.
//	MISSED   when one of them passes, or the package does not build (a
//	         breakage that does not compile proves nothing), or one of them
//	         fails without the breakage too.
//	FAILED   "no longer applies", when From occurs zero or several times in
//	         File (the code moved on: update the entry).
//
// It exits 1 unless every breakage is caught. SUBSTRING runs only the
// breakages whose names contain it.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
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
	filter := ""
	if len(args) > 0 {
		filter = args[0]
	}
	var selected []breakage
	for _, b := range breakages {
		if strings.Contains(b.Name, filter) {
			selected = append(selected, b)
		}
	}
	if len(selected) == 0 {
		fmt.Fprintf(os.Stderr, "breakages: no breakage name contains %q\n", filter)
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
	// Interrupted: the scratch copy goes too (go test's children die with
	// the process group's signal).
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		os.RemoveAll(scratch)
		os.Exit(130)
	}()

	n, err := copyModule(root, scratch)
	if err != nil {
		fmt.Fprintf(os.Stderr, "breakages: copying the module: %v\n", err)
		return 2
	}
	env := append(os.Environ(),
		// The pinned Node.js, as scripts/node-env.sh puts it, for jsii.
		"PATH="+filepath.Join(root, "node_modules", ".bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		// The sample API's integration tests need PostgreSQL; a breakage
		// there must be caught by a unit test.
		"SAMPLEAPI_SKIP_INTEGRATION=1",
	)
	fmt.Printf("breakages: %d of %d, each on a copy of %d files in %s; ~5 s each\n", len(selected), len(breakages), n, scratch)

	// Without any breakage first, once per package: an expected test that
	// fails already cannot show that a breakage is caught.
	type key struct{ dir, pkg string }
	baseline := map[key]result{}
	for _, b := range selected {
		k := key{b.dir(), b.Pkg}
		if _, done := baseline[k]; done || !applies(scratch, b) {
			continue
		}
		where := k.pkg
		if k.dir != "." {
			where += " in " + k.dir + "/"
		}
		fmt.Printf("  [baseline] go test %s, nothing broken ...\n", where)
		r := goTest(filepath.Join(scratch, k.dir), k.pkg, env, "baseline")
		baseline[k] = r
		if r.buildFailed {
			fmt.Printf("        the package does not build or run unbroken: %s\n", strings.Join(first(r.errors, 5), " | "))
		} else if len(r.failed) > 0 {
			fmt.Printf("        already failing: %s\n", abbreviate(r.failed, 4))
		}
	}

	var results []string
	for i, b := range selected {
		file := filepath.Join(scratch, b.File)
		original, err := os.ReadFile(file)
		if err != nil {
			line := fmt.Sprintf("FAILED  %s: no longer applies: update the list (%v)", b.Name, err)
			results = append(results, line)
			fmt.Printf("  [%d/%d] %s\n", i+1, len(selected), line)
			continue
		}
		if n := occurrences(string(original), b.From); n != 1 {
			line := fmt.Sprintf("FAILED  %s: no longer applies: update the list (%s has %d occurrences of %s, want exactly 1)", b.Name, b.File, n, quote(b.From))
			results = append(results, line)
			fmt.Printf("  [%d/%d] %s\n", i+1, len(selected), line)
			continue
		}
		in := ""
		if b.dir() != "." {
			in = " in " + b.dir() + "/"
		}
		fmt.Printf("  [%d/%d] %s: go test %s%s ...\n", i+1, len(selected), b.Name, b.Pkg, in)
		broken := strings.Replace(string(original), b.From, b.To, 1)
		if err := os.WriteFile(file, []byte(broken), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "breakages: %v\n", err)
			return 2
		}
		r := goTest(filepath.Join(scratch, b.dir()), b.Pkg, withEnv(env, b.Env), b.Name)
		if err := os.WriteFile(file, original, 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "breakages: restoring %s: %v\n", b.File, err)
			return 2
		}
		line := judge(b, r, baseline[key{b.dir(), b.Pkg}])
		results = append(results, line)
		fmt.Printf("        %s [%.1f s]\n", line, r.seconds)
	}

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
	line := fmt.Sprintf("caught  %s: %s", b.Name, strings.Join(shown, ", "))
	// Tests outside Expect that failed too, less the parents of expected
	// ones (a failing subtest fails its parents).
	others := filter(r.failed, func(t string) bool {
		return !slices.ContainsFunc(b.Expect, func(want string) bool { return matches(t, want) || strings.HasPrefix(want, t+"/") })
	})
	if len(others) > 0 {
		line += fmt.Sprintf(" (also failed: %s)", abbreviate(others, 4))
	}
	return line
}

// result is what one go test -json run showed.
type result struct {
	failed      []string // every test that failed, subtests and their parents
	buildFailed bool     // the package did not build or run
	errors      []string // its build errors, and go test's stderr
	seconds     float64
}

// goTest runs go test -json in dir and returns the tests that failed, and
// the build errors when the package did not build.
func goTest(dir, pkg string, env []string, label string) result {
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-json", "-timeout=5m", pkg)
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
			fmt.Printf("        ... %s: still running (%.0f s)\n", label, time.Since(t0).Seconds())
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
