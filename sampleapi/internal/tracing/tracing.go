package tracing

import (
	"context"
	"fmt"
	"runtime/debug"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Config says where spans go and how many requests are traced.
type Config struct {
	// Endpoint is the OTLP/HTTP traces URL of the collector, such as
	// http://localhost:4318/v1/traces. Empty means tracing is off.
	Endpoint string
	// SampleRate is the fraction of requests (0 < rate <= 1) whose spans
	// are exported.
	SampleRate float64
	// ServiceName is the service.name resource attribute.
	ServiceName string
}

// Tracing is a configured tracer provider with its propagator.
type Tracing struct {
	Provider   trace.TracerProvider
	Propagator propagation.TextMapPropagator
	shutdown   func(context.Context) error
}

// Shutdown exports the spans still queued and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error { return t.shutdown(ctx) }

// Tracer returns the tracer the sample API names its own spans with.
func (t *Tracing) Tracer() trace.Tracer { return t.Provider.Tracer(instrumentationName) }

const instrumentationName = "github.com/example/fargate-api/sampleapi"

// Setup builds the SDK for cfg: nil, nil when tracing is off, so that an
// untraced service pays for no exporter and no span processing.
func Setup(ctx context.Context, cfg Config) (*Tracing, error) {
	if cfg.Endpoint == "" {
		return nil, nil
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(cfg.Endpoint))
	if err != nil {
		return nil, fmt.Errorf("create trace exporter: %w", err)
	}
	return newTracing(cfg, sdktrace.WithBatcher(exp)), nil
}

// NewForTest returns a Tracing that hands every span to sp (an in-memory
// exporter's SimpleSpanProcessor in tests), sampling at cfg.SampleRate.
func NewForTest(cfg Config, sp sdktrace.SpanProcessor) *Tracing {
	return newTracing(cfg, sdktrace.WithSpanProcessor(sp))
}

func newTracing(cfg Config, processor sdktrace.TracerProviderOption) *Tracing {
	attrs := []attribute.KeyValue{attribute.String("service.name", cfg.ServiceName)}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		attrs = append(attrs, attribute.String("service.version", bi.Main.Version))
	}
	tp := sdktrace.NewTracerProvider(
		processor,
		sdktrace.WithResource(resource.NewSchemaless(attrs...)),
		// The sampler ignores the caller's sampled flag on purpose: the API is
		// public, and trusting a client's traceparent would let any client
		// make every one of its requests billable trace data. The caller's
		// trace and parent IDs are still honoured.
		sdktrace.WithSampler(sdktrace.TraceIDRatioBased(cfg.SampleRate)),
		sdktrace.WithIDGenerator(xrayRootIDs{}),
	)
	return &Tracing{
		Provider: tp,
		// W3C first: a traceparent names a parent span, the ALB's header
		// only a trace (XRayPropagator leaves a found parent alone).
		Propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, XRayPropagator{}),
		shutdown:   tp.Shutdown,
	}
}
