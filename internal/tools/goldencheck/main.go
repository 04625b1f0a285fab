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
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/example/fargate-api/internal/golden"
)

func main() {
	if len(os.Args) != 3 {
		usage()
	}
	outdir := os.Args[1]
	expected, err := strconv.Atoi(os.Args[2])
	if err != nil || expected < 0 {
		usage()
	}
	files, err := filepath.Glob(filepath.Join(outdir, "*.template.json"))
	if err != nil {
		fail(2, err.Error())
	}
	compared, failed := 0, false
	for _, file := range files { // Glob sorts
		stack := strings.TrimSuffix(filepath.Base(file), ".template.json")
		goldenFile := filepath.Join(filepath.FromSlash(golden.Dir), stack+".json")
		var want any
		if err := readJSON(goldenFile, &want); os.IsNotExist(err) {
			continue
		} else if err != nil {
			fail(1, err.Error())
		}
		compared++
		var template map[string]any
		if err := readJSON(file, &template); err != nil {
			fail(1, err.Error())
		}
		got := golden.ScrubAssetHashes(golden.FromCLI(template))
		if diff := golden.Diff(want, got, 10); len(diff) > 0 {
			failed = true
			fmt.Fprintf(os.Stderr, "%s: %s/%s.json is not what cdk synth writes (changed: golden → cdk synth; removed: only in the golden file; added: only in cdk synth):\n  %s\n",
				stack, golden.Dir, stack, strings.Join(diff, "\n  "))
		}
	}
	if compared != expected {
		fail(1, fmt.Sprintf("goldencheck: compared %d templates in %s with %s, expected %d", compared, outdir, golden.Dir, expected))
	}
	if failed {
		fail(1, "The tests' synthesis and cdk synth disagree: if the golden files are stale, run go test -run TestGoldenTemplates -update ./stacks; otherwise the test context (stacks/harness_test.go, testContext) has drifted from the CLI's.")
	}
	fmt.Printf("goldencheck: %d templates in %s match %s\n", compared, outdir, golden.Dir)
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
