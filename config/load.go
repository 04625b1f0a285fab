package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Prefix is the context namespace every key of this app lives under.
const Prefix = "app:"

// key describes one context key: its name without the prefix, what it sets
// and where in Config: the field that declares it with `key` and `doc`
// tags. The field's type decides how a raw context value is parsed.
type key struct {
	name  string
	doc   string
	index []int
}

// field returns a pointer to the key's field of c.
func (k key) field(c *Config) any {
	return reflect.ValueOf(c).Elem().FieldByIndex(k.index).Addr().Interface()
}

// set parses raw into the key's field of c.
func (k key) set(c *Config, raw any) error {
	switch f := k.field(c).(type) {
	case *string:
		if n, ok := raw.(float64); ok {
			// A JSON number would silently lose digits: 16.10 reads as 16.1.
			s := strconv.FormatFloat(n, 'f', -1, 64)
			return fmt.Errorf("number %s is not a string: a JSON number can lose digits (16.10 reads as 16.1, 012345678901 as 12345678901); allowed: the value as a JSON string, e.g. \"%s%s\": \"%s\" in cdk.json", s, Prefix, k.name, s)
		}
		return setString(f, raw)
	case *int:
		return setInt(f, raw)
	case *float64:
		return setFloat(f, raw)
	case *bool:
		return setBool(f, raw)
	case *map[string]string:
		return setMap(f, raw)
	case *[]Route:
		return setRoutes(f, raw)
	case *[]string:
		return setList(f, raw)
	}
	panic("config: key " + k.name + " has a field of an unsupported type")
}

// keys lists every supported key in documentation order: the tagged
// fields of Config and of the settings types it holds, in declaration
// order. "profile" and "name" are read first because the other defaults
// depend on them.
var keys = keysOf(reflect.TypeFor[Config](), nil)

func keysOf(t reflect.Type, at []int) []key {
	var out []key
	for i := range t.NumField() {
		f := t.Field(i)
		index := append(slices.Clone(at), i)
		if name, ok := f.Tag.Lookup("key"); ok {
			out = append(out, key{name: name, doc: f.Tag.Get("doc"), index: index})
		} else if f.Type.Kind() == reflect.Struct {
			out = append(out, keysOf(f.Type, index)...)
		}
	}
	return out
}

// retired are keys earlier versions accepted, with why they went and what
// to set instead.
var retired = map[string]string{
	"desiredCount": "autoscaling owns the task count and a new service starts at app:minCapacity; " +
		"a count in the template would reset a scaled-out service on every deploy (set app:minCapacity instead)",
}

// Keys returns every supported key with its prefix, in documentation order.
func Keys() []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = Prefix + k.name
	}
	return out
}

// DefaultName is the stack name prefix when "app:name" is not set.
const DefaultName = "FargateApi"

// Load builds a validated Config from the app's whole context: cdk.json's
// context merged with `-c` values. Keys outside the "app:" namespace (CDK
// feature flags and the like) are left to the CDK, except those that are
// clearly meant as one of ours (a key name without its prefix, or the prefix
// in another case or spelling). The error, if any, is a *Error listing every
// problem once, in a stable order.
func Load(context map[string]any) (Config, error) {
	var p problems
	raw := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(context)) {
		if !strings.HasPrefix(name, Prefix) {
			if hint := misplaced(name, context[name]); hint != "" {
				p = append(p, problem{name: name, text: hint})
			}
			continue
		}
		key := strings.TrimPrefix(name, Prefix)
		if why, ok := retired[key]; ok {
			p = append(p, problem{name: name, text: "no longer a setting: " + why})
			continue
		}
		if lookup(key) == nil {
			p = append(p, problem{name: name, text: fmt.Sprintf("unknown key%s; docs/configuration.md lists every %s key", suggestion(name), Prefix)})
			continue
		}
		raw[key] = context[name]
	}

	// A key whose value has the wrong type keeps its default, and nothing is
	// said about it but the type error.
	typeErrors := map[string]error{}
	set := func(c *Config, key string) {
		if err := lookup(key).set(c, raw[key]); err != nil {
			typeErrors[key] = err
		}
	}

	// Profile and name first: the other defaults derive from them.
	head := Config{Profile: ProfileDev, Name: DefaultName}
	for _, key := range []string{"profile", "name"} {
		if _, ok := raw[key]; ok {
			set(&head, key)
		}
	}
	profile := head.Profile
	if profile != ProfileDev && profile != ProfileProd {
		p = append(p, problem{key: "profile", name: Prefix + "profile", text: fmt.Sprintf("%q is not a profile; allowed: %s, %s", profile, ProfileDev, ProfileProd)})
		profile = ProfileDev // keep going so the other keys are checked too
	}
	c := defaults(profile, head.Name)
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		if key != "profile" && key != "name" {
			set(&c, key)
		}
	}
	// In prod, one NAT gateway per AZ follows maxAzs unless set explicitly.
	if _, set := raw["natGateways"]; !set && c.Profile == ProfileProd {
		c.Network.NATGateways = c.Network.MaxAZs
	}
	// Without NAT there is nothing to provide: the profile's default provider
	// gives way, an explicit natProvider=instance is refused by Validate.
	if _, set := raw["natProvider"]; !set && c.Network.NATGateways == 0 {
		c.Network.NATProvider = NATGateway
	}
	c.Service.CPUArchitecture = strings.ToUpper(c.Service.CPUArchitecture)
	// A deployment rolls back on the thresholds that raise the alarms.
	c.Service.Rollback5xxPerMinute = c.Monitoring.Target5xxPerMinute
	c.Network.NATProvider = strings.ToLower(c.Network.NATProvider)
	c.Network.NATInstanceType = strings.ToLower(c.Network.NATInstanceType)
	c.Service.RollbackResponseP99Ms = c.Monitoring.TargetResponseP99Ms

	isSet := func(key string) bool { _, ok := raw[key]; return ok }
	for _, q := range c.check(isSet) {
		if typeErrors[q.key] == nil {
			p = append(p, q)
		}
	}
	for key, err := range typeErrors {
		text := err.Error()
		if !strings.Contains(text, "allowed:") {
			text += "; allowed: " + allowedFor(c, key)
		}
		p = append(p, problem{key: key, name: Prefix + key, text: text})
	}
	if msgs := p.render(func(key string) bool { return !isSet(key) }, c.Profile); len(msgs) > 0 {
		return Config{}, &Error{Problems: msgs}
	}
	return c, nil
}

// allowedFor says what key's rule allows, for a type error: the rule's own
// words, found by checking c with the key's field set to a value every rule
// rejects.
func allowedFor(c Config, key string) string {
	switch f := lookup(key).field(&c).(type) {
	case *int:
		*f = math.MinInt32
	case *string:
		*f = "\x00"
	default:
		return "see docs/configuration.md"
	}
	for _, q := range c.check(func(string) bool { return true }) {
		if q.key == key && q.allowed != "" {
			return q.allowed
		}
	}
	return "see docs/configuration.md"
}

// misplaced explains a context key outside the app: namespace that is
// clearly meant as one of ours: a key name without its prefix (-c
// profile=prod), or with the prefix in another case or spelling (-c
// App:cpu=512, app.cpu, app_cpu). CDK's own keys (@aws-cdk/... feature flags,
// aws:cdk:..., lookups such as availability-zones:...) never match.
func misplaced(name string, value any) string {
	lower := strings.ToLower(name)
	rest, hasPrefix := "", false
	for _, sep := range []string{":", ".", "-", "_", "/"} {
		if r, ok := strings.CutPrefix(lower, "app"+sep); ok {
			rest, hasPrefix = name[len(name)-len(r):], true
			break
		}
	}
	if hasPrefix {
		want := Prefix + rest
		if k := lookupFold(rest); k != nil {
			want = Prefix + k.name
		} else if s := suggestion(want); s != "" {
			return fmt.Sprintf("not a key of this app: the prefix is %s, in lower case%s", Prefix, s)
		}
		return fmt.Sprintf("not a key of this app: the prefix is %s, in lower case (did you mean %s?)", Prefix, want)
	}
	if k := lookupFold(name); k != nil {
		example := "..."
		if s, ok := value.(string); ok && s != "" && !strings.ContainsAny(s, " \t\n\"'") {
			example = s
		}
		return fmt.Sprintf("not a key of this app: every setting has the %s prefix (did you mean %s%s? e.g. -c %s%s=%s)", Prefix, Prefix, k.name, Prefix, k.name, example)
	}
	return ""
}

// lookupFold finds a key by name in any case.
func lookupFold(name string) *key {
	for i := range keys {
		if strings.EqualFold(keys[i].name, name) {
			return &keys[i]
		}
	}
	return nil
}

// Error lists every configuration problem found.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid configuration (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p)
	}
	return b.String()
}

func lookup(name string) *key {
	for i := range keys {
		if keys[i].name == name {
			return &keys[i]
		}
	}
	return nil
}

// suggestion names the known key closest to name, if one is within a
// typo's reach: a different case or up to two edits.
func suggestion(name string) string {
	return closest(name, Keys())
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func setString(field *string, raw any) error {
	switch v := raw.(type) {
	case string:
		*field = strings.TrimSpace(v)
		return nil
	}
	return fmt.Errorf("%s is not a string", describe(raw))
}

func setInt(field *int, raw any) error {
	switch v := raw.(type) {
	case float64:
		if v != math.Trunc(v) {
			return fmt.Errorf("%v is not a whole number", v)
		}
		if math.Abs(v) >= 1<<31 {
			return fmt.Errorf("%v is out of range", v)
		}
		*field = int(v)
		return nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return fmt.Errorf("%q is out of range", v)
			}
			return fmt.Errorf("%q is not a whole number", v)
		}
		*field = int(n)
		return nil
	}
	return fmt.Errorf("%s is not a whole number", describe(raw))
}

func setFloat(field *float64, raw any) error {
	switch v := raw.(type) {
	case float64:
		*field = v
		return nil
	case string:
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%q is not a number", v)
		}
		*field = x
		return nil
	}
	return fmt.Errorf("%s is not a number", describe(raw))
}

func setBool(field *bool, raw any) error {
	switch v := raw.(type) {
	case bool:
		*field = v
		return nil
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not a boolean; allowed: true, false", v)
		}
		*field = b
		return nil
	}
	return fmt.Errorf("%s is not a boolean; allowed: true, false", describe(raw))
}

func setMap(field *map[string]string, raw any) error {
	out := map[string]string{}
	switch v := raw.(type) {
	case map[string]any:
		for name, value := range v {
			s, ok := value.(string)
			if !ok {
				return fmt.Errorf("value of %s is %s; allowed: string values, e.g. {%q: %q}", name, describe(value), name, fmt.Sprint(value))
			}
			out[name] = s
		}
	case string:
		s := strings.TrimSpace(v)
		switch {
		case s == "":
		case strings.HasPrefix(s, "{"):
			var m map[string]string
			if err := json.Unmarshal([]byte(s), &m); err != nil {
				return fmt.Errorf("%q is not a JSON object of strings: %v", v, err)
			}
			// encoding/json keeps the last of two equal names without a word.
			if name := duplicateJSONName(s); name != "" {
				return fmt.Errorf("%q is set twice; allowed: each variable once", name)
			}
			out = m
		default:
			for _, pair := range strings.Split(s, ",") {
				name, value, ok := strings.Cut(pair, "=")
				if !ok {
					return fmt.Errorf("%q is not KEY=VALUE", pair)
				}
				name = strings.TrimSpace(name)
				if _, dup := out[name]; dup {
					return fmt.Errorf("%q is set twice; allowed: each variable once", name)
				}
				out[name] = value
			}
		}
	default:
		return fmt.Errorf("%s is not an object or KEY=VALUE list; allowed: a JSON object of strings, or KEY=VALUE pairs separated by commas", describe(raw))
	}
	*field = out
	return nil
}

// duplicateJSONName returns the first name that occurs twice at the top
// level of the JSON object s (already known to parse), or "".
func duplicateJSONName(s string) string {
	dec := json.NewDecoder(strings.NewReader(s))
	if _, err := dec.Token(); err != nil { // {
		return ""
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		name, _ := t.(string)
		if seen[name] {
			return name
		}
		seen[name] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ""
		}
	}
	return ""
}

// setList reads a JSON array of strings (cdk.json), or a string holding a
// JSON array or comma-separated items (-c on the command line).
func setList(field *[]string, raw any) error {
	items := []string{}
	switch v := raw.(type) {
	case []any:
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return fmt.Errorf("item %s is not a string", describe(item))
			}
			items = append(items, strings.TrimSpace(s))
		}
	case string:
		s := strings.TrimSpace(v)
		if strings.HasPrefix(s, "[") {
			if err := json.Unmarshal([]byte(s), &items); err != nil {
				return fmt.Errorf("%q is not a JSON array of strings: %v", v, err)
			}
		} else if s != "" {
			for _, item := range strings.Split(s, ",") {
				items = append(items, strings.TrimSpace(item))
			}
		}
	default:
		return fmt.Errorf("%s is not a list; allowed: a JSON array of strings, or items separated by commas", describe(raw))
	}
	*field = items
	return nil
}

func setRoutes(field *[]Route, raw any) error {
	var items []string
	if err := setList(&items, raw); err != nil {
		return err
	}
	routes := make([]Route, len(items))
	for i, item := range items {
		_ = routes[i].UnmarshalText([]byte(item)) // never fails: Validate judges routes
	}
	*field = routes
	return nil
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return fmt.Sprintf("boolean %v", v)
	case float64:
		return fmt.Sprintf("number %v", v)
	case string:
		return fmt.Sprintf("string %q", v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
