// Package testdb gives integration tests a fresh, empty PostgreSQL database.
//
// The server is named by SAMPLEAPI_TEST_DATABASE_URL (see scripts/testdb.sh).
// When it is unset the calling test fails with a message saying how to set
// it: a `go test ./...` that prints "ok" must have run the integration tests.
// SAMPLEAPI_SKIP_INTEGRATION=1 skips them instead, on purpose and visibly
// (go test -v shows each skip).
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// EnvURL names the variable holding the admin connection URL.
const EnvURL = "SAMPLEAPI_TEST_DATABASE_URL"

// EnvSkip names the variable that skips the integration tests when set to 1.
const EnvSkip = "SAMPLEAPI_SKIP_INTEGRATION"

// DB describes a database created for one test.
type DB struct {
	URL      string // connection URL of the new database
	Host     string
	Port     uint16
	Name     string
	User     string
	Password string
}

// AdminURL returns the admin connection URL. When it is unset, t fails (or
// is skipped with SAMPLEAPI_SKIP_INTEGRATION=1).
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv(EnvSkip) == "1" {
			t.Skipf("integration test skipped: %s=1", EnvSkip)
		}
		t.Fatalf("integration test needs a PostgreSQL server: %s is not set. "+
			"Run bash sampleapi/scripts/test.sh (starts a throwaway server), or set %s=postgres://user:pass@host:port/db "+
			"(a user that may create databases), or set %s=1 to skip the integration tests", EnvURL, EnvURL, EnvSkip)
	}
	return u
}

// New creates a uniquely named empty database and drops it when t ends.
func New(t testing.TB) DB {
	t.Helper()
	adminURL := AdminURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("connect admin database: %v", err)
	}
	defer admin.Close(context.Background())

	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "sampleapi_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			t.Errorf("connect admin database for cleanup: %v", err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})

	u, err := url.Parse(adminURL)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	cfg, err := pgconn.ParseConfig(u.String())
	if err != nil {
		t.Fatalf("parse test database URL: %v", err)
	}
	return DB{URL: u.String(), Host: cfg.Host, Port: cfg.Port, Name: name, User: cfg.User, Password: cfg.Password}
}
