// Command sampleapi is the default service of the Fargate API stack: a small
// JSON API for users and products backed by PostgreSQL.
//
// It reads its configuration from environment variables (see contract.json),
// applies the embedded schema migrations at startup, serves HTTP on PORT and
// shuts down gracefully on SIGTERM or SIGINT.
package main

import (
	"context"
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
	"github.com/example/fargate-api/sampleapi/internal/store"
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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Getenv, os.Stdout))
}

// run starts the service and blocks until ctx is cancelled (a signal) or the
// server fails. It returns the process exit code.
func run(ctx context.Context, getenv func(string) string, out io.Writer) int {
	log := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: levelFrom(getenv(config.EnvLogLevel))}))

	cfg, err := config.Load(getenv)
	if err != nil {
		log.Error("invalid configuration", "error", err.Error())
		return 1
	}
	log.Info("starting", "config", cfg.String())

	pool, err := database.NewPool(ctx, cfg.DatabaseURL(), database.PoolOptions{MaxConns: cfg.DBMaxConns})
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

	srv := api.New(store.NewPostgres(pool, store.DefaultQueryTimeout), log)
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
	srv.SetDraining()
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
