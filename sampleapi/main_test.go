package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/example/fargate-api/sampleapi/internal/testdb"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// lockedBuffer collects the service's log output from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestRunMissingConfig(t *testing.T) {
	var out lockedBuffer
	code := run(context.Background(), func(string) string { return "" }, &out)
	if code != 1 {
		t.Fatalf("exit code = %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one log line, got %q", out.String())
	}
	var entry map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &entry); err != nil {
		t.Fatal(err)
	}
	msg, _ := entry["error"].(string)
	for _, name := range []string{"DB_HOST", "DB_NAME", "DB_USERNAME", "DB_PASSWORD"} {
		if !strings.Contains(msg, name) {
			t.Errorf("error %q does not name %s", msg, name)
		}
	}
	if entry["level"] != "ERROR" {
		t.Errorf("level = %v", entry["level"])
	}
}

// TestRunDatabaseUnreachable checks the bounded startup retry: the service
// logs each failed attempt and exits 1 once STARTUP_TIMEOUT has passed.
func TestRunDatabaseUnreachable(t *testing.T) {
	env := map[string]string{
		"PORT": strconv.Itoa(freePort(t)), "DB_HOST": "127.0.0.1", "DB_PORT": strconv.Itoa(freePort(t)),
		"DB_NAME": "x", "DB_USERNAME": "x", "DB_PASSWORD": "x", "DB_SSLMODE": "disable", "STARTUP_TIMEOUT": "2s",
	}
	var out lockedBuffer
	start := time.Now()
	code := run(context.Background(), func(k string) string { return env[k] }, &out)
	elapsed := time.Since(start)
	if code != 1 {
		t.Fatalf("exit code = %d, want 1; log:\n%s", code, out.String())
	}
	if elapsed < 2*time.Second || elapsed > 10*time.Second {
		t.Errorf("gave up after %s, want about 2s", elapsed)
	}
	if n := strings.Count(out.String(), "database not ready, retrying"); n < 2 {
		t.Errorf("logged %d retry attempts, want at least 2:\n%s", n, out.String())
	}
	if !strings.Contains(out.String(), "gave up after") {
		t.Errorf("final error not logged:\n%s", out.String())
	}
}

// TestRunLifecycle starts the real service against a fresh database, waits
// for readiness, serves a request in flight during shutdown, and checks the
// graceful exit.
func TestRunLifecycle(t *testing.T) {
	db := testdb.New(t)
	migrate(t, db)
	port := freePort(t)
	env := map[string]string{
		"PORT": strconv.Itoa(port), "DB_HOST": db.Host, "DB_PORT": strconv.Itoa(int(db.Port)),
		"DB_NAME": db.Name, "DB_USERNAME": db.User, "DB_PASSWORD": "unused-with-trust-auth",
		"DB_SSLMODE": "disable", "SHUTDOWN_TIMEOUT": "5s",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out lockedBuffer
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, func(k string) string { return env[k] }, &out) }()

	base := "http://127.0.0.1:" + strconv.Itoa(port)
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := client.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case code := <-exit:
			t.Fatalf("service exited early with %d:\n%s", code, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("service not ready in time:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	res, err := client.Post(base+"/users", "application/json", strings.NewReader(`{"name":"Grace","email":"grace@example.com"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || res.Header.Get("Location") != "/users/1" {
		t.Fatalf("create user: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, err = client.Get(base + "/products")
	if err != nil {
		t.Fatal(err)
	}
	var products struct{ Products []map[string]any }
	if err := json.NewDecoder(res.Body).Decode(&products); err != nil || len(products.Products) != 5 {
		t.Fatalf("products: %v %v", products, err)
	}
	res.Body.Close()

	// Hold a keep-alive connection open and start a slow upload that is
	// still in flight when the shutdown begins; it must complete.
	pr, pw := io.Pipe()
	slow := make(chan int, 1)
	go func() {
		res, err := client.Post(base+"/users", "application/json", pr)
		if err != nil {
			slow <- -1
			return
		}
		res.Body.Close()
		slow <- res.StatusCode
	}()
	_, _ = pw.Write([]byte(`{"name":"Slow",`))
	time.Sleep(200 * time.Millisecond)
	cancel() // like SIGTERM

	// During the shutdown, with that request still in flight, the listener
	// is closed: /healthz and /readyz refuse new connections rather than
	// answer (ECS has taken the task out of its target groups before it
	// sends SIGTERM, so nothing routes on their answer any more).
	fresh := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	refused := func(path string) bool {
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			res, err := fresh.Get(base + path)
			if err != nil {
				return true
			}
			res.Body.Close()
		}
		return false
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if !refused(path) {
			t.Errorf("GET %s during shutdown still answered after 5 s; want the connection refused", path)
		}
	}
	select {
	case code := <-slow:
		t.Fatalf("in-flight request ended (status %d) before its body was sent", code)
	default:
	}
	_, _ = pw.Write([]byte(`"email":"slow@example.com"}`))
	pw.Close()

	if code := <-slow; code != http.StatusCreated {
		t.Errorf("in-flight request during shutdown: status %d, want 201", code)
	}
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("exit code = %d, want 0:\n%s", code, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("service did not stop")
	}
	logs := out.String()
	for _, want := range []string{`"msg":"database ready"`, `"msg":"listening"`, `"msg":"shutting down"`, `"msg":"stopped"`, `"path":"/users","status":201`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	if _, err := client.Get(base + "/healthz"); err == nil {
		t.Error("server still accepting connections after shutdown")
	}
}

// TestProcessStopsGracefullyOnSIGTERM builds the real binary, starts it
// against a fresh database and sends it SIGTERM, as ECS does when it stops a
// task: the process must log its shutdown and exit 0, not die of the signal.
func TestProcessStopsGracefullyOnSIGTERM(t *testing.T) {
	db := testdb.New(t)
	bin := filepath.Join(t.TempDir(), "sampleapi")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// The real binary's `migrate` argument runs the migration task's command.
	migrateCmd := exec.Command(bin, "migrate")
	for k, v := range migrateEnv(db, newRuntimeUser(t, db)) {
		migrateCmd.Env = append(migrateCmd.Env, k+"="+v)
	}
	if out, err := migrateCmd.CombinedOutput(); err != nil || !strings.Contains(string(out), `"msg":"migrated"`) {
		t.Fatalf("%s migrate: %v\n%s", bin, err, out)
	}

	port := freePort(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"PORT="+strconv.Itoa(port), "DB_HOST="+db.Host, "DB_PORT="+strconv.Itoa(int(db.Port)),
		"DB_NAME="+db.Name, "DB_USERNAME="+db.User, "DB_PASSWORD=unused-with-trust-auth",
		"DB_SSLMODE=disable", "SHUTDOWN_TIMEOUT=5s")
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := client.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("process exited before it was ready (%v):\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("process not ready after 30 s:\n%s", out.String())
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("after SIGTERM the process ended with %v (state %v), want a graceful exit 0:\n%s", err, cmd.ProcessState, out.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("process still running 15 s after SIGTERM:\n%s", out.String())
	}
	for _, want := range []string{`"msg":"shutting down"`, `"msg":"stopped"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, out.String())
		}
	}
}
