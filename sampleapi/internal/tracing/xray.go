package tracing

import (
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strings"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// XRayHeader is the header the ALB adds to every request it forwards.
const XRayHeader = "X-Amzn-Trace-Id"

// XRayPropagator reads the X-Ray trace header.
//
// The ALB writes "Root=1-<8 hex epoch>-<24 hex>" (with "Self=..." before it
// when the request already had one) but no Parent: there is no ALB span to
// be the parent. A header with a Parent becomes the remote parent span
// context; a header with only a Root puts that trace ID in the context for
// the ID generator, so the server span starts a new trace with the ALB's
// ID instead of a random one. (The contrib module
// go.opentelemetry.io/contrib/propagators/aws is deprecated and drops a
// header without a Parent, which is every header the ALB sends.)
type XRayPropagator struct{}

var _ propagation.TextMapPropagator = XRayPropagator{}

type rootKey struct{}

// Extract implements propagation.TextMapPropagator.
func (XRayPropagator) Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	if trace.SpanContextFromContext(ctx).IsValid() {
		return ctx
	}
	h := carrier.Get(XRayHeader)
	if h == "" {
		return ctx
	}
	var (
		tid     trace.TraceID
		sid     trace.SpanID
		sampled bool
		err     error
	)
	for part := range strings.SplitSeq(h, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Root":
			if tid, err = parseXRayTraceID(v); err != nil {
				return ctx
			}
		case "Parent":
			if sid, err = trace.SpanIDFromHex(v); err != nil {
				return ctx
			}
		case "Sampled":
			sampled = v == "1"
		}
	}
	if !tid.IsValid() {
		return ctx
	}
	if !sid.IsValid() {
		return context.WithValue(ctx, rootKey{}, tid)
	}
	var flags trace.TraceFlags
	if sampled {
		flags = trace.FlagsSampled
	}
	return trace.ContextWithRemoteSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: flags, Remote: true,
	}))
}

// Inject implements propagation.TextMapPropagator.
func (XRayPropagator) Inject(ctx context.Context, carrier propagation.TextMapCarrier) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return
	}
	t := sc.TraceID().String()
	sampled := "0"
	if sc.IsSampled() {
		sampled = "1"
	}
	carrier.Set(XRayHeader, "Root=1-"+t[:8]+"-"+t[8:]+";Parent="+sc.SpanID().String()+";Sampled="+sampled)
}

// Fields implements propagation.TextMapPropagator.
func (XRayPropagator) Fields() []string { return []string{XRayHeader} }

// parseXRayTraceID turns "1-5759e988-bd862e3fe1be46a994272793" into the
// 32-hex-digit trace ID 5759e988bd862e3fe1be46a994272793.
func parseXRayTraceID(s string) (trace.TraceID, error) {
	if len(s) != 35 || s[:2] != "1-" || s[10] != '-' {
		return trace.TraceID{}, errMalformedRoot
	}
	return trace.TraceIDFromHex(s[2:10] + s[11:])
}

var errMalformedRoot = errors.New("malformed X-Ray Root")

// xrayRootIDs is the SDK's ID generator with one difference: a root span
// whose context carries the ALB's trace ID takes it. Random IDs are
// accepted as they are: CloudWatch's OTLP endpoint takes W3C trace IDs, so
// the X-Ray ID format (epoch in the first 8 digits) is not needed.
type xrayRootIDs struct{}

func (xrayRootIDs) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	tid, ok := ctx.Value(rootKey{}).(trace.TraceID)
	if !ok {
		binary.NativeEndian.PutUint64(tid[:8], rand.Uint64())
		binary.NativeEndian.PutUint64(tid[8:], rand.Uint64())
	}
	return tid, newSpanID()
}

func (xrayRootIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID { return newSpanID() }

func newSpanID() trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		binary.NativeEndian.PutUint64(sid[:], rand.Uint64())
	}
	return sid
}
