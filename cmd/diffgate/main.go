// Command diffgate is the destructive-change gate: it compares the base and
// head synthesized assemblies of each profile, writes one change report in
// Markdown and exits 1 when a change would replace or delete a resource that
// holds data or that users address (the database, secrets, log groups, the
// ALB, the HTTP API, the custom domain), unless -override is given.
//
//	diffgate [-override] [-cdk PATH] [-o FILE] PROFILE=BASE_DIR,HEAD_DIR ...
//
// It needs no AWS credentials: the CLI's `cdk diff STACK --exclusively
// --template BASE` diffs against a template file. scripts/diff-gate.sh
// synthesizes the two sides and calls it; so does CI.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("diffgate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	override := fs.Bool("override", false, "report blocking changes but exit 0 (the pull request carries the label "+OverrideLabel+")")
	cdk := fs.String("cdk", "node_modules/.bin/cdk", "the pinned CDK CLI")
	out := fs.String("o", "", "also write the report to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: diffgate [-override] [-cdk PATH] [-o FILE] PROFILE=BASE_DIR,HEAD_DIR ...")
		return 2
	}
	var diffs []StackDiff
	var profiles []string
	for _, arg := range fs.Args() {
		profile, dirs, ok1 := strings.Cut(arg, "=")
		base, head, ok2 := strings.Cut(dirs, ",")
		if !ok1 || !ok2 || profile == "" || base == "" || head == "" {
			fmt.Fprintf(stderr, "diffgate: %q: want PROFILE=BASE_DIR,HEAD_DIR\n", arg)
			return 2
		}
		d, err := Compare(profile, base, head, cliDiffer(*cdk))
		if err != nil {
			fmt.Fprintln(stderr, "diffgate:", err)
			return 2
		}
		diffs = append(diffs, d...)
		profiles = append(profiles, profile)
	}
	var report bytes.Buffer
	blocked := Render(&report, diffs, profiles, *override)
	stdout.Write(report.Bytes())
	if *out != "" {
		if err := os.WriteFile(*out, report.Bytes(), 0o644); err != nil {
			fmt.Fprintln(stderr, "diffgate:", err)
			return 2
		}
	}
	if blocked && !*override {
		return 1
	}
	return 0
}

// cliDiffer runs the pinned CLI on the head assembly directory (no
// synthesis, no credentials) against the base template.
func cliDiffer(cdk string) Differ {
	return func(stack, baseTemplate, headAssembly string) (string, error) {
		bin, err := filepath.Abs(cdk)
		if err != nil {
			return "", err
		}
		cmd := exec.Command(bin, "diff", "--no-notices", "--app", headAssembly, stack, "--exclusively", "--template", baseTemplate)
		cmd.Env = append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0", "CDK_DISABLE_CLI_TELEMETRY=true")
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		err = cmd.Run()
		// Without --fail-on, a diff with changes still exits 0; anything
		// else is the CLI failing.
		if err != nil {
			return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(buf.String()))
		}
		return buf.String(), nil
	}
}
