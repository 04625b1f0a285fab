package config

import (
	"fmt"
	"slices"
	"strings"
)

// problem is one configuration problem. Most name a key, the value it has
// and what is allowed; they render as "app:key: value is not allowed;
// allowed: ...".
type problem struct {
	// key is the key without its prefix; name is how the message names it
	// (the key with its prefix, or a context key as the user wrote it).
	key, name string
	// value is the rejected value as shown, or "" when text says it all.
	value string
	text  string
	// allowed is what the rule allows (text repeats it).
	allowed string
	// after lists the keys this rule also read: a problem with one of them
	// makes this one a follow-on, which is not reported.
	after []string
}

type problems []problem

func (p *problems) add(key string, value any, allowed string, after ...string) {
	*p = append(*p, problem{key: key, name: Prefix + key, value: quote(value), text: "is not allowed; allowed: " + allowed, allowed: allowed, after: after})
}

// render drops follow-on problems, orders the rest by key (unknown keys
// first, then the keys in documentation order) and formats them. A problem
// about a value the user did not set says it is the profile's default.
func (p problems) render(isDefault func(key string) bool, profile string) []string {
	bad := map[string]bool{}
	for _, q := range p {
		bad[q.key] = true
	}
	var kept problems
	for _, q := range p {
		if !slices.ContainsFunc(q.after, func(k string) bool { return k != q.key && bad[k] }) {
			kept = append(kept, q)
		}
	}
	slices.SortStableFunc(kept, func(a, b problem) int {
		ia, ib := keyIndex(a.key), keyIndex(b.key)
		if ia != ib {
			return ia - ib
		}
		if ia < 0 {
			return strings.Compare(a.name, b.name)
		}
		return 0
	})
	out := make([]string, len(kept))
	for i, q := range kept {
		if q.value == "" {
			out[i] = q.name + ": " + q.text
			continue
		}
		note := ""
		if isDefault != nil && isDefault(q.key) {
			note = fmt.Sprintf(" (the %s profile's default)", profile)
		}
		out[i] = q.name + ": " + q.value + note + " " + q.text
	}
	return out
}

// keyIndex is the key's position in keys, or -1 for a name that is not one.
func keyIndex(name string) int {
	return slices.IndexFunc(keys, func(k key) bool { return k.name == name })
}

// closest suggests the candidate nearest to s, if one is within a typo's
// reach, as " (did you mean x?)".
func closest(s string, candidates []string) string {
	best, bestDistance := "", 3
	for _, c := range candidates {
		if d := distance(strings.ToLower(c), strings.ToLower(s)); d < bestDistance {
			best, bestDistance = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}
