package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/example/fargate-api/sampleapi/internal/api"
	"github.com/example/fargate-api/sampleapi/internal/database"
	"github.com/example/fargate-api/sampleapi/internal/store"
	"github.com/example/fargate-api/sampleapi/internal/testdb"
)

// newServer runs the real handler on the real store over HTTP.
func newServer(t *testing.T, databaseURL string, migrate bool) *httptest.Server {
	t.Helper()
	pool, err := database.NewPool(context.Background(), databaseURL, database.PoolOptions{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if migrate {
		if _, err := database.Migrate(context.Background(), pool); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(api.New(store.NewPostgres(pool, 0), slog.New(slog.DiscardHandler)).Handler())
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, method, url, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q", method, url, ct)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s %s: %v (%s)", method, url, err, raw)
	}
	return res.StatusCode, res.Header, m
}

func TestUsersEndToEnd(t *testing.T) {
	srv := newServer(t, testdb.New(t).URL, true)

	status, h, body := call(t, "POST", srv.URL+"/users", `{"name":"Ada Lovelace","email":"Ada@Example.com"}`)
	if status != 201 || h.Get("Location") != fmt.Sprintf("/users/%v", body["id"]) {
		t.Fatalf("create: %d %v %v", status, h.Get("Location"), body)
	}
	location := h.Get("Location")

	status, _, body = call(t, "POST", srv.URL+"/users", `{"name":"Impostor","email":"ada@EXAMPLE.com"}`)
	if status != 409 || !strings.Contains(body["error"].(string), "already exists") {
		t.Fatalf("duplicate: %d %v", status, body)
	}
	status, _, _ = call(t, "POST", srv.URL+"/users", `{"name":"","email":"x@example.com"}`)
	if status != 400 {
		t.Fatalf("invalid: %d", status)
	}

	status, _, body = call(t, "GET", srv.URL+location, "")
	if status != 200 || body["name"] != "Ada Lovelace" || body["email"] != "Ada@Example.com" || body["created_at"] == nil {
		t.Fatalf("get: %d %v", status, body)
	}
	status, _, _ = call(t, "GET", srv.URL+"/users/424242", "")
	if status != 404 {
		t.Fatalf("get unknown: %d", status)
	}
	status, _, _ = call(t, "GET", srv.URL+"/users/abc", "")
	if status != 400 {
		t.Fatalf("get non-numeric: %d", status)
	}

	call(t, "POST", srv.URL+"/users", `{"name":"Bob","email":"bob@example.com"}`)
	status, _, body = call(t, "GET", srv.URL+"/users", "")
	if users, _ := body["users"].([]any); status != 200 || len(users) != 2 {
		t.Fatalf("list: %d %v", status, body)
	}
}

func TestProductsEndToEnd(t *testing.T) {
	srv := newServer(t, testdb.New(t).URL, true)
	status, _, body := call(t, "GET", srv.URL+"/products", "")
	products, _ := body["products"].([]any)
	if status != 200 || len(products) != 5 {
		t.Fatalf("list: %d %v", status, body)
	}
	first := products[0].(map[string]any)
	status, _, body = call(t, "GET", fmt.Sprintf("%s/products/%v", srv.URL, first["id"]), "")
	if status != 200 || body["sku"] != first["sku"] || body["price_cents"] != first["price_cents"] {
		t.Fatalf("get: %d %v", status, body)
	}
	status, _, _ = call(t, "GET", srv.URL+"/products/999", "")
	if status != 404 {
		t.Fatalf("get unknown: %d", status)
	}
	status, _, _ = call(t, "GET", srv.URL+"/nothing-here", "")
	if status != 404 {
		t.Fatalf("unknown path: %d", status)
	}
}

func TestReadiness(t *testing.T) {
	srv := newServer(t, testdb.New(t).URL, true)
	if status, _, _ := call(t, "GET", srv.URL+api.ReadyPath, ""); status != 200 {
		t.Fatalf("ready with database: %d", status)
	}

	// A pool pointed at a closed port: readiness 503, liveness still 200.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	down := newServer(t, "postgres://u:p@"+addr+"/db?sslmode=disable&connect_timeout=1", false)
	status, _, body := call(t, "GET", down.URL+api.ReadyPath, "")
	if status != 503 || body["error"] != "database unavailable" {
		t.Fatalf("ready without database: %d %v", status, body)
	}
	if status, _, _ := call(t, "GET", down.URL+api.HealthPath, ""); status != 200 {
		t.Fatalf("liveness without database: %d", status)
	}
	if status, _, _ := call(t, "GET", down.URL+"/products", ""); status != 500 && status != 503 {
		t.Fatalf("products without database: %d", status)
	}
}

func TestReadinessAfterDatabaseStops(t *testing.T) {
	db := testdb.New(t)
	srv := newServer(t, db.URL, true)
	if status, _, _ := call(t, "GET", srv.URL+api.ReadyPath, ""); status != 200 {
		t.Fatalf("ready: %d", status)
	}
	// Terminate every connection to the test database and forbid new ones,
	// which is what the service sees when the database goes away.
	admin := newAdminPool(t)
	ctx := context.Background()
	if _, err := admin.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %q WITH ALLOW_CONNECTIONS false`, db.Name)); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", db.Name); err != nil {
		t.Fatal(err)
	}
	status, _, _ := call(t, "GET", srv.URL+api.ReadyPath, "")
	if status != 503 {
		t.Fatalf("ready after database stopped: %d, want 503", status)
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %q WITH ALLOW_CONNECTIONS true`, db.Name)); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := call(t, "GET", srv.URL+api.ReadyPath, ""); status != 200 {
		t.Fatalf("ready after database came back: %d, want 200", status)
	}
}
