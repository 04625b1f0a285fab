// Command sampleapi is the default service of the Fargate API stack: a small
// JSON API for users and products backed by PostgreSQL.
//
//	sampleapi          serve HTTP on PORT until SIGTERM or SIGINT
//	sampleapi migrate  apply the schema migrations and set up the runtime
//	                   role, then exit (the deploy's one-off migration task)
//
// Both read their configuration from environment variables (see
// contract.json). The service connects as the least-privileged runtime user
// (with an IAM token under DB_AUTH=iam), verifies the server's certificate
// against the RDS roots embedded in the image, and refuses to start on a
// schema that lacks the image's migrations; it never changes the schema.
package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/example/fargate-api/sampleapi/internal/api"
	"github.com/example/fargate-api/sampleapi/internal/config"
	"github.com/example/fargate-api/sampleapi/internal/database"
	"github.com/example/fargate-api/sampleapi/internal/iamauth"
	"github.com/example/fargate-api/sampleapi/internal/rdsca"
	"github.com/example/fargate-api/sampleapi/internal/store"
	"github.com/example/fargate-api/sampleapi/internal/tracing"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// HTTP server timeouts. IdleTimeout exceeds the ALB's default 60 s idle
// timeout so the load balancer, not the task, closes idle keep-alive
// connections (avoiding 502s on reused connections).
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 75 * time.Second
	maxHeaderBytes    = 64 << 10
	// flushTimeout bounds the export of the last spans at exit; the
	// collector sidecar is on localhost, so this is ample.
	flushTimeout = 5 * time.Second
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	code := command(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	os.Exit(code)
}

// command runs the subcommand named by args and returns the exit code.
func command(ctx context.Context, args []string, getenv func(string) string, out io.Writer) int {
	switch {
	case len(args) == 0 || len(args) == 1 && args[0] == "serve":
		return run(ctx, getenv, out)
	case len(args) == 1 && args[0] == "migrate":
		return runMigrate(ctx, getenv, out)
	}
	fmt.Fprintf(out, "usage: sampleapi [serve|migrate], got %q\n", args)
	return 2
}

// poolOptions turns the configuration into how each connection
// authenticates and verifies the server.
func poolOptions(ctx context.Context, cfg config.Config) (database.PoolOptions, error) {
	opts := database.PoolOptions{MaxConns: cfg.DBMaxConns}
	if cfg.DBSSLMode == "verify-full" || cfg.DBSSLMode == "verify-ca" {
		opts.RootCAs = rdsca.Pool()
		if cfg.DBSSLRootCert != "" {
			pem, err := os.ReadFile(cfg.DBSSLRootCert)
			if err != nil {
				return opts, fmt.Errorf("read %s: %w", config.EnvDBSSLRootCert, err)
			}
			opts.RootCAs = x509.NewCertPool()
			if !opts.RootCAs.AppendCertsFromPEM(pem) {
				return opts, fmt.Errorf("%s: %s holds no PEM certificate", config.EnvDBSSLRootCert, cfg.DBSSLRootCert)
			}
		}
	}
	if cfg.DBAuth == config.AuthIAM {
		p, err := iamauth.New(ctx, cfg.DBEndpoint(), cfg.AWSRegion, cfg.DBUsername)
		if err != nil {
			return opts, err
		}
		opts.Token = p
	}
	return opts, nil
}

// runMigrate applies the migrations and sets up the runtime role as the
// master user, then exits: 0 when the schema and grants are in place.
func runMigrate(ctx context.Context, getenv func(string) string, out io.Writer) int {
	log := newLogger(out, getenv)
	cfg, err := config.LoadMigrate(getenv)
	if err != nil {
		log.Error("invalid configuration", "error", err.Error())
		return 1
	}
	tr, err := tracing.Setup(ctx, cfg.Tracing)
	if err != nil {
		log.Error("migration failed", "error", err.Error())
		return 1
	}
	defer flush(tr, log)
	if tr != nil {
		// One trace per run, its queries the span's children, so a slow
		// deploy shows which statement it waited on.
		var span trace.Span
		ctx, span = tr.Tracer().Start(ctx, "migrate")
		defer span.End()
	}
	log.InfoContext(ctx, "migrating", "config", cfg.String(), "runtime_user", cfg.DBRuntimeUsername)
	applied, err := migrateDatabase(ctx, cfg, tr, log)
	if err != nil {
		span := trace.SpanFromContext(ctx)
		span.RecordError(err)
		span.SetStatus(codes.Error, "migration failed")
		log.ErrorContext(ctx, "migration failed", "error", err.Error())
		return 1
	}
	if applied == nil {
		applied = []int64{}
	}
	log.InfoContext(ctx, "migrated", "applied", applied, "runtime_user", cfg.DBRuntimeUsername)
	return 0
}

// migrateDatabase connects as the master user with a single connection, waits for
// the database, and applies the migrations and the runtime role's grants.
func migrateDatabase(ctx context.Context, cfg config.Config, tr *tracing.Tracing, log *slog.Logger) ([]int64, error) {
	opts, err := poolOptions(ctx, cfg)
	if err != nil {
		return nil, err
	}
	opts.MaxConns = 1
	if tr != nil {
		opts.Tracer = tr.QueryTracer()
	}
	pool, err := database.NewPool(ctx, cfg.DatabaseURL(), opts)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	if err := database.Wait(ctx, pool, database.DefaultRetry(cfg.StartupTimeout), log); err != nil {
		return nil, err
	}
	return database.Setup(ctx, pool, &database.RuntimeRole{Name: cfg.DBRuntimeUsername})
}

// newLogger writes JSON lines to out, each carrying the trace and span IDs
// of the context it was logged with.
func newLogger(out io.Writer, getenv func(string) string) *slog.Logger {
	h := slog.NewJSONHandler(out, &slog.HandlerOptions{Level: levelFrom(getenv(config.EnvLogLevel))})
	return slog.New(tracing.LogHandler(h))
}

// flush exports the spans still queued when the command ends; a collector
// that does not answer costs at most flushTimeout and the spans, never
// the exit code.
func flush(tr *tracing.Tracing, log *slog.Logger) {
	if tr == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil {
		log.Warn("trace export incomplete", "error", err.Error())
	}
}

// run starts the service and blocks until ctx is cancelled (a signal) or the
// server fails. It returns the process exit code.
func run(ctx context.Context, getenv func(string) string, out io.Writer) int {
	log := newLogger(out, getenv)

	cfg, err := config.Load(getenv)
	if err != nil {
		log.Error("invalid configuration", "error", err.Error())
		return 1
	}
	log.Info("starting", "config", cfg.String())

	tr, err := tracing.Setup(ctx, cfg.Tracing)
	if err != nil {
		log.Error("startup failed", "error", err.Error())
		return 1
	}
	// Deferred before the pool's Close so it runs after it: the last
	// requests' spans are exported once nothing can add to them.
	defer flush(tr, log)
	var apiOpts []api.Option
	opts, err := poolOptions(ctx, cfg)
	if err != nil {
		log.Error("startup failed", "error", err.Error())
		return 1
	}
	if tr != nil {
		opts.Tracer = tr.QueryTracer()
		apiOpts = append(apiOpts, api.WithTracing(tr))
	}
	pool, err := database.NewPool(ctx, cfg.DatabaseURL(), opts)
	if err != nil {
		log.Error("startup failed", "error", err.Error())
		return 1
	}
	defer pool.Close()

	if err := database.Open(ctx, pool, database.DefaultRetry(cfg.StartupTimeout), log); err != nil {
		if ctx.Err() != nil {
			log.Info("interrupted during startup")
			return 0
		}
		log.Error("startup failed", "error", err.Error())
		return 1
	}

	srv := api.New(store.NewPostgres(pool, store.DefaultQueryTimeout), log, apiOpts...)
	httpServer := &http.Server{
		Addr:              ":" + strconv.Itoa(cfg.Port),
		Handler:           srv.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}

	ln, err := net.Listen("tcp", httpServer.Addr)
	if err != nil {
		log.Error("startup failed", "error", fmt.Errorf("listen on %s: %w", httpServer.Addr, err).Error())
		return 1
	}
	log.Info("listening", "addr", ln.Addr().String())

	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(ln) }()

	select {
	case err := <-serveErr:
		log.Error("server stopped unexpectedly", "error", err.Error())
		return 1
	case <-ctx.Done():
	}

	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		log.Error("graceful shutdown incomplete", "error", err.Error())
		_ = httpServer.Close()
		return 1
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("server error", "error", err.Error())
		return 1
	}
	pool.Close()
	log.Info("stopped")
	return 0
}

func levelFrom(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}
