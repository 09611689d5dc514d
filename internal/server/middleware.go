package server

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/auth"
)

// handlerFunc is a handler that returns its error to one adapter, which
// maps it to a response.
type handlerFunc func(w http.ResponseWriter, r *http.Request, in *input) error

// input is what the adapter has checked before a handler runs.
type input struct {
	body []byte
	// reserved is what the body holds of the server's body budget.
	reserved int64
	msn      string
	claims   *auth.Claims
	state    *reqState
}

// reqState is filled while a request is served and read by the request log.
type reqState struct {
	// operation is the matched route's operation name, set before the
	// route's checks run; empty for other paths.
	operation   string
	traceparent string
	traceID     string
	msn         string
	clientID    string
	// sandbox holds what the journal records beyond the log's fields.
	sandbox sandboxState
}

// Operation returns the operation name of the request being served on w
// ("getOrder", ...), or "" when w is not the server's writer or the path
// names no operation. Middleware and handlers inside the server read it
// after the route has matched.
func Operation(w http.ResponseWriter) string {
	if sw, ok := w.(*statusWriter); ok {
		return sw.state.operation
	}
	return ""
}

// stateOf returns the state observe keeps in the response writer. It
// travels with w rather than in the request's context because
// r.WithContext copies the whole request, an allocation on every call.
func stateOf(w http.ResponseWriter) *reqState {
	if sw, ok := w.(*statusWriter); ok {
		return &sw.state
	}
	if bw, ok := w.(*bufferWriter); ok {
		return bw.state
	}
	return &reqState{}
}

// traceparentKey is api.HeaderTraceparent in canonical form, so the
// header map is written without canonicalizing the key on every request.
var traceparentKey = http.CanonicalHeaderKey(api.HeaderTraceparent)

// observe gives every request a trace id (kept from an incoming W3C
// traceparent), recovers panics into 500 problems and logs one line.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// One allocation carries the status and the log's fields.
		sw := &statusWriter{ResponseWriter: w}
		st := &sw.state
		st.traceID, st.traceparent = newTraceparent(headerValue(r.Header, traceparentKey))
		sw.traceparent[0] = st.traceparent
		w.Header()[traceparentKey] = sw.traceparent[:]
		if s.sandbox != nil {
			st.sandbox.at, st.sandbox.start = s.now(), start
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					s.record(r, sw, time.Since(start))
					panic(v)
				}
				s.log.Error("panic serving request", "trace_id", st.traceID, "panic", v, "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.writeProblem(sw, r, api.NewProblem(api.ErrInternal, api.CodeInternal, ""))
				}
			}
			d := time.Since(start)
			s.metrics.observe(st.operation, sw.status, d)
			s.record(r, sw, d)
			s.logRequest(r, sw.status, d, st)
		}()
		next.ServeHTTP(sw, r)
	})
}

// logRequest writes the one line per request: never a secret or token.
func (s *Server) logRequest(r *http.Request, status int, d time.Duration, st *reqState) {
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	ctx := r.Context()
	if !s.log.Enabled(ctx, level) {
		return
	}
	h := r.Header
	// The record is built here rather than by LogAttrs, which captures the
	// caller's program counter for a source location the line never shows.
	rec := slog.NewRecord(time.Now(), level, "request", 0)
	rec.AddAttrs(
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("operation", st.operation),
		slog.Int("status", status),
		slog.Duration("duration", d),
		slog.String("msn", st.msn),
		slog.String("client_id", st.clientID),
		slog.String("trace_id", st.traceID),
		// The whole traceparent the answer carried, as clients print it.
		slog.String("traceparent", st.traceparent),
		slog.String("system_name", headerValue(h, api.HeaderSystemName)),
		slog.String("system_version", headerValue(h, api.HeaderSystemVersion)),
		slog.String("plugin_name", headerValue(h, api.HeaderSystemPluginName)),
		slog.String("plugin_version", headerValue(h, api.HeaderSystemPluginVersion)),
	)
	_ = s.log.Handler().Handle(ctx, rec)
}

// newTraceparent keeps the trace id of a valid incoming traceparent and
// always makes a new span id. The header is built in one buffer and the
// trace id is a slice of it, so a request costs one string allocation.
func newTraceparent(in string) (traceID, header string) {
	var rnd [24]byte
	_, _ = rand.Read(rnd[:])
	var b [55]byte
	copy(b[:], "00-")
	if validTraceparent(in) {
		copy(b[3:35], in[3:35])
	} else {
		hex.Encode(b[3:35], rnd[:16])
	}
	b[35] = '-'
	hex.Encode(b[36:52], rnd[16:])
	copy(b[52:], "-00")
	header = string(b[:])
	return header[3:35], header
}

func validTraceparent(s string) bool {
	if len(s) != 55 || s[:3] != "00-" || s[35] != '-' || s[52] != '-' {
		return false
	}
	if s[3:35] == "00000000000000000000000000000000" {
		return false
	}
	for i := 3; i < len(s); i++ {
		if i == 35 || i == 52 {
			continue
		}
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// statusWriter records the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	state  reqState
	// traceparent backs the header's value, saving an allocation.
	traceparent [1]string
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wrap adapts a route's handler: it authenticates, applies the rate
// limit, checks the body's type and size, reads it, and maps a returned
// error to a response.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := &input{state: stateOf(w)}
		in.state.operation = rt.operation
		err := s.prepare(w, r, rt, in)
		switch {
		case err == nil && s.sandbox != nil && (rt.operation != "" || rt.path == ""):
			err = s.serveSandboxed(w, r, rt, in)
		case err == nil:
			err = rt.handle(w, r, in)
		case s.sandbox != nil && !rt.sandbox:
			in.state.sandbox.journal = true
		}
		if err != nil {
			s.writeError(w, r, err)
		} else if rt.auth && r.Method != http.MethodGet && s.storageFull.Load() {
			// A write passed: the store has room again.
			s.storageFull.Store(false)
		}
		// The body's bytes count against the server's bound until the
		// answer is written.
		s.bodies.release(in.reserved)
	})
}

func (s *Server) prepare(w http.ResponseWriter, r *http.Request, rt route, in *input) error {
	if rt.auth {
		if err := s.authenticate(r, in); err != nil {
			return err
		}
		if ok, wait := s.rates.allow(in.claims.ClientID, in.msn); !ok {
			return s.rateLimited(wait)
		}
	}
	if rt.path == tokenPath {
		h := r.Header
		if ok, wait := s.tokenRates.allow(headerValue(h, clientIDKey), headerValue(h, api.HeaderMSN)); !ok {
			return s.rateLimited(wait)
		}
		if ps := checkSystemHeaders(h); len(ps) > 0 {
			return &auth.TokenError{Status: http.StatusBadRequest, Code: auth.CodeInvalidRequest, Description: ps[0].Reason}
		}
	}
	if rt.limit == 0 {
		return nil
	}
	if ct := r.Header.Get("Content-Type"); !rt.anyType && !jsonContentType(ct) {
		return api.NewProblem(api.ErrUnsupportedMediaType, api.CodeMediaType,
			"The body must be JSON, but Content-Type is "+strconv.Quote(ct)+"; send Content-Type: application/json (curl sends a form type with -d unless told otherwise).")
	}
	// A declared oversize body is refused before any of it is kept.
	if r.ContentLength > rt.limit {
		return s.refuseTooLarge(w, r, rt.limit)
	}
	body, reserved, err := s.readBody(r, rt.limit)
	in.reserved = reserved
	if err != nil {
		return s.bodyError(w, r, rt.limit, err)
	}
	in.body = body
	return nil
}

// jsonContentType accepts JSON, any +json type, and no type at all.
func jsonContentType(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// authenticate checks the gateway headers of an order-management request:
// subscription key, bearer token and the merchant it acts for.
func (s *Server) authenticate(r *http.Request, in *input) error {
	h := r.Header
	subKey := headerValue(h, api.HeaderSubscriptionKey)
	if subKey == "" {
		return gateway(http.StatusUnauthorized, api.CodeSubscriptionKey,
			"Access denied due to missing subscription key. Send the Ocp-Apim-Subscription-Key header.")
	}
	authz := headerValue(h, api.HeaderAuthorization)
	if authz == "" {
		return gateway(http.StatusUnauthorized, api.CodeMissingToken,
			"Access token is missing. Send Authorization: Bearer <token> from POST /accesstoken/get.")
	}
	scheme, token, _ := strings.Cut(authz, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return gateway(http.StatusUnauthorized, api.CodeInvalidToken,
			"The Authorization header must be 'Bearer <access token>'.")
	}
	claims, err := s.issuer.Verify(token)
	if err != nil {
		p := api.AsProblem(err)
		return gateway(http.StatusUnauthorized, p.Code, p.Detail)
	}
	in.state.clientID = claims.ClientID
	if !claims.MatchesSubscriptionKey(subKey) {
		return gateway(http.StatusUnauthorized, api.CodeSubscriptionKey,
			"Access denied due to invalid subscription key: it is not the key the access token was issued for.")
	}
	msn := headerValue(h, api.HeaderMSN)
	params := append(api.CheckMSN(msn), checkSystemHeaders(h)...)
	if err := api.Invalid(params); err != nil {
		return err
	}
	if !claims.AllowsMSN(msn) {
		return gateway(http.StatusForbidden, api.CodeMSNNotAllowed,
			"This access token may not act for Merchant-Serial-Number "+msn+"; get a token for that merchant.")
	}
	if c := s.authn.Load().checker; c != nil {
		if err := c.CheckToken(claims, msn); err != nil {
			p := api.AsProblem(err)
			return gateway(p.Status, p.Code, p.Detail)
		}
	}
	in.msn, in.claims, in.state.msn = msn, claims, msn
	return nil
}
