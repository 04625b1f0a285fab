// Package config loads the configuration of the two commands from
// environment variables.
//
// The variable names are part of the contract with the CDK stack that deploys
// the image (see contract.json at the module root). The service's task
// definition sets only plain variables: it connects as the runtime user with
// an IAM token (DB_AUTH=iam), so it holds no password. The migration task
// also gets the master user's name and password, injected by ECS from the
// RDS-managed secret.
package config

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/example/fargate-api/sampleapi/internal/tracing"
)

// Names of the environment variables set by the ECS task definition.
const (
	EnvPort      = "PORT"
	EnvDBHost    = "DB_HOST"
	EnvDBPort    = "DB_PORT"
	EnvDBName    = "DB_NAME"
	EnvDBSSLMode = "DB_SSLMODE"
	// EnvDBUsername is the user to connect as: the runtime user for the
	// service, the master user (an ECS secret) for `migrate`.
	EnvDBUsername = "DB_USERNAME"
	// EnvDBAuth is "password" (DB_PASSWORD) or "iam" (a token signed with
	// the task role's credentials for each new connection).
	EnvDBAuth = "DB_AUTH"
	// EnvAWSRegion is the region the IAM token is signed for.
	EnvAWSRegion = "AWS_REGION"
	// EnvDBRuntimeUsername is the role `migrate` creates and grants for
	// the service.
	EnvDBRuntimeUsername = "DB_RUNTIME_USERNAME"
)

// Names of the environment variables injected by ECS from Secrets Manager.
const (
	EnvDBPassword = "DB_PASSWORD"
)

// Authentication methods (DB_AUTH).
const (
	AuthPassword = "password"
	AuthIAM      = "iam"
)

// Names of optional tuning variables. They are not part of the deployment
// contract; each one has a default suitable for production.
const (
	EnvDBMaxConns      = "DB_MAX_CONNS"
	EnvShutdownTimeout = "SHUTDOWN_TIMEOUT"
	EnvStartupTimeout  = "STARTUP_TIMEOUT"
	EnvLogLevel        = "LOG_LEVEL"
	// EnvDBSSLRootCert names a PEM file of CAs to verify the server with
	// instead of the RDS roots embedded in the image.
	EnvDBSSLRootCert = "DB_SSLROOTCERT"
)

// Names of the tracing variables. Tracing is off unless TRACING_ENDPOINT is
// set: the stack sets all three when app:tracing is on, and none when off.
const (
	// EnvTracingEndpoint is the collector's OTLP/HTTP traces URL.
	EnvTracingEndpoint = "TRACING_ENDPOINT"
	// EnvTracingSampleRate is the fraction of requests traced, in (0, 1].
	EnvTracingSampleRate = "TRACING_SAMPLE_RATE"
	// EnvTracingServiceName names the service in the traces.
	EnvTracingServiceName = "TRACING_SERVICE_NAME"
)

// Defaults applied when an optional variable is unset or empty.
const (
	DefaultPort            = 8080
	DefaultDBPort          = 5432
	DefaultDBSSLMode       = "verify-full"
	DefaultDBAuth          = AuthPassword
	DefaultDBMaxConns      = 10
	DefaultShutdownTimeout = 20 * time.Second
	DefaultStartupTimeout  = 60 * time.Second
	// DefaultTracingSampleRate matches the stack's default for
	// app:tracingSampleRate.
	DefaultTracingSampleRate  = 0.05
	DefaultTracingServiceName = "sampleapi"
)

// Environment lists the plain environment variables the service's task
// definition sets (deployment contract).
func Environment() []string {
	return []string{EnvPort, EnvDBHost, EnvDBPort, EnvDBName, EnvDBSSLMode, EnvDBUsername, EnvDBAuth, EnvAWSRegion}
}

// Secrets lists the service's secret environment variables: none.
func Secrets() []string { return []string{} }

// MigrateEnvironment lists the plain environment variables of the
// migration task.
func MigrateEnvironment() []string {
	return []string{EnvDBHost, EnvDBPort, EnvDBName, EnvDBSSLMode, EnvDBRuntimeUsername}
}

// MigrateSecrets lists the migration task's secrets: the master user's.
func MigrateSecrets() []string { return []string{EnvDBUsername, EnvDBPassword} }

// Optional lists the tuning variables that are read but not part of the contract.
func Optional() []string {
	return []string{EnvDBMaxConns, EnvShutdownTimeout, EnvStartupTimeout, EnvLogLevel, EnvDBSSLRootCert}
}

// TracingEnvironment lists the variables the stack sets on both the
// service and the migration task when tracing is on.
func TracingEnvironment() []string {
	return []string{EnvTracingEndpoint, EnvTracingSampleRate, EnvTracingServiceName}
}

var validSSLModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// Config is the complete service configuration.
type Config struct {
	Port          int
	DBHost        string
	DBPort        int
	DBName        string
	DBUsername    string
	DBPassword    string
	DBSSLMode     string
	DBSSLRootCert string
	DBAuth        string
	AWSRegion     string
	// DBRuntimeUsername is set for `migrate` only.
	DBRuntimeUsername string
	DBMaxConns        int32
	ShutdownTimeout   time.Duration
	StartupTimeout    time.Duration
	LogLevel          string
	Tracing           tracing.Config
}

// DatabaseURL returns a PostgreSQL connection URL built from the configuration.
// User name and password are escaped, so they may contain any character.
// With IAM authentication it has no password: the pool adds a token to
// each new connection.
func (c Config) DatabaseURL() string {
	user := url.UserPassword(c.DBUsername, c.DBPassword)
	if c.DBAuth == AuthIAM {
		user = url.User(c.DBUsername)
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     user,
		Host:     joinHostPort(c.DBHost, c.DBPort),
		Path:     "/" + c.DBName,
		RawQuery: url.Values{"sslmode": {c.DBSSLMode}}.Encode(),
	}
	return u.String()
}

// DBEndpoint is "host:port", what an IAM token is signed for.
func (c Config) DBEndpoint() string { return joinHostPort(c.DBHost, c.DBPort) }

// String describes the configuration for logs. It never includes the password.
func (c Config) String() string {
	tr := "tracing=off"
	if c.Tracing.Endpoint != "" {
		tr = fmt.Sprintf("tracing=%s tracing_sample_rate=%g tracing_service=%s", c.Tracing.Endpoint, c.Tracing.SampleRate, c.Tracing.ServiceName)
	}
	return fmt.Sprintf("port=%d db_host=%s db_port=%d db_name=%s db_user=%s db_auth=%s db_sslmode=%s db_max_conns=%d shutdown_timeout=%s startup_timeout=%s %s",
		c.Port, c.DBHost, c.DBPort, c.DBName, c.DBUsername, c.DBAuth, c.DBSSLMode, c.DBMaxConns, c.ShutdownTimeout, c.StartupTimeout, tr)
}

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}

// MissingError reports required variables that are unset or empty.
type MissingError struct {
	Names []string
}

func (e *MissingError) Error() string {
	return "missing required environment variables: " + strings.Join(e.Names, ", ")
}

// Load reads the service's configuration through getenv (normally
// os.Getenv). All problems are collected and returned together so that a
// misconfigured task fails with one message naming every missing or invalid
// variable.
func Load(getenv func(string) string) (Config, error) { return load(getenv, false) }

// LoadMigrate reads the configuration of the `migrate` command: the master
// user's name and password, and the name of the runtime role to set up.
func LoadMigrate(getenv func(string) string) (Config, error) { return load(getenv, true) }

func load(getenv func(string) string, migrate bool) (Config, error) {
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }

	var (
		missing []string
		invalid []error
	)
	required := func(name string) string {
		v := get(name)
		if v == "" {
			missing = append(missing, name)
		}
		return v
	}
	intVar := func(name string, def, lo, hi int) int {
		v := get(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			invalid = append(invalid, fmt.Errorf("%s must be an integer between %d and %d, got %q", name, lo, hi, v))
			return def
		}
		return n
	}
	durationVar := func(name string, def time.Duration) time.Duration {
		v := get(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			invalid = append(invalid, fmt.Errorf("%s must be a positive duration such as 20s, got %q", name, v))
			return def
		}
		return d
	}

	c := Config{
		Port:            DefaultPort,
		DBHost:          required(EnvDBHost),
		DBPort:          intVar(EnvDBPort, DefaultDBPort, 1, 65535),
		DBName:          required(EnvDBName),
		DBUsername:      required(EnvDBUsername),
		DBSSLMode:       strings.ToLower(get(EnvDBSSLMode)),
		DBSSLRootCert:   get(EnvDBSSLRootCert),
		DBMaxConns:      int32(intVar(EnvDBMaxConns, DefaultDBMaxConns, 1, 1000)),
		ShutdownTimeout: durationVar(EnvShutdownTimeout, DefaultShutdownTimeout),
		StartupTimeout:  durationVar(EnvStartupTimeout, DefaultStartupTimeout),
		LogLevel:        strings.ToLower(get(EnvLogLevel)),
	}
	if migrate {
		// The master user signs in with its password; DB_AUTH is not read.
		c.DBRuntimeUsername = required(EnvDBRuntimeUsername)
	} else {
		c.Port = intVar(EnvPort, DefaultPort, 1, 65535)
		c.DBAuth = strings.ToLower(get(EnvDBAuth))
	}
	switch c.DBAuth {
	case "":
		c.DBAuth = DefaultDBAuth
	case AuthPassword, AuthIAM:
	default:
		invalid = append(invalid, fmt.Errorf("%s must be %s or %s, got %q", EnvDBAuth, AuthPassword, AuthIAM, c.DBAuth))
	}
	switch c.DBAuth {
	case AuthPassword:
		// The password is not trimmed: surrounding spaces could be significant.
		if c.DBPassword = getenv(EnvDBPassword); c.DBPassword == "" {
			missing = append(missing, EnvDBPassword)
		}
	case AuthIAM:
		c.AWSRegion = required(EnvAWSRegion)
	}
	if c.DBSSLMode == "" {
		c.DBSSLMode = DefaultDBSSLMode
	} else if !slices.Contains(validSSLModes, c.DBSSLMode) {
		invalid = append(invalid, fmt.Errorf("%s must be one of %s, got %q", EnvDBSSLMode, strings.Join(validSSLModes, ", "), c.DBSSLMode))
	}
	c.Tracing, invalid = loadTracing(get, invalid)
	switch c.LogLevel {
	case "":
		c.LogLevel = "info"
	case "debug", "info", "warn", "error":
	default:
		invalid = append(invalid, fmt.Errorf("%s must be one of debug, info, warn, error, got %q", EnvLogLevel, c.LogLevel))
	}

	var errs []any
	if len(missing) > 0 {
		errs = append(errs, &MissingError{Names: missing})
	}
	for _, err := range invalid {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		// One line, every problem, each still reachable with errors.As/Is.
		format := "load config: " + strings.TrimSuffix(strings.Repeat("%w; ", len(errs)), "; ")
		return Config{}, fmt.Errorf(format, errs...)
	}
	return c, nil
}

// loadTracing reads the tracing variables. The rate and name are checked
// even with tracing off, so a typo is caught before it is switched on.
func loadTracing(get func(string) string, invalid []error) (tracing.Config, []error) {
	t := tracing.Config{
		Endpoint:    get(EnvTracingEndpoint),
		SampleRate:  DefaultTracingSampleRate,
		ServiceName: get(EnvTracingServiceName),
	}
	if t.Endpoint != "" {
		u, err := url.Parse(t.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			invalid = append(invalid, fmt.Errorf("%s must be an http or https URL such as http://localhost:4318/v1/traces, got %q", EnvTracingEndpoint, t.Endpoint))
		}
	}
	if v := get(EnvTracingSampleRate); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || !(r > 0 && r <= 1) {
			invalid = append(invalid, fmt.Errorf("%s must be a number greater than 0 and at most 1, got %q", EnvTracingSampleRate, v))
		} else {
			t.SampleRate = r
		}
	}
	if t.ServiceName == "" {
		t.ServiceName = DefaultTracingServiceName
	}
	return t, invalid
}
