// Package tracing turns the sample API's requests and queries into
// OpenTelemetry spans, exported over OTLP/HTTP to the collector sidecar
// that the CDK stack runs next to the service when tracing is on.
//
// With tracing off (no endpoint) nothing here allocates an SDK or an
// exporter: Setup returns nil and the callers skip instrumentation.
//
// The first hop of a trace is the load balancer: API Gateway HTTP APIs
// emit no X-Ray traces, and the ALB adds an X-Amzn-Trace-Id header whose
// Root becomes the trace's ID here (see XRayPropagator), so the ID in the
// ALB's access log, the service's log lines and CloudWatch's trace view is
// one and the same.
package tracing
