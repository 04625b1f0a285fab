package constructs

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// TestNewRevisionExpressionByPhase evaluates NewRevisionExpression, the
// metric math of the new-revision rollback alarms, for each phase of a
// deployment (docs/operations.md, "Rollback on the new revision only"): which target
// group's errors count. A small evaluator stands in for CloudWatch; it knows
// only what the expression uses (IF, FILL, AND, OR, comparisons).
func TestNewRevisionExpressionByPhase(t *testing.T) {
	type group struct{ requests, healthy float64 }
	const errors = 7
	for _, tt := range []struct {
		phase    string
		old, new group
		judged   string // "old", "new" or ""
	}{
		{"steady state", group{100, 2}, group{0, 0}, ""},
		{"green starting, not yet shifted (the blind spot)", group{100, 2}, group{0, 2}, "old"},
		{"canary 10 %", group{90, 2}, group{10, 2}, "new"},
		{"linear 25 %", group{75, 2}, group{25, 2}, "new"},
		{"linear 50 %", group{50, 2}, group{50, 2}, ""},
		{"linear 75 % (the caveat)", group{25, 2}, group{75, 2}, "old"},
		{"bake after the full shift", group{0, 2}, group{100, 2}, "new"},
		{"after clean-up", group{0, 0}, group{100, 2}, ""},
		{"no traffic at all", group{0, 2}, group{0, 2}, ""},
	} {
		t.Run(tt.phase, func(t *testing.T) {
			alarm := func(mine, theirs group) float64 {
				vars := map[string]float64{"theirHealthy": theirs.healthy, "value": errors}
				// A group without requests reports no datapoint: FILL supplies 0.
				if mine.requests > 0 {
					vars["mine"] = mine.requests
				}
				if theirs.requests > 0 {
					vars["theirs"] = theirs.requests
				}
				v, err := evaluate(NewRevisionExpression, vars)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			got := ""
			if alarm(tt.old, tt.new) == errors {
				got += "old"
			}
			if alarm(tt.new, tt.old) == errors {
				got += "new"
			}
			if got != tt.judged {
				t.Errorf("judged %q, want %q", got, tt.judged)
			}
		})
	}
}

// evaluate computes a CloudWatch metric math expression over single values.
// Missing variables are missing data (FILL replaces them).
func evaluate(expr string, vars map[string]float64) (float64, error) {
	p := &parser{toks: tokenize(expr), vars: vars}
	v, ok := p.or()
	if !ok || p.pos != len(p.toks) {
		return 0, fmt.Errorf("cannot evaluate %q at token %d", expr, p.pos)
	}
	return v, nil
}

func tokenize(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case c == ' ':
			i++
		case strings.ContainsRune("(),", c):
			toks = append(toks, string(c))
			i++
		case strings.ContainsRune("<>=!", c):
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			j := i
			for j < len(s) && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])) || s[j] == '.' || s[j] == '_') {
				j++
			}
			if j == i {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks
}

type parser struct {
	toks []string
	pos  int
	vars map[string]float64
}

func (p *parser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *parser) next() string { t := p.peek(); p.pos++; return t }

func truth(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (p *parser) or() (float64, bool) {
	v, ok := p.and()
	for ok && p.peek() == "OR" {
		p.next()
		w, ok2 := p.and()
		v, ok = truth(v != 0 || w != 0), ok2
	}
	return v, ok
}

func (p *parser) and() (float64, bool) {
	v, ok := p.cmp()
	for ok && p.peek() == "AND" {
		p.next()
		w, ok2 := p.cmp()
		v, ok = truth(v != 0 && w != 0), ok2
	}
	return v, ok
}

func (p *parser) cmp() (float64, bool) {
	v, ok := p.primary()
	switch op := p.peek(); op {
	case ">", "<", "==", ">=", "<=", "!=":
		p.next()
		w, ok2 := p.primary()
		r := map[string]bool{">": v > w, "<": v < w, "==": v == w, ">=": v >= w, "<=": v <= w, "!=": v != w}[op]
		return truth(r), ok && ok2
	}
	return v, ok
}

func (p *parser) primary() (float64, bool) {
	switch t := p.next(); t {
	case "(":
		v, ok := p.or()
		return v, ok && p.next() == ")"
	case "IF":
		if p.next() != "(" {
			return 0, false
		}
		c, ok1 := p.or()
		p.next()
		a, ok2 := p.or()
		p.next()
		b, ok3 := p.or()
		if p.next() != ")" {
			return 0, false
		}
		if c != 0 {
			return a, ok1 && ok2 && ok3
		}
		return b, ok1 && ok2 && ok3
	case "FILL":
		if p.next() != "(" {
			return 0, false
		}
		name := p.next()
		p.next()
		fill, err := strconv.ParseFloat(p.next(), 64)
		if err != nil || p.next() != ")" {
			return 0, false
		}
		if v, ok := p.vars[name]; ok {
			return v, true
		}
		return fill, true
	default:
		if v, err := strconv.ParseFloat(t, 64); err == nil {
			return v, true
		}
		v, ok := p.vars[t]
		return v, ok
	}
}
