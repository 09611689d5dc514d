package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// fake is a fault-injecting stand-in for the service: just enough of the
// contract to drive the client (tokens, images, categories, receipts,
// orders), plus a queue of faults — dropped connections, 5xx and 429
// answers, stalls — applied to matching requests before or after the
// request is handled. The end-to-end tests against the real server live
// with the server; this fake exists to make failures happen on demand.
type fake struct {
	t   *testing.T
	srv *httptest.Server

	mu          sync.Mutex
	requests    []recorded             // every request, in order
	tokenCount  int                    // tokens issued
	valid       map[string]bool        // tokens the fake accepts
	rejectAll   bool                   // answer 401 to every token
	expiresIn   string                 // expires_in of new tokens
	tokenGate   func()                 // runs before a token is issued
	receipts    map[string]api.Receipt // stored receipts by paymentType/orderId
	images      map[string][]byte
	faults      []*fault
	traceSerial int
}

// recorded is what the fake saw of one request.
type recorded struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// fault is one injected failure for the next request that matches.
type fault struct {
	method, pathPrefix string
	// after runs the real handler first (the data is stored) and then
	// fails, as when the answer is lost on the way back.
	after bool
	kind  string // "drop", "status", "stall"
	// status, header and body of a "status" fault.
	status int
	header http.Header
	body   string
}

func newFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{
		t:         t,
		valid:     map[string]bool{},
		expiresIn: "3600",
		receipts:  map[string]api.Receipt{},
		images:    map[string][]byte{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// inject queues faults; each applies once, to the first matching request.
func (f *fake) inject(fs ...*fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, fs...)
}

func drop(method, prefix string, after bool) *fault {
	return &fault{method: method, pathPrefix: prefix, after: after, kind: "drop"}
}

func statusFault(method, prefix string, after bool, status int, header http.Header, body string) *fault {
	return &fault{method: method, pathPrefix: prefix, after: after, kind: "status", status: status, header: header, body: body}
}

func stall(method, prefix string) *fault {
	return &fault{method: method, pathPrefix: prefix, kind: "stall"}
}

// take removes and returns the first fault matching r.
func (f *fake) take(r *http.Request) *fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, ft := range f.faults {
		if ft.method == r.Method && strings.HasPrefix(r.URL.Path, ft.pathPrefix) {
			f.faults = append(f.faults[:i], f.faults[i+1:]...)
			return ft
		}
	}
	return nil
}

// count returns how many requests matched method and path prefix.
func (f *fake) count(method, prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

func (f *fake) recordedRequests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

func (f *fake) tokens() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenCount
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	f.traceSerial++
	trace := fmt.Sprintf("00-%032x-%016x-00", f.traceSerial, f.traceSerial)
	f.mu.Unlock()
	w.Header().Set(api.HeaderTraceparent, trace)

	ft := f.take(r)
	if ft != nil && !ft.after {
		f.fail(w, r, ft)
		return
	}
	if ft != nil {
		// Handle for real into a recorder, then fail instead of answering.
		f.handle(httptest.NewRecorder(), r, body, trace)
		f.fail(w, r, ft)
		return
	}
	f.handle(w, r, body, trace)
}

func (f *fake) fail(w http.ResponseWriter, r *http.Request, ft *fault) {
	switch ft.kind {
	case "drop":
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			f.t.Errorf("hijack: %v", err)
			return
		}
		conn.Close()
	case "stall":
		<-r.Context().Done()
	case "status":
		for k, vs := range ft.header {
			w.Header()[k] = vs
		}
		w.WriteHeader(ft.status)
		io.WriteString(w, ft.body)
	}
}

func (f *fake) handle(w http.ResponseWriter, r *http.Request, body []byte, trace string) {
	if strings.EqualFold(r.URL.Path, "/accesstoken/get") {
		f.token(w, r)
		return
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	ok := f.valid[tok] && !f.rejectAll
	f.mu.Unlock()
	if !ok {
		writeJSON(w, 401, "application/json", map[string]any{"statusCode": 401, "message": "Invalid or expired token."})
		return
	}
	msn := r.Header.Get(api.HeaderMSN)
	switch {
	case r.Method == "POST" && r.URL.Path == "/order-management/v1/images":
		var req api.ImageRequest
		json.Unmarshal(body, &req)
		f.mu.Lock()
		_, exists := f.images[msn+"/"+req.ImageID]
		if !exists {
			f.images[msn+"/"+req.ImageID] = body
		}
		f.mu.Unlock()
		if exists {
			f.problem(w, api.ErrConflict, api.CodeImageExists, trace)
			return
		}
		writeJSON(w, 200, "application/json", api.ImageResponse{ImageID: req.ImageID})
	case r.Method == "PUT" && strings.Contains(r.URL.Path, "/categories/"):
		writeJSON(w, 200, "application/json", "6f1c1b1e-0000-4000-8000-000000000001")
	case r.Method == "POST" && strings.Contains(r.URL.Path, "/receipts/"):
		var rc api.Receipt
		if err := json.Unmarshal(body, &rc); err != nil {
			f.problem(w, api.ErrInvalid, api.CodeInvalidRequest, trace)
			return
		}
		key := orderKey(r.URL.Path)
		f.mu.Lock()
		_, exists := f.receipts[key]
		if !exists {
			f.receipts[key] = rc
		}
		f.mu.Unlock()
		if exists {
			f.problem(w, api.ErrConflict, api.CodeReceiptExists, trace)
			return
		}
		if ws := rc.Warnings(); len(ws) > 0 {
			w.Header().Set(api.HeaderReceiptWarnings, api.FormatWarnings(ws))
		}
		writeJSON(w, 201, "application/json", "6f1c1b1e-0000-4000-8000-000000000002")
	case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/order-management/v2/"):
		f.mu.Lock()
		rc, exists := f.receipts[orderKey(r.URL.Path)]
		f.mu.Unlock()
		if !exists {
			f.problem(w, api.ErrNotFound, api.CodeOrderNotFound, trace)
			return
		}
		// As a store might: the default quantity unit written out.
		for i := range rc.OrderLines {
			if u := rc.OrderLines[i].UnitInfo; u != nil && u.QuantityUnit == "" {
				c := *u
				c.QuantityUnit = "PCS"
				rc.OrderLines[i].UnitInfo = &c
			}
		}
		writeJSON(w, 200, "application/json", api.Order{Receipt: &rc})
	default:
		f.problem(w, api.ErrNotFound, api.CodeRouteNotFound, trace)
	}
}

// orderKey is paymentType/orderId from a receipts or order path.
func orderKey(path string) string {
	parts := strings.Split(strings.TrimPrefix(path, "/order-management/v2/"), "/")
	return parts[0] + "/" + parts[len(parts)-1]
}

func (f *fake) token(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get(api.HeaderClientID) == "" || r.Header.Get(api.HeaderClientSecret) == "" {
		writeJSON(w, 401, "application/json", map[string]string{"error": "invalid_client", "error_description": "client_id and client_secret are required."})
		return
	}
	f.mu.Lock()
	gate := f.tokenGate
	f.mu.Unlock()
	if gate != nil {
		gate()
	}
	f.mu.Lock()
	f.tokenCount++
	tok := fmt.Sprintf("tok-%d", f.tokenCount)
	f.valid[tok] = true
	expiresIn := f.expiresIn
	f.mu.Unlock()
	writeJSON(w, 200, "application/json", api.TokenResponse{
		TokenType: "Bearer", ExpiresIn: expiresIn, ExtExpiresIn: "0",
		ExpiresOn: "0", NotBefore: "0", Resource: "fake", AccessToken: tok,
	})
}

// revoke makes the fake reject a token it issued.
func (f *fake) revoke(tok string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.valid, tok)
}

func (f *fake) storedReceipts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.receipts)
}

func (f *fake) problem(w http.ResponseWriter, k *api.Kind, code, trace string) {
	p := api.NewProblem(k, code, "fake "+code)
	p.Instance = trace
	writeJSON(w, k.Status(), "application/problem+json", p)
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// clock is an injected clock that only moves when told to.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// sleeps records the backoff waits instead of waiting.
type sleeps struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.ds = append(s.ds, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.ds...)
}

// testEnv is a client wired to a fake, with an injected clock and sleep.
type testEnv struct {
	f      *fake
	c      *Client
	clock  *clock
	sleeps *sleeps
}

func newEnv(t *testing.T, edit ...func(*Config)) *testEnv {
	t.Helper()
	f := newFake(t)
	e := &testEnv{f: f, clock: &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}, sleeps: &sleeps{}}
	cfg := Config{
		BaseURL:         f.srv.URL,
		ClientID:        "client-1",
		ClientSecret:    "secret-1",
		SubscriptionKey: "sub-1",
		MSN:             "123456",
		System:          System{Name: "acme", Version: "1.2.3", PluginName: "ordermgmt-go", PluginVersion: "0.1.0"},
		// No keep-alive: a dropped connection is never silently replayed
		// by the transport, so the fake's request counts are exact.
		HTTPClient: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}},
		Now:        e.clock.Now,
		Sleep:      e.sleeps.Sleep,
		Rand:       func() float64 { return 0.5 },
	}
	for _, ed := range edit {
		ed(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.c = c
	return e
}
