package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/fargate-api/sampleapi/internal/store"
)

// fakeStore is an in-memory Store for handler tests.
type fakeStore struct {
	mu       sync.Mutex
	users    []store.User
	products []store.Product
	pingErr  error
	err      error // returned by every data method when set
	lastPage store.Page
}

func (f *fakeStore) Ping(context.Context) error { return f.pingErr }

func (f *fakeStore) CreateUser(_ context.Context, u store.NewUser) (store.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return store.User{}, f.err
	}
	for _, x := range f.users {
		if strings.EqualFold(x.Email, u.Email) {
			return store.User{}, store.ErrDuplicateEmail
		}
	}
	nu := store.User{ID: int64(len(f.users) + 1), Name: u.Name, Email: u.Email, CreatedAt: time.Now().UTC()}
	f.users = append(f.users, nu)
	return nu, nil
}

func (f *fakeStore) GetUser(_ context.Context, id int64) (store.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return store.User{}, f.err
	}
	for _, u := range f.users {
		if u.ID == id {
			return u, nil
		}
	}
	return store.User{}, store.ErrNotFound
}

func (f *fakeStore) ListUsers(_ context.Context, p store.Page) ([]store.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastPage = p
	if f.err != nil {
		return nil, f.err
	}
	var out []store.User
	for _, u := range f.users {
		if u.ID > p.AfterID && len(out) < p.Limit {
			out = append(out, u)
		}
	}
	return out, nil
}

func (f *fakeStore) GetProduct(_ context.Context, id int64) (store.Product, error) {
	if f.err != nil {
		return store.Product{}, f.err
	}
	for _, p := range f.products {
		if p.ID == id {
			return p, nil
		}
	}
	return store.Product{}, store.ErrNotFound
}

func (f *fakeStore) ListProducts(_ context.Context, p store.Page) ([]store.Product, error) {
	f.lastPage = p
	if f.err != nil {
		return nil, f.err
	}
	return f.products, nil
}

func newTestServer(t *testing.T, st Store) (http.Handler, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&syncWriter{w: &logs}, nil))
	return New(st, log).Handler(), &logs
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func do(t *testing.T, h http.Handler, method, target, body string, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if method != http.MethodHead {
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s %s: Content-Type = %q, want application/json (body %q)", method, target, ct, res.raw)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &res.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %v (%q)", method, target, err, res.raw)
		}
	}
	return res
}

func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.raw)
	}
	if status >= 400 {
		if msg, _ := r.body["error"].(string); msg == "" {
			t.Fatalf("error response without \"error\" message: %s", r.raw)
		}
	}
}

func TestHealthz(t *testing.T) {
	h, _ := newTestServer(t, &fakeStore{pingErr: errors.New("db down")})
	r := do(t, h, "GET", HealthPath, "")
	wantStatus(t, r, http.StatusOK)
	if r.body["status"] != "ok" {
		t.Fatalf("body = %s, want status ok", r.raw)
	}
}

func TestReadyz(t *testing.T) {
	st := &fakeStore{}
	var logs bytes.Buffer
	srv := New(st, slog.New(slog.NewJSONHandler(&logs, nil)))
	h := srv.Handler()

	wantStatus(t, do(t, h, "GET", ReadyPath, ""), http.StatusOK)

	st.pingErr = errors.New("connection refused")
	r := do(t, h, "GET", ReadyPath, "")
	wantStatus(t, r, http.StatusServiceUnavailable)
	if strings.Contains(r.raw, "connection refused") {
		t.Errorf("readiness leaks internal error: %s", r.raw)
	}
}

func TestCreateUserValidation(t *testing.T) {
	big := `{"name":"` + strings.Repeat("a", MaxBodyBytes) + `","email":"a@example.com"}`
	tests := []struct {
		name, body, contentType string
		status                  int
		wantMsg                 string
	}{
		{"empty body", "", "application/json", 400, "must not be empty"},
		{"malformed", `{"name":`, "application/json", 400, "malformed JSON"},
		{"syntax error", `{"name" "x"}`, "application/json", 400, "malformed JSON"},
		{"not an object", `["x"]`, "application/json", 400, "JSON object"},
		{"unknown field", `{"name":"A","email":"a@example.com","admin":true}`, "application/json", 400, `unknown field "admin"`},
		{"wrong type", `{"name":5,"email":"a@example.com"}`, "application/json", 400, `field "name" must be a string`},
		{"two objects", `{"name":"A","email":"a@example.com"}{}`, "application/json", 400, "single JSON object"},
		{"missing name", `{"email":"a@example.com"}`, "application/json", 400, "name is required"},
		{"empty name", `{"name":"   ","email":"a@example.com"}`, "application/json", 400, "name must not be empty"},
		{"null name", `{"name":null,"email":"a@example.com"}`, "application/json", 400, "name is required"},
		{"long name", `{"name":"` + strings.Repeat("é", 201) + `","email":"a@example.com"}`, "application/json", 400, "at most 200"},
		{"control char in name", `{"name":"a\u0000b","email":"a@example.com"}`, "application/json", 400, "control characters"},
		{"missing email", `{"name":"A"}`, "application/json", 400, "email is required"},
		{"missing both", `{}`, "application/json", 400, "name is required; email is required"},
		{"empty email", `{"name":"A","email":""}`, "application/json", 400, "email must not be empty"},
		{"email without at", `{"name":"A","email":"example.com"}`, "application/json", 400, "valid address"},
		{"email with display name", `{"name":"A","email":"Bob <bob@example.com>"}`, "application/json", 400, "valid address"},
		{"email without dot in domain", `{"name":"A","email":"bob@localhost"}`, "application/json", 400, "valid address"},
		{"email with spaces", `{"name":"A","email":"bo b@example.com"}`, "application/json", 400, "valid address"},
		{"email too long", `{"name":"A","email":"` + strings.Repeat("a", 250) + `@example.com"}`, "application/json", 400, "at most 254"},
		{"body too large", big, "application/json", 413, "must not be larger than"},
		{"wrong content type", `{"name":"A","email":"a@example.com"}`, "text/plain", 415, "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &fakeStore{}
			h, _ := newTestServer(t, st)
			req := httptest.NewRequest("POST", "/users", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || !strings.Contains(body.Error, tc.wantMsg) {
				t.Fatalf("error = %q (%v), want it to contain %q", body.Error, err, tc.wantMsg)
			}
			if len(st.users) != 0 {
				t.Fatalf("invalid request created a user")
			}
		})
	}
}

func TestCreateGetListUsers(t *testing.T) {
	st := &fakeStore{}
	h, _ := newTestServer(t, st)

	r := do(t, h, "POST", "/users", `{"name":"  Ada Lovelace ","email":" Ada@Example.com "}`)
	wantStatus(t, r, http.StatusCreated)
	if loc := r.header.Get("Location"); loc != "/users/1" {
		t.Fatalf("Location = %q, want /users/1", loc)
	}
	if r.body["name"] != "Ada Lovelace" || r.body["email"] != "Ada@Example.com" || r.body["id"] != float64(1) {
		t.Fatalf("created user = %s", r.raw)
	}
	// No Content-Type header at all is accepted too.
	req := httptest.NewRequest("POST", "/users", strings.NewReader(`{"name":"Bob","email":"bob@example.com"}`))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create without Content-Type: %d %s", rec.Code, rec.Body)
	}

	wantStatus(t, do(t, h, "POST", "/users", `{"name":"Other","email":"ADA@example.COM"}`), http.StatusConflict)

	r = do(t, h, "GET", "/users/1", "")
	wantStatus(t, r, http.StatusOK)
	if r.body["email"] != "Ada@Example.com" {
		t.Fatalf("get user = %s", r.raw)
	}

	r = do(t, h, "GET", "/users", "")
	wantStatus(t, r, http.StatusOK)
	if users, _ := r.body["users"].([]any); len(users) != 2 {
		t.Fatalf("list users = %s", r.raw)
	}
	r = do(t, h, "GET", "/users?limit=1&after_id=1", "")
	wantStatus(t, r, http.StatusOK)
	if st.lastPage != (store.Page{Limit: 1, AfterID: 1}) {
		t.Fatalf("page = %+v", st.lastPage)
	}
	if users, _ := r.body["users"].([]any); len(users) != 1 {
		t.Fatalf("paged list = %s", r.raw)
	}
}

func TestEmptyListIsArray(t *testing.T) {
	h, _ := newTestServer(t, &fakeStore{})
	for _, path := range []string{"/users", "/products"} {
		r := do(t, h, "GET", path, "")
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(r.raw, "[]") {
			t.Errorf("GET %s = %s, want an empty array", path, r.raw)
		}
	}
}

func TestIDAndQueryValidation(t *testing.T) {
	st := &fakeStore{products: []store.Product{{ID: 1, SKU: "SKU-1", Name: "Mug", PriceCents: 100, Currency: "USD"}}}
	h, _ := newTestServer(t, st)
	tests := []struct {
		target string
		status int
	}{
		{"/users/abc", 400},
		{"/users/0", 400},
		{"/users/-1", 400},
		{"/users/1.5", 400},
		{"/users/99999999999999999999", 400},
		{"/users/42", 404},
		{"/products/abc", 400},
		{"/products/7", 404},
		{"/products/1", 200},
		{"/products", 200},
		{"/users?limit=0", 400},
		{"/users?limit=201", 400},
		{"/users?limit=x", 400},
		{"/users?after_id=-1", 400},
		{"/products?limit=200", 200},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			wantStatus(t, do(t, h, "GET", tc.target, ""), tc.status)
		})
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	h, _ := newTestServer(t, &fakeStore{})

	r := do(t, h, "GET", "/nope", "")
	wantStatus(t, r, http.StatusNotFound)
	wantStatus(t, do(t, h, "GET", "/", ""), http.StatusNotFound)
	wantStatus(t, do(t, h, "GET", "/users/1/extra", ""), http.StatusNotFound)

	r = do(t, h, "DELETE", "/users/1", "")
	wantStatus(t, r, http.StatusMethodNotAllowed)
	if allow := r.header.Get("Allow"); !strings.Contains(allow, "GET") {
		t.Fatalf("Allow = %q, want GET listed", allow)
	}
	r = do(t, h, "PUT", "/users", `{}`)
	wantStatus(t, r, http.StatusMethodNotAllowed)
	if allow := r.header.Get("Allow"); !strings.Contains(allow, "POST") || !strings.Contains(allow, "GET") {
		t.Fatalf("Allow = %q, want GET and POST", allow)
	}
	wantStatus(t, do(t, h, "POST", HealthPath, `{}`), http.StatusMethodNotAllowed)

	// Unclean paths are still redirected by ServeMux.
	req := httptest.NewRequest("GET", "/users/../products", nil)
	req.URL.Path = "/users/../products"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusTemporaryRedirect && rec.Code != http.StatusMovedPermanently {
		t.Fatalf("unclean path: status %d, want a redirect", rec.Code)
	}
}

func TestStoreFailures(t *testing.T) {
	st := &fakeStore{err: errors.New("boom: secret detail")}
	h, logs := newTestServer(t, st)
	r := do(t, h, "GET", "/users", "")
	wantStatus(t, r, http.StatusInternalServerError)
	if strings.Contains(r.raw, "secret detail") {
		t.Fatalf("500 leaks internal error: %s", r.raw)
	}
	if !strings.Contains(logs.String(), "secret detail") {
		t.Fatalf("internal error not logged: %s", logs)
	}
	st.err = context.DeadlineExceeded
	wantStatus(t, do(t, h, "GET", "/products", ""), http.StatusServiceUnavailable)
	wantStatus(t, do(t, h, "POST", "/users", `{"name":"A","email":"a@example.com"}`), http.StatusServiceUnavailable)
}

type panicStore struct{ fakeStore }

func (*panicStore) ListProducts(context.Context, store.Page) ([]store.Product, error) {
	panic("kaboom")
}

func TestPanicRecovery(t *testing.T) {
	h, logs := newTestServer(t, &panicStore{})
	wantStatus(t, do(t, h, "GET", "/products", ""), http.StatusInternalServerError)
	if !strings.Contains(logs.String(), "kaboom") {
		t.Fatalf("panic not logged: %s", logs)
	}
}

func TestRequestLogLine(t *testing.T) {
	h, logs := newTestServer(t, &fakeStore{})
	do(t, h, "GET", "/users/7", "", "X-Request-Id", "req-123", "X-Amzn-Trace-Id", "Root=1-abc", "X-Forwarded-For", "203.0.113.9, 10.0.0.1")

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want exactly one log line per request, got %d: %s", len(lines), logs)
	}
	var entry map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &entry); err != nil {
		t.Fatalf("log line is not JSON: %v", err)
	}
	want := map[string]any{
		"msg": "request", "method": "GET", "path": "/users/7", "status": float64(404),
		"request_id": "req-123", "amzn_trace_id": "Root=1-abc", "remote": "203.0.113.9", "route": "GET /users/{id}",
	}
	for k, v := range want {
		if entry[k] != v {
			t.Errorf("log %s = %v, want %v", k, entry[k], v)
		}
	}
	if b, _ := entry["bytes"].(float64); b <= 0 {
		t.Errorf("log bytes = %v, want > 0", entry["bytes"])
	}
	if _, ok := entry["duration_ms"].(float64); !ok {
		t.Errorf("log duration_ms missing: %v", entry)
	}
}
