package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/example/fargate-api/sampleapi/internal/api"
	"github.com/example/fargate-api/sampleapi/internal/config"
)

// contract mirrors contract.json, shared with the CDK stack's tests: what
// the service's and the migration task's definitions set.
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

// contractEnv sets every variable of a task: the contract's fixed values,
// valid numbers for the ports, "x" for the rest.
func contractEnv(names []string, values map[string]string) map[string]string {
	env := map[string]string{}
	for _, n := range names {
		env[n] = "x"
		if v, ok := map[string]string{"PORT": "8080", "DB_PORT": "5432"}[n]; ok {
			env[n] = v
		}
		if v, ok := values[n]; ok {
			env[n] = v
		}
	}
	return env
}

// TestContractVariableNames proves that each command's configuration loader
// reads exactly its task's variables (plus documented optional tuning
// ones), with the contract's fixed values accepted.
func TestContractVariableNames(t *testing.T) {
	c := loadContract(t)
	for _, tt := range []struct {
		name          string
		load          func(func(string) string) (config.Config, error)
		env, secrets  []string
		values        map[string]string
		cfgEnv, cfgSe []string
	}{
		{"service", config.Load, c.Environment, c.Secrets, c.Values, config.Environment(), config.Secrets()},
		{"migrate", config.LoadMigrate, c.Migrate.Environment, c.Migrate.Secrets, c.Migrate.Values, config.MigrateEnvironment(), config.MigrateSecrets()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			all := append(slices.Clone(tt.env), tt.secrets...)
			values := contractEnv(all, tt.values)
			var read []string
			if _, err := tt.load(func(name string) string {
				read = append(read, name)
				return values[name]
			}); err != nil {
				t.Fatalf("load with every contract variable set: %v", err)
			}
			var readContract []string
			for _, n := range read {
				if !slices.Contains(config.Optional(), n) && !slices.Contains(c.Tracing.Environment, n) {
					readContract = append(readContract, n)
				}
			}
			slices.Sort(readContract)
			readContract = slices.Compact(readContract)
			if !equalSets(readContract, all) {
				t.Errorf("config reads %v, contract.json declares %v", readContract, all)
			}
			if !equalSets(tt.cfgEnv, tt.env) || !equalSets(tt.cfgSe, tt.secrets) {
				t.Errorf("config lists environment %v and secrets %v; contract %v and %v", tt.cfgEnv, tt.cfgSe, tt.env, tt.secrets)
			}
			for _, n := range config.Optional() {
				if slices.Contains(all, n) {
					t.Errorf("optional variable %s is also in the contract", n)
				}
			}
			if !equalSets(config.TracingEnvironment(), c.Tracing.Environment) {
				t.Errorf("config lists tracing variables %v, contract %v", config.TracingEnvironment(), c.Tracing.Environment)
			}
		})
	}
}

// TestContractRequiredVariables checks that each variable without a default
// is really required by its command.
func TestContractRequiredVariables(t *testing.T) {
	c := loadContract(t)
	withDefault := []string{"PORT", "DB_PORT", "DB_SSLMODE", "DB_AUTH"}
	for _, tt := range []struct {
		name   string
		load   func(func(string) string) (config.Config, error)
		names  []string
		values map[string]string
	}{
		{"service", config.Load, append(slices.Clone(c.Environment), c.Secrets...), c.Values},
		{"migrate", config.LoadMigrate, append(slices.Clone(c.Migrate.Environment), c.Migrate.Secrets...), c.Migrate.Values},
	} {
		for _, name := range tt.names {
			values := contractEnv(tt.names, tt.values)
			delete(values, name)
			if name == "DB_AUTH" {
				values["DB_PASSWORD"] = "p" // password auth, the default
			}
			_, err := tt.load(func(k string) string { return values[k] })
			if slices.Contains(withDefault, name) {
				if err != nil {
					t.Errorf("%s without %s: %v, want the default", tt.name, name, err)
				}
			} else if err == nil {
				t.Errorf("%s without %s: load succeeded, want a missing-variable error", tt.name, name)
			}
		}
	}
}

// TestContractMigrateCommand: the task's command (appended to the image's
// entrypoint) selects the migrate command, which then asks for its own
// variables.
func TestContractMigrateCommand(t *testing.T) {
	c := loadContract(t)
	var out lockedBuffer
	if code := command(context.Background(), c.Migrate.Command, func(string) string { return "" }, &out); code != 1 ||
		!strings.Contains(out.String(), "DB_RUNTIME_USERNAME") {
		t.Errorf("command %v: exit %d, want the migrate command's configuration error:\n%s", c.Migrate.Command, code, out.String())
	}
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^ENTRYPOINT \["/usr/local/bin/sampleapi"\]$`).Match(df) || regexp.MustCompile(`(?m)^CMD`).Match(df) {
		t.Error("Dockerfile must have the binary as ENTRYPOINT and no CMD, so the task's command is its argument list")
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
