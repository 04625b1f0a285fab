package main

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/example/fargate-api/sampleapi/internal/testdb"
)

// collector is a stand-in for the sidecar's OTLP/HTTP receiver: it keeps
// every span it is sent.
type collector struct {
	mu    sync.Mutex
	spans map[string][]string // trace ID -> span names
	roots []string            // spans without a parent
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req coltrace.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "bad export", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				id := hex.EncodeToString(s.TraceId)
				c.spans[id] = append(c.spans[id], s.Name)
				if len(s.ParentSpanId) == 0 {
					c.roots = append(c.roots, s.Name)
				}
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(nil)
}

// TestMigrateRunIsOneTrace: with tracing on, `migrate` exports one trace
// whose root is the run and whose children are its statements, before it
// exits (the task stops right after).
func TestMigrateRunIsOneTrace(t *testing.T) {
	db := testdb.New(t)
	col := &collector{spans: map[string][]string{}}
	srv := httptest.NewServer(col)
	defer srv.Close()

	env := migrateEnv(db, newRuntimeUser(t, db))
	env["TRACING_ENDPOINT"] = srv.URL + "/v1/traces"
	env["TRACING_SAMPLE_RATE"] = "1"
	var out lockedBuffer
	if code := command(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, &out); code != 0 {
		t.Fatalf("migrate exit code %d:\n%s", code, out.String())
	}

	col.mu.Lock()
	defer col.mu.Unlock()
	if len(col.spans) != 1 || len(col.roots) != 1 || col.roots[0] != "migrate" {
		t.Fatalf("traces %v roots %v, want one trace rooted at migrate", col.spans, col.roots)
	}
	for id, names := range col.spans {
		joined := strings.Join(names, " ")
		for _, want := range []string{"SELECT", "CREATE", "INSERT"} {
			if !strings.Contains(joined, want) {
				t.Errorf("trace %s spans %v: no %s statement", id, names, want)
			}
		}
		if !strings.Contains(out.String(), `"trace_id":"`+id+`"`) {
			t.Errorf("migrate's log lines do not name trace %s:\n%s", id, out.String())
		}
	}
}
