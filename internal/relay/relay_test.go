package relay_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/relay"
)

// eachStore runs a test on SQLite and, when PostgreSQL is configured, on it.
func eachStore(t *testing.T, f func(t *testing.T, pg bool)) {
	t.Run("sqlite", func(t *testing.T) { f(t, false) })
	t.Run("postgres", func(t *testing.T) { f(t, true) })
}

// writeSet is the writes of one order: an image, a category naming it and
// a receipt, sent to the relay in that order.
func writeSet(t *testing.T, r *testRelay, orderID string) {
	t.Helper()
	r.accept("POST", "/order-management/v1/images", imageBody(t, "img-"+orderID), 200)
	r.accept("PUT", "/order-management/v2/ECOM/categories/"+orderID, categoryBody("https://shop.example/o/"+orderID, "img-"+orderID), 200)
	r.accept("POST", "/order-management/v2/ECOM/receipts/"+orderID, receiptBody("Item of "+orderID, 100), 201)
}

// checkOnce checks that upstream stored each write of orderID exactly once,
// the image first, and that upstream's order is the one the relay accepted.
func checkOnce(t *testing.T, r *testRelay, orderID string) {
	t.Helper()
	var got, ours []string
	for _, s := range r.faults.Stored() {
		f := strings.Fields(s)
		if strings.HasSuffix(f[1], "/"+orderID) || f[1] == "image/img-"+orderID {
			got = append(got, f[0]+" "+f[1])
			ours = append(ours, f[0])
		}
	}
	want := []string{"addImage", "putCategory", "addReceipt"}
	if !slices.Equal(ours, want) {
		t.Errorf("upstream stored %v, want each of %v once, in that order", got, want)
	}
	up := r.upstreamOrder(orderID)
	if up.status != 200 {
		t.Fatalf("upstream GET order %s = %d %s", orderID, up.status, up.body)
	}
	local, err := r.Store.GetOrder(t.Context(), orderKey(orderID))
	if err != nil {
		t.Fatal(err)
	}
	var upo struct {
		Category json.RawMessage `json:"category"`
		Receipt  json.RawMessage `json:"receipt"`
	}
	if err := json.Unmarshal(up.body, &upo); err != nil {
		t.Fatal(err)
	}
	if string(upo.Receipt) != string(local.Receipt) {
		t.Errorf("upstream receipt %s, want the accepted %s", upo.Receipt, local.Receipt)
	}
	if string(upo.Category) != string(local.Category.AppendJSON(nil)) {
		t.Errorf("upstream category %s, want the accepted %s", upo.Category, local.Category.AppendJSON(nil))
	}
}

func TestRelayAcceptsLocally(t *testing.T) {
	eachStore(t, func(t *testing.T, pg bool) {
		faults := newFaults()
		faults.setDown(true)
		r := startRelay(t, startUpstream(t), faults, relayOpts{postgres: pg})
		// A write the rules refuse is answered at once and never queued.
		res := r.call("POST", "/order-management/v2/ECOM/receipts/o-1", `{"orderLines": [], "bottomLine": {"currency": "XXX"}}`)
		if res.status != 400 || res.header.Get(relay.HeaderDelivery) != "" {
			t.Errorf("invalid receipt = %d (Relay-Delivery %q), want 400 and nothing queued", res.status, res.header.Get(relay.HeaderDelivery))
		}
		r.accept("POST", "/order-management/v2/ECOM/receipts/o-1", receiptBody("A", 100), 201)
		// Once only holds at the relay too.
		if res := r.call("POST", "/order-management/v2/ECOM/receipts/o-1", receiptBody("B", 100)); res.status != 409 {
			t.Errorf("second receipt = %d %s, want 409", res.status, res.body)
		}
		// A category naming an image the merchant never sent is refused locally.
		if res := r.call("PUT", "/order-management/v2/ECOM/categories/o-1", categoryBody("https://x.example/", "nope")); res.status != 400 {
			t.Errorf("category with unknown image = %d, want 400", res.status)
		}
		st := r.deliveries("")
		if st.Counts["queued"]+st.Counts["retrying"] != 1 || len(st.Deliveries) != 1 || st.Deliveries[0].Operation != "addReceipt" {
			t.Errorf("deliveries = %+v, want the one receipt pending", st)
		}
		// Upstream is down: the read is answered from what was accepted.
		res = r.call("GET", "/order-management/v2/ecom/o-1", "")
		if res.status != 200 || res.header.Get(relay.HeaderSource) != "local" || !strings.Contains(string(res.body), `"name":"A"`) {
			t.Errorf("GET order while upstream is down = %d, Relay-Source %q, %s; want 200 local with receipt A", res.status, res.header.Get(relay.HeaderSource), res.body)
		}
	})
}

func TestRelayDeliversThrough5xx(t *testing.T) {
	eachStore(t, func(t *testing.T, pg bool) {
		faults := newFaults()
		faults.add(&rule{op: "addImage", status: 502, count: 2})
		faults.add(&rule{op: "putCategory", status: 503, count: 1})
		faults.add(&rule{op: "addReceipt", status: 500, count: 3})
		r := startRelay(t, startUpstream(t), faults, relayOpts{postgres: pg})
		writeSet(t, r, "o-5xx")
		st := r.settle()
		for _, d := range st.Deliveries {
			if d.State != "delivered" {
				t.Errorf("delivery %d %s = %s (%s), want delivered", d.ID, d.Operation, d.State, d.LastError)
			}
		}
		checkOnce(t, r, "o-5xx")
		// Upstream now answers: reads are forwarded.
		res := r.call("GET", "/order-management/v2/ECOM/o-5xx", "")
		if res.status != 200 || res.header.Get(relay.HeaderSource) != "upstream" {
			t.Errorf("GET order = %d, Relay-Source %q, want 200 from upstream", res.status, res.header.Get(relay.HeaderSource))
		}
	})
}

func TestRelayHonoursRetryAfter(t *testing.T) {
	faults := newFaults()
	faults.add(&rule{op: "addReceipt", status: 429, retryAfter: 30, count: 1})
	r := startRelay(t, startUpstream(t), faults, relayOpts{})
	start := r.clock.Now()
	r.accept("POST", "/order-management/v2/ECOM/receipts/o-429", receiptBody("A", 10), 201)
	st := r.waitFor("retrying", func(st relay.StatusJSON) bool { return st.Counts["retrying"] == 1 })
	d := st.Deliveries[0]
	if d.LastStatus != 429 || d.NextAttempt == nil || d.NextAttempt.Sub(start) < 30*time.Second {
		t.Fatalf("after 429 Retry-After 30: status %d, next attempt %v after %v; want 429 and at least 30s later", d.LastStatus, d.NextAttempt, start)
	}
	// Not before its time: the clock moved 29 s, the receipt still waits.
	r.clock.Advance(29 * time.Second)
	time.Sleep(50 * time.Millisecond)
	if n := faults.Calls("addReceipt"); n != 1 {
		t.Errorf("receipt attempts before Retry-After passed = %d, want 1", n)
	}
	st = r.settle()
	if st.Deliveries[0].State != "delivered" || st.Deliveries[0].Attempts != 2 {
		t.Errorf("delivery = %+v, want delivered on attempt 2", st.Deliveries[0])
	}
}

func TestRelayAnswersLostAfterStoring(t *testing.T) {
	eachStore(t, func(t *testing.T, pg bool) {
		faults := newFaults()
		faults.add(&rule{op: "addImage", after: true, drop: true, count: 1})
		faults.add(&rule{op: "putCategory", after: true, status: 502, count: 1})
		faults.add(&rule{op: "addReceipt", after: true, drop: true, count: 2})
		r := startRelay(t, startUpstream(t), faults, relayOpts{postgres: pg})
		writeSet(t, r, "o-lost")
		st := r.settle()
		for _, d := range st.Deliveries {
			if d.State != "delivered" || d.Attempts < 2 {
				t.Errorf("delivery %d %s = %s after %d attempts (%s), want delivered after a lost answer", d.ID, d.Operation, d.State, d.Attempts, d.LastError)
			}
		}
		checkOnce(t, r, "o-lost")
	})
}

func TestRelayUpstreamDownAndBack(t *testing.T) {
	eachStore(t, func(t *testing.T, pg bool) {
		faults := newFaults()
		faults.setDown(true)
		r := startRelay(t, startUpstream(t), faults, relayOpts{postgres: pg})
		for i := range 3 {
			writeSet(t, r, fmt.Sprint("o-down-", i))
		}
		// Every order's image is tried, and held: its category and receipt wait behind it.
		r.waitFor("retrying", func(st relay.StatusJSON) bool { return st.Counts["retrying"] == 3 })
		// Until each image has been tried again, moving the clock on.
		for i := 0; ; i++ {
			st := r.deliveries("?state=retrying")
			again := 0
			for _, d := range st.Deliveries {
				if d.Attempts >= 2 {
					again++
				}
			}
			if again == 3 {
				break
			}
			if i == 2000 {
				t.Fatalf("images not tried again: %+v", st.Deliveries)
			}
			r.clock.Advance(100 * time.Millisecond)
			time.Sleep(5 * time.Millisecond)
		}
		if n := faults.Calls("putCategory") + faults.Calls("addReceipt"); n != 0 {
			t.Errorf("%d category or receipt calls while their image waited, want 0", n)
		}
		st := r.deliveries("?state=retrying")
		for _, d := range st.Deliveries {
			if d.Operation != "addImage" || d.Attempts < 2 || d.LastError == "" {
				t.Errorf("retrying delivery %+v, want an image tried more than once with the error kept", d)
			}
		}
		faults.setDown(false)
		r.settle()
		for i := range 3 {
			checkOnce(t, r, fmt.Sprint("o-down-", i))
		}
	})
}

func TestRelayFailsOnUpstream400(t *testing.T) {
	eachStore(t, func(t *testing.T, pg bool) {
		faults := newFaults()
		problem := `{"type": "https://example/problems/invalid", "title": "Invalid", "status": 400, "detail": "orderLines[0].name is too long for production",
			"code": "too_long", "invalidParams": [{"name": "orderLines[0].name", "reason": "too long", "code": "too_long"}]}`
		faults.add(&rule{op: "addReceipt", status: 400, problem: problem, count: 1})
		r := startRelay(t, startUpstream(t), faults, relayOpts{postgres: pg})
		r.accept("POST", "/order-management/v2/ECOM/receipts/o-400", receiptBody("A", 10), 201)
		st := r.settle()
		d := st.Deliveries[0]
		if d.State != "failed" || d.Attempts != 1 || d.LastStatus != 400 {
			t.Fatalf("delivery = %+v, want failed at once with 400", d)
		}
		var p struct {
			Code   string `json:"code"`
			Detail string `json:"detail"`
		}
		if err := json.Unmarshal(d.LastProblem, &p); err != nil || p.Code != "too_long" {
			t.Errorf("lastProblem = %s, want upstream's problem kept", d.LastProblem)
		}
		if st.Counts["failed"] != 1 {
			t.Errorf("counts = %v, want 1 failed", st.Counts)
		}
		if got := r.deliveries("?state=failed&orderId=o-400"); len(got.Deliveries) != 1 {
			t.Errorf("failed deliveries of o-400 = %d, want 1", len(got.Deliveries))
		}
		// Support fixes upstream's side and retries: delivered once.
		res := r.call("POST", fmt.Sprintf("/_relay/deliveries/%d/retry", d.ID), "")
		if res.status != 200 {
			t.Fatalf("retry = %d %s", res.status, res.body)
		}
		if res := r.call("POST", fmt.Sprintf("/_relay/deliveries/%d/retry", d.ID), ""); res.status != 409 && res.status != 200 {
			t.Errorf("second retry = %d, want 409 (already queued) or 200", res.status)
		}
		st = r.settle()
		if st.Deliveries[0].State != "delivered" {
			t.Errorf("after retry: %+v, want delivered", st.Deliveries[0])
		}
		if n := len(r.faults.Stored()); n != 1 {
			t.Errorf("upstream stored %d writes, want 1", n)
		}
	})
}

func TestRelayReceiptConflict(t *testing.T) {
	faults := newFaults()
	up := startUpstream(t)
	r := startRelay(t, up, faults, relayOpts{})
	// Someone else stored another receipt for the order upstream.
	if res := call(t, up, fetchToken(t, up), "POST", "/order-management/v2/ECOM/receipts/o-c", receiptBody("Other", 10)); res.status != 201 {
		t.Fatal(res.status)
	}
	r.accept("POST", "/order-management/v2/ECOM/receipts/o-c", receiptBody("Ours", 10), 201)
	// A receipt equal to upstream's is delivered, not a conflict.
	if res := call(t, up, fetchToken(t, up), "POST", "/order-management/v2/ECOM/receipts/o-same", receiptBody("Same", 10)); res.status != 201 {
		t.Fatal(res.status)
	}
	r.accept("POST", "/order-management/v2/ECOM/receipts/o-same", receiptBody("Same", 10), 201)
	st := r.settle()
	got := map[string]relay.DeliveryJSON{}
	for _, d := range st.Deliveries {
		got[d.OrderID] = d
	}
	if d := got["o-c"]; d.State != "conflict" || d.LastStatus != 409 || len(d.LastProblem) == 0 {
		t.Errorf("different receipt upstream: %+v, want conflict with upstream's 409 kept", d)
	}
	if d := got["o-same"]; d.State != "delivered" {
		t.Errorf("same receipt upstream: %+v, want delivered", d)
	}
}

func TestRelayDeadline(t *testing.T) {
	faults := newFaults()
	faults.add(&rule{op: "addReceipt", status: 503})
	r := startRelay(t, startUpstream(t), faults, relayOpts{deadline: 20 * time.Second})
	r.accept("POST", "/order-management/v2/ECOM/receipts/o-dl", receiptBody("A", 10), 201)
	st := r.settle()
	d := st.Deliveries[0]
	if d.State != "failed" || d.LastStatus != 503 || !strings.Contains(d.LastError, "deadline") || d.Attempts < 3 {
		t.Errorf("delivery = %+v, want failed at the deadline after several attempts", d)
	}
}

func TestRelayV3Categories(t *testing.T) {
	eachStore(t, func(t *testing.T, pg bool) {
		faults := newFaults()
		faults.add(&rule{op: "addCategory", after: true, drop: true, count: 1})
		faults.add(&rule{op: "deleteCategory", after: true, status: 502, count: 1})
		up := startUpstream(t)
		r := startRelay(t, up, faults, relayOpts{postgres: pg})
		res := r.accept("POST", "/order-management/v3/categories",
			`{"orderId": "o-v3", "paymentType": "ECOM", "type": "TICKET", "url": "https://shop.example/t/1"}`, 201)
		var created struct {
			CategoryID string `json:"categoryId"`
		}
		json.Unmarshal(res.body, &created)
		r.accept("POST", "/order-management/v3/categories",
			`{"orderId": "o-v3", "paymentType": "ECOM", "type": "BOOKING", "url": "https://shop.example/b/1"}`, 201)
		r.accept("DELETE", "/order-management/v3/categories/"+created.CategoryID, "", 200)
		// The relay's own ids answer v3 reads.
		if res := r.call("GET", "/order-management/v3/categories?orderId=o-v3", ""); res.status != 200 || !strings.Contains(string(res.body), "BOOKING") || strings.Contains(string(res.body), "TICKET") {
			t.Errorf("list at the relay = %d %s, want the booking only", res.status, res.body)
		}
		st := r.settle()
		for _, d := range st.Deliveries {
			if d.State != "delivered" {
				t.Errorf("delivery %d %s = %s (%s), want delivered", d.ID, d.Operation, d.State, d.LastError)
			}
		}
		var ops []string
		for _, s := range faults.Stored() {
			ops = append(ops, strings.Fields(s)[0])
		}
		if want := []string{"addCategory", "addCategory", "deleteCategory"}; !slices.Equal(ops, want) {
			t.Errorf("upstream stored %v, want %v", ops, want)
		}
		list := call(t, up, fetchToken(t, up), "GET", "/order-management/v3/categories?orderId=o-v3", "")
		if !strings.Contains(string(list.body), "BOOKING") || strings.Contains(string(list.body), "TICKET") {
			t.Errorf("upstream list = %s, want the booking only", list.body)
		}
	})
}

func TestRelayMetrics(t *testing.T) {
	faults := newFaults()
	faults.add(&rule{op: "addReceipt", status: 400, problem: `{"status": 400, "title": "Invalid"}`, count: 1})
	r := startRelay(t, startUpstream(t), faults, relayOpts{})
	r.accept("POST", "/order-management/v2/ECOM/receipts/o-m1", receiptBody("A", 10), 201)
	r.accept("POST", "/order-management/v2/ECOM/receipts/o-m2", receiptBody("B", 10), 201)
	r.settle()
	res := r.call("GET", "/metrics", "")
	if res.status != 200 {
		t.Fatalf("GET /metrics = %d", res.status)
	}
	body := string(res.body)
	for _, want := range []string{
		"ordermgmt_relay_accepted_writes_total 2",
		`ordermgmt_relay_deliveries_total{outcome="delivered"} 1`,
		`ordermgmt_relay_deliveries_total{outcome="failed"} 1`,
		"ordermgmt_relay_queued_deliveries 0",
		"ordermgmt_relay_oldest_queued_age_seconds 0",
		`ordermgmt_relay_deliveries{state="failed"} 1`,
		`ordermgmt_relay_upstream_latency_seconds_count{operation="addReceipt"} 2`,
		"ordermgmt_store_commit_batch_writes",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestRelayConsole: the console in front of a relay shows an order's
// deliveries with upstream's answer, lists the failed one on the page of
// late and failed deliveries, and its button puts it back in the queue.
func TestRelayConsole(t *testing.T) {
	faults := newFaults()
	faults.add(&rule{op: "addReceipt", status: 400, problem: `{"status": 400, "title": "Invalid", "code": "too_long", "detail": "name too long upstream"}`, count: 1})
	r := startRelay(t, startUpstream(t), faults, relayOpts{})
	r.accept("POST", "/order-management/v2/ECOM/receipts/o-con", receiptBody("A", 10), 201)
	r.settle()

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	get := func(path string) string {
		t.Helper()
		resp, err := hc.Get(r.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s = %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	order := get("/console/m/" + testMSN + "/orders/ECOM/o-con")
	for _, want := range []string{"Deliveries to Vipps MobilePay", "addReceipt", "<strong>failed</strong>", "HTTP 400", "too_long", "Try again"} {
		if !strings.Contains(order, want) {
			t.Errorf("order page lacks %q", want)
		}
	}
	page := get("/console/m/" + testMSN + "/deliveries")
	if !strings.Contains(page, "Failed and in conflict") || !strings.Contains(page, "o-con") {
		t.Fatalf("deliveries page lacks the failed delivery:\n%s", page)
	}
	m := regexp.MustCompile(`action="(/console/m/\d+/deliveries/(\d+)/retry)"[^>]*><input type="hidden" name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no retry form on the deliveries page:\n%s", page)
	}
	req, _ := http.NewRequest("POST", r.URL+m[1], strings.NewReader(url.Values{"csrf": {m[3]}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", r.URL)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "The delivery is back in the queue.") {
		t.Fatalf("retry = %d:\n%s", resp.StatusCode, b)
	}
	st := r.settle()
	if st.Deliveries[0].State != "delivered" {
		t.Errorf("after the console's retry: %+v, want delivered", st.Deliveries[0])
	}
	if !strings.Contains(get("/console/m/"+testMSN+"/orders/ECOM/o-con"), "retry delivery") {
		t.Error("the order's record of support actions lacks the retry")
	}
}

// TestRelayForwardsV3Reads: v3 reads are forwarded upstream, with each
// category the relay delivered under the relay's id and one upstream has
// from elsewhere under upstream's; a category not delivered yet, and every
// read while upstream is down, is answered from what the relay accepted.
func TestRelayForwardsV3Reads(t *testing.T) {
	eachStore(t, func(t *testing.T, pg bool) {
		faults := newFaults()
		up := startUpstream(t)
		r := startRelay(t, up, faults, relayOpts{postgres: pg})
		add := func(orderID, typ string) string {
			t.Helper()
			res := r.accept("POST", "/order-management/v3/categories",
				fmt.Sprintf(`{"orderId": %q, "paymentType": "ECOM", "type": %q, "url": "https://shop.example/%s"}`, orderID, typ, typ), 201)
			var c struct {
				CategoryID string `json:"categoryId"`
			}
			json.Unmarshal(res.body, &c)
			return c.CategoryID
		}
		type cat struct{ CategoryID, Type string }
		list := func(orderID, wantSource string) []cat {
			t.Helper()
			res := r.call("GET", "/order-management/v3/categories?orderId="+orderID, "")
			if res.status != 200 || res.header.Get(relay.HeaderSource) != wantSource {
				t.Fatalf("list %s = %d, Relay-Source %q, %s; want 200 from %s", orderID, res.status, res.header.Get(relay.HeaderSource), res.body, wantSource)
			}
			var l struct{ Categories []cat }
			json.Unmarshal(res.body, &l)
			return l.Categories
		}
		get := func(id string, wantStatus int, wantSource string) cat {
			t.Helper()
			res := r.call("GET", "/order-management/v3/categories/"+id, "")
			if res.status != wantStatus || res.header.Get(relay.HeaderSource) != wantSource {
				t.Fatalf("get %s = %d, Relay-Source %q, %s; want %d from %s", id, res.status, res.header.Get(relay.HeaderSource), res.body, wantStatus, wantSource)
			}
			var c cat
			json.Unmarshal(res.body, &c)
			return c
		}

		// Delivered: listed and read upstream under the relay's id.
		ticket := add("o-r3", "TICKET")
		r.settle()
		ds := r.deliveries("?orderId=o-r3").Deliveries
		if len(ds) != 1 || ds[0].UpstreamID == "" || ds[0].UpstreamID == ticket {
			t.Fatalf("deliveries = %+v, want one with an upstream id of its own", ds)
		}
		upTicket := ds[0].UpstreamID
		// Someone else adds a category upstream: it keeps upstream's id.
		res := call(t, up, fetchToken(t, up), "POST", "/order-management/v3/categories",
			`{"orderId": "o-r3", "paymentType": "ECOM", "type": "BOOKING", "url": "https://other.example/b"}`)
		var other struct {
			CategoryID string `json:"categoryId"`
		}
		json.Unmarshal(res.body, &other)
		if res.status != 201 || other.CategoryID == "" {
			t.Fatalf("upstream POST = %d %s", res.status, res.body)
		}
		calls := faults.Calls("getCategories")
		if got, want := list("o-r3", "upstream"), []cat{{ticket, "TICKET"}, {other.CategoryID, "BOOKING"}}; !slices.Equal(got, want) {
			t.Errorf("list = %v, want %v", got, want)
		}
		if faults.Calls("getCategories") != calls+1 {
			t.Error("the list was not asked upstream")
		}
		calls = faults.Calls("getCategory")
		if c := get(ticket, 200, "upstream"); c != (cat{ticket, "TICKET"}) {
			t.Errorf("get by the relay's id = %+v, want the ticket under %s", c, ticket)
		}
		if faults.Calls("getCategory") != calls+1 {
			t.Error("the get was not asked upstream")
		}
		if c := get(other.CategoryID, 200, "upstream"); c != (cat{other.CategoryID, "BOOKING"}) {
			t.Errorf("get of upstream's own category = %+v", c)
		}

		// Not delivered yet (upstream refuses it for now): local.
		faults.add(&rule{op: "addCategory", status: 503, count: 1})
		pending := add("o-r3", "DELIVERY")
		r.waitFor("retrying", func(st relay.StatusJSON) bool { return st.Counts["retrying"] == 1 })
		if got, want := list("o-r3", "local"), []cat{{ticket, "TICKET"}, {pending, "DELIVERY"}}; !slices.Equal(got, want) {
			t.Errorf("list with a write pending = %v, want the relay's %v", got, want)
		}
		if c := get(pending, 200, "local"); c != (cat{pending, "DELIVERY"}) {
			t.Errorf("get of an undelivered category = %+v", c)
		}
		// Another order is not held back by this one.
		if got := list("o-none", "upstream"); len(got) != 0 {
			t.Errorf("list of an order without categories = %v, want none", got)
		}
		r.settle()
		if c := get(pending, 200, "upstream"); c != (cat{pending, "DELIVERY"}) {
			t.Errorf("get once delivered = %+v", c)
		}

		// Upstream down: every read is local.
		faults.setDown(true)
		if got := list("o-r3", "local"); len(got) != 2 || got[1].CategoryID != pending {
			t.Errorf("list while upstream is down = %v, want the relay's two", got)
		}
		if c := get(ticket, 200, "local"); c.CategoryID != ticket {
			t.Errorf("get while upstream is down = %+v", c)
		}
		get(other.CategoryID, 404, "local")
		faults.setDown(false)

		// Upstream 5xx on a read: local too.
		faults.add(&rule{op: "getCategory", status: 502, count: 1})
		get(ticket, 200, "local")

		// Deleted upstream behind the relay's back: upstream's 404 is the answer.
		if res := call(t, up, fetchToken(t, up), "DELETE", "/order-management/v3/categories/"+upTicket, ""); res.status != 200 {
			t.Fatalf("upstream DELETE = %d", res.status)
		}
		get(ticket, 404, "upstream")
		get("00000000-0000-4000-8000-000000000000", 404, "upstream")
	})
}

// TestRelayPrunesDelivered: delivered deliveries are pruned once older than
// the retention, other states never; the categories' upstream ids outlive
// their deliveries while the categories are at the relay, so reads and a
// later delete still reach upstream's category, and go once it is gone.
func TestRelayPrunesDelivered(t *testing.T) {
	eachStore(t, func(t *testing.T, pg bool) {
		ctx := t.Context()
		const retention = 24 * time.Hour
		faults := newFaults()
		faults.add(&rule{op: "addReceipt", status: 400, problem: `{"status": 400, "title": "Invalid"}`, count: 1})
		up := startUpstream(t)
		r := startRelay(t, up, faults, relayOpts{postgres: pg, retention: retention})
		r.accept("POST", "/order-management/v2/ECOM/receipts/o-failed", receiptBody("A", 10), 201)
		r.settle()
		res := r.accept("POST", "/order-management/v3/categories",
			`{"orderId": "o-p", "paymentType": "ECOM", "type": "TICKET", "url": "https://shop.example/t"}`, 201)
		var c struct {
			CategoryID string `json:"categoryId"`
		}
		json.Unmarshal(res.body, &c)
		r.accept("POST", "/order-management/v2/ECOM/receipts/o-p", receiptBody("B", 10), 201)
		r.settle()
		if n, err := r.Relay.Prune(ctx); err != nil || n != 0 {
			t.Fatalf("Prune() within the retention = %d, %v; want 0", n, err)
		}
		r.clock.Advance(retention + time.Hour)
		// Queued now, so it must survive the prune.
		r.faults.setDown(true)
		r.accept("POST", "/order-management/v2/ECOM/receipts/o-queued", receiptBody("C", 10), 201)
		if n, err := r.Relay.Prune(ctx); err != nil || n != 2 {
			t.Fatalf("Prune() = %d, %v; want the 2 delivered deliveries", n, err)
		}
		st := r.deliveries("?limit=1000")
		if len(st.Deliveries) != 2 || st.Counts["failed"] != 1 || st.Counts["delivered"] != 0 || st.Counts["queued"]+st.Counts["retrying"] != 1 {
			t.Fatalf("after pruning: %+v, want the failed and the queued delivery only", st)
		}
		r.faults.setDown(false)
		r.settle()
		// The category's delivery is gone; its upstream id is not.
		if res := r.call("GET", "/order-management/v3/categories/"+c.CategoryID, ""); res.status != 200 || res.header.Get(relay.HeaderSource) != "upstream" {
			t.Errorf("GET after pruning = %d, Relay-Source %q, %s; want 200 from upstream", res.status, res.header.Get(relay.HeaderSource), res.body)
		}
		r.accept("DELETE", "/order-management/v3/categories/"+c.CategoryID, "", 200)
		st = r.settle()
		for _, d := range st.Deliveries {
			if d.Operation == "deleteCategory" && d.State != "delivered" {
				t.Errorf("delete after pruning = %+v, want delivered", d)
			}
		}
		if list := call(t, up, fetchToken(t, up), "GET", "/order-management/v3/categories?orderId=o-p", ""); !strings.Contains(string(list.body), `"categories":[]`) {
			t.Errorf("upstream list after the delete = %s, want none", list.body)
		}
		if _, err := r.Outbox.UpstreamCategoryID(ctx, testMSN, c.CategoryID); err != nil {
			t.Errorf("upstream id before the delete's delivery is pruned: %v, want kept", err)
		}
		r.clock.Advance(retention + time.Hour)
		if n, err := r.Relay.Prune(ctx); err != nil || n != 2 {
			t.Fatalf("second Prune() = %d, %v; want the delete's and o-queued's deliveries", n, err)
		}
		if _, err := r.Outbox.UpstreamCategoryID(ctx, testMSN, c.CategoryID); !errors.Is(err, api.ErrNotFound) {
			t.Errorf("upstream id of a category gone everywhere = %v, want not found", err)
		}
		if st := r.deliveries(""); st.Counts["failed"] != 1 {
			t.Errorf("counts = %v, want the failed delivery kept", st.Counts)
		}
	})
}
