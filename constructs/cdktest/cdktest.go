// Package cdktest is what the module's CDK tests share: cdk.json's context
// for test Apps, one jsii kernel per test binary, and assertion wrappers
// that turn the CDK's assertion panics into test errors reported at the
// caller's line.
package cdktest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// Main runs the tests and then stops the jsii kernel: that removes the
// runtime it unpacked into the temporary directory (jsii-runtime.*), which
// each test binary would otherwise leave behind. Call it from TestMain.
func Main(m *testing.M) {
	defer jsii.Close()
	m.Run()
}

// Root returns the module's root directory (the one holding go.mod and
// cdk.json), found upwards from the working directory, which go test sets
// to the package's.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "cdk.json")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no cdk.json above the working directory")
		}
		dir = parent
	}
}

// Context returns cdk.json's context: the feature flags `cdk synth` hands
// the app, and its app: settings.
func Context() (map[string]any, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(filepath.Join(root, "cdk.json"))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse cdk.json: %w", err)
	}
	return doc.Context, nil
}

// Check runs fn, a CDK assertion, which panics when it fails, and reports
// the failure as an error at the caller's line instead of ending the test
// binary.
func Check(t testing.TB, fn func()) {
	t.Helper()
	if msg := recovered(fn); msg != "" {
		t.Error(msg)
	}
}

func recovered(fn func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	fn()
	return ""
}

// HasResource asserts that tpl has a resource of type typ whose properties
// match props (object-like, recursively).
func HasResource(t testing.TB, tpl assertions.Template, typ string, props any) {
	t.Helper()
	Check(t, func() { tpl.HasResourceProperties(jsii.String(typ), props) })
}

// Obj is an object-like matcher of alternating keys and values.
func Obj(kv ...any) assertions.Matcher {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return assertions.Match_ObjectLike(&m)
}

// Like matches an object that has at least v's keys, with matching values.
func Like(v map[string]any) assertions.Matcher { return assertions.Match_ObjectLike(&v) }

// ArrayWith matches an array that holds v's items in order, among others.
func ArrayWith(v ...any) assertions.Matcher { return assertions.Match_ArrayWith(&v) }
