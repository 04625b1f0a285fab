// Package api implements the HTTP interface: routing, JSON handlers, input
// validation, request logging and panic recovery.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/example/fargate-api/sampleapi/internal/store"
	"github.com/example/fargate-api/sampleapi/internal/tracing"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// HealthPath is the liveness endpoint the load balancer checks. It must equal
// healthCheckPath in contract.json.
const HealthPath = "/healthz"

// ReadyPath is the readiness endpoint; it checks the database.
const ReadyPath = "/readyz"

// Store is what the handlers need from the data layer.
type Store interface {
	Ping(ctx context.Context) error
	CreateUser(ctx context.Context, u store.NewUser) (store.User, error)
	GetUser(ctx context.Context, id int64) (store.User, error)
	ListUsers(ctx context.Context, p store.Page) ([]store.User, error)
	GetProduct(ctx context.Context, id int64) (store.Product, error)
	ListProducts(ctx context.Context, p store.Page) ([]store.Product, error)
}

// Limits on request input.
const (
	MaxBodyBytes     = 16 << 10 // 16 KiB is ample for a user
	DefaultPageLimit = 50
	MaxPageLimit     = 200
	readyTimeout     = 2 * time.Second
)

// Server holds the handler dependencies.
type Server struct {
	store   Store
	log     *slog.Logger
	tracing *tracing.Tracing
}

// Option configures a Server.
type Option func(*Server)

// WithTracing makes every request a server span of t named by its route
// template. Default: no spans, and no instrumentation in the request path.
func WithTracing(t *tracing.Tracing) Option { return func(s *Server) { s.tracing = t } }

// New returns a Server backed by st that logs to log.
func New(st Store, log *slog.Logger, opts ...Option) *Server {
	s := &Server{store: st, log: log}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Handler returns the complete HTTP handler with middleware applied.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+HealthPath, s.healthz)
	mux.HandleFunc("GET "+ReadyPath, s.readyz)
	mux.HandleFunc("GET /users", s.listUsers)
	mux.HandleFunc("POST /users", s.createUser)
	mux.HandleFunc("GET /users/{id}", s.getUser)
	mux.HandleFunc("GET /products", s.listProducts)
	mux.HandleFunc("GET /products/{id}", s.getProduct)
	h := s.logRequests(s.recoverPanics(jsonMuxErrors(mux)))
	if s.tracing == nil {
		return h
	}
	return otelhttp.NewHandler(tagRoute(h), "http.server",
		otelhttp.WithTracerProvider(s.tracing.Provider),
		otelhttp.WithPropagators(s.tracing.Propagator),
		otelhttp.WithSpanNameFormatter(spanName),
		// The ALB's health checks would be most spans of a quiet service
		// and tell nothing a trace is for; the same paths called by anyone
		// else are traced.
		otelhttp.WithFilter(func(r *http.Request) bool {
			return !strings.HasPrefix(r.UserAgent(), healthCheckerAgent)
		}),
	)
}

// healthCheckerAgent starts the User-Agent of the ALB's health checks
// ("ELB-HealthChecker/2.0").
const healthCheckerAgent = "ELB-HealthChecker/"

// spanName is the route template ServeMux matched ("GET /users/{id}",
// already "{method} {route}" as OpenTelemetry's HTTP conventions name a
// server span), or the bare method when no route matched: a raw path would
// make one span name per user ID. otelhttp calls it again after the
// handler, once ServeMux has set the pattern.
func spanName(_ string, r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return r.Method
}

// tagRoute records the matched route template as the span's http.route.
func tagRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if r.Pattern != "" {
			_, route, _ := strings.Cut(r.Pattern, " ")
			trace.SpanFromContext(r.Context()).SetAttributes(attribute.String("http.route", route))
		}
	})
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "readiness check failed", slog.String("error", err.Error()))
		writeError(w, http.StatusServiceUnavailable, "database unavailable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

type createUserRequest struct {
	Name  *string `json:"name"`
	Email *string `json:"email"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	var req createUserRequest
	if status, msg := decodeJSON(w, r, &req); status != 0 {
		writeError(w, status, msg)
		return
	}
	nu, msg := validateNewUser(req)
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	u, err := s.store.CreateUser(r.Context(), nu)
	if errors.Is(err, store.ErrDuplicateEmail) {
		writeError(w, http.StatusConflict, "a user with this email already exists")
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	w.Header().Set("Location", "/users/"+strconv.FormatInt(u.ID, 10))
	writeJSON(w, http.StatusCreated, u)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	serveOne(s, w, r, "user", s.store.GetUser)
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, "users", s.store.ListUsers)
}

func (s *Server) getProduct(w http.ResponseWriter, r *http.Request) {
	serveOne(s, w, r, "product", s.store.GetProduct)
}

func (s *Server) listProducts(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, "products", s.store.ListProducts)
}

// serveOne answers GET /{collection}/{id} with the item get finds, 404 when
// there is none.
func serveOne[T any](s *Server, w http.ResponseWriter, r *http.Request, noun string, get func(context.Context, int64) (T, error)) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	item, err := get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, noun+" not found")
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, item)
}

// serveList answers GET /{collection} with one page of items under key, an
// empty array rather than null when there are none.
func serveList[T any](s *Server, w http.ResponseWriter, r *http.Request, key string, list func(context.Context, store.Page) ([]T, error)) {
	page, msg := parsePage(r)
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	items, err := list(r.Context(), page)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if items == nil {
		items = []T{}
	}
	writeJSON(w, http.StatusOK, map[string]any{key: items})
}

// internalError logs err and answers 500 without leaking details. A request
// whose deadline passed gets 503 instead, since retrying may succeed.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.LogAttrs(r.Context(), slog.LevelError, "request failed",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	if errors.Is(err, context.DeadlineExceeded) {
		writeError(w, http.StatusServiceUnavailable, "database timeout")
		return
	}
	writeError(w, http.StatusInternalServerError, "internal server error")
}
