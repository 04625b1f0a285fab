// Package golden is the one place that knows the golden templates' form
// (testdata/golden/<stack>.json) and how two templates differ: the root
// module's TestGoldenTemplates writes and compares them from the tests'
// synthesis, and CI's golden check (internal/tools/goldencheck) compares
// them with what `cdk synth` wrote, with the same normalization and the
// same differ.
//
// The form keeps the diff of an intended change short: one file per stack,
// keys sorted, two-space indent, and the 64-hex asset hashes (which change
// with every edit to sampleapi/ or a CDK handler's code) replaced by a
// placeholder.
package golden

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// Dir holds the golden templates, relative to the root module.
const Dir = "testdata/golden"

// assetHash matches the content hashes CDK puts in asset names, S3 keys and
// image tags.
var assetHash = regexp.MustCompile(`[0-9a-f]{64}`)

const assetHashPlaceholder = "<asset-hash>"

// JSON is the template as kept in testdata/golden: asset hashes replaced,
// keys sorted, two-space indent, HTML characters left as they are.
func JSON(template map[string]any) ([]byte, error) {
	return encode(ScrubAssetHashes(template), "  ")
}

// encode encodes v with indent ("" for one line), leaving <, > and & as they
// are (templates hold them in strings), with a final newline.
func encode(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ScrubAssetHashes returns a copy of v with every asset hash in its strings
// (keys included) replaced by a placeholder.
func ScrubAssetHashes(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[assetHash.ReplaceAllString(k, assetHashPlaceholder)] = ScrubAssetHashes(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = ScrubAssetHashes(e)
		}
		return out
	case string:
		return assetHash.ReplaceAllString(v, assetHashPlaceholder)
	default:
		return v
	}
}

// FromCLI sets aside, in place, what the CDK CLI adds to a template and the
// tests' synthesis does not: the CDKMetadata resource and its condition, and
// the aws:cdk:path and aws:asset:* resource metadata.
func FromCLI(template map[string]any) map[string]any {
	resources, _ := template["Resources"].(map[string]any)
	delete(resources, "CDKMetadata")
	if conditions, ok := template["Conditions"].(map[string]any); ok {
		delete(conditions, "CDKMetadataAvailable")
		if len(conditions) == 0 {
			delete(template, "Conditions")
		}
	}
	for _, r := range resources {
		resource, _ := r.(map[string]any)
		metadata, ok := resource["Metadata"].(map[string]any)
		if !ok {
			continue
		}
		for key := range metadata {
			if key == "aws:cdk:path" || strings.HasPrefix(key, "aws:asset:") {
				delete(metadata, key)
			}
		}
		if len(metadata) == 0 {
			delete(resource, "Metadata")
		}
	}
	return template
}

// Diff lists the differences between two decoded JSON documents, one line
// per changed, added or removed value with its path (for example
// Resources.Listener.Properties.Port), at most limit lines.
func Diff(want, got any, limit int) []string {
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
	raw, _ := encode(v, "")
	s := []rune(strings.TrimSpace(string(raw)))
	if len(s) > 120 {
		return string(s[:117]) + "..."
	}
	return string(s)
}
