package main

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The runner runs only the tests a breakage expects to fail (runPattern).
// The pattern must select each of them and their subtests, whatever their
// names hold, and nothing else; a name that matches no test must select
// nothing. This runs the test binary itself on TestNamedSubtests below
// and reads which tests ran.
func TestRunPattern(t *testing.T) {
	cases := []struct {
		name   string
		expect []string
		ran    []string
	}{
		{"a top-level test and all its subtests", []string{"TestNamedSubtests"}, []string{
			"TestNamedSubtests", "TestNamedSubtests/GET_/users/{id}", "TestNamedSubtests/GET_/users/{id}/inner",
			"TestNamedSubtests/GET_/users", "TestNamedSubtests/expire_(prod_90_days)", "TestNamedSubtests/a|b",
			"TestNamedSubtests/a", "TestNamedSubtests/app:cors.*", "TestNamedSubtests/app:corsMaxAge",
		}},
		// go test splits names at every "/", so a sibling named like the
		// start of another runs too; more than needed, never less.
		{"a subtest with / in its name", []string{"TestNamedSubtests/GET_/users/{id}"}, []string{
			"TestNamedSubtests", "TestNamedSubtests/GET_/users/{id}", "TestNamedSubtests/GET_/users/{id}/inner", "TestNamedSubtests/GET_/users",
		}},
		{"regexp characters are literal", []string{"TestNamedSubtests/expire_(prod_90_days)", "TestNamedSubtests/a|b", "TestNamedSubtests/app:cors.*"}, []string{
			"TestNamedSubtests", "TestNamedSubtests/expire_(prod_90_days)", "TestNamedSubtests/a|b", "TestNamedSubtests/app:cors.*",
		}},
		{"a name that matches no test runs nothing", []string{"TestNamedSubtest", "TestNamedSubtests/app:cors"}, []string{
			"TestNamedSubtests",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run", runPattern(c.expect), "-test.v")
			cmd.Env = append(os.Environ(), "BREAKAGES_NAMED_SUBTESTS=1")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
			}
			var ran []string
			for _, l := range strings.Split(string(out), "\n") {
				if name, ok := strings.CutPrefix(l, "=== RUN   "); ok {
					ran = append(ran, name)
				}
			}
			if !slices.Equal(ran, c.ran) {
				t.Errorf("-run %s ran\n  %q\nwant\n  %q", runPattern(c.expect), ran, c.ran)
			}
		})
	}
}

// TestNamedSubtests has the kinds of names the list uses. It does
// something only when TestRunPattern runs it.
func TestNamedSubtests(t *testing.T) {
	if os.Getenv("BREAKAGES_NAMED_SUBTESTS") != "1" {
		t.Skip("run by TestRunPattern")
	}
	for _, name := range []string{"GET /users/{id}", "GET /users", "expire (prod 90 days)", "a|b", "a", "app:cors.*", "app:corsMaxAge"} {
		t.Run(name, func(t *testing.T) {
			if name == "GET /users/{id}" {
				t.Run("inner", func(t *testing.T) {})
			}
		})
	}
}

// A breakage is caught only by a failure of the tests it names: nothing
// failing, or a named test that does not exist (and so selects nothing),
// is MISSED.
func TestJudge(t *testing.T) {
	b := breakage{Name: "x", Expect: []string{"TestA/sub", "TestB"}}
	cases := []struct {
		name         string
		failed, base []string
		want         string
	}{
		{"both fail", []string{"TestA", "TestA/sub", "TestB"}, nil, "caught  x: TestA/sub, TestB"},
		{"nothing failed (or no such test)", nil, nil, "MISSED  x: expected TestA/sub, TestB to fail; failed instead: nothing"},
		{"only one fails", []string{"TestB"}, nil, "MISSED  x: expected TestA/sub, TestB to fail; failed instead: TestB"},
		{"a parent fails, not the subtest", []string{"TestA", "TestB"}, nil, "MISSED  x: expected TestA/sub, TestB to fail; failed instead: TestA, TestB"},
		{"fails unbroken too", []string{"TestA", "TestA/sub", "TestB"}, []string{"TestB"}, "MISSED  x: TestB fails without the breakage too"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := judge(b, result{failed: c.failed}, result{failed: c.base}); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}
