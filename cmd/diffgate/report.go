package main

import (
	"fmt"
	"io"
	"strings"
)

// Marker starts every report, so a workflow can find its earlier comment on
// a pull request and update it in place instead of adding another.
const Marker = "<!-- diff-gate -->"

// OverrideLabel is the pull-request label that lets a blocking change pass
// on purpose (README and docs/delivery.md name it; the change-report
// workflow passes -override when the pull request carries it).
const OverrideLabel = "allow-destructive-change"

// Render writes the change report in Markdown: the verdict, what blocks and
// why, the warnings, a table per profile and stack, and the CLI's diff of
// every changed stack. It returns whether anything blocks.
func Render(w io.Writer, diffs []StackDiff, profiles []string, override bool) (blocked bool) {
	var blocking, warnings []Change
	for _, sd := range diffs {
		for _, c := range sd.Changes {
			switch {
			case c.Blocks():
				blocking = append(blocking, c)
			case c.Replace != "":
				warnings = append(warnings, c)
			}
		}
	}
	blocked = len(blocking) > 0

	fmt.Fprintln(w, Marker)
	switch {
	case blocked && override:
		fmt.Fprintf(w, "## Change report: blocking changes allowed by the label `%s`\n\n", OverrideLabel)
	case blocked:
		fmt.Fprintf(w, "## Change report: BLOCKED\n\n%d change(s) would replace or delete a resource that holds data or that users address. "+
			"If that is intended, add the label `%s` to the pull request.\n\n", len(blocking), OverrideLabel)
	case len(diffs) == 0:
		fmt.Fprintf(w, "## Change report: no template changes\n\nProfiles compared: %s.\n", strings.Join(profiles, ", "))
		return false
	default:
		fmt.Fprintf(w, "## Change report: nothing blocking\n\n")
	}

	if blocked {
		fmt.Fprintln(w, "### Blocking")
		for _, c := range blocking {
			fmt.Fprintf(w, "- **%s** `%s`: %s `%s` (%s) %s — %s.%s\n",
				c.Profile, c.Stack, c.Type, c.LogicalID, pathOrDash(c.Path), verb(c), protected[c.Type], causes(c))
		}
		fmt.Fprintln(w)
	}
	if len(warnings) > 0 {
		fmt.Fprintln(w, "### Warnings: other replacements")
		for _, c := range warnings {
			fmt.Fprintf(w, "- %s `%s`: %s `%s` (%s) %s.%s\n",
				c.Profile, c.Stack, c.Type, c.LogicalID, pathOrDash(c.Path), verb(c), causes(c))
		}
		fmt.Fprintln(w)
	}

	fmt.Fprintln(w, "### Per stack")
	fmt.Fprintln(w, "| profile | stack | added | removed | modified | replaced | IAM changes | security-group changes |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, sd := range diffs {
		var added, removed, modified, replaced int
		var iam, sg []string
		for _, c := range sd.Changes {
			switch c.Kind {
			case "added":
				added++
			case "removed":
				removed++
			case "modified":
				modified++
			}
			if c.Replace != "" {
				replaced++
			}
			what := c.Kind + " `" + c.LogicalID + "`"
			if iamTypes[c.Type] {
				iam = append(iam, what)
			}
			if sgTypes[c.Type] {
				sg = append(sg, what)
			}
		}
		fmt.Fprintf(w, "| %s | %s | %d | %d | %d | %d | %s | %s |\n", sd.Profile, sd.Stack, added, removed, modified, replaced, list(iam), list(sg))
	}
	fmt.Fprintln(w)

	for _, sd := range diffs {
		body := strings.TrimSpace(ansi.ReplaceAllString(sd.CLI, ""))
		if body == "" {
			body = "(stack " + map[bool]string{true: "added", false: "removed"}[len(sd.Changes) > 0 && sd.Changes[0].Kind == "added"] + ": every resource above)"
		}
		fmt.Fprintf(w, "<details><summary>cdk diff %s (%s)</summary>\n\n```\n%s\n```\n</details>\n\n", sd.Stack, sd.Profile, body)
	}
	return blocked
}

func verb(c Change) string {
	if c.Kind == "removed" {
		return "would be deleted"
	}
	return c.Replace
}

func causes(c Change) string {
	if len(c.Causes) == 0 {
		return ""
	}
	return " Cause: " + strings.Join(c.Causes, ", ") + "."
}

func pathOrDash(p string) string {
	if p == "" {
		return "-"
	}
	return p
}

func list(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, "<br>")
}
