package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/example/fargate-api/sampleapi/internal/api"
	"github.com/example/fargate-api/sampleapi/internal/database"
	"github.com/example/fargate-api/sampleapi/internal/store"
	"github.com/example/fargate-api/sampleapi/internal/testdb"
	"github.com/example/fargate-api/sampleapi/internal/tracing"
)

// syncBuffer is a log sink the server's goroutines and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newTracedServer is the service as main wires it with tracing on: spans
// go to an in-memory exporter, logs to the returned buffer.
func newTracedServer(t *testing.T) (*httptest.Server, *tracetest.InMemoryExporter, *syncBuffer) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tr := tracing.NewForTest(tracing.Config{SampleRate: 1, ServiceName: "sampleapi"}, sdktrace.NewSimpleSpanProcessor(exp))
	pool, err := database.NewPool(context.Background(), testdb.New(t).URL, database.PoolOptions{MaxConns: 2, Tracer: tr.QueryTracer()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := database.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	exp.Reset() // the migration's spans are not the request's
	logs := &syncBuffer{}
	log := slog.New(tracing.LogHandler(slog.NewJSONHandler(logs, nil)))
	srv := httptest.NewServer(api.New(store.NewPostgres(pool, 0), log, api.WithTracing(tr)).Handler())
	t.Cleanup(srv.Close)
	return srv, exp, logs
}

func attr(s tracetest.SpanStub, key attribute.Key) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

// TestRequestTrace: a request to a route is one server span named by the
// route template (not the path: one name per user ID would be unusable),
// with a child client span per query, in the trace the ALB's header
// names; the request's log line carries that trace ID.
func TestRequestTrace(t *testing.T) {
	srv, exp, logs := newTracedServer(t)
	const root, traceID = "Root=1-5759e988-bd862e3fe1be46a994272793", "5759e988bd862e3fe1be46a994272793"

	for _, c := range []struct {
		method, path, body, route string
		queries                   []string
	}{
		{"POST", "/users", `{"name":"Ada","email":"ada@example.com"}`, "POST /users", []string{"INSERT"}},
		{"GET", "/users/1", "", "GET /users/{id}", []string{"SELECT"}},
		{"GET", "/products?limit=2", "", "GET /products", []string{"SELECT"}},
	} {
		t.Run(c.route, func(t *testing.T) {
			exp.Reset()
			req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
			req.Header.Set("X-Amzn-Trace-Id", root)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode >= 400 {
				t.Fatalf("status %d", res.StatusCode)
			}

			var server *tracetest.SpanStub
			spans := exp.GetSpans()
			for i, s := range spans {
				if s.SpanKind == trace.SpanKindServer {
					server = &spans[i]
				}
			}
			if server == nil {
				t.Fatalf("no server span among %d spans", len(spans))
			}
			_, route, _ := strings.Cut(c.route, " ")
			if server.Name != c.route || attr(*server, "http.route") != route {
				t.Errorf("server span %q http.route %q, want %q and %q", server.Name, attr(*server, "http.route"), c.route, route)
			}
			if got := server.SpanContext.TraceID().String(); got != traceID {
				t.Errorf("trace ID %s, want the ALB's %s", got, traceID)
			}
			var queries []string
			for _, s := range spans {
				if s.SpanKind != trace.SpanKindClient {
					continue
				}
				queries = append(queries, s.Name)
				if s.Parent.SpanID() != server.SpanContext.SpanID() {
					t.Errorf("query span %q is not a child of the server span", s.Name)
				}
				if attr(s, "db.system.name") != "postgresql" || attr(s, "db.query.text") == "" {
					t.Errorf("query span %q attributes %v", s.Name, s.Attributes)
				}
			}
			if strings.Join(queries, ",") != strings.Join(c.queries, ",") {
				t.Errorf("query spans %v, want %v", queries, c.queries)
			}
		})
	}

	// Every request line names the trace its spans are in.
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if entry["msg"] != "request" {
			continue
		}
		n++
		if entry["trace_id"] != traceID || entry["span_id"] == nil {
			t.Errorf("request log line without the request's trace: %s", line)
		}
	}
	if n != 3 {
		t.Errorf("%d request log lines, want 3:\n%s", n, logs)
	}
}

// TestHealthChecksAreNotTraced: the ALB's probes would be most spans of a
// quiet service; the same path called by anyone else is traced.
func TestHealthChecksAreNotTraced(t *testing.T) {
	srv, exp, _ := newTracedServer(t)
	for _, ua := range []string{"ELB-HealthChecker/2.0", "curl/8.0"} {
		req, _ := http.NewRequest("GET", srv.URL+api.ReadyPath, nil)
		req.Header.Set("User-Agent", ua)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	spans := exp.GetSpans()
	if len(spans) != 1 || spans[0].Name != "GET "+api.ReadyPath {
		t.Errorf("spans %v, want only the non-ALB call's server span", spans)
	}
}
