package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/sandbox"
)

// The sandbox's tools under /_sandbox/ (sandbox.md): fault rules that
// shape the answers of API requests, the journal of every API request,
// a merchant's reset and the checklist report. They use the API's own
// headers and act on the token's merchant only.

// sandboxState is what the journal records of a request beyond the log's
// fields.
type sandboxState struct {
	// journal marks a request the journal records: an API operation, or
	// a path or method the API lacks.
	journal bool
	// at is the start by the server's clock, start by the monotonic one;
	// recorded marks a request already handed to the journal.
	at, start time.Time
	recorded  bool
	orderID   string
	bodyHash  string
	faultID   string
	faultWhen string
	dropped   bool
	// handled is the status a request was processed with before a rule
	// acting after replaced or lost its answer.
	handled int
	// code and detail are a failure's problem code and detail.
	code, detail string
}

// sandboxBodyLimit bounds a fault rule's body.
const sandboxBodyLimit = 64 << 10

func (s *Server) sandboxRoutes() []route {
	return []route{
		{method: "POST", path: "/_sandbox/faults", handle: s.addFault, auth: true, limit: sandboxBodyLimit, sandbox: true},
		{method: "GET", path: "/_sandbox/faults", handle: s.listFaults, auth: true, sandbox: true},
		{method: "DELETE", path: "/_sandbox/faults", handle: s.clearFaults, auth: true, sandbox: true},
		{method: "DELETE", path: "/_sandbox/faults/{faultId}", handle: s.deleteFault, auth: true, sandbox: true},
		{method: "GET", path: "/_sandbox/requests", handle: s.listRequests, auth: true, sandbox: true},
		{method: "DELETE", path: "/_sandbox/data", handle: s.resetData, auth: true, sandbox: true},
		{method: "GET", path: "/_sandbox/checklist", handle: s.checklist, auth: true, sandbox: true},
	}
}

// addFault answers POST /_sandbox/faults.
func (s *Server) addFault(w http.ResponseWriter, r *http.Request, in *input) error {
	f, err := api.DecodeFault(in.body)
	if err != nil {
		return err
	}
	id, err := s.sandbox.AddFault(r.Context(), in.msn, f)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/_sandbox/faults/"+url.PathEscape(id))
	writeJSON(w, http.StatusCreated, "application/json", api.FaultCreated{FaultID: id})
	return nil
}

// listFaults answers GET /_sandbox/faults.
func (s *Server) listFaults(w http.ResponseWriter, r *http.Request, in *input) error {
	fs, err := s.sandbox.Faults(r.Context(), in.msn)
	if err != nil {
		return err
	}
	if fs == nil {
		fs = []api.Fault{}
	}
	writeJSON(w, http.StatusOK, "application/json", api.FaultList{Faults: fs})
	return nil
}

// deleteFault answers DELETE /_sandbox/faults/{faultId}.
func (s *Server) deleteFault(w http.ResponseWriter, r *http.Request, in *input) error {
	if err := s.sandbox.DeleteFault(r.Context(), in.msn, r.PathValue("faultId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// clearFaults answers DELETE /_sandbox/faults.
func (s *Server) clearFaults(w http.ResponseWriter, r *http.Request, in *input) error {
	n, err := s.sandbox.ClearFaults(r.Context(), in.msn)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]int64{"deleted": n})
	return nil
}

// listRequests answers GET /_sandbox/requests, listing every problem with
// the query at once.
func (s *Server) listRequests(w http.ResponseWriter, r *http.Request, in *input) error {
	f, err := journalFilter(r.URL.Query())
	if err != nil {
		return err
	}
	entries, err := s.sandbox.Journal(r.Context(), in.msn, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", api.JournalList{Requests: entries})
	return nil
}

// MaxJournalLimit is the most entries one journal query returns.
const maxJournalLimit = 10_000

// journalFilter reads the journal query's parameters.
func journalFilter(q url.Values) (sandbox.Filter, error) {
	var f sandbox.Filter
	var ps []api.InvalidParam
	bad := func(name, code, reason string) {
		ps = append(ps, api.InvalidParam{Name: name, Code: code, Reason: reason})
	}
	f.OrderID = q.Get("orderId")
	if op := q.Get("operation"); op != "" {
		if !contains(api.Operations, op) {
			bad("operation", api.CodeUnknownValue, "must be one of "+strings.Join(api.Operations, ", ")+".")
		}
		f.Operation = op
	}
	if v := q.Get("status"); v != "" {
		switch n, err := strconv.Atoi(v); {
		case v == "4xx" || v == "5xx" || v == "2xx":
			f.Status = int(v[0] - '0')
		case err != nil || n < 0 || n > 599:
			bad("status", api.CodeOutOfRange, "must be an HTTP status such as 502, or 2xx, 4xx or 5xx; 0 selects dropped connections.")
		default:
			f.Status = n
			if n == 0 {
				f.Status = -1
			}
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxJournalLimit {
			bad("limit", api.CodeOutOfRange, fmt.Sprintf("must be a whole number from 1 to %d.", maxJournalLimit))
		}
		f.Limit = n
	}
	for _, tp := range []struct {
		name string
		dst  *time.Time
	}{{"before", &f.Before}, {"after", &f.After}} {
		if v := q.Get(tp.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				bad(tp.name, api.CodePattern, "must be an RFC 3339 time such as 2026-12-01T21:00:00Z (an entry's time).")
			}
			*tp.dst = t
		}
	}
	return f, api.Invalid(ps)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// resetData answers DELETE /_sandbox/data.
func (s *Server) resetData(w http.ResponseWriter, r *http.Request, in *input) error {
	res, err := s.sandbox.Reset(r.Context(), in.msn)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", res)
	return nil
}

// checklist answers GET /_sandbox/checklist.
func (s *Server) checklist(w http.ResponseWriter, r *http.Request, in *input) error {
	cl, err := s.sandbox.Checklist(r.Context(), in.msn)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", cl)
	return nil
}

// serveSandboxed runs an API route in sandbox mode: it notes what the
// journal records and applies the first fault rule that fires.
func (s *Server) serveSandboxed(w http.ResponseWriter, r *http.Request, rt route, in *input) error {
	ss := &in.state.sandbox
	ss.journal = true
	if rt.operation == "" {
		return rt.handle(w, r, in)
	}
	msn := in.msn
	if rt.operation == OpToken {
		msn = headerValue(r.Header, api.HeaderMSN)
		if len(api.CheckMSN(msn)) > 0 {
			msn = ""
		}
	}
	if len(in.body) > 0 {
		ss.bodyHash = bodyHash(in.body)
	}
	ss.orderID = requestTarget(r, rt.operation, in.body)
	var f *api.Fault
	if msn != "" && s.sandbox.HasRules(msn, rt.operation) {
		f = s.sandbox.Match(r.Context(), msn, rt.operation, ss.orderID)
	}
	if f == nil {
		return rt.handle(w, r, in)
	}
	ss.faultID, ss.faultWhen = f.FaultID, f.When
	if f.When == api.FaultAfter {
		// The request is processed and stored as always; its answer is
		// held, then replaced, delayed or lost.
		bw := &bufferWriter{header: http.Header{}, state: in.state}
		if err := rt.handle(bw, r, in); err != nil {
			s.writeError(bw, r, err)
		}
		ss.handled = bw.status
		if !sleep(r.Context(), f.DelayMs) {
			return nil
		}
		switch {
		case f.Drop:
			s.dropConnection(w, r, in.state)
		case f.Status != 0:
			s.writeFault(w, rt.operation, f)
		default:
			h := w.Header()
			for k, v := range bw.header {
				h[k] = v
			}
			faultHeaders(h, f)
			if bw.status == 0 {
				bw.status = http.StatusOK
			}
			w.WriteHeader(bw.status)
			_, _ = w.Write(bw.body.Bytes())
		}
		return nil
	}
	if !sleep(r.Context(), f.DelayMs) {
		return nil
	}
	switch {
	case f.Drop:
		s.dropConnection(w, r, in.state)
		return nil
	case f.Status != 0:
		s.writeFault(w, rt.operation, f)
		return nil
	}
	// A delay or Retry-After alone: the request is served as always.
	faultHeaders(w.Header(), f)
	return rt.handle(w, r, in)
}

// sleep waits ms milliseconds or until ctx ends, and says whether the
// wait was completed.
func sleep(ctx context.Context, ms int) bool {
	if ms <= 0 {
		return true
	}
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func faultHeaders(h http.Header, f *api.Fault) {
	h.Set(api.HeaderSandboxFault, f.FaultID)
	if f.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
}

// writeFault answers with a rule's status, in the shape the real service
// uses for it: the token endpoint's error for its 400 and 401, the
// gateway's {statusCode, message} for 401, 403, 429 and 5xx, a problem
// for the rest.
func (s *Server) writeFault(w http.ResponseWriter, op string, f *api.Fault) {
	h := w.Header()
	faultHeaders(h, f)
	st := stateOf(w)
	msg := fmt.Sprintf("Sandbox fault rule %s answered %d %s.", f.FaultID, f.Status, http.StatusText(f.Status))
	st.sandbox.code, st.sandbox.detail = api.CodeSandboxFault, msg
	switch {
	case op == OpToken && (f.Status == 400 || f.Status == 401):
		code := "invalid_request"
		if f.Status == 401 {
			code = "invalid_client"
		}
		writeJSON(w, f.Status, "application/json", tokenErrorBody{Error: code, Description: msg})
	case f.Status == 401 || f.Status == 403 || f.Status == 429 || f.Status >= 500:
		writeJSON(w, f.Status, "application/json", &gatewayError{StatusCode: f.Status, Message: msg, Code: api.CodeSandboxFault})
	default:
		p := &api.Problem{Type: "/problems/sandbox-fault", Title: http.StatusText(f.Status), Status: f.Status,
			Code: api.CodeSandboxFault, Detail: msg, Instance: st.traceparent}
		if k := api.KindForStatus(f.Status); k != nil {
			p.Type, p.Title = k.Type(), k.Title()
		}
		if f.Status == 400 {
			p.InvalidParams = []api.InvalidParam{{Name: "request", Code: api.CodeSandboxFault, Reason: msg}}
		}
		writeJSON(w, f.Status, "application/problem+json", p)
	}
}

// dropConnection closes the connection without an answer, as a network
// that loses the answer would.
// The journal gets the request first: once the connection is closed the
// client may read the journal before this handler returns.
func (s *Server) dropConnection(w http.ResponseWriter, r *http.Request, st *reqState) {
	st.sandbox.dropped = true
	if sw, ok := w.(*statusWriter); ok {
		s.record(r, sw, time.Since(st.sandbox.start))
	}
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
		return
	}
	// HTTP/2 and writers without the connection: the server aborts the
	// stream.
	panic(http.ErrAbortHandler)
}

// bufferWriter holds an answer so a fault rule can replace it.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
	state  *reqState
}

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// castagnoli is the CRC-32C table; the checksum runs in hardware on
// common CPUs, so hashing a 2 MiB image costs little.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// bodyHash tells a repeated request body from a changed one in the journal.
func bodyHash(b []byte) string {
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.Checksum(b, castagnoli))
	var out [8]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// requestTarget is the order (or image) a request is about: the path's
// orderId, else the orderId query parameter, else the body's orderId or
// imageId.
func requestTarget(r *http.Request, op string, body []byte) string {
	if id := r.PathValue("orderId"); id != "" {
		return id
	}
	switch op {
	case OpAddImage:
		return jsonStringField(body, "imageId")
	case OpAddCategory:
		return jsonStringField(body, "orderId")
	case OpGetCategories:
		if r.URL.RawQuery != "" {
			return r.URL.Query().Get("orderId")
		}
	}
	return ""
}

// jsonStringField finds a string member of a JSON object without decoding
// the whole body, which for an image is megabytes of base64 (base64 has no
// quotes, so the key cannot be found inside a value). It returns "" when
// the member is not a plain string.
func jsonStringField(body []byte, key string) string {
	i := bytes.Index(body, []byte(`"`+key+`"`))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(body[i+len(key)+2:], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '"' {
		return ""
	}
	for j := 1; j < len(rest) && j < 4096; j++ {
		switch rest[j] {
		case '\\':
			j++
		case '"':
			var s string
			if json.Unmarshal(rest[:j+1], &s) != nil {
				return ""
			}
			return s
		}
	}
	return ""
}

// record hands the journal an entry for a request it records.
func (s *Server) record(r *http.Request, sw *statusWriter, d time.Duration) {
	st := &sw.state
	ss := &st.sandbox
	if s.sandbox == nil || !ss.journal || ss.recorded || strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		return
	}
	ss.recorded = true
	msn := st.msn
	if len(api.CheckMSN(msn)) > 0 {
		msn = headerValue(r.Header, api.HeaderMSN)
		if len(api.CheckMSN(msn)) > 0 {
			return
		}
	}
	h := r.Header
	e := api.JournalEntry{
		Time:                ss.at.UTC(),
		Method:              r.Method,
		Path:                r.URL.Path,
		Operation:           st.operation,
		PaymentType:         strings.ToUpper(r.PathValue("paymentType")),
		OrderID:             ss.orderID,
		Status:              sw.status,
		DurationMs:          float64(d.Microseconds()) / 1000,
		TraceID:             st.traceID,
		SystemName:          headerValue(h, api.HeaderSystemName),
		SystemVersion:       headerValue(h, api.HeaderSystemVersion),
		SystemPluginName:    headerValue(h, api.HeaderSystemPluginName),
		SystemPluginVersion: headerValue(h, api.HeaderSystemPluginVersion),
		IdempotencyKey:      headerValue(h, api.HeaderIdempotencyKey),
		SubscriptionKey:     headerValue(h, api.HeaderSubscriptionKey),
		ClientID:            st.clientID,
		BodyHash:            ss.bodyHash,
		FaultID:             ss.faultID,
		FaultWhen:           ss.faultWhen,
		Dropped:             ss.dropped,
		HandledStatus:       ss.handled,
	}
	if ss.dropped {
		e.Status = 0
	}
	if v := sw.Header().Get("Retry-After"); v != "" && !ss.dropped {
		e.RetryAfter, _ = strconv.Atoi(v)
	}
	if e.Status >= 400 {
		e.Code, e.Detail = ss.code, ss.detail
	}
	s.sandbox.Record(msn, &e)
}
