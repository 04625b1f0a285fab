// Package testdb gives integration tests a fresh, empty PostgreSQL database.
//
// The server is named by SAMPLEAPI_TEST_DATABASE_URL (see scripts/testdb.sh).
// When it is unset the calling test is skipped, unless CI=true, in which case
// it fails: CI must never skip the integration tests silently.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// EnvURL names the variable holding the admin connection URL.
const EnvURL = "SAMPLEAPI_TEST_DATABASE_URL"

// DB describes a database created for one test.
type DB struct {
	URL      string // connection URL of the new database
	Host     string
	Port     uint16
	Name     string
	User     string
	Password string
}

// AdminURL returns the admin connection URL, skipping or failing t when unset.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if strings.EqualFold(os.Getenv("CI"), "true") {
			t.Fatalf("%s is not set and CI=true: integration tests must run in CI (eval \"$(bash scripts/testdb.sh)\")", EnvURL)
		}
		t.Skipf("%s not set; skipping integration test (run: eval \"$(bash scripts/testdb.sh)\")", EnvURL)
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
