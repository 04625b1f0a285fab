package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/example/fargate-api/sampleapi/internal/config"
	"github.com/example/fargate-api/sampleapi/internal/rdsca"
	"github.com/example/fargate-api/sampleapi/internal/testdb"
)

// migrateEnv is the migration task's environment for db: the admin user
// plays the RDS master user.
func migrateEnv(db testdb.DB, runtimeUser string) map[string]string {
	return map[string]string{
		"DB_HOST": db.Host, "DB_PORT": strconv.Itoa(int(db.Port)), "DB_NAME": db.Name,
		"DB_USERNAME": db.User, "DB_PASSWORD": "unused-with-trust-auth", "DB_SSLMODE": "disable",
		"DB_RUNTIME_USERNAME": runtimeUser,
	}
}

// newRuntimeUser returns a runtime user name for db that no other test
// uses (roles are shared by all databases of the server) and drops the
// role when t ends.
func newRuntimeUser(t *testing.T, db testdb.DB) string {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	user := "rt_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), db.URL)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		_, _ = conn.Exec(context.Background(), "DROP OWNED BY "+user)
		_, _ = conn.Exec(context.Background(), "DROP ROLE "+user)
	})
	return user
}

// migrate runs `sampleapi migrate` against db and returns the runtime
// user it set up.
func migrate(t *testing.T, db testdb.DB) string {
	t.Helper()
	user := newRuntimeUser(t, db)
	env := migrateEnv(db, user)
	var out lockedBuffer
	if code := command(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, &out); code != 0 {
		t.Fatalf("migrate exit code %d:\n%s", code, out.String())
	}
	return user
}

// TestMigrateCommand runs the migration task's command twice (two deploys),
// then the service as the runtime user it set up.
func TestMigrateCommand(t *testing.T) {
	db := testdb.New(t)
	user := migrate(t, db)

	env := migrateEnv(db, user)
	var out lockedBuffer
	if code := command(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, &out); code != 0 {
		t.Fatalf("second migrate: exit %d:\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), `"msg":"migrated","applied":[]`) {
		t.Errorf("second migrate should apply nothing:\n%s", out.String())
	}

	// The service, as the runtime user, passes its schema check and can
	// serve; it does not migrate (its role could not).
	svc := map[string]string{
		"PORT": strconv.Itoa(freePort(t)), "DB_HOST": db.Host, "DB_PORT": strconv.Itoa(int(db.Port)), "DB_NAME": db.Name,
		"DB_USERNAME": user, "DB_PASSWORD": "unused-with-trust-auth", "DB_SSLMODE": "disable", "STARTUP_TIMEOUT": "5s",
	}
	ctx, cancel := context.WithCancel(context.Background())
	var logs lockedBuffer
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, func(k string) string { return svc[k] }, &logs) }()
	waitFor(t, &logs, exit, `"msg":"listening"`)
	cancel()
	if code := <-exit; code != 0 {
		t.Fatalf("service exit %d:\n%s", code, logs.String())
	}
	if !strings.Contains(logs.String(), `"msg":"schema checked"`) {
		t.Errorf("service did not check the schema:\n%s", logs.String())
	}
}

// TestServiceRefusesUnmigratedSchema: with the migration task turned off
// and nothing else migrating, the service fails fast with the remedy
// instead of creating the schema itself.
func TestServiceRefusesUnmigratedSchema(t *testing.T) {
	db := testdb.New(t)
	svc := map[string]string{
		"PORT": strconv.Itoa(freePort(t)), "DB_HOST": db.Host, "DB_PORT": strconv.Itoa(int(db.Port)), "DB_NAME": db.Name,
		"DB_USERNAME": db.User, "DB_PASSWORD": "x", "DB_SSLMODE": "disable", "STARTUP_TIMEOUT": "30s",
	}
	var logs lockedBuffer
	// A service that wrongly starts would serve until cancelled: bound it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if code := run(ctx, func(k string) string { return svc[k] }, &logs); code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, logs.String())
	}
	if !strings.Contains(logs.String(), "run `sampleapi migrate`") || strings.Contains(logs.String(), "retrying") {
		t.Errorf("want one permanent failure naming the migrate command:\n%s", logs.String())
	}
}

func TestMigrateConfigErrors(t *testing.T) {
	var out lockedBuffer
	if code := command(context.Background(), []string{"migrate"}, func(string) string { return "" }, &out); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, name := range []string{"DB_HOST", "DB_NAME", "DB_USERNAME", "DB_PASSWORD", "DB_RUNTIME_USERNAME"} {
		if !strings.Contains(out.String(), name) {
			t.Errorf("error does not name %s:\n%s", name, out.String())
		}
	}
	out = lockedBuffer{}
	if code := command(context.Background(), []string{"migrat"}, func(string) string { return "" }, &out); code != 2 || !strings.Contains(out.String(), "usage") {
		t.Errorf("unknown command: exit %d, %s", code, out.String())
	}
}

// TestRootCertSetting: verify-full and verify-ca trust the embedded RDS
// roots and nothing else; DB_SSLROOTCERT replaces the embedded RDS roots (tests
// and non-RDS servers), and a bad file is a clear startup error.
func TestRootCertSetting(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		mode string
		want *x509.CertPool
	}{{"verify-full", rdsca.Pool()}, {"verify-ca", rdsca.Pool()}, {"disable", nil}} {
		opts, err := poolOptions(context.Background(), config.Config{DBSSLMode: tt.mode})
		if err != nil || !opts.RootCAs.Equal(tt.want) {
			t.Errorf("sslmode %s: RootCAs %v (err %v), want the embedded RDS roots only for verify-*", tt.mode, opts.RootCAs, err)
		}
	}
	env := map[string]string{"DB_HOST": "h", "DB_NAME": "n", "DB_USERNAME": "u", "DB_PASSWORD": "p", "DB_SSLROOTCERT": bad}
	var out lockedBuffer
	if code := run(context.Background(), func(k string) string { return env[k] }, &out); code != 1 || !strings.Contains(out.String(), "holds no PEM certificate") {
		t.Errorf("bad root file: exit %d:\n%s", code, out.String())
	}
}

func waitFor(t *testing.T, logs *lockedBuffer, exit chan int, want string) {
	t.Helper()
	for range 500 {
		if strings.Contains(logs.String(), want) {
			return
		}
		select {
		case code := <-exit:
			t.Fatalf("exited %d before %s:\n%s", code, want, logs.String())
		default:
		}
		sleep()
	}
	t.Fatalf("no %s in time:\n%s", want, logs.String())
}

func sleep() { time.Sleep(20 * time.Millisecond) }
