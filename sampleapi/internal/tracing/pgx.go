package tracing

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// QueryTracer makes each query a client span, child of the span in the
// query's context (the request's server span, or the migration's span).
// The span carries the SQL text with its placeholders, never the
// arguments: they hold users' names and e-mail addresses.
func (t *Tracing) QueryTracer() pgx.QueryTracer { return queryTracer{t.Tracer()} }

type queryTracer struct{ tracer trace.Tracer }

var _ pgx.QueryTracer = queryTracer{}

func (q queryTracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	attrs := []attribute.KeyValue{
		attribute.String("db.system.name", "postgresql"),
		attribute.String("db.query.text", data.SQL),
	}
	if cfg := conn.Config(); cfg != nil {
		attrs = append(attrs,
			attribute.String("db.namespace", cfg.Database),
			attribute.String("server.address", cfg.Host),
			attribute.Int("server.port", int(cfg.Port)),
		)
	}
	ctx, _ = q.tracer.Start(ctx, operation(data.SQL),
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx
}

func (queryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	span := trace.SpanFromContext(ctx)
	if data.Err != nil {
		span.RecordError(data.Err)
		span.SetStatus(codes.Error, data.Err.Error())
	}
	span.SetAttributes(attribute.Int64("db.response.returned_rows", data.CommandTag.RowsAffected()))
	span.End()
}

// operation names a query's span by its first keyword (SELECT, INSERT,
// CREATE...): low-cardinality, as span names should be; the text is an
// attribute.
func operation(sql string) string {
	sql = strings.TrimSpace(sql)
	for strings.HasPrefix(sql, "--") {
		_, sql, _ = strings.Cut(sql, "\n")
		sql = strings.TrimSpace(sql)
	}
	word, _, _ := strings.Cut(sql, " ")
	word, _, _ = strings.Cut(word, "\n")
	if word == "" {
		return "postgresql"
	}
	return strings.ToUpper(word)
}
