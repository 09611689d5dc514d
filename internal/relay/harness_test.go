package relay_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/internal/app"
	"github.com/ordermgmt/ordermgmt/internal/config"
	"github.com/ordermgmt/ordermgmt/internal/relay"
	"github.com/ordermgmt/ordermgmt/internal/store"
	_ "github.com/ordermgmt/ordermgmt/internal/store/postgres"
	"github.com/ordermgmt/ordermgmt/internal/store/postgres/pgtest"
)

const testMSN = "123456"

// clock is a test clock the relay schedules by; the test moves it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// It starts 10 s ahead of the real time, by which the server stamps what
// it accepts, so a write is due at once.
func newClock() *clock { return &clock{t: time.Now().UTC().Add(10 * time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// startUpstream starts our own server in sandbox mode: the relay's upstream.
func startUpstream(t *testing.T) string {
	t.Helper()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir = "127.0.0.1:0", t.TempDir()
	a, err := app.Start(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown(context.Background()) })
	return a.URL
}

// rule is a fault the transport applies to upstream calls.
type rule struct {
	op    string // operation name, or "*"
	after bool   // the call reaches upstream first; its answer is then replaced
	// status answers with this status (gateway body); drop loses the answer.
	status     int
	retryAfter int
	problem    string // body of a 4xx answer
	drop       bool
	count      int // fire this many times; 0 = always
	fired      int
}

// faultTransport stands between the relay and upstream. It applies rules
// and records every write upstream stored (a 2xx answer from upstream,
// whether or not the relay got to see it).
type faultTransport struct {
	mu     sync.Mutex
	rules  []*rule
	down   bool
	stored []string // "op key" of each write upstream stored, in order
	calls  map[string]int
}

func newFaults() *faultTransport { return &faultTransport{calls: map[string]int{}} }

func (f *faultTransport) add(r *rule) {
	f.mu.Lock()
	f.rules = append(f.rules, r)
	f.mu.Unlock()
}

func (f *faultTransport) setDown(v bool) {
	f.mu.Lock()
	f.down = v
	f.mu.Unlock()
}

// Stored returns the writes upstream stored, in order.
func (f *faultTransport) Stored() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.stored...)
}

func (f *faultTransport) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// operation names an upstream call as the API's operations do.
func operation(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.EqualFold(p, "/accesstoken/get"):
		return "token"
	case p == "/order-management/v1/images":
		return "addImage"
	case p == "/order-management/v3/categories" && r.Method == "POST":
		return "addCategory"
	case p == "/order-management/v3/categories":
		return "getCategories"
	case strings.HasPrefix(p, "/order-management/v3/categories/") && r.Method == "DELETE":
		return "deleteCategory"
	case strings.HasPrefix(p, "/order-management/v3/categories/"):
		return "getCategory"
	case strings.Contains(p, "/categories/") && r.Method == "PUT":
		return "putCategory"
	case strings.Contains(p, "/receipts/"):
		return "addReceipt"
	case strings.HasPrefix(p, "/order-management/v2/") && r.Method == "GET":
		return "getOrder"
	}
	return "other"
}

func (f *faultTransport) match(op string, after bool) *rule {
	for _, r := range f.rules {
		if (r.op == op || r.op == "*") && r.after == after && (r.count == 0 || r.fired < r.count) {
			r.fired++
			return r
		}
	}
	return nil
}

var errDropped = errors.New("connection reset by fault rule")

func (f *faultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	op := operation(req)
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	f.mu.Lock()
	f.calls[op]++
	down := f.down
	before := f.match(op, false)
	f.mu.Unlock()
	if down {
		return nil, errors.New("dial tcp: connection refused (upstream down)")
	}
	if before != nil {
		return before.answer(req)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 300 && req.Method != "GET" && op != "token" {
		sum := sha256.Sum256(body)
		what := req.URL.Path
		switch op {
		case "addImage":
			var img struct {
				ImageID string `json:"imageId"`
			}
			json.Unmarshal(body, &img)
			what = "image/" + img.ImageID
		case "addCategory":
			var c struct {
				OrderID string `json:"orderId"`
			}
			json.Unmarshal(body, &c)
			what = "v3/" + c.OrderID
		}
		f.mu.Lock()
		f.stored = append(f.stored, op+" "+what+" "+hex.EncodeToString(sum[:4]))
		f.mu.Unlock()
	}
	f.mu.Lock()
	after := f.match(op, true)
	f.mu.Unlock()
	if after != nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return after.answer(req)
	}
	return resp, nil
}

func (r *rule) answer(req *http.Request) (*http.Response, error) {
	if r.drop {
		return nil, errDropped
	}
	h := http.Header{"Content-Type": {"application/json"}}
	body := fmt.Sprintf(`{"statusCode": %d, "message": "fault rule"}`, r.status)
	if r.problem != "" {
		h.Set("Content-Type", "application/problem+json")
		body = r.problem
	}
	if r.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(r.retryAfter))
	}
	return &http.Response{StatusCode: r.status, Header: h, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: req, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

// testRelay is a relay under test and the means to talk to it.
type testRelay struct {
	*relay.Running
	t        *testing.T
	clock    *clock
	faults   *faultTransport
	upstream string
	token    string
}

type relayOpts struct {
	postgres  bool
	deadline  time.Duration
	retention time.Duration
}

// startRelay starts a relay in front of upstream through faults.
func startRelay(t *testing.T, upstream string, faults *faultTransport, o relayOpts) *testRelay {
	t.Helper()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir = "127.0.0.1:0", t.TempDir()
	if o.postgres {
		cfg.DatabaseURL = pgtest.New(t).URL
	}
	c := newClock()
	rc := relay.Config{
		Upstream:           upstream,
		Credentials:        map[string]relay.Credentials{testMSN: {ClientID: "relay", ClientSecret: "s", SubscriptionKey: "k", MSNs: []string{testMSN}}},
		Node:               "test-node",
		Deadline:           o.deadline,
		DeliveredRetention: o.retention,
		MinBackoff:         100 * time.Millisecond,
		MaxBackoff:         time.Second,
		Poll:               5 * time.Millisecond,
		ReadTimeout:        2 * time.Second,
		HTTPClient:         &http.Client{Transport: faults},
		Now:                c.Now,
		Rand:               func() float64 { return 0.5 },
	}
	r, err := relay.Start(context.Background(), cfg, rc, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Shutdown(context.Background()) })
	tr := &testRelay{Running: r, t: t, clock: c, faults: faults, upstream: upstream}
	tr.token = fetchToken(t, r.URL)
	return tr
}

func fetchToken(t *testing.T, base string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/accesstoken/get", nil)
	req.Header.Set("client_id", "shop")
	req.Header.Set("client_secret", "x")
	req.Header.Set("Ocp-Apim-Subscription-Key", "k")
	req.Header.Set("Merchant-Serial-Number", testMSN)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token from %s: %v", base, err)
	}
	return tok.AccessToken
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends one API request with a token for testMSN.
func call(t *testing.T, base, token, method, path, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Ocp-Apim-Subscription-Key", "k")
	req.Header.Set("Merchant-Serial-Number", testMSN)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

func (r *testRelay) call(method, path, body string) response {
	r.t.Helper()
	return call(r.t, r.URL, r.token, method, path, body)
}

// accept sends a write the relay must accept and queue.
func (r *testRelay) accept(method, path, body string, want int) response {
	r.t.Helper()
	res := r.call(method, path, body)
	if res.status != want || res.header.Get(relay.HeaderDelivery) != "queued" {
		r.t.Fatalf("%s %s = %d (Relay-Delivery %q) %s, want %d queued", method, path, res.status, res.header.Get(relay.HeaderDelivery), res.body, want)
	}
	return res
}

// deliveries lists the relay's deliveries through the status API.
func (r *testRelay) deliveries(query string) relay.StatusJSON {
	r.t.Helper()
	res := r.call("GET", "/_relay/deliveries"+query, "")
	if res.status != 200 {
		r.t.Fatalf("GET /_relay/deliveries%s = %d %s", query, res.status, res.body)
	}
	var st relay.StatusJSON
	if err := json.Unmarshal(res.body, &st); err != nil {
		r.t.Fatal(err)
	}
	return st
}

// settle waits until no delivery is pending, moving the clock on so that
// retries come due. It fails the test if deliveries stay pending.
func (r *testRelay) settle() relay.StatusJSON {
	r.t.Helper()
	for i := 0; i < 4000; i++ {
		st := r.deliveries("?limit=1000")
		pending := st.Counts["queued"] + st.Counts["retrying"]
		for _, d := range st.Deliveries {
			if d.State == "queued" || d.State == "retrying" {
				pending++
			}
		}
		if pending == 0 {
			return st
		}
		r.clock.Advance(50 * time.Millisecond)
		time.Sleep(5 * time.Millisecond)
	}
	st := r.deliveries("?limit=1000")
	r.t.Fatalf("deliveries still pending: %+v", st.Counts)
	return st
}

// waitFor waits until cond holds for the deliveries, without moving the clock.
func (r *testRelay) waitFor(what string, cond func(relay.StatusJSON) bool) relay.StatusJSON {
	r.t.Helper()
	for i := 0; i < 4000; i++ {
		st := r.deliveries("?limit=1000")
		if cond(st) {
			return st
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.t.Fatalf("deliveries never reached %s: %+v", what, r.deliveries("?limit=1000"))
	return relay.StatusJSON{}
}

func pngImage(t testing.TB, w, h int) string {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

func imageBody(t testing.TB, id string) string {
	return fmt.Sprintf(`{"imageId": %q, "src": %q, "type": "base64"}`, id, pngImage(t, 200, 200))
}

func categoryBody(url, imageID string) string {
	if imageID == "" {
		return fmt.Sprintf(`{"category": "RECEIPT", "orderDetailsUrl": %q}`, url)
	}
	return fmt.Sprintf(`{"category": "RECEIPT", "orderDetailsUrl": %q, "imageId": %q}`, url, imageID)
}

func receiptBody(name string, amount int) string {
	return fmt.Sprintf(`{"orderLines": [{"name": %q, "id": "p1", "totalAmount": %d, "totalAmountExcludingTax": %d, "totalTaxAmount": %d, "taxRate": 2500}],
		"bottomLine": {"currency": "NOK"}}`, name, amount*5, amount*4, amount)
}

// upstreamOrder reads an order straight from upstream.
func (r *testRelay) upstreamOrder(orderID string) response {
	r.t.Helper()
	return call(r.t, r.upstream, fetchToken(r.t, r.upstream), "GET", "/order-management/v2/ECOM/"+orderID, "")
}

// stateOf returns the state of each delivery by operation and local id.
func byState(st relay.StatusJSON) map[string][]relay.DeliveryJSON {
	out := map[string][]relay.DeliveryJSON{}
	for _, d := range st.Deliveries {
		out[d.State] = append(out[d.State], d)
	}
	return out
}

var _ = store.DeliveryQueued

func orderKey(orderID string) store.OrderKey {
	return store.OrderKey{MSN: testMSN, PaymentType: "ECOM", OrderID: orderID}
}
