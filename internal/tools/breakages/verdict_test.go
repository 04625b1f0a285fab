package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The verdicts beyond TestJudge's: what counts as the expected test
// failing, and what makes a run prove nothing.
func TestJudgeVerdicts(t *testing.T) {
	cases := []struct {
		name   string
		expect []string
		r      result
		base   []string // failed without the breakage
		want   string
	}{
		{"the one failed subtest is named", []string{"TestA"},
			result{failed: []string{"TestA", "TestA/only"}}, nil,
			"caught  x: TestA/only"},
		{"several failed subtests are counted", []string{"TestA", "TestB/sub"},
			result{failed: []string{"TestA", "TestA/one", "TestA/two", "TestB", "TestB/sub", "TestB/sub/deeper"}}, nil,
			"caught  x: TestA (2 failed), TestB/sub/deeper"},
		{"a failure elsewhere in the baseline does not matter", []string{"TestA"},
			result{failed: []string{"TestA"}}, []string{"TestOther", "TestAB"},
			"caught  x: TestA"},
		{"a name that is the start of another test's is not that test", []string{"TestAlarm"},
			result{failed: []string{"TestAlarmValues"}}, nil,
			"MISSED  x: expected TestAlarm to fail; failed instead: TestAlarmValues"},
		{"a name that is the start of a subtest's is not that subtest", []string{"TestA/su"},
			result{failed: []string{"TestA", "TestA/sub"}}, nil,
			"MISSED  x: expected TestA/su to fail; failed instead: TestA/sub"},
		{"one expected test passes", []string{"TestA", "TestB"},
			result{failed: []string{"TestA"}}, nil,
			"MISSED  x: expected TestA, TestB to fail; failed instead: TestA"},
		{"does not build", []string{"TestA"},
			result{buildFailed: true, errors: []string{"a.go:1: x", "a.go:2: y", "a.go:3: z", "a.go:4: w"}}, nil,
			"MISSED  x: does not build, so it proves nothing (a breakage must compile): a.go:1: x | a.go:2: y | a.go:3: z"},
		{"does not build, whatever else it reports", []string{"TestA"},
			result{buildFailed: true, failed: []string{"TestA"}, errors: []string{"panic in init"}}, nil,
			"MISSED  x: does not build, so it proves nothing (a breakage must compile): panic in init"},
		{"an expected subtest fails in the baseline", []string{"TestA", "TestB"},
			result{failed: []string{"TestA", "TestB"}}, []string{"TestA", "TestA/flaky"},
			"MISSED  x: TestA fails without the breakage too"},
		{"both fail in the baseline", []string{"TestA", "TestB"},
			result{failed: []string{"TestA", "TestB"}}, []string{"TestA", "TestB"},
			"MISSED  x: TestA, TestB fail without the breakage too"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := breakage{Name: "x", Expect: c.expect}
			if got := judge(b, c.r, result{failed: c.base}); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	cases := []struct {
		test, want string
		match      bool
	}{
		{"TestA", "TestA", true},
		{"TestA/sub", "TestA", true},
		{"TestA/sub/deeper", "TestA/sub", true},
		{"TestAB", "TestA", false},
		{"TestA/subtle", "TestA/sub", false},
		{"TestA", "TestA/sub", false},
		{"TestA/sub", "TestA/sub/", false},
	}
	for _, c := range cases {
		if got := matches(c.test, c.want); got != c.match {
			t.Errorf("matches(%q, %q) = %v, want %v", c.test, c.want, got, c.match)
		}
	}
}

func TestLeaves(t *testing.T) {
	cases := []struct {
		tests, want []string
	}{
		{nil, nil},
		{[]string{"TestA"}, []string{"TestA"}},
		{[]string{"TestB", "TestA/sub", "TestA"}, []string{"TestA/sub", "TestB"}},
		{[]string{"TestA", "TestA/x", "TestA/x/y", "TestA/z"}, []string{"TestA/x/y", "TestA/z"}},
		// TestAB is not TestA's subtest: both are leaves.
		{[]string{"TestA", "TestAB"}, []string{"TestA", "TestAB"}},
	}
	for _, c := range cases {
		if got := leaves(c.tests); !slices.Equal(got, c.want) {
			t.Errorf("leaves(%q) = %q, want %q", c.tests, got, c.want)
		}
	}
}

func TestCheckList(t *testing.T) {
	ok := breakage{Name: "a", File: "f.go", From: "x", To: "y", Pkg: ".", Expect: []string{"TestA"}}
	with := func(change func(*breakage)) breakage {
		b := ok
		change(&b)
		return b
	}
	cases := []struct {
		name string
		list []breakage
		want string // "" for no error
	}{
		{"fine", []breakage{ok, with(func(b *breakage) { b.Name = "b"; b.To = "" })}, ""},
		{"no name", []breakage{ok, with(func(b *breakage) { b.Name = "" })}, "entry 2 of list.go has no Name"},
		{"a name twice", []breakage{ok, with(func(b *breakage) { b.From = "z" })}, `two entries are named "a"`},
		{"no File", []breakage{with(func(b *breakage) { b.File = "" })}, `"a" needs File, From, Pkg and Expect`},
		{"no From", []breakage{with(func(b *breakage) { b.From = "" })}, `"a" needs File, From, Pkg and Expect`},
		{"no Pkg", []breakage{with(func(b *breakage) { b.Pkg = "" })}, `"a" needs File, From, Pkg and Expect`},
		{"no Expect", []breakage{with(func(b *breakage) { b.Expect = nil })}, `"a" needs File, From, Pkg and Expect`},
		{"From == To", []breakage{with(func(b *breakage) { b.To = b.From })}, `"a" changes nothing (From == To)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := checkList(c.list)
			if c.want == "" && err != nil || c.want != "" && (err == nil || err.Error() != c.want) {
				t.Errorf("checkList: %v, want %q", err, c.want)
			}
		})
	}
	if err := checkList(breakages); err != nil {
		t.Errorf("list.go: %v", err)
	}
}

func TestOccurrences(t *testing.T) {
	cases := []struct {
		text, s string
		n       int
	}{
		{"a := 1", "a := 1", 1},
		{"x, y", "z", 0},
		{"f(x); f(x)", "f(x)", 2},
		// Overlapping: which one would the breakage replace?
		{"aaa", "aa", 2},
		{"anything", "", 0},
	}
	for _, c := range cases {
		if got := occurrences(c.text, c.s); got != c.n {
			t.Errorf("occurrences(%q, %q) = %d, want %d", c.text, c.s, got, c.n)
		}
	}
}

// A breakage whose From is not in its File exactly once no longer applies
// (FAILED): nothing is changed and no test runs.
func TestStale(t *testing.T) {
	dir := t.TempDir()
	const text = "a := f(x)\nb := f(x)\nc := g(x)\n"
	if err := os.WriteFile(filepath.Join(dir, "f.go"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, file, from string
		want             string
	}{
		{"From occurs twice", "f.go", "f(x)", `f.go has 2 occurrences of "f(x)", want exactly 1`},
		{"From is gone", "f.go", "h(x)", `f.go has 0 occurrences of "h(x)", want exactly 1`},
		{"File is gone", "gone.go", "g(x)", "gone.go: no such file or directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := &job{b: &breakage{Name: c.name, File: c.file, From: c.from, To: "broken", Pkg: ".", Expect: []string{"TestA"}}, dir: ".", pkg: "."}
			if err := j.do(dir); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(j.stale, c.want) {
				t.Errorf("stale = %q, want it to say %q", j.stale, c.want)
			}
			if after, _ := os.ReadFile(filepath.Join(dir, "f.go")); string(after) != text {
				t.Errorf("f.go changed to %q", after)
			}
		})
	}
}
