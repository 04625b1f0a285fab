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
// diff is short: one per stack, keys sorted, two-space indent, and the
// 64-hex asset hashes (which change with every edit to sampleapi/ or a CDK
// handler's code) replaced by a placeholder.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from this synthesis (TestGoldenTemplates)")

// goldenVariants are the fixture variants kept as golden templates:
// the two profiles as deployed without settings. The Custom and Options
// variants exist to reach options; intent tests cover those, and golden
// copies of them would repeat every shared change twice more.
var goldenVariants = []string{"dev", "prod"}

var goldenDir = filepath.Join("..", "testdata", "golden")

// assetHash matches the content hashes CDK puts in asset names, S3 keys and
// image tags.
var assetHash = regexp.MustCompile(`[0-9a-f]{64}`)

const assetHashPlaceholder = "<asset-hash>"

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
				got, err := goldenJSON(f.templates[stack])
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
				changes := jsonDiff(wantDoc, gotDoc, 25)
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

// goldenJSON is the template as kept in testdata/golden: asset hashes
// replaced, keys sorted, two-space indent, HTML characters left as they are.
func goldenJSON(template map[string]any) ([]byte, error) {
	return encodeJSON(scrubAssetHashes(template), "  ")
}

// encodeJSON encodes v with indent ("" for one line), leaving <, > and &
// as they are (templates hold them in strings), with a final newline.
func encodeJSON(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// scrubAssetHashes returns a copy of v with every asset hash in its strings
// (keys included) replaced by a placeholder.
func scrubAssetHashes(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[assetHash.ReplaceAllString(k, assetHashPlaceholder)] = scrubAssetHashes(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = scrubAssetHashes(e)
		}
		return out
	case string:
		return assetHash.ReplaceAllString(v, assetHashPlaceholder)
	default:
		return v
	}
}

// jsonDiff lists the differences between two decoded JSON documents, one
// line per changed, added or removed value with its path (for example
// Resources.Listener.Properties.Port), at most limit lines.
func jsonDiff(want, got any, limit int) []string {
	var out []string
	var walk func(path string, want, got any)
	report := func(format string, args ...any) {
		if len(out) < limit {
			out = append(out, fmt.Sprintf(format, args...))
		} else if len(out) == limit {
			out = append(out, "… and more: see git diff after -update")
		}
	}
	walk = func(path string, want, got any) {
		if len(out) > limit {
			return
		}
		wm, wantIsMap := want.(map[string]any)
		gm, gotIsMap := got.(map[string]any)
		if wantIsMap && gotIsMap {
			keys := map[string]bool{}
			for k := range wm {
				keys[k] = true
			}
			for k := range gm {
				keys[k] = true
			}
			sorted := make([]string, 0, len(keys))
			for k := range keys {
				sorted = append(sorted, k)
			}
			sort.Strings(sorted)
			for _, k := range sorted {
				w, inWant := wm[k]
				g, inGot := gm[k]
				switch {
				case !inGot:
					report("removed %s: %s", jsonPath(path, k), summary(w))
				case !inWant:
					report("added   %s: %s", jsonPath(path, k), summary(g))
				default:
					walk(jsonPath(path, k), w, g)
				}
			}
			return
		}
		ws, wantIsList := want.([]any)
		gs, gotIsList := got.([]any)
		if wantIsList && gotIsList {
			for i := 0; i < max(len(ws), len(gs)); i++ {
				p := fmt.Sprintf("%s[%d]", path, i)
				switch {
				case i >= len(gs):
					report("removed %s: %s", p, summary(ws[i]))
				case i >= len(ws):
					report("added   %s: %s", p, summary(gs[i]))
				default:
					walk(p, ws[i], gs[i])
				}
			}
			return
		}
		if !reflect.DeepEqual(want, got) {
			report("changed %s: %s → %s", path, summary(want), summary(got))
		}
	}
	walk("", want, got)
	return out
}

// jsonPath appends key to path, bracketing keys that are not plain names.
func jsonPath(path, key string) string {
	if strings.ContainsAny(key, ".[] ") || key == "" {
		return fmt.Sprintf("%s[%q]", path, key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// summary renders a value in one short line; a resource is named by its
// type.
func summary(v any) string {
	if m, ok := v.(map[string]any); ok {
		if typ, ok := m["Type"].(string); ok && strings.Contains(typ, "::") {
			return "a " + typ
		}
	}
	raw, _ := encodeJSON(v, "")
	s := []rune(strings.TrimSpace(string(raw)))
	if len(s) > 120 {
		return string(s[:117]) + "..."
	}
	return string(s)
}

func TestJSONDiff(t *testing.T) {
	doc := func(s string) any {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, want, got string
		limit           int
		diff            []string
	}{
		{"equal", `{"a":[1,{"b":2}]}`, `{"a":[1,{"b":2}]}`, 10, nil},
		{"changed scalar", `{"Resources":{"L":{"Properties":{"Port":80}}}}`, `{"Resources":{"L":{"Properties":{"Port":443}}}}`, 10,
			[]string{"changed Resources.L.Properties.Port: 80 → 443"}},
		{"resource removed and added: a replacement", `{"Resources":{"DbA":{"Type":"AWS::RDS::DBInstance"}}}`, `{"Resources":{"DbB":{"Type":"AWS::RDS::DBInstance"}}}`, 10,
			[]string{"removed Resources.DbA: a AWS::RDS::DBInstance", "added   Resources.DbB: a AWS::RDS::DBInstance"}},
		{"list grows", `{"a":[1]}`, `{"a":[1,"<x>"]}`, 10, []string{`added   a[1]: "<x>"`}},
		{"list shrinks", `{"a":[1,2]}`, `{"a":[1]}`, 10, []string{"removed a[1]: 2"}},
		{"type changes", `{"a":{"b":1}}`, `{"a":[1]}`, 10, []string{`changed a: {"b":1} → [1]`}},
		{"keys that are not names", `{"Metadata":{"aws:cdk:path":"x","a.b":1}}`, `{"Metadata":{"aws:cdk:path":"y","a.b":1}}`, 10,
			[]string{`changed Metadata.aws:cdk:path: "x" → "y"`}},
		{"dotted key", `{"m":{"a.b":1}}`, `{"m":{"a.b":2}}`, 10, []string{`changed m["a.b"]: 1 → 2`}},
		{"limit", `{"a":1,"b":1,"c":1}`, `{"a":2,"b":2,"c":2}`, 2,
			[]string{"changed a: 1 → 2", "changed b: 1 → 2", "… and more: see git diff after -update"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := jsonDiff(doc(tc.want), doc(tc.got), tc.limit); !reflect.DeepEqual(got, tc.diff) {
				t.Errorf("jsonDiff:\n got  %q\n want %q", got, tc.diff)
			}
		})
	}
}

func TestGoldenJSONScrubsAssetHashes(t *testing.T) {
	hash := strings.Repeat("0123456789abcdef", 4)
	got, err := goldenJSON(map[string]any{
		"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk-assets:" + hash,
		"Code":  map[string]any{"S3Key": hash + ".zip"},
		"Tag":   hash[:63], // not a full hash: kept
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "Code": {
    "S3Key": "<asset-hash>.zip"
  },
  "Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk-assets:<asset-hash>",
  "Tag": "` + hash[:63] + `"
}
`
	if string(got) != want {
		t.Errorf("goldenJSON:\n%s\nwant:\n%s", got, want)
	}
}
