package stacks_test

// Golden templates: a change detector beside the intent tests. Every stack of
// the variants users deploy as they are (the dev and prod profiles) is
// kept, normalized, in testdata/golden/<stack>.json. A change to a
// synthesized template that no intent test is about (a CDK upgrade that
// changes a default, a refactor that moves a property) fails
// TestGoldenTemplates/<stack>, listing the JSON paths that changed, until it
// is accepted with
//
//	go test -run TestGoldenTemplates -update ./stacks
//
// and reviewed with `git diff testdata/golden`. The files are written so that
// diff is short (internal/golden: the form, and the differ CI's golden check
// shares).

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/example/fargate-api/internal/golden"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from this synthesis (TestGoldenTemplates)")

// goldenVariants are the fixture variants kept as golden templates:
// the two profiles as deployed without settings. The Custom and Options
// variants exist to reach options; intent tests cover those, and golden
// copies of them would repeat every shared change twice more.
var goldenVariants = []string{"dev", "prod"}

var goldenDir = filepath.Join("..", filepath.FromSlash(golden.Dir))

func TestGoldenTemplates(t *testing.T) {
	f := app(t)
	kept := map[string]bool{}
	for _, o := range f.outcomes {
		if !slices.Contains(goldenVariants, o.name) {
			continue
		}
		for _, stack := range o.stacks {
			file := filepath.Join(goldenDir, stack+".json")
			kept[file] = true
			t.Run(stack, func(t *testing.T) {
				if why := f.broken(stack); why != "" {
					t.Fatal(why)
				}
				got, err := golden.JSON(f.templates[stack])
				if err != nil {
					t.Fatal(err)
				}
				if *update {
					if err := os.MkdirAll(goldenDir, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(file, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("no golden template for %s (%v): run go test -run TestGoldenTemplates -update ./stacks and commit %s", stack, err, file)
				}
				if bytes.Equal(want, got) {
					return
				}
				var wantDoc, gotDoc any
				if err := json.Unmarshal(want, &wantDoc); err != nil {
					t.Fatalf("%s: %v (rewrite it with -update)", file, err)
				}
				if err := json.Unmarshal(got, &gotDoc); err != nil {
					t.Fatal(err)
				}
				changes := golden.Diff(wantDoc, gotDoc, 25)
				if len(changes) == 0 {
					changes = []string{"only the formatting differs"}
				}
				t.Errorf("%s's template differs from %s:\n  %s\nIf the change is intended, run go test -run TestGoldenTemplates -update ./stacks and review git diff %s",
					stack, file, strings.Join(changes, "\n  "), goldenDir)
			})
		}
	}
	// A stack that was renamed or removed leaves its golden file behind.
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	for _, file := range files {
		if kept[file] {
			continue
		}
		if *update {
			if err := os.Remove(file); err != nil {
				t.Error(err)
			}
			continue
		}
		t.Errorf("%s belongs to no stack of the %s variants: delete it, or run go test -run TestGoldenTemplates -update ./stacks", file, strings.Join(goldenVariants, " and "))
	}
}
