package config

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/example/fargate-api/sampleapi/internal/tracing"
)

// fieldDiff names each field whose value differs between got and want,
// with both values, or returns "" (the password is a field like any other
// here: these are test values).
func fieldDiff(got, want Config) string {
	var out []string
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range g.NumField() {
		if a, b := g.Field(i).Interface(), w.Field(i).Interface(); !reflect.DeepEqual(a, b) {
			out = append(out, fmt.Sprintf("%s = %#v, want %#v", g.Type().Field(i).Name, a, b))
		}
	}
	return strings.Join(out, "; ")
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func validEnv() map[string]string {
	return map[string]string{
		EnvDBHost:     "db.internal",
		EnvDBName:     "app",
		EnvDBUsername: "app_user",
		EnvDBPassword: "s3cret",
	}
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(validEnv()))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 {
		t.Errorf("Port = %d, want 8080", c.Port)
	}
	if c.DBPort != 5432 || c.DBSSLMode != "verify-full" || c.DBAuth != "password" || c.DBMaxConns != 10 {
		t.Errorf("defaults = %+v", c)
	}
	if c.ShutdownTimeout != 20*time.Second || c.StartupTimeout != 60*time.Second || c.LogLevel != "info" {
		t.Errorf("timeouts = %s %s", c.ShutdownTimeout, c.StartupTimeout)
	}
}

func TestLoadAllValues(t *testing.T) {
	m := validEnv()
	m[EnvPort] = "9090"
	m[EnvDBPort] = "6543"
	m[EnvDBSSLMode] = "disable"
	m[EnvDBMaxConns] = "4"
	m[EnvShutdownTimeout] = "5s"
	m[EnvStartupTimeout] = "2m"
	m[EnvLogLevel] = "DEBUG"
	c, err := Load(env(m))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Port: 9090, DBHost: "db.internal", DBPort: 6543, DBName: "app", DBUsername: "app_user",
		DBPassword: "s3cret", DBSSLMode: "disable", DBAuth: "password", DBMaxConns: 4, ShutdownTimeout: 5 * time.Second,
		StartupTimeout: 2 * time.Minute, LogLevel: "debug",
		Tracing: tracing.Config{SampleRate: DefaultTracingSampleRate, ServiceName: DefaultTracingServiceName}}
	if diff := fieldDiff(c, want); diff != "" {
		t.Errorf("Load: %s", diff)
	}
}

func TestLoadMissingListsEveryName(t *testing.T) {
	_, err := Load(env(nil))
	if err == nil {
		t.Fatal("want error")
	}
	var missing *MissingError
	if !errors.As(err, &missing) {
		t.Fatalf("error %v is not a MissingError", err)
	}
	want := []string{EnvDBHost, EnvDBName, EnvDBUsername, EnvDBPassword}
	if strings.Join(missing.Names, ",") != strings.Join(want, ",") {
		t.Errorf("missing = %v, want %v", missing.Names, want)
	}
	if got := err.Error(); got != "load config: missing required environment variables: DB_HOST, DB_NAME, DB_USERNAME, DB_PASSWORD" {
		t.Errorf("message = %q", got)
	}
}

func TestLoadInvalidValues(t *testing.T) {
	m := validEnv()
	delete(m, EnvDBHost)
	m[EnvPort] = "http"
	m[EnvDBPort] = "70000"
	m[EnvDBSSLMode] = "sometimes"
	m[EnvDBMaxConns] = "0"
	m[EnvShutdownTimeout] = "-1s"
	m[EnvLogLevel] = "loud"
	_, err := Load(env(m))
	if err == nil {
		t.Fatal("want error")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans several lines: %q", msg)
	}
	for _, name := range []string{"missing required environment variables: DB_HOST", "PORT must", "DB_PORT must", "DB_SSLMODE must", "DB_MAX_CONNS must", "SHUTDOWN_TIMEOUT must", "LOG_LEVEL must"} {
		if !strings.Contains(msg, name) {
			t.Errorf("error %q does not mention %q", msg, name)
		}
	}
}

func TestDatabaseURLEscapes(t *testing.T) {
	c := Config{DBHost: "db.example.com", DBPort: 5432, DBName: "app", DBUsername: "u@x", DBPassword: "p@ss:/?#word%", DBSSLMode: "require"}
	u, err := url.Parse(c.DatabaseURL())
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	if u.User.Username() != "u@x" || pw != "p@ss:/?#word%" || u.Host != "db.example.com:5432" || u.Path != "/app" || u.Query().Get("sslmode") != "require" {
		t.Errorf("DatabaseURL parsed back to %+v", u)
	}
	if strings.Contains(c.String(), "p@ss") {
		t.Errorf("String() leaks the password: %s", c)
	}
	c.DBHost = "::1"
	if u, _ := url.Parse(c.DatabaseURL()); u.Host != "[::1]:5432" {
		t.Errorf("IPv6 host = %q", u.Host)
	}
}

func TestLoadIAM(t *testing.T) {
	m := validEnv()
	delete(m, EnvDBPassword)
	m[EnvDBAuth] = "iam"
	m[EnvAWSRegion] = "eu-west-1"
	c, err := Load(env(m))
	if err != nil {
		t.Fatal(err)
	}
	if c.DBAuth != AuthIAM || c.AWSRegion != "eu-west-1" || c.DBPassword != "" {
		t.Errorf("Load = %+v", c)
	}
	u, _ := url.Parse(c.DatabaseURL())
	if _, has := u.User.Password(); has || u.User.Username() != "app_user" {
		t.Errorf("DatabaseURL user = %v, want app_user without a password", u.User)
	}
	if c.DBEndpoint() != "db.internal:5432" {
		t.Errorf("DBEndpoint = %q", c.DBEndpoint())
	}

	delete(m, EnvAWSRegion)
	if _, err := Load(env(m)); err == nil || !strings.Contains(err.Error(), EnvAWSRegion) {
		t.Errorf("IAM without a region: err = %v, want %s named", err, EnvAWSRegion)
	}
	m[EnvDBAuth] = "kerberos"
	if _, err := Load(env(m)); err == nil || !strings.Contains(err.Error(), `DB_AUTH must be password or iam, got "kerberos"`) {
		t.Errorf("bad DB_AUTH: err = %v", err)
	}
}

func TestLoadMigrate(t *testing.T) {
	m := validEnv()
	if _, err := LoadMigrate(env(m)); err == nil || !strings.Contains(err.Error(), EnvDBRuntimeUsername) {
		t.Fatalf("err = %v, want %s missing", err, EnvDBRuntimeUsername)
	}
	m[EnvDBRuntimeUsername] = "app_runtime"
	c, err := LoadMigrate(env(m))
	if err != nil || c.DBRuntimeUsername != "app_runtime" || c.DBPassword != "s3cret" {
		t.Fatalf("LoadMigrate = %+v, %v", c, err)
	}
	m[EnvDBAuth] = "iam" // not read: migrate always uses the master password
	if c, err := LoadMigrate(env(m)); err != nil || c.DBAuth != AuthPassword {
		t.Errorf("migrate with DB_AUTH=iam: %+v, %v; want password auth", c, err)
	}
}

// TestEverySSLModeReachesTheURL holds that each sslmode libpq and pgx know
// (PostgreSQL docs, "SSL Mode Descriptions") is accepted in DB_SSLMODE and
// arrives unchanged in the connection URL the pool is given, which pgx
// parses.
func TestEverySSLModeReachesTheURL(t *testing.T) {
	for _, mode := range []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"} {
		t.Run(mode, func(t *testing.T) {
			m := validEnv()
			m[EnvDBSSLMode] = mode
			c, err := Load(env(m))
			if err != nil {
				t.Fatalf("DB_SSLMODE=%s refused: %v", mode, err)
			}
			u, err := url.Parse(c.DatabaseURL())
			if err != nil {
				t.Fatal(err)
			}
			if got := u.Query().Get("sslmode"); got != mode {
				t.Errorf("URL sslmode = %q, want %q", got, mode)
			}
			if _, err := pgconn.ParseConfig(c.DatabaseURL()); err != nil {
				t.Errorf("pgx does not parse the URL: %v", err)
			}
		})
	}
}

// TestTracingSettings: tracing is off without an endpoint; with one, the
// rate and service name take their values or defaults; a bad value is
// named with what is allowed, even while tracing is off.
func TestTracingSettings(t *testing.T) {
	cases := []struct {
		name    string
		set     map[string]string
		want    tracing.Config
		wantErr string
	}{
		{"off by default", nil, tracing.Config{SampleRate: 0.05, ServiceName: "sampleapi"}, ""},
		{"on with defaults", map[string]string{EnvTracingEndpoint: "http://localhost:4318/v1/traces"},
			tracing.Config{Endpoint: "http://localhost:4318/v1/traces", SampleRate: 0.05, ServiceName: "sampleapi"}, ""},
		{"on with every value", map[string]string{EnvTracingEndpoint: "https://collector:4318/v1/traces", EnvTracingSampleRate: "1", EnvTracingServiceName: "api-prod"},
			tracing.Config{Endpoint: "https://collector:4318/v1/traces", SampleRate: 1, ServiceName: "api-prod"}, ""},
		{"endpoint without a scheme", map[string]string{EnvTracingEndpoint: "localhost:4318"}, tracing.Config{},
			`TRACING_ENDPOINT must be an http or https URL such as http://localhost:4318/v1/traces, got "localhost:4318"`},
		{"rate zero", map[string]string{EnvTracingSampleRate: "0"}, tracing.Config{},
			`TRACING_SAMPLE_RATE must be a number greater than 0 and at most 1, got "0"`},
		{"rate above one", map[string]string{EnvTracingSampleRate: "5"}, tracing.Config{},
			`TRACING_SAMPLE_RATE must be a number greater than 0 and at most 1, got "5"`},
		{"rate as a percentage", map[string]string{EnvTracingSampleRate: "5%"}, tracing.Config{},
			`TRACING_SAMPLE_RATE must be a number greater than 0 and at most 1, got "5%"`},
		{"rate NaN", map[string]string{EnvTracingSampleRate: "NaN"}, tracing.Config{},
			`TRACING_SAMPLE_RATE must be a number greater than 0 and at most 1, got "NaN"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, load := range []func(func(string) string) (Config, error){Load, LoadMigrate} {
				m := validEnv()
				m[EnvDBRuntimeUsername] = "rt"
				for k, v := range c.set {
					m[k] = v
				}
				cfg, err := load(env(m))
				if c.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), c.wantErr) {
						t.Errorf("error %v, want it to contain %s", err, c.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if cfg.Tracing != c.want {
					t.Errorf("Tracing = %+v, want %+v", cfg.Tracing, c.want)
				}
			}
		})
	}
}
