// Package database opens the PostgreSQL connection pool (password or IAM
// token per connection, TLS verified against a given CA pool), waits for the
// database at startup, and applies the embedded schema migrations and the
// runtime role's grants (the `migrate` command).
package database

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TokenProvider returns the password for one new connection. The IAM
// implementation (package iamauth) signs a fresh token each time; tests use
// a local stand-in.
type TokenProvider interface {
	Token(ctx context.Context) (string, error)
}

// PoolOptions tunes the connection pool.
type PoolOptions struct {
	MaxConns       int32
	ConnectTimeout time.Duration
	// Token, when set, supplies the password of every new connection
	// (replacing any password in the URL). Default: the URL's password.
	Token TokenProvider
	// RootCAs, when set, replaces the system roots for sslmode=verify-ca and
	// verify-full. Default: the system roots (or the URL's sslrootcert).
	RootCAs *x509.CertPool
	// Tracer, when set, sees every query (tracing's child span per query).
	// Default: none.
	Tracer pgx.QueryTracer
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
	cfg.ConnConfig.Tracer = opts.Tracer
	if opts.RootCAs != nil {
		// verify-full and verify-ca verify against TLSConfig.RootCAs (pgx
		// reads it at handshake time); weaker modes have no roots to replace.
		for _, tc := range tlsConfigs(cfg.ConnConfig) {
			tc.RootCAs = opts.RootCAs
		}
	}
	if opts.Token != nil {
		tokens := opts.Token
		// BeforeConnect gets a copy of the configuration for each new
		// connection, so every connection carries a freshly signed token.
		cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
			tok, err := tokens.Token(ctx)
			if err != nil {
				return fmt.Errorf("get database token: %w", err)
			}
			cc.Password = tok
			return nil
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create database pool: %w", err)
	}
	return pool, nil
}

func tlsConfigs(cc *pgx.ConnConfig) []*tls.Config {
	var out []*tls.Config
	if cc.TLSConfig != nil {
		out = append(out, cc.TLSConfig)
	}
	for _, fb := range cc.Fallbacks {
		if fb.TLSConfig != nil {
			out = append(out, fb.TLSConfig)
		}
	}
	return out
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

// Open pings the database and checks that the schema has every embedded
// migration, retrying with exponential back-off and jitter while the failure
// looks transient (database starting, network not ready, too many
// connections). Each failed attempt is logged. A permanent failure (wrong
// credentials, a schema behind the image because `migrate` has not run) or
// the end of the retry budget returns an error. Open never changes the
// schema: the service's runtime role may not, and migrations run once per
// deploy in their own task.
func Open(ctx context.Context, pool *pgxpool.Pool, r Retry, log *slog.Logger) error {
	return retry(ctx, r, log, func(ctx context.Context) error {
		if err := pool.Ping(ctx); err != nil {
			return fmt.Errorf("ping database: %w", err)
		}
		version, err := CheckSchema(ctx, pool)
		if err != nil {
			return err
		}
		log.Info("schema checked", "version", version)
		return nil
	})
}

// Wait pings the database with Open's retry policy and nothing else.
func Wait(ctx context.Context, pool *pgxpool.Pool, r Retry, log *slog.Logger) error {
	return retry(ctx, r, log, func(ctx context.Context) error {
		if err := pool.Ping(ctx); err != nil {
			return fmt.Errorf("ping database: %w", err)
		}
		return nil
	})
}

func retry(ctx context.Context, r Retry, log *slog.Logger, attempt func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	start := time.Now()
	delay := r.Initial
	for n := 1; ; n++ {
		actx, acancel := context.WithTimeout(ctx, r.AttemptMax)
		err := attempt(actx)
		acancel()
		if err == nil {
			log.Info("database ready", "attempt", n, "elapsed_ms", time.Since(start).Milliseconds())
			return nil
		}
		if !Transient(err) {
			return fmt.Errorf("open database: %w", err)
		}
		wait := delay/2 + rand.N(delay/2+1)
		log.Warn("database not ready, retrying", "attempt", n, "error", err.Error(), "retry_in_ms", wait.Milliseconds())
		select {
		case <-ctx.Done():
			return fmt.Errorf("open database: gave up after %d attempts in %s: %w", n, time.Since(start).Round(time.Millisecond), err)
		case <-time.After(wait):
		}
		delay = min(delay*2, r.Max)
	}
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
