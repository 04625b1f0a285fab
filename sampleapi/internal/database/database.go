// Package database opens the PostgreSQL connection pool and applies the
// embedded schema migrations, retrying while the database is unreachable.
package database

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PoolOptions tunes the connection pool.
type PoolOptions struct {
	MaxConns       int32
	ConnectTimeout time.Duration
}

// NewPool creates a bounded pool for databaseURL. It does not connect:
// connections are opened lazily (see Open for the startup sequence).
func NewPool(ctx context.Context, databaseURL string, opts PoolOptions) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// The parse error may echo the URL, password included: do not wrap it.
		return nil, errors.New("parse database config: invalid connection settings")
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	cfg.MinConns = 0
	cfg.MaxConnLifetime = 30 * time.Minute
	cfg.MaxConnLifetimeJitter = 2 * time.Minute
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.HealthCheckPeriod = 30 * time.Second
	if opts.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	} else if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "sampleapi"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create database pool: %w", err)
	}
	return pool, nil
}

// Retry bounds the startup retry loop.
type Retry struct {
	Timeout    time.Duration // overall budget; after it Open gives up
	Initial    time.Duration // first back-off delay
	Max        time.Duration // largest back-off delay
	AttemptMax time.Duration // budget of one connect+migrate attempt
}

// DefaultRetry returns the back-off used at startup for the given budget.
func DefaultRetry(timeout time.Duration) Retry {
	return Retry{Timeout: timeout, Initial: 500 * time.Millisecond, Max: 5 * time.Second, AttemptMax: 30 * time.Second}
}

// Open pings the database and applies migrations, retrying with exponential
// back-off and jitter while the failure looks transient (database starting,
// network not ready, too many connections). Each failed attempt is logged.
// A permanent failure (for example a broken migration or wrong password)
// or the end of the retry budget returns an error.
func Open(ctx context.Context, pool *pgxpool.Pool, r Retry, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	start := time.Now()
	delay := r.Initial
	for attempt := 1; ; attempt++ {
		err := openOnce(ctx, pool, r.AttemptMax, log)
		if err == nil {
			log.Info("database ready", "attempt", attempt, "elapsed_ms", time.Since(start).Milliseconds())
			return nil
		}
		if !Transient(err) {
			return fmt.Errorf("open database: %w", err)
		}
		wait := delay/2 + rand.N(delay/2+1)
		log.Warn("database not ready, retrying", "attempt", attempt, "error", err.Error(), "retry_in_ms", wait.Milliseconds())
		select {
		case <-ctx.Done():
			return fmt.Errorf("open database: gave up after %d attempts in %s: %w", attempt, time.Since(start).Round(time.Millisecond), err)
		case <-time.After(wait):
		}
		delay = min(delay*2, r.Max)
	}
}

func openOnce(ctx context.Context, pool *pgxpool.Pool, budget time.Duration, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	if err := pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	applied, err := Migrate(ctx, pool)
	if err != nil {
		return err
	}
	if applied == nil {
		applied = []int64{}
	}
	log.Info("migrations checked", "applied", applied)
	return nil
}

// Transient reports whether err is worth retrying at startup.
func Transient(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case len(pgErr.Code) >= 2 && pgErr.Code[:2] == "08": // connection exception
			return true
		case pgErr.Code == "57P03": // cannot_connect_now: server starting up
			return true
		case pgErr.Code == "53300": // too_many_connections
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02": // admin/crash shutdown
			return true
		case pgErr.Code == "40001", pgErr.Code == "40P01": // serialization failure, deadlock
			return true
		}
		return false
	}
	var netErr net.Error
	if errors.As(err, &netErr) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return true
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		// Connection refused, DNS not resolvable yet, TLS handshake failure
		// and the like. Authentication failures arrive as PgError above.
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}
