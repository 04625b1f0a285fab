// Command goldencheck checks that the golden templates the tests compare
// against (testdata/golden, written by `go test -run TestGoldenTemplates
// -update ./stacks`) are what `cdk synth` writes. The tests synthesize in an App of
// their own, with context of their own; this proves they look at the
// templates that deploy. What the CLI adds is set aside first
// (golden.FromCLI) and asset hashes become <asset-hash>, as in the golden
// files; the differ is the tests' own (golden.Diff).
//
//	go run ./internal/tools/goldencheck OUTDIR EXPECTED_COUNT
//
// compares every template in OUTDIR that has a golden file and fails unless
// it compared EXPECTED_COUNT of them. Run it from the root module.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/example/fargate-api/internal/golden"
)

func main() {
	outdir, expected, ok := parseArgs(os.Args[1:])
	if !ok {
		usage()
	}
	os.Exit(run(outdir, filepath.FromSlash(golden.Dir), expected, os.Stdout, os.Stderr))
}

// parseArgs reads OUTDIR and EXPECTED_COUNT (a whole number, 0 or more).
func parseArgs(args []string) (outdir string, expected int, ok bool) {
	if len(args) != 2 {
		return "", 0, false
	}
	expected, err := strconv.Atoi(args[1])
	if err != nil || expected < 0 {
		return "", 0, false
	}
	return args[0], expected, true
}

// run compares the templates in outdir with the golden files in goldenDir,
// says how it went on stdout or stderr, and returns the exit code: 0 when
// exactly expected templates were compared and all match.
func run(outdir, goldenDir string, expected int, stdout, stderr io.Writer) int {
	shown := filepath.ToSlash(goldenDir)
	files, err := filepath.Glob(filepath.Join(outdir, "*.template.json"))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	compared, failed := 0, false
	for _, file := range files { // Glob sorts
		stack := strings.TrimSuffix(filepath.Base(file), ".template.json")
		goldenFile := filepath.Join(goldenDir, stack+".json")
		var want any
		if err := readJSON(goldenFile, &want); os.IsNotExist(err) {
			continue
		} else if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		compared++
		var template map[string]any
		if err := readJSON(file, &template); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		got := golden.ScrubAssetHashes(golden.FromCLI(template))
		if diff := golden.Diff(want, got, 10); len(diff) > 0 {
			failed = true
			fmt.Fprintf(stderr, "%s: %s/%s.json is not what cdk synth writes (changed: golden → cdk synth; removed: only in the golden file; added: only in cdk synth):\n  %s\n",
				stack, shown, stack, strings.Join(diff, "\n  "))
		}
	}
	if compared != expected {
		fmt.Fprintf(stderr, "goldencheck: compared %d templates in %s with %s, expected %d\n", compared, outdir, shown, expected)
		return 1
	}
	if failed {
		fmt.Fprintln(stderr, "The tests' synthesis and cdk synth disagree: if the golden files are stale, run go test -run TestGoldenTemplates -update ./stacks; otherwise the test context (stacks/harness_test.go, testContext) has drifted from the CLI's.")
		return 1
	}
	fmt.Fprintf(stdout, "goldencheck: %d templates in %s match %s\n", compared, outdir, shown)
	return 0
}

func readJSON(file string, v any) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	return nil
}

func usage() {
	fail(2, "usage: go run ./internal/tools/goldencheck OUTDIR EXPECTED_COUNT")
}

func fail(code int, msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(code)
}
