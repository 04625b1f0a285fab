// Package rule is what every settings type of the app shares: defaults
// declared as `default` struct tags, and problems that name a field, the
// rejected value and what is allowed. It imports no CDK, so the settings
// types built on it (fargate.Settings, httpapi.Settings, the stacks'
// settings) are checked in milliseconds by the configuration package.
//
// A settings field that users set carries two more tags, read by the
// configuration package: `key` (its context key without the "app:" prefix)
// and `doc` (its line in the configuration reference).
package rule

import (
	"encoding"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// Problem is one invalid setting.
type Problem struct {
	// Field is the settings field, e.g. "MemoryMiB", or a dotted path into a
	// nested struct.
	Field string
	// Value is the rejected value.
	Value any
	// Allowed says what would be accepted. It names other fields as {Field},
	// so each caller can show them under its own names (Explain).
	Allowed string
	// After lists the other fields this rule read, when they are not
	// exactly those Allowed names: a caller that also reports a problem
	// with one of them may drop this one as a follow-on. Nil: the fields
	// Allowed names (Refs).
	After []string
}

var reField = regexp.MustCompile(`\{([A-Za-z.]+)\}`)

// Refs returns the fields the problem depends on: After, or else the
// fields Allowed names.
func (p Problem) Refs() []string {
	if p.After != nil {
		return p.After
	}
	var out []string
	for _, m := range reField.FindAllStringSubmatch(p.Allowed, -1) {
		out = append(out, m[1])
	}
	return out
}

// AllowedAs renders Allowed with every field name it holds passed through
// name.
func (p Problem) AllowedAs(name func(field string) string) string {
	return reField.ReplaceAllStringFunc(p.Allowed, func(m string) string { return name(m[1 : len(m)-1]) })
}

// Explain renders the problem with every field name, its own included,
// passed through name.
func (p Problem) Explain(name func(field string) string) string {
	return fmt.Sprintf("%s: %s is not allowed; allowed: %s", name(p.Field), Quote(p.Value), p.AllowedAs(name))
}

// Quote shows a value as problems do: a string quoted, anything else as fmt
// prints it.
func Quote(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// Error lists problems under the Go field names.
type Error []Problem

func (e Error) Error() string {
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.Explain(func(f string) string { return f })
	}
	return strings.Join(lines, "; ")
}

// Problems collects the problems of one Validate call.
type Problems []Problem

// Add records that field's value is not allowed; allowed may name other
// fields as {Field}, which makes them the rule's dependencies.
func (p *Problems) Add(field string, value any, allowed string) {
	*p = append(*p, Problem{Field: field, Value: value, Allowed: allowed})
}

// AddAfter is Add for a rule that depends on other fields than allowed
// names; after may be empty.
func (p *Problems) AddAfter(after []string, field string, value any, allowed string) {
	if after == nil {
		after = []string{}
	}
	*p = append(*p, Problem{Field: field, Value: value, Allowed: allowed, After: after})
}

// Between rejects a value outside lo..hi, saying so in unit.
func (p *Problems) Between(field string, v, lo, hi int, unit string) {
	if v < lo || v > hi {
		p.Add(field, v, fmt.Sprintf("%d to %d %s", lo, hi, unit))
	}
}

// RetentionDays are the values CloudWatch Logs accepts for a log group.
var RetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// Retention rejects days that are not a CloudWatch Logs retention value.
func (p *Problems) Retention(field string, days int) {
	for _, d := range RetentionDays {
		if d == days {
			return
		}
	}
	p.Add(field, days, "one of "+JoinInts(RetentionDays)+" days (CloudWatch Logs retention values)")
}

// JoinInts renders xs as "1, 2, 3".
func JoinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}

// SetDefaults sets every zero field of the struct s points to that has a
// `default` tag to that default, in nested structs too. A tag on a slice
// holds comma-separated items: strings, or values of a type that
// implements encoding.TextUnmarshaler. A tag that does not parse is a
// programming error and panics.
func SetDefaults(s any) {
	setDefaults(reflect.ValueOf(s).Elem())
}

func setDefaults(v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f := v.Field(i)
		if f.Kind() == reflect.Struct {
			setDefaults(f)
			continue
		}
		tag, ok := t.Field(i).Tag.Lookup("default")
		if !ok || !f.IsZero() {
			continue
		}
		if err := parseDefault(f, tag); err != nil {
			panic(fmt.Sprintf("rule: default %q of %s.%s: %v", tag, t.Name(), t.Field(i).Name, err))
		}
	}
}

func parseDefault(f reflect.Value, tag string) error {
	switch f.Kind() {
	case reflect.String:
		f.SetString(tag)
	case reflect.Int:
		n, err := strconv.Atoi(tag)
		if err != nil {
			return err
		}
		f.SetInt(int64(n))
	case reflect.Float64:
		x, err := strconv.ParseFloat(tag, 64)
		if err != nil {
			return err
		}
		f.SetFloat(x)
	case reflect.Slice:
		items := strings.Split(tag, ",")
		out := reflect.MakeSlice(f.Type(), len(items), len(items))
		for i, item := range items {
			e := out.Index(i)
			if u, ok := e.Addr().Interface().(encoding.TextUnmarshaler); ok {
				if err := u.UnmarshalText([]byte(item)); err != nil {
					return err
				}
			} else if err := parseDefault(e, item); err != nil {
				return err
			}
		}
		f.Set(out)
	default:
		return fmt.Errorf("a default tag on a field of kind %s", f.Kind())
	}
	return nil
}
