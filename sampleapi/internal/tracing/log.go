package tracing

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Log attribute names of the span a line was written in.
const (
	LogTraceID = "trace_id"
	LogSpanID  = "span_id"
	// LogSampled says whether the trace was exported: a line of an
	// unsampled request still has IDs, but no trace to open.
	LogSampled = "trace_sampled"
)

// LogHandler adds the trace and span IDs of the context's span to every
// record h handles, so a log line written during a request (the request
// line, a failed query, a panic) leads to its trace. Records written
// outside a span pass through unchanged.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (l logHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(
			slog.String(LogTraceID, sc.TraceID().String()),
			slog.String(LogSpanID, sc.SpanID().String()),
			slog.Bool(LogSampled, sc.IsSampled()),
		)
	}
	return l.Handler.Handle(ctx, r)
}

func (l logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logHandler{l.Handler.WithAttrs(attrs)}
}

func (l logHandler) WithGroup(name string) slog.Handler {
	return logHandler{l.Handler.WithGroup(name)}
}
