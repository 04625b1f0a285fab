package tracing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/example/fargate-api/sampleapi/internal/tracing"
)

func newTracing(rate float64) (*tracing.Tracing, *tracetest.InMemoryExporter) {
	exp := tracetest.NewInMemoryExporter()
	return tracing.NewForTest(tracing.Config{SampleRate: rate, ServiceName: "test"}, sdktrace.NewSimpleSpanProcessor(exp)), exp
}

// startServerSpan starts a span the way otelhttp does: extract, then start.
func startServerSpan(t *testing.T, tr *tracing.Tracing, h http.Header) trace.SpanContext {
	t.Helper()
	ctx := tr.Propagator.Extract(context.Background(), propagation.HeaderCarrier(h))
	_, span := tr.Tracer().Start(ctx, "GET /x", trace.WithSpanKind(trace.SpanKindServer))
	span.End()
	return span.SpanContext()
}

// TestALBTraceHeader: the ALB's X-Amzn-Trace-Id names a trace but no
// parent; the server span must join that trace so the ALB's access log and
// the trace share one ID.
func TestALBTraceHeader(t *testing.T) {
	tr, _ := newTracing(1)
	cases := []struct {
		name, header, wantTrace, wantParent string
	}{
		{"root only, as the ALB sends it", "Root=1-5759e988-bd862e3fe1be46a994272793", "5759e988bd862e3fe1be46a994272793", ""},
		{"self and root, as the ALB sends it behind another ALB", "Self=1-67891234-12456789abcdef012345678;Root=1-5759e988-bd862e3fe1be46a994272793", "5759e988bd862e3fe1be46a994272793", ""},
		{"root and parent from a traced caller", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", "5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			exp := tracetest.NewInMemoryExporter()
			tr := tracing.NewForTest(tracing.Config{SampleRate: 1, ServiceName: "test"}, sdktrace.NewSimpleSpanProcessor(exp))
			sc := startServerSpan(t, tr, http.Header{"X-Amzn-Trace-Id": {c.header}})
			if got := sc.TraceID().String(); got != c.wantTrace {
				t.Errorf("trace ID %s, want %s", got, c.wantTrace)
			}
			spans := exp.GetSpans()
			if len(spans) != 1 {
				t.Fatalf("%d spans, want 1", len(spans))
			}
			parent := ""
			if p := spans[0].Parent; p.IsValid() {
				parent = p.SpanID().String()
			}
			if parent != c.wantParent {
				t.Errorf("parent %q, want %q", parent, c.wantParent)
			}
		})
	}
	t.Run("a malformed header starts a fresh trace", func(t *testing.T) {
		sc := startServerSpan(t, tr, http.Header{"X-Amzn-Trace-Id": {"Root=1-abc"}})
		if !sc.IsValid() || sc.TraceID().String() == "5759e988bd862e3fe1be46a994272793" {
			t.Errorf("span context %v", sc)
		}
	})
	t.Run("a W3C traceparent wins over the ALB's header", func(t *testing.T) {
		sc := startServerSpan(t, tr, http.Header{
			"Traceparent":     {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
			"X-Amzn-Trace-Id": {"Root=1-5759e988-bd862e3fe1be46a994272793"},
		})
		if got := sc.TraceID().String(); got != "0af7651916cd43dd8448eb211c80319c" {
			t.Errorf("trace ID %s, want the traceparent's", got)
		}
	})
}

// TestClientCannotForceSampling: a public client's sampled flag must not
// turn its requests into billable traces at a low sample rate.
func TestClientCannotForceSampling(t *testing.T) {
	tr, exp := newTracing(0.0000001)
	for range 20 {
		startServerSpan(t, tr, http.Header{"Traceparent": {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}})
	}
	if n := len(exp.GetSpans()); n != 0 {
		t.Errorf("%d spans exported at a rate of 1e-7 for a client that asked for sampling", n)
	}
}

// TestLogLineCarriesTraceID: a line logged with a span's context names
// the trace and span; a line without one is left alone.
func TestLogLineCarriesTraceID(t *testing.T) {
	tr, _ := newTracing(1)
	var buf bytes.Buffer
	log := slog.New(tracing.LogHandler(slog.NewJSONHandler(&buf, nil))).With("k", "v")
	ctx, span := tr.Tracer().Start(context.Background(), "op")
	log.InfoContext(ctx, "inside")
	span.End()
	log.Info("outside")

	var in, out map[string]any
	dec := json.NewDecoder(&buf)
	if err := dec.Decode(&in); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	sc := span.SpanContext()
	if in["trace_id"] != sc.TraceID().String() || in["span_id"] != sc.SpanID().String() || in["trace_sampled"] != true || in["k"] != "v" {
		t.Errorf("line in a span: %v, want trace_id %s span_id %s trace_sampled true", in, sc.TraceID(), sc.SpanID())
	}
	if _, ok := out["trace_id"]; ok {
		t.Errorf("line outside a span has a trace_id: %v", out)
	}
}

// TestTracingOffHasNoSDK: no endpoint, no SDK and no exporter.
func TestTracingOffHasNoSDK(t *testing.T) {
	tr, err := tracing.Setup(context.Background(), tracing.Config{SampleRate: 1})
	if tr != nil || err != nil {
		t.Errorf("Setup without an endpoint = %v, %v; want nil, nil", tr, err)
	}
}
