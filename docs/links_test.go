// Package docs holds the user's and operator's documentation (Markdown) and
// the test that keeps the links between the documents working.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// documents are the Markdown files a reader follows links between, relative
// to the repository root.
var documents = []string{
	"README.md",
	"CONTRIBUTING.md",
	"docs/*.md",
	"sampleapi/README.md",
}

// link matches an inline Markdown link's target: [text](target).
var link = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocLinks checks that every relative link in the documents names a file
// that exists and, with a #fragment, a heading of that file as GitHub
// renders its anchor. Moving a section between files breaks links silently
// otherwise: GitHub shows the page and ignores the fragment.
func TestDocLinks(t *testing.T) {
	var files []string
	for _, pattern := range documents {
		matches, err := filepath.Glob(filepath.Join("..", pattern))
		if err != nil || len(matches) == 0 {
			t.Fatalf("no document matches %s", pattern)
		}
		files = append(files, matches...)
	}
	anchors := map[string]map[string]bool{}
	anchorsOf := func(path string) (map[string]bool, error) {
		if a, ok := anchors[path]; ok {
			return a, nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		anchors[path] = headingAnchors(string(raw))
		return anchors[path], nil
	}
	checked := 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(filepath.ToSlash(file), "../")
		for n, line := range proseLines(string(raw)) {
			for _, m := range link.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				checked++
				path, fragment, _ := strings.Cut(target, "#")
				resolved := file
				if path != "" {
					resolved = filepath.Join(filepath.Dir(file), path)
				}
				if _, err := os.Stat(resolved); err != nil {
					t.Errorf("%s:%d: link %s: %s does not exist", name, n+1, target, path)
					continue
				}
				if fragment == "" {
					continue
				}
				if !strings.HasSuffix(resolved, ".md") {
					t.Errorf("%s:%d: link %s: a fragment on a file that is not Markdown", name, n+1, target)
					continue
				}
				a, err := anchorsOf(resolved)
				if err != nil {
					t.Fatal(err)
				}
				if !a[fragment] {
					t.Errorf("%s:%d: link %s: %s has no heading with anchor #%s", name, n+1, target, filepath.Base(resolved), fragment)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no relative links found: the pattern or the file list is wrong")
	}
}

// proseLines returns the document's lines with those inside fenced code
// blocks blanked, keeping line numbers.
func proseLines(doc string) []string {
	lines := strings.Split(doc, "\n")
	fenced := false
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fenced = !fenced
			lines[i] = ""
			continue
		}
		if fenced {
			lines[i] = ""
		}
	}
	return lines
}

// headingAnchors returns the anchors GitHub gives the document's ATX
// headings: lower case, punctuation other than - and _ dropped, spaces as -,
// and -1, -2, ... on repeats.
func headingAnchors(doc string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	for _, l := range proseLines(doc) {
		text, ok := strings.CutPrefix(l, "#")
		if !ok {
			continue
		}
		text = strings.TrimLeft(text, "#")
		if text == "" || text[0] != ' ' {
			continue
		}
		a := slug(strings.TrimSpace(text))
		if k := seen[a]; k > 0 {
			anchors[a+"-"+strconv.Itoa(k)] = true
		} else {
			anchors[a] = true
		}
		seen[a]++
	}
	return anchors
}

func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestSlug pins the anchor rule on headings of the kinds the documents use.
func TestSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"What happens during `cdk deploy`":                         "what-happens-during-cdk-deploy",
		"Deployment strategies: canary, linear, blue/green":        "deployment-strategies-canary-linear-bluegreen",
		"Strong cross-stack references: fail rather than go stale": "strong-cross-stack-references-fail-rather-than-go-stale",
		"A NAT instance in dev, NAT gateways in prod":              "a-nat-instance-in-dev-nat-gateways-in-prod",
	} {
		if got := slug(heading); got != want {
			t.Errorf("slug(%q) = %q, want %q", heading, got, want)
		}
	}
}

// ciNamesReadme matches what .ci/run says it runs as the README's command:
// "README: bash scripts/test.sh".
var ciNamesReadme = regexp.MustCompile(`README: (bash scripts/[a-z.]+)`)

// TestReadmeHasCICommands holds the promise .ci/run makes in its step names:
// the commands CI runs as "the README's" are the ones the README tells the
// user to run, so a user's green run means what CI's does.
func TestReadmeHasCICommands(t *testing.T) {
	ci, err := os.ReadFile("../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	found := ciNamesReadme.FindAllStringSubmatch(string(ci), -1)
	if len(found) == 0 {
		t.Fatal(`.ci/run names no "README: bash scripts/..." command: the pattern or .ci/run changed`)
	}
	for _, m := range found {
		if !strings.Contains(string(readme), m[1]) {
			t.Errorf(".ci/run runs %q as the README's command, and README.md does not name it", m[1])
		}
	}
}
