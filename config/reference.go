package config

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Reference renders the Markdown table of every key with its default in
// each profile. docs/configuration.md embeds it; a test keeps the two identical.
func Reference() string {
	dev, prod := defaults(ProfileDev, DefaultName), defaults(ProfileProd, DefaultName)
	var b strings.Builder
	b.WriteString("| Key | dev default | prod default | What it sets |\n")
	b.WriteString("| --- | --- | --- | --- |\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "| `%s%s` | %s | %s | %s |\n", Prefix, k.name, render(k.field(&dev)), render(k.field(&prod)), k.doc)
	}
	return b.String()
}

func render(field any) string {
	var s string
	switch f := field.(type) {
	case *string:
		s = *f
	case *int:
		s = fmt.Sprint(*f)
	case *float64:
		s = fmt.Sprint(*f)
	case *bool:
		s = fmt.Sprint(*f)
	case *map[string]string:
		if len(*f) == 0 {
			return "(none)"
		}
		raw, _ := json.Marshal(*f)
		s = string(raw)
	case *[]Route:
		parts := make([]string, len(*f))
		for i, r := range *f {
			parts[i] = r.String()
		}
		s = strings.Join(parts, ", ")
	case *[]string:
		s = strings.Join(*f, ", ")
	}
	if s == "" {
		return "(empty)"
	}
	return "`" + s + "`"
}

// Value renders the value key (without the prefix) has in c, as the
// configuration reference does, or "" for a key that does not exist.
func (c Config) Value(key string) string {
	k := lookup(key)
	if k == nil {
		return ""
	}
	return render(k.field(&c))
}
