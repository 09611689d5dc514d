// Package server is the HTTP surface of the Order Management API: routes,
// handlers, authentication middleware and the mapping of error kinds to
// responses. Validation and sums come from package api, storage from a
// store.Store, tokens from package auth.
package server

import (
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ordermgmt/ordermgmt/internal/auth"
	"github.com/ordermgmt/ordermgmt/internal/sandbox"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// Options are what a Server is built from.
type Options struct {
	Store  store.Store
	Issuer *auth.Issuer
	// Authenticator checks token requests' credentials (sandbox or configured).
	Authenticator auth.Authenticator
	Keys          *auth.KeySet
	Logger        *slog.Logger
	// Now and NewID are injected so tests can be deterministic.
	Now   func() time.Time
	NewID func() string
	// Pprof mounts net/http/pprof under /debug/pprof/.
	Pprof bool
	// Sandbox serves fault rules, the journal, reset and the checklist
	// under /_sandbox/ and records every API request; nil (configured
	// mode) leaves /_sandbox/ unknown.
	Sandbox *sandbox.Sandbox
	// Limits bound connections, body memory and request rates; zero
	// fields take DefaultLimits.
	Limits Limits
	// Metrics is where the server registers its metrics and what /metrics
	// serves, with whatever else is registered there (the store's, the
	// token cache's); nil means a registry of the server's own.
	Metrics *prometheus.Registry
	// Routes are operations a program built on the server adds to its
	// surface (the relay's status API), with the API's authentication and
	// errors.
	Routes []Route
}

// Server answers the API. It is safe for concurrent use.
type Server struct {
	store  store.Store
	issuer *auth.Issuer
	// authn is swapped whole when the configuration is re-read.
	authn   atomic.Pointer[authState]
	keys    *auth.KeySet
	log     *slog.Logger
	now     func() time.Time
	newID   func() string
	handler http.Handler
	sandbox *sandbox.Sandbox
	extra   []Route

	limits     Limits
	bodies     bodyBudget
	rates      *rateLimiter
	tokenRates *rateLimiter
	refusals   Refusals
	// storageFull is set when a write fails for lack of space and cleared
	// when one passes; readiness answers 503 while it is set.
	storageFull atomic.Bool
	metrics     *metrics
}

// New builds a Server from opts.
func New(opts Options) *Server {
	s := &Server{
		store:   opts.Store,
		issuer:  opts.Issuer,
		keys:    opts.Keys,
		log:     opts.Logger,
		now:     opts.Now,
		newID:   opts.NewID,
		sandbox: opts.Sandbox,
		extra:   opts.Routes,
	}
	s.SetAuthenticator(opts.Authenticator)
	s.limits = opts.Limits.withDefaults()
	s.bodies = bodyBudget{max: s.limits.BodyMemory, wait: s.limits.LoadWait}
	s.rates = newRateLimiter(s.limits.RateLimit, s.limits.RateBurst)
	s.tokenRates = newRateLimiter(s.limits.TokenRateLimit, s.limits.TokenRateBurst)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.newID == nil {
		s.newID = func() string { return uuid.NewString() }
	}
	reg := opts.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s.metrics = s.newMetrics(reg)
	mux := http.NewServeMux()
	s.routes(mux, opts.Pprof)
	s.handler = s.observe(s.hygiene(tokenPathFold(mux)))
	return s
}

// authState is the authenticator in force and, when it withdraws tokens,
// its checker.
type authState struct {
	authn   auth.Authenticator
	checker auth.TokenChecker
}

// SetAuthenticator replaces the authenticator, as when the configuration
// is re-read: token requests and every later request's token check use
// the new one at once.
func (s *Server) SetAuthenticator(a auth.Authenticator) {
	st := &authState{authn: a}
	st.checker, _ = a.(auth.TokenChecker)
	s.authn.Store(st)
}

// Limits returns the limits in force, defaults filled in.
func (s *Server) Limits() Limits { return s.limits }

// Refusals returns the counters of what the limits refused, for metrics.
func (s *Server) Refusals() *Refusals { return &s.refusals }

// BodyMemoryInUse returns the bytes of request bodies held now.
func (s *Server) BodyMemoryInUse() int64 { return s.bodies.used.Load() }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// tokenPathFold matches the token path case-insensitively: clients send
// /accessToken/get as often as /accesstoken/get. One trailing slash is
// kept, as on every operation.
func tokenPathFold(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, slash := strings.CutSuffix(r.URL.Path, "/")
		if p != tokenPath && strings.EqualFold(p, tokenPath) {
			r.URL.Path = tokenPath
			if slash {
				r.URL.Path += "/"
			}
			r.URL.RawPath = ""
		}
		next.ServeHTTP(w, r)
	})
}
