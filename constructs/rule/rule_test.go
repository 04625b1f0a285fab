package rule

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type upper string

func (u *upper) UnmarshalText(b []byte) error { *u = upper(strings.ToUpper(string(b))); return nil }

type sample struct {
	S     string   `default:"s"`
	N     int      `default:"3"`
	X     float64  `default:"2.5"`
	L     []string `default:"a,b"`
	U     []upper  `default:"x,y"`
	Zero  int
	Inner struct {
		M int `default:"7"`
	}
}

func TestSetDefaults(t *testing.T) {
	var s sample
	s.N = 9
	SetDefaults(&s)
	want := sample{S: "s", N: 9, X: 2.5, L: []string{"a", "b"}, U: []upper{"X", "Y"}}
	want.Inner.M = 7
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("SetDefaults (-want +got):\n%s", diff)
	}
}

func TestSetDefaultsPanicsOnABadTag(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "bad.N") {
			t.Errorf("recovered %v, want a panic naming bad.N", r)
		}
	}()
	type bad struct {
		N int `default:"three"`
	}
	SetDefaults(&bad{})
}

func TestProblemRefsAndNames(t *testing.T) {
	p := Problem{Field: "Min", Value: 5, Allowed: "at most {Max} ({Max})"}
	if diff := cmp.Diff([]string{"Max", "Max"}, p.Refs()); diff != "" {
		t.Errorf("Refs (-want +got):\n%s", diff)
	}
	if got, want := p.Explain(strings.ToLower), "min: 5 is not allowed; allowed: at most max (max)"; got != want {
		t.Errorf("Explain = %q, want %q", got, want)
	}
	var ps Problems
	ps.AddAfter(nil, "A", "v", "with {B}")
	if got := ps[0].Refs(); got == nil || len(got) != 0 {
		t.Errorf("AddAfter(nil) Refs = %#v, want empty, not the fields Allowed names", got)
	}
	if got, want := Error(ps).Error(), `A: "v" is not allowed; allowed: with B`; got != want {
		t.Errorf("Error = %q, want %q", got, want)
	}
}

func TestBetweenAndRetention(t *testing.T) {
	var p Problems
	p.Between("F", 0, 1, 10, "things")
	p.Between("F", 10, 1, 10, "things")
	p.Retention("R", 14)
	p.Retention("R", 15)
	if len(p) != 2 || p[0].Allowed != "1 to 10 things" || p[1].Field != "R" || p[1].Value != 15 {
		t.Errorf("problems = %+v, want 0 outside 1..10 and 15 days", p)
	}
}
