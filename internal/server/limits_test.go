package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/config"
)

// limitsConfig is a default configuration on a fresh data folder, for
// tests that change its limits.
func limitsConfig(t *testing.T) config.Config {
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	return cfg
}

// dial opens a raw connection to the harness's server.
func (h *harness) dial() net.Conn {
	h.t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(h.app.URL, "http://"))
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { c.Close() })
	return c
}

// readResponse reads one response from c, failing the test on a reset or
// a timeout.
func readResponse(t *testing.T, c net.Conn) response {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the response body: %v", err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// waitFor polls cond until it holds, failing after a long while. It waits
// for the server to reach a state; it measures nothing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 3000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("waited 30 s for %s", what)
}

// TestSilentBodiesHoldLittleMemory is the memory test of contract §8: 300
// connections to /accesstoken/get (no credentials needed) each declare a
// 1 MiB body and send none of it. Buffers reserved from Content-Length
// would hold 300 MiB; the bound here is 64 KiB a connection, 18.75 MiB,
// which covers each connection's goroutine buffers on both ends.
func TestSilentBodiesHoldLittleMemory(t *testing.T) {
	const conns, declared, perConn = 300, 1 << 20, 64 << 10
	h := startWith(t, limitsConfig(t))
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range conns {
		c := h.dial()
		fmt.Fprintf(c, "POST /accesstoken/get HTTP/1.1\r\nHost: x\r\nclient_id: c%d\r\nContent-Length: %d\r\n\r\n", i, declared)
	}
	// Every handler is waiting for its body once the budget holds a
	// first buffer for each.
	waitFor(t, "every connection's handler to wait for its body", func() bool {
		return h.app.Server.BodyMemoryInUse() >= conns*4096
	})
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if grown > conns*perConn {
		t.Errorf("%d silent connections declaring %d bytes grew the heap by %d bytes, want at most %d (%d a connection)",
			conns, declared, grown, conns*perConn, perConn)
	}
	t.Logf("heap grew by %.1f MiB for %d connections (%.1f KiB each)", float64(grown)/(1<<20), conns, float64(grown)/conns/1024)
}

// TestOversizeBodyAnswered413 sends bodies over the limit the way Python's
// urllib does, the whole body before reading, without Expect:
// 100-continue. The server must read and discard them and answer 413,
// not close on unread bytes (a reset for the client).
func TestOversizeBodyAnswered413(t *testing.T) {
	h := start(t)
	tok := h.token("123456")
	auth := "Authorization: Bearer " + tok + "\r\nOcp-Apim-Subscription-Key: sub-key\r\nMerchant-Serial-Number: 123456\r\n"
	tests := []struct {
		name, path string
		size       int
		chunked    bool
	}{
		{"receipt 4 MiB declared", "/order-management/v2/ECOM/receipts/o-1", 4 << 20, false},
		{"receipt just over 1 MiB declared", "/order-management/v2/ECOM/receipts/o-1", 1<<20 + 1, false},
		{"image 4 MiB declared", "/order-management/v1/images", 4 << 20, false},
		{"receipt 2 MiB chunked", "/order-management/v2/ECOM/receipts/o-1", 2 << 20, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := h.dial()
			body := bytes.Repeat([]byte("x"), tt.size)
			var req bytes.Buffer
			fmt.Fprintf(&req, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s", tt.path, auth)
			if tt.chunked {
				fmt.Fprintf(&req, "Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(body), body)
			} else {
				fmt.Fprintf(&req, "Content-Length: %d\r\n\r\n%s", len(body), body)
			}
			_ = c.SetWriteDeadline(time.Now().Add(30 * time.Second))
			if _, err := c.Write(req.Bytes()); err != nil {
				t.Fatalf("sending the body: %v (the server stopped reading)", err)
			}
			res := readResponse(t, c)
			if res.status != 413 {
				t.Fatalf("status = %d, want 413; body %s", res.status, res.body)
			}
			if p := res.problem(t); p.Code != api.CodeBodyTooLarge {
				t.Errorf("code = %q, want %q", p.Code, api.CodeBodyTooLarge)
			}
		})
	}
}

// TestExpectContinueOversize: a client that asks first is answered 413
// without being told to send.
func TestExpectContinueOversize(t *testing.T) {
	h := start(t)
	c := h.dial()
	fmt.Fprintf(c, "POST /accesstoken/get HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", 8<<20)
	res := readResponse(t, c)
	if res.status != 413 {
		t.Fatalf("status = %d, want 413 (not 100 Continue); body %s", res.status, res.body)
	}
}

// TestSlowBodyIs408: a body that has not arrived when the body timeout
// ends is answered 408 problem, not dropped.
func TestSlowBodyIs408(t *testing.T) {
	cfg := limitsConfig(t)
	cfg.BodyTimeout = 500 * time.Millisecond
	h := startWith(t, cfg)
	c := h.dial()
	fmt.Fprintf(c, "POST /accesstoken/get HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":")
	res := readResponse(t, c)
	if res.status != 408 {
		t.Fatalf("status = %d, want 408; body %s", res.status, res.body)
	}
	if p := res.problem(t); p.Code != api.CodeBodyTimeout || p.Type != api.ErrTimeout.Type() {
		t.Errorf("problem = %+v, want code %s, type %s", p, api.CodeBodyTimeout, api.ErrTimeout.Type())
	}
	if n := h.app.Server.Refusals().BodyTimeout.Load(); n != 1 {
		t.Errorf("Refusals().BodyTimeout = %d, want 1", n)
	}
}

// TestBodyMemoryBound: past the bound on body bytes in memory a request
// waits briefly, then gets 503 with Retry-After.
func TestBodyMemoryBound(t *testing.T) {
	cfg := limitsConfig(t)
	cfg.MaxBodyMemory = 3 * 4096
	cfg.LoadWait = 50 * time.Millisecond
	h := startWith(t, cfg)
	for i := range 3 {
		c := h.dial()
		fmt.Fprintf(c, "POST /accesstoken/get HTTP/1.1\r\nHost: x\r\nclient_id: c%d\r\nContent-Length: 10000\r\n\r\n", i)
	}
	waitFor(t, "three bodies to hold the budget", func() bool { return h.app.Server.BodyMemoryInUse() == 3*4096 })
	c := h.dial()
	fmt.Fprintf(c, "POST /accesstoken/get HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
	res := readResponse(t, c)
	if res.status != 503 || res.header.Get("Retry-After") == "" {
		t.Fatalf("status = %d, Retry-After %q, want 503 with Retry-After; body %s", res.status, res.header.Get("Retry-After"), res.body)
	}
	if p := res.problem(t); p.Code != api.CodeOverloaded {
		t.Errorf("code = %q, want %q", p.Code, api.CodeOverloaded)
	}
	if n := h.app.Server.Refusals().BodyMemory.Load(); n != 1 {
		t.Errorf("Refusals().BodyMemory = %d, want 1", n)
	}
}

// TestConnectionBound: past the bound on connections a new one waits
// briefly, then gets 503 with Retry-After; once one closes, new ones are
// served again.
func TestConnectionBound(t *testing.T) {
	cfg := limitsConfig(t)
	cfg.MaxConns = 2
	cfg.LoadWait = 50 * time.Millisecond
	h := startWith(t, cfg)
	a, b := h.dial(), h.dial()
	waitFor(t, "two connections open", func() bool { return h.app.Listener.Open() == 2 })
	c := h.dial()
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	res := readResponse(t, c)
	if res.status != 503 || res.header.Get("Retry-After") == "" {
		t.Fatalf("status = %d, Retry-After %q, want 503 with Retry-After; body %s", res.status, res.header.Get("Retry-After"), res.body)
	}
	if p := res.problem(t); p.Code != api.CodeOverloaded {
		t.Errorf("code = %q, want %q", p.Code, api.CodeOverloaded)
	}
	a.Close()
	fmt.Fprintf(b, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if res := readResponse(t, b); res.status != 200 {
		t.Errorf("open connection: status %d, want 200", res.status)
	}
	waitFor(t, "the closed connection's slot to free", func() bool { return h.app.Listener.Open() == 1 })
	d := h.dial()
	fmt.Fprintf(d, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if res := readResponse(t, d); res.status != 200 {
		t.Errorf("after a close: status %d, want 200", res.status)
	}
}

// TestRateLimit: one client and merchant past its bucket gets 429 in the
// gateway shape with Retry-After; another merchant of the same client is
// not affected.
func TestRateLimit(t *testing.T) {
	cfg := limitsConfig(t)
	cfg.RateLimit, cfg.RateBurst = 0.5, 2
	h := startWith(t, cfg)
	tok := h.token("")
	get := func(msn string) response {
		return h.do("GET", "/order-management/v2/ECOM/o-1", nil,
			"Authorization", "Bearer "+tok, api.HeaderSubscriptionKey, "sub-key", api.HeaderMSN, msn)
	}
	for i := range 2 {
		if res := get("123456"); res.status != 404 {
			t.Fatalf("request %d: status %d, want 404 (within the burst)", i+1, res.status)
		}
	}
	res := get("123456")
	if res.status != 429 {
		t.Fatalf("third request: status %d, want 429; body %s", res.status, res.body)
	}
	if ra, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After = %q, want whole seconds ≥ 1", res.header.Get("Retry-After"))
	}
	var gw struct {
		StatusCode int    `json:"statusCode"`
		Message    string `json:"message"`
		Code       string `json:"code"`
	}
	if err := json.Unmarshal(res.body, &gw); err != nil || gw.StatusCode != 429 || gw.Message == "" || gw.Code != api.CodeRateLimited {
		t.Errorf("body = %s (%v), want the gateway shape with statusCode 429 and code %s", res.body, err, api.CodeRateLimited)
	}
	if res := get("654321"); res.status != 404 {
		t.Errorf("another merchant: status %d, want 404", res.status)
	}
	if n := h.app.Server.Refusals().RateLimited.Load(); n != 1 {
		t.Errorf("Refusals().RateLimited = %d, want 1", n)
	}
}
