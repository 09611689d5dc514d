package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/app"
	"github.com/ordermgmt/ordermgmt/internal/config"
	// app opens postgres:// URLs through the store registry.
	_ "github.com/ordermgmt/ordermgmt/internal/store/postgres"
	"github.com/ordermgmt/ordermgmt/internal/store/postgres/pgtest"
)

// These tests run several server nodes, each a real app on 127.0.0.1:0, on
// one PostgreSQL database: a schema of their own in the database of
// ORDERMGMT_TEST_POSTGRES_URL. They skip when it is unset and fail when it
// is set but unreachable.

// httpClient bounds every request, so a request that hangs fails the test
// instead of stalling it.
var httpClient = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 32},
}

// startNodes starts n nodes on the database at url; they stop when t ends.
func startNodes(t *testing.T, url string, n int) []*app.App {
	t.Helper()
	nodes := make([]*app.App, n)
	for i := range nodes {
		cfg := config.Default()
		cfg.Addr = "127.0.0.1:0"
		cfg.DataDir = t.TempDir() // unused on PostgreSQL: nothing may be kept there
		cfg.DatabaseURL = url
		a, err := app.Start(t.Context(), cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("app.Start(node %d) = %v, want nil", i, err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := a.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown(node %d) = %v, want nil", i, err)
			}
		})
		nodes[i] = a
	}
	return nodes
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends a request to a node; headers are name, value pairs. A
// transport error (a hang, a refused connection) is returned as is.
func call(node *app.App, method, path string, body []byte, headers ...string) (response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, node.URL+path, rd)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := httpClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}, err
}

func mustCall(t *testing.T, node *app.App, method, path string, body []byte, headers ...string) response {
	t.Helper()
	res, err := call(node, method, path, body, headers...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return res
}

// token gets a sandbox token for msn from node.
func token(t *testing.T, node *app.App, msn string) string {
	t.Helper()
	res := mustCall(t, node, "POST", "/accesstoken/get", nil,
		"client_id", "cluster-client", "client_secret", "s3cret",
		api.HeaderSubscriptionKey, "sub-key", api.HeaderMSN, msn)
	if res.status != http.StatusOK {
		t.Fatalf("POST /accesstoken/get = %d %s, want 200", res.status, res.body)
	}
	var tr api.TokenResponse
	if err := json.Unmarshal(res.body, &tr); err != nil {
		t.Fatal(err)
	}
	return tr.AccessToken
}

// merchant returns the headers of an order-management call for msn.
func merchant(tok, msn string) []string {
	return []string{"Authorization", "Bearer " + tok, api.HeaderSubscriptionKey, "sub-key", api.HeaderMSN, msn}
}

// receiptBody is a valid one-line receipt with a receipt number, by which
// a stored receipt is told from the others.
func receiptBody(number string) []byte {
	return []byte(`{"orderLines":[{"name":"Socks","id":"sku-1","totalAmount":12500,` +
		`"totalAmountExcludingTax":10000,"totalTaxAmount":2500,"taxRate":2500}],` +
		`"bottomLine":{"currency":"NOK","receiptNumber":"` + number + `"}}`)
}

// storedNumber returns the receipt number of the receipt in a GET order
// body, or "".
func storedNumber(body []byte) string {
	var o struct {
		Receipt *api.Receipt `json:"receipt"`
	}
	json.Unmarshal(body, &o)
	if o.Receipt == nil {
		return ""
	}
	return o.Receipt.BottomLine.ReceiptNumber
}

func receiptPath(orderID string) string { return "/order-management/v2/ecom/receipts/" + orderID }
func orderPath(orderID string) string   { return "/order-management/v2/ecom/" + orderID }

// problemCode returns the code of a problem body, or "".
func problemCode(b []byte) string {
	var p api.Problem
	json.Unmarshal(b, &p)
	return p.Code
}

// TestClusterReceiptOnce: 50 receipts for one order, spread over two
// nodes, give exactly one 201 and 49 409s; the tokens come from node A
// only, so node B accepts A's tokens; both nodes then show the one receipt.
func TestClusterReceiptOnce(t *testing.T) {
	schema := pgtest.New(t)
	nodes := startNodes(t, schema.URL, 2)
	const msn, orderID, n = "2345678", "cluster-order-1", 50
	tok := token(t, nodes[0], msn)

	responses := make([]response, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			responses[i], errs[i] = call(nodes[i%2], "POST", receiptPath(orderID), receiptBody(fmt.Sprint("R-", i)), merchant(tok, msn)...)
		})
	}
	close(start)
	wg.Wait()

	var created, conflicts, winner int
	for i, res := range responses {
		switch {
		case errs[i] != nil:
			t.Errorf("receipt %d (node %d): %v", i, i%2, errs[i])
		case res.status == http.StatusCreated:
			created++
			winner = i
		case res.status == http.StatusConflict && problemCode(res.body) == api.CodeReceiptExists:
			conflicts++
		default:
			t.Errorf("receipt %d (node %d) = %d %s, want 201 or 409 %s", i, i%2, res.status, res.body, api.CodeReceiptExists)
		}
	}
	if created != 1 || conflicts != n-1 {
		t.Fatalf("%d concurrent receipts over 2 nodes: %d created, %d conflicts; want 1 and %d", n, created, conflicts, n-1)
	}
	for i, node := range nodes {
		res := mustCall(t, node, "GET", orderPath(orderID), nil, merchant(tok, msn)...)
		if got, want := storedNumber(res.body), fmt.Sprint("R-", winner); res.status != http.StatusOK || got != want {
			t.Errorf("GET order on node %d = %d, receipt number %q; want 200 and %q, the receipt that got the 201", i, res.status, got, want)
		}
	}
}

// TestClusterTokensAndImages: a token from either node works on the other,
// both publish the same keys, both are ready, and 20 uploads of one image id
// spread over both give one 200 and 19 409s.
func TestClusterTokensAndImages(t *testing.T) {
	schema := pgtest.New(t)
	nodes := startNodes(t, schema.URL, 2)
	const msn = "3456789"

	for i, from := range nodes {
		to := nodes[1-i]
		res := mustCall(t, to, "GET", orderPath("no-such-order"), nil, merchant(token(t, from, msn), msn)...)
		// 404, not 401: the other node verified the token.
		if res.status != http.StatusNotFound {
			t.Errorf("GET with node %d's token on node %d = %d %s, want 404 (token accepted, order absent)", i, 1-i, res.status, res.body)
		}
	}
	jwks := [2][]byte{}
	for i, node := range nodes {
		jwks[i] = mustCall(t, node, "GET", "/.well-known/jwks.json", nil).body
		if res := mustCall(t, node, "GET", "/readyz", nil); res.status != http.StatusOK {
			t.Errorf("GET /readyz on node %d = %d, want 200", i, res.status)
		}
	}
	if !bytes.Equal(jwks[0], jwks[1]) {
		t.Errorf("JWKS differ between nodes:\n%s\n%s", jwks[0], jwks[1])
	}

	body, err := json.Marshal(map[string]string{"imageId": "logo-1", "type": "base64", "src": base64.StdEncoding.EncodeToString(pngOf(t, 200, 200))})
	if err != nil {
		t.Fatal(err)
	}
	tok := token(t, nodes[0], msn)
	const n = 20
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := call(nodes[i%2], "POST", "/order-management/v1/images", body, merchant(tok, msn)...)
			if err != nil {
				t.Errorf("image upload %d: %v", i, err)
			}
			statuses[i] = res.status
		})
	}
	wg.Wait()
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	if counts[http.StatusOK] != 1 || counts[http.StatusConflict] != n-1 {
		t.Errorf("%d uploads of one image id over 2 nodes: statuses %v, want one 200 and %d 409", n, counts, n-1)
	}
}

// pngOf makes a w×h PNG.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// result is one receipt written by the load.
type result struct {
	orderID string
	node    int
	status  int // 0 when the request failed in transport
	err     error
	body    []byte
	header  http.Header
	latency time.Duration
	at      time.Time // when the answer came
}

// load writes receipts for new orders through every node, round robin,
// until stopped, and keeps every answer.
type load struct {
	nodes []*app.App
	msn   string
	tok   string

	mu      sync.Mutex
	results []result
	stop    chan struct{}
	wg      sync.WaitGroup
}

func startLoad(t *testing.T, nodes []*app.App, workers int) *load {
	t.Helper()
	l := &load{nodes: nodes, msn: "4567890", stop: make(chan struct{})}
	l.tok = token(t, nodes[0], l.msn)
	for w := range workers {
		l.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				r := result{orderID: fmt.Sprintf("load-%d-%d", w, i), node: (w + i) % len(nodes)}
				start := time.Now()
				res, err := call(nodes[r.node], "POST", receiptPath(r.orderID), receiptBody(r.orderID), merchant(l.tok, l.msn)...)
				r.at = time.Now()
				r.latency = r.at.Sub(start)
				r.status, r.err, r.body, r.header = res.status, err, res.body, res.header
				l.mu.Lock()
				l.results = append(l.results, r)
				l.mu.Unlock()
				// A short pause keeps the load from starving the machine;
				// it shapes the load and is not measured.
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	t.Cleanup(l.halt)
	return l
}

// halt stops the workers; calling it twice is harmless.
func (l *load) halt() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
}

// count returns how many answers had status and came after since.
func (l *load) count(status int, since time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.results {
		if r.status == status && !r.at.Before(since) {
			n++
		}
	}
	return n
}

// waitFor waits until cond holds. The bound only keeps a broken build
// from hanging, or from keeping the shared database down for long; it is
// far above what any run needs.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// check stops the load and checks every answer: a 201 or a 503 problem
// with Retry-After, never a 500, another status or a hang; and every
// receipt that got a 201 is stored, as seen through the other node. It
// returns the results.
func (l *load) check(t *testing.T) []result {
	t.Helper()
	l.halt()
	for _, r := range l.results {
		switch {
		case r.err != nil:
			t.Errorf("receipt %s on node %d: %v, want an answer", r.orderID, r.node, r.err)
		case r.status == http.StatusCreated:
			res := mustCall(t, l.nodes[(r.node+1)%len(l.nodes)], "GET", orderPath(r.orderID), nil, merchant(l.tok, l.msn)...)
			if res.status != http.StatusOK || storedNumber(res.body) != r.orderID {
				t.Errorf("receipt %s got 201 on node %d, but GET on the other node = %d %s: an acknowledged write is missing",
					r.orderID, r.node, res.status, res.body)
			}
		case r.status == http.StatusServiceUnavailable:
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" || problemCode(r.body) != api.CodeUnavailable || r.header.Get("Retry-After") == "" {
				t.Errorf("receipt %s: 503 with Content-Type %q, Retry-After %q, body %s; want a problem with code %s and Retry-After",
					r.orderID, ct, r.header.Get("Retry-After"), r.body, api.CodeUnavailable)
			}
		default:
			t.Errorf("receipt %s on node %d = %d %s, want 201 or 503", r.orderID, r.node, r.status, r.body)
		}
	}
	return l.results
}

// summarize logs counts and latencies, for the record.
func summarize(t *testing.T, results []result) {
	t.Helper()
	counts := map[int]int{}
	var worst503 time.Duration
	for _, r := range results {
		counts[r.status]++
		if r.status == http.StatusServiceUnavailable {
			worst503 = max(worst503, r.latency)
		}
	}
	t.Logf("%d receipts: statuses %v; slowest 503 answer %v", len(results), counts, worst503.Round(time.Millisecond))
}

// TestClusterTerminatedConnections: the server ends every connection of
// both nodes five times under load (as a failover or an operator's
// pg_terminate_backend does). The nodes carry on by themselves, no request
// gets a 500 or hangs, and every acknowledged receipt is stored.
func TestClusterTerminatedConnections(t *testing.T) {
	schema := pgtest.New(t)
	nodes := startNodes(t, schema.URL, 2)
	l := startLoad(t, nodes, 6)
	waitFor(t, "20 receipts before the first cut", func() bool { return l.count(http.StatusCreated, time.Time{}) >= 20 })
	for round := range 5 {
		cut := time.Now()
		n := schema.TerminateBackends(t)
		t.Logf("round %d: ended %d connections", round, n)
		waitFor(t, "20 receipts after a cut", func() bool { return l.count(http.StatusCreated, cut) >= 20 })
	}
	summarize(t, l.check(t))
}

// TestClusterDatabaseRestart stops the PostgreSQL server under load and
// starts it again. While it is down both nodes answer 503 problems and
// /readyz says so; once it is back they serve again without being
// restarted, and every receipt that got a 201, before, during or after,
// is stored. It needs a way to stop the server (see pgtest.EnvCtl) and
// starts it again whatever happens.
func TestClusterDatabaseRestart(t *testing.T) {
	srv := pgtest.Control(t)
	schema := srv.New(t)
	nodes := startNodes(t, schema.URL, 2)
	l := startLoad(t, nodes, 6)
	waitFor(t, "30 receipts before the stop", func() bool { return l.count(http.StatusCreated, time.Time{}) >= 30 })

	stopping := time.Now()
	srv.Stop()
	stopped := time.Now()
	waitFor(t, "20 answers of 503 while the database is down", func() bool {
		return l.count(http.StatusServiceUnavailable, stopped) >= 20
	})
	for i, node := range nodes {
		if res := mustCall(t, node, "GET", "/readyz", nil); res.status != http.StatusServiceUnavailable {
			t.Errorf("GET /readyz on node %d while the database is down = %d, want 503", i, res.status)
		}
	}

	srv.Start()
	started := time.Now()
	waitFor(t, "30 receipts after the start", func() bool { return l.count(http.StatusCreated, started) >= 30 })
	for i, node := range nodes {
		if res := mustCall(t, node, "GET", "/readyz", nil); res.status != http.StatusOK {
			t.Errorf("GET /readyz on node %d after the database is back = %d, want 200", i, res.status)
		}
	}
	results := l.check(t)
	summarize(t, results)

	// For the record, the timeline from the stop command on: when the
	// first and last 503 came, and the first 201 after the last 503.
	var first503, last503, back time.Time
	for _, r := range results {
		if r.status == http.StatusServiceUnavailable {
			if first503.IsZero() || r.at.Before(first503) {
				first503 = r.at
			}
			if r.at.After(last503) {
				last503 = r.at
			}
		}
	}
	for _, r := range results {
		if r.status == http.StatusCreated && r.at.After(last503) && (back.IsZero() || r.at.Before(back)) {
			back = r.at
		}
	}
	since := func(tm time.Time) time.Duration { return tm.Sub(stopping).Round(time.Millisecond) }
	t.Logf("timeline from the stop command: stopped %v, first 503 %v, last 503 %v, start command done %v, first 201 after the last 503 %v",
		since(stopped), since(first503), since(last503), since(started), since(back))
}
