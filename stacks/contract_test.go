package stacks_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// contract is sampleapi/contract.json: what the default image expects of
// the task definitions (port, health check, variables, the migrate
// command). The sample API's own tests read the same file with their own
// copy of this type (sampleapi/contract_test.go: another module).
type contract struct {
	ContainerPort   int               `json:"containerPort"`
	HealthCheckPath string            `json:"healthCheckPath"`
	Environment     []string          `json:"environment"`
	Secrets         []string          `json:"secrets"`
	Values          map[string]string `json:"values"`
	// Tracing lists what both tasks get when app:tracing is on.
	Tracing struct {
		Environment []string `json:"environment"`
	} `json:"tracing"`
	Migrate struct {
		Command     []string          `json:"command"`
		Environment []string          `json:"environment"`
		Secrets     []string          `json:"secrets"`
		Values      map[string]string `json:"values"`
	} `json:"migrate"`
}

// loadContract reads sampleapi/contract.json; a key this type does not
// know fails, so the file cannot grow a promise no test reads.
func loadContract(t *testing.T) contract {
	t.Helper()
	raw, err := os.ReadFile("../sampleapi/contract.json")
	if err != nil {
		t.Fatal(err)
	}
	var c contract
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("parse sampleapi/contract.json: %v", err)
	}
	return c
}
