package database

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/example/fargate-api/sampleapi/internal/testdb"
)

func TestEmbeddedMigrations(t *testing.T) {
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 2 {
		t.Fatalf("got %d migrations", len(ms))
	}
	for i, m := range ms {
		if m.Version != int64(i+1) {
			t.Errorf("migration %d has version %d: versions must be 1..n without gaps", i, m.Version)
		}
		if strings.TrimSpace(m.SQL) == "" {
			t.Errorf("%s is empty", m.Name)
		}
	}
}

func TestLoadMigrationsRejectsBadFiles(t *testing.T) {
	cases := map[string]fstest.MapFS{
		"bad name":  {"m/create.sql": {Data: []byte("SELECT 1")}},
		"duplicate": {"m/1_a.sql": {Data: []byte("SELECT 1")}, "m/0001_b.sql": {Data: []byte("SELECT 1")}},
		"zero":      {"m/0000_a.sql": {Data: []byte("SELECT 1")}},
	}
	for name, fsys := range cases {
		if _, err := loadMigrations(fsys, "m"); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
	ms, err := loadMigrations(fstest.MapFS{
		"m/10_c.sql": {Data: []byte("c")}, "m/2_b.sql": {Data: []byte("b")}, "m/1_a.sql": {Data: []byte("a")},
	}, "m")
	if err != nil || len(ms) != 3 || ms[0].Version != 1 || ms[1].Version != 2 || ms[2].Version != 10 {
		t.Fatalf("ordering: %+v %v", ms, err)
	}
}

func TestTransient(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "57P03"}, true},
		{&pgconn.PgError{Code: "08006"}, true},
		{&pgconn.PgError{Code: "53300"}, true},
		{&pgconn.PgError{Code: "28P01"}, false}, // wrong password
		{&pgconn.PgError{Code: "3D000"}, false}, // database does not exist
		{&pgconn.PgError{Code: "42601"}, false}, // syntax error in a migration
		{fmt.Errorf("wrapped: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), true},
		{context.DeadlineExceeded, true},
		{errors.New("something else"), false},
	}
	for _, c := range cases {
		if got := Transient(c.err); got != c.want {
			t.Errorf("Transient(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func newPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := NewPool(context.Background(), url, PoolOptions{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func countRows(t *testing.T, pool *pgxpool.Pool, table string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestMigrateEmptyDatabaseAndIdempotent(t *testing.T) {
	db := testdb.New(t)
	pool := newPool(t, db.URL)
	ctx := context.Background()

	all, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	applied, err := Migrate(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(all) {
		t.Fatalf("applied %v, want all %d migrations", applied, len(all))
	}
	if n := countRows(t, pool, "schema_migrations"); n != len(all) {
		t.Fatalf("schema_migrations has %d rows, want %d", n, len(all))
	}
	if n := countRows(t, pool, "products"); n != 5 {
		t.Fatalf("products seeded %d rows, want 5", n)
	}

	applied, err = Migrate(ctx, pool)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second run applied %v, err %v; want nothing", applied, err)
	}
	if n := countRows(t, pool, "products"); n != 5 {
		t.Fatalf("products = %d after second run, want 5", n)
	}
}

func TestMigrateConcurrently(t *testing.T) {
	db := testdb.New(t)
	all, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	// Two "tasks", each with its own pool, start at the same moment.
	const tasks = 2
	pools := make([]*pgxpool.Pool, tasks)
	for i := range pools {
		pools[i] = newPool(t, db.URL)
		if err := pools[i].Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	results := make([][]int64, tasks)
	errs := make([]error, tasks)
	start := make(chan struct{})
	for i := range tasks {
		wg.Go(func() {
			<-start
			results[i], errs[i] = Migrate(context.Background(), pools[i])
		})
	}
	close(start)
	wg.Wait()

	total := 0
	for i := range tasks {
		if errs[i] != nil {
			t.Fatalf("task %d: %v", i, errs[i])
		}
		total += len(results[i])
	}
	if total != len(all) {
		t.Fatalf("migrations applied %v in total, want each of %d exactly once", results, len(all))
	}
	if n := countRows(t, pools[0], "schema_migrations"); n != len(all) {
		t.Fatalf("schema_migrations has %d rows, want %d", n, len(all))
	}
	if n := countRows(t, pools[0], "products"); n != 5 {
		t.Fatalf("products = %d, want 5 (seeded once)", n)
	}
}

func TestMigrateFailureRollsBack(t *testing.T) {
	db := testdb.New(t)
	pool := newPool(t, db.URL)
	ctx := context.Background()
	_, err := apply(ctx, pool, []Migration{
		{Version: 1, Name: "0001_ok.sql", SQL: "CREATE TABLE t1 (id int)"},
		{Version: 2, Name: "0002_broken.sql", SQL: "CREATE TABLE t2 (id int"},
	}, nil)
	if err == nil || !strings.Contains(err.Error(), "apply migration 0002_broken.sql") {
		t.Fatalf("err = %v, want failure of 0002", err)
	}
	if Transient(err) {
		t.Errorf("a broken migration must not be retried: %v", err)
	}
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass('t1') IS NOT NULL OR to_regclass('schema_migrations') IS NOT NULL").Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatal("partial migration was not rolled back")
	}
}

func TestOpenRetriesThenGivesUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now

	pool := newPool(t, "postgres://u:p@"+addr+"/db?sslmode=disable")
	var logs bytes.Buffer
	r := Retry{Timeout: 1500 * time.Millisecond, Initial: 100 * time.Millisecond, Max: 400 * time.Millisecond, AttemptMax: time.Second}
	start := time.Now()
	err = Open(context.Background(), pool, r, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err == nil {
		t.Fatal("want error")
	}
	if d := time.Since(start); d < r.Timeout || d > r.Timeout+2*time.Second {
		t.Errorf("gave up after %s, want about %s", d, r.Timeout)
	}
	if n := strings.Count(logs.String(), "database not ready"); n < 3 {
		t.Errorf("logged %d attempts, want >= 3", n)
	}
}

func TestOpenPermanentErrorFailsFast(t *testing.T) {
	db := testdb.New(t)
	pool := newPool(t, strings.Replace(db.URL, "/"+db.Name, "/"+db.Name+"_does_not_exist", 1))
	start := time.Now()
	err := Open(context.Background(), pool, DefaultRetry(30*time.Second), slog.New(slog.DiscardHandler))
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %s; want a fast failure for a missing database", err, time.Since(start))
	}
}

func TestOpenSucceedsOnceDatabaseAppears(t *testing.T) {
	db := testdb.New(t)
	if _, err := Migrate(context.Background(), newPool(t, db.URL)); err != nil {
		t.Fatal(err)
	}
	// A TCP proxy that refuses connections for a while, like a database
	// that is still starting, then forwards to the real server.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	target := net.JoinHostPort(db.Host, fmt.Sprint(db.Port))
	openAt := time.Now().Add(700 * time.Millisecond)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if time.Now().Before(openAt) {
				c.Close()
				continue
			}
			go proxy(c, target)
		}
	}()
	url := strings.Replace(db.URL, net.JoinHostPort(db.Host, fmt.Sprint(db.Port)), ln.Addr().String(), 1)
	pool := newPool(t, url)
	var logs bytes.Buffer
	r := Retry{Timeout: 10 * time.Second, Initial: 100 * time.Millisecond, Max: 300 * time.Millisecond, AttemptMax: 5 * time.Second}
	if err := Open(context.Background(), pool, r, slog.New(slog.NewJSONHandler(&logs, nil))); err != nil {
		t.Fatalf("Open: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "database not ready") || !strings.Contains(logs.String(), "database ready") {
		t.Errorf("want retries then success in logs:\n%s", logs.String())
	}
}

func proxy(c net.Conn, target string) {
	defer c.Close()
	up, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
}

// TestMigrateWaitsForTheLock shows, without relying on timing, that Migrate
// serialises on the advisory lock: while another session holds the lock,
// Migrate is seen waiting for it in pg_locks and has not returned; once
// the lock is released it proceeds and applies every migration.
func TestMigrateWaitsForTheLock(t *testing.T) {
	db := testdb.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	holder := newPool(t, db.URL)
	conn, err := holder.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		t.Fatal(err)
	}
	locked := true
	defer func() {
		if locked {
			_, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", migrationLockKey)
		}
	}()

	type result struct {
		applied []int64
		err     error
	}
	done := make(chan result, 1)
	migrator := newPool(t, db.URL)
	go func() {
		applied, err := Migrate(ctx, migrator)
		done <- result{applied, err}
	}()

	// Wait until the server reports a session waiting for an advisory lock
	// in this database: that is Migrate, blocked on the held lock.
	for {
		var waiting int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted
			  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("Migrate returned (applied %v, err %v) while another session held the migration lock: it does not take the lock", r.applied, r.err)
		case <-ctx.Done():
			t.Fatal("Migrate never waited for the migration lock")
		case <-time.After(10 * time.Millisecond):
		}
	}
	select {
	case r := <-done:
		t.Fatalf("Migrate returned (applied %v, err %v) while the lock was held", r.applied, r.err)
	default:
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", migrationLockKey); err != nil {
		t.Fatal(err)
	}
	locked = false
	r := <-done
	if r.err != nil {
		t.Fatalf("Migrate after the lock was released: %v", r.err)
	}
	all, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.applied) != len(all) {
		t.Fatalf("applied %v after the lock was released, want all %d migrations", r.applied, len(all))
	}
}
