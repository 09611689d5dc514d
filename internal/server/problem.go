package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/auth"
)

// gatewayError is answered in the API gateway's shape,
// {"statusCode": 401, "message": "..."}, as the real service does for
// subscription-key and token failures.
type gatewayError struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
	// Code is a stable machine-readable reason, so clients need not parse
	// the message.
	Code string `json:"code"`
	// retryAfter is the Retry-After of a 429, in seconds; 0 means 1.
	retryAfter int
}

func gateway(status int, code, msg string) error {
	return &gatewayError{StatusCode: status, Message: msg, Code: code}
}

func (e *gatewayError) Error() string { return e.Message }

// Is matches the api kind of the status.
func (e *gatewayError) Is(target error) bool {
	k, ok := target.(*api.Kind)
	return ok && api.KindForStatus(e.StatusCode) == k
}

// tokenErrorBody is the token endpoint's error shape.
type tokenErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// writeError maps an error to its response. Causes of 5xx are logged with
// the trace id and never sent to the caller.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		gw *gatewayError
		te *auth.TokenError
	)
	st := stateOf(w)
	switch {
	case errors.As(err, &gw):
		st.sandbox.code, st.sandbox.detail = gw.Code, gw.Message
		if gw.StatusCode == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", strconv.Itoa(max(gw.retryAfter, 1)))
		}
		writeJSON(w, gw.StatusCode, "application/json", gw)
	case errors.As(err, &te):
		st.sandbox.code, st.sandbox.detail = te.Code, te.Description
		writeJSON(w, te.Status, "application/json", tokenErrorBody{Error: te.Code, Description: te.Description})
	default:
		p := api.AsProblem(err)
		switch {
		case p.Status == http.StatusServiceUnavailable && (p.Code == api.CodeOverloaded || p.Code == api.CodeStorageFull):
			// The limits' and the full store's answers say what happened;
			// the cause is the server's state, not a secret.
			if p.Code == api.CodeStorageFull {
				s.log.Error("request failed", "trace_id", stateOf(w).traceID, "err", err)
				s.storageFull.Store(true)
			}
			w.Header().Set("Retry-After", "1")
		case p.Status >= 500:
			s.log.Error("request failed", "trace_id", stateOf(w).traceID, "err", err)
			if p.Status == http.StatusServiceUnavailable {
				w.Header().Set("Retry-After", "1")
				p = api.NewProblem(api.ErrUnavailable, api.CodeUnavailable,
					"The store is not reachable right now; retry shortly.")
			} else {
				p = api.NewProblem(api.ErrInternal, api.CodeInternal,
					"An internal error occurred; quote the trace id in instance when reporting it.")
			}
		}
		s.writeProblem(w, r, p)
	}
}

// writeProblem sends a problem with the request's trace id as instance.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, p *api.Problem) {
	out := *p
	st := stateOf(w)
	out.Instance = st.traceparent
	st.sandbox.code, st.sandbox.detail = p.Code, p.Detail
	writeJSON(w, out.Status, "application/problem+json", &out)
}

// writeJSON encodes v without HTML escaping: messages such as
// "Bearer <token>" must read as written.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only our own types are written here; they always encode.
		panic(err)
	}
	writeRaw(w, status, contentType, bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// writeJSONString answers with s as a JSON string, as writeJSON would. The
// ids that writes answer with need no escaping, and quoting them directly
// spares an encoder and its buffer on every write; anything else goes
// through writeJSON.
func writeJSONString(w http.ResponseWriter, status int, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			writeJSON(w, status, "application/json", s)
			return
		}
	}
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	b = append(b, s...)
	writeRaw(w, status, "application/json", append(b, '"'))
}

// writeRaw sends b as the whole body. The keys are written in canonical
// form straight into the map: Header.Set would canonicalize them again on
// every response.
func writeRaw(w http.ResponseWriter, status int, contentType string, b []byte) {
	writeHead(w, status, contentType, len(b))
	_, _ = w.Write(b)
}

// writeHead sends the status and headers of a body of n bytes.
func writeHead(w http.ResponseWriter, status int, contentType string, n int) {
	h := w.Header()
	// One allocation holds both values; each slice is full, so an Add
	// to either copies rather than writes into the other.
	v := []string{contentType, strconv.Itoa(n)}
	h["Content-Type"] = v[0:1:1]
	h["Content-Length"] = v[1:2:2]
	w.WriteHeader(status)
}
