package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/example/fargate-api/sampleapi/internal/store"
	"github.com/example/fargate-api/sampleapi/internal/tracing"
)

// TestServerSpanPerRoute (no database: TestRequestTrace has the queries):
// each route's server span is named by its template, not its path, with
// http.route set, and the request's log line names the span's trace.
func TestServerSpanPerRoute(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr := tracing.NewForTest(tracing.Config{SampleRate: 1, ServiceName: "t"}, sdktrace.NewSimpleSpanProcessor(exp))
	var logs bytes.Buffer
	log := slog.New(tracing.LogHandler(slog.NewJSONHandler(&syncWriter{w: &logs}, nil)))
	st := &fakeStore{users: []store.User{{ID: 7, Name: "A", Email: "a@example.com"}}, products: []store.Product{{ID: 3}}}
	h := New(st, log, WithTracing(tr)).Handler()

	for _, c := range []struct{ method, target, name, route string }{
		{"GET", HealthPath, "GET " + HealthPath, HealthPath},
		{"GET", ReadyPath, "GET " + ReadyPath, ReadyPath},
		{"GET", "/users?limit=1", "GET /users", "/users"},
		{"POST", "/users", "POST /users", "/users"},
		{"GET", "/users/7", "GET /users/{id}", "/users/{id}"},
		{"GET", "/products", "GET /products", "/products"},
		{"GET", "/products/3", "GET /products/{id}", "/products/{id}"},
		{"GET", "/nowhere/42", "GET", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			exp.Reset()
			logs.Reset()
			body := ""
			if c.method == "POST" {
				body = `{"name":"B","email":"b@example.com"}`
			}
			do(t, h, c.method, c.target, body)
			spans := exp.GetSpans()
			if len(spans) != 1 {
				t.Fatalf("%d spans, want 1", len(spans))
			}
			route := ""
			for _, kv := range spans[0].Attributes {
				if kv.Key == "http.route" {
					route = kv.Value.AsString()
				}
			}
			if spans[0].Name != c.name || route != c.route {
				t.Errorf("span %q http.route %q, want %q and %q", spans[0].Name, route, c.name, c.route)
			}
			var entry map[string]any
			if err := json.Unmarshal([]byte(strings.TrimSpace(logs.String())), &entry); err != nil {
				t.Fatalf("log %q: %v", logs.String(), err)
			}
			if want := spans[0].SpanContext.TraceID().String(); entry["trace_id"] != want {
				t.Errorf("log line trace_id %v, want %s: %s", entry["trace_id"], want, logs.String())
			}
		})
	}
}
