package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/example/fargate-api/sampleapi/internal/api"
	"github.com/example/fargate-api/sampleapi/internal/config"
)

// contract mirrors contract.json, shared with the CDK stack's tests.
type contract struct {
	ContainerPort   int      `json:"containerPort"`
	HealthCheckPath string   `json:"healthCheckPath"`
	Environment     []string `json:"environment"`
	Secrets         []string `json:"secrets"`
}

func loadContract(t *testing.T) contract {
	t.Helper()
	b, err := os.ReadFile("contract.json")
	if err != nil {
		t.Fatal(err)
	}
	var c contract
	dec := json.NewDecoder(bytesReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("decode contract.json: %v", err)
	}
	return c
}

// TestContractVariableNames proves that the configuration loader reads
// exactly the contract's variables (plus documented optional tuning ones).
func TestContractVariableNames(t *testing.T) {
	c := loadContract(t)

	var read []string
	values := map[string]string{}
	for _, n := range append(slices.Clone(c.Environment), c.Secrets...) {
		values[n] = "x"
	}
	values["PORT"], values["DB_PORT"], values["DB_SSLMODE"] = "8080", "5432", "require"
	if _, err := config.Load(func(name string) string {
		read = append(read, name)
		return values[name]
	}); err != nil {
		t.Fatalf("Load with every contract variable set: %v", err)
	}

	var readContract []string
	for _, n := range read {
		if !slices.Contains(config.Optional(), n) {
			readContract = append(readContract, n)
		}
	}
	want := append(slices.Clone(c.Environment), c.Secrets...)
	slices.Sort(want)
	slices.Sort(readContract)
	readContract = slices.Compact(readContract)
	if !slices.Equal(readContract, want) {
		t.Errorf("config reads %v, contract.json declares %v", readContract, want)
	}
	if !equalSets(config.Environment(), c.Environment) {
		t.Errorf("config.Environment() = %v, contract environment = %v", config.Environment(), c.Environment)
	}
	if !equalSets(config.Secrets(), c.Secrets) {
		t.Errorf("config.Secrets() = %v, contract secrets = %v", config.Secrets(), c.Secrets)
	}
	for _, n := range config.Optional() {
		if slices.Contains(want, n) {
			t.Errorf("optional variable %s is also in the contract", n)
		}
	}
}

// TestContractRequiredVariables checks that each secret and each
// environment variable without a default is really required.
func TestContractRequiredVariables(t *testing.T) {
	c := loadContract(t)
	withDefault := []string{"PORT", "DB_PORT", "DB_SSLMODE"}
	for _, name := range append(slices.Clone(c.Environment), c.Secrets...) {
		values := map[string]string{}
		for _, n := range append(slices.Clone(c.Environment), c.Secrets...) {
			values[n] = map[string]string{"PORT": "8080", "DB_PORT": "5432", "DB_SSLMODE": "disable"}[n]
			if values[n] == "" {
				values[n] = "x"
			}
		}
		delete(values, name)
		_, err := config.Load(func(k string) string { return values[k] })
		if slices.Contains(withDefault, name) {
			if err != nil {
				t.Errorf("without %s: %v, want the default", name, err)
			}
		} else if err == nil {
			t.Errorf("without %s: Load succeeded, want a missing-variable error", name)
		}
	}
}

func TestContractPortAndHealthPath(t *testing.T) {
	c := loadContract(t)
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"DB_HOST": "h", "DB_NAME": "n", "DB_USERNAME": "u", "DB_PASSWORD": "p"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != c.ContainerPort {
		t.Errorf("default port %d, contract containerPort %d", cfg.Port, c.ContainerPort)
	}
	if api.HealthPath != c.HealthCheckPath {
		t.Errorf("api.HealthPath %q, contract healthCheckPath %q", api.HealthPath, c.HealthCheckPath)
	}
	// The health check must answer 200 without touching the database.
	h := api.New(nil, discardLogger()).Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", c.HealthCheckPath, nil))
	if rec.Code != http.StatusOK {
		t.Errorf("GET %s = %d, want 200", c.HealthCheckPath, rec.Code)
	}

	// The Dockerfile exposes the same port.
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^EXPOSE\s+(\d+)`).FindSubmatch(df)
	if m == nil || string(m[1]) != strconv.Itoa(c.ContainerPort) {
		t.Errorf("Dockerfile EXPOSE %q, contract containerPort %d", m, c.ContainerPort)
	}
}

func equalSets(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
