package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordermgmt/ordermgmt/api"
)

const msn = "123456"

// TestWalkthrough follows the README: every checklist endpoint, the main
// rejections, and a restart that keeps everything.
func TestWalkthrough(t *testing.T) {
	h := start(t)
	m := h.merchant(msn)

	res := h.do("POST", "/order-management/v1/images", imageBody("logo-1", pngOf(t, 200, 200)), m...)
	if res.status != 200 || string(res.body) != `{"imageId":"logo-1"}` {
		t.Fatalf("add image = %d %s, want 200 {\"imageId\":\"logo-1\"}", res.status, res.body)
	}

	cat := api.Category{Category: api.CategoryDelivery, OrderDetailsURL: "https://shop.example/orders/1001", ImageID: ptr("logo-1")}
	res = h.do("PUT", "/order-management/v2/ECOM/categories/order-1001", cat, m...)
	var catID string
	if res.status != 200 || json.Unmarshal(res.body, &catID) != nil || len(catID) != 36 {
		t.Fatalf("put category = %d %s, want 200 and a UUID string", res.status, res.body)
	}

	rc := sampleReceipt()
	res = h.do("POST", "/order-management/v2/ECOM/receipts/order-1001", rc, m...)
	var rcID string
	if res.status != 201 || json.Unmarshal(res.body, &rcID) != nil || len(rcID) != 36 {
		t.Fatalf("add receipt = %d %s, want 201 and a UUID string", res.status, res.body)
	}

	want := api.Order{Category: &cat, Receipt: &rc}
	checkOrder := func(path string) {
		t.Helper()
		res := h.do("GET", path, nil, m...)
		if res.status != 200 {
			t.Fatalf("GET %s = %d %s", path, res.status, res.body)
		}
		var got api.Order
		if err := json.Unmarshal(res.body, &got); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("GET %s mismatch (-want +got):\n%s", path, d)
		}
	}
	checkOrder("/order-management/v2/ECOM/order-1001")
	checkOrder("/order-management/v2/eCom/order-1001")

	res = h.do("POST", "/order-management/v2/ECOM/receipts/order-1001", rc, m...)
	if p := res.problem(t); res.status != 409 || p.Code != api.CodeReceiptExists {
		t.Errorf("second receipt = %d %s, want 409 %s", res.status, res.body, api.CodeReceiptExists)
	}

	bad := sampleReceipt()
	bad.OrderLines[0].TotalAmount = 12000
	res = h.do("POST", "/order-management/v2/ECOM/receipts/order-1002", bad, m...)
	if p := res.problem(t); res.status != 400 || !hasParam(p, "orderLines[0].totalAmount", api.CodeSumMismatch) {
		t.Errorf("bad sum = %d %s, want 400 naming orderLines[0].totalAmount", res.status, res.body)
	}

	res = h.do("GET", "/order-management/v2/ECOM/order-1001", nil, api.HeaderSubscriptionKey, "sub-key", api.HeaderMSN, msn)
	if res.status != 401 || !strings.Contains(string(res.body), `"statusCode":401`) {
		t.Errorf("no Authorization = %d %s, want 401 gateway error", res.status, res.body)
	}

	res = h.do("POST", "/order-management/v1/images", imageBody("tiny", pngOf(t, 32, 32)), m...)
	if p := res.problem(t); res.status != 400 || !hasParam(p, "src", api.CodeImageTooShort) || !strings.Contains(p.InvalidParams[0].Reason, "167") {
		t.Errorf("32×32 image = %d %s, want 400 naming src and the height rule", res.status, res.body)
	}

	h.restart()
	checkOrder("/order-management/v2/ECOM/order-1001")
	res = h.do("POST", "/order-management/v1/images", imageBody("logo-1", pngOf(t, 200, 200)), m...)
	if res.status != 409 {
		t.Errorf("image after restart = %d, want 409 (still stored)", res.status)
	}
}

func ptr[T any](v T) *T { return &v }

// TestConcurrentReceipts sends 50 receipts for one order at once: exactly
// one is stored.
func TestConcurrentReceipts(t *testing.T) {
	h := start(t)
	m := h.merchant(msn)
	body, _ := json.Marshal(sampleReceipt())
	statuses := make(chan int, 50)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", h.app.URL+"/order-management/v2/ECOM/receipts/race-1", strings.NewReader(string(body)))
			for i := 0; i < len(m); i += 2 {
				req.Header.Set(m[i], m[i+1])
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if d := cmp.Diff(map[int]int{201: 1, 409: 49}, count); d != "" {
		t.Errorf("statuses of 50 concurrent receipts (-want +got):\n%s", d)
	}
}

func TestAuthentication(t *testing.T) {
	h := start(t)
	tokA := h.token(msn)
	tokAny := h.token("")
	const path = "/order-management/v2/ECOM/order-1"
	tests := []struct {
		name    string
		headers []string
		status  int
		code    string
	}{
		{"no subscription key", []string{"Authorization", "Bearer " + tokA, api.HeaderMSN, msn}, 401, api.CodeSubscriptionKey},
		{"no token", []string{api.HeaderSubscriptionKey, "sub-key", api.HeaderMSN, msn}, 401, api.CodeMissingToken},
		{"basic scheme", []string{"Authorization", "Basic " + tokA, api.HeaderSubscriptionKey, "sub-key", api.HeaderMSN, msn}, 401, api.CodeInvalidToken},
		{"empty bearer", []string{"Authorization", "Bearer ", api.HeaderSubscriptionKey, "sub-key", api.HeaderMSN, msn}, 401, api.CodeInvalidToken},
		{"garbage token", []string{"Authorization", "Bearer abc.def.ghi", api.HeaderSubscriptionKey, "sub-key", api.HeaderMSN, msn}, 401, api.CodeInvalidToken},
		{"tampered token", []string{"Authorization", "Bearer " + tamper(tokA), api.HeaderSubscriptionKey, "sub-key", api.HeaderMSN, msn}, 401, api.CodeInvalidToken},
		{"other subscription key", []string{"Authorization", "Bearer " + tokA, api.HeaderSubscriptionKey, "other", api.HeaderMSN, msn}, 401, api.CodeSubscriptionKey},
		{"token of another MSN", []string{"Authorization", "Bearer " + tokA, api.HeaderSubscriptionKey, "sub-key", api.HeaderMSN, "654321"}, 403, api.CodeMSNNotAllowed},
		{"lower-case bearer", []string{"Authorization", "bearer " + tokA, api.HeaderSubscriptionKey, "sub-key", api.HeaderMSN, msn}, 404, api.CodeOrderNotFound},
		{"partner token, any MSN", []string{"Authorization", "Bearer " + tokAny, api.HeaderSubscriptionKey, "sub-key", api.HeaderMSN, "654321"}, 404, api.CodeOrderNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do("GET", path, nil, tt.headers...)
			var body struct {
				Code string `json:"code"`
			}
			_ = json.Unmarshal(res.body, &body)
			if res.status != tt.status || body.Code != tt.code {
				t.Errorf("GET = %d %s, want %d with code %s", res.status, res.body, tt.status, tt.code)
			}
			if strings.Contains(string(res.body), tokA) {
				t.Errorf("response echoes the token")
			}
		})
	}
	t.Run("missing MSN", func(t *testing.T) {
		res := h.do("GET", path, nil, "Authorization", "Bearer "+tokA, api.HeaderSubscriptionKey, "sub-key")
		if p := res.problem(t); res.status != 400 || !hasParam(p, api.HeaderMSN, "") {
			t.Errorf("GET = %d %s, want 400 naming %s", res.status, res.body, api.HeaderMSN)
		}
	})
}

// tamper flips a character of the token's payload.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	b := []byte(parts[1])
	if b[5] == 'A' {
		b[5] = 'B'
	} else {
		b[5] = 'A'
	}
	parts[1] = string(b)
	return strings.Join(parts, ".")
}

func TestTokenEndpoint(t *testing.T) {
	h := start(t)
	for _, path := range []string{"/accesstoken/get", "/accessToken/get", "/AccessToken/Get"} {
		res := h.do("POST", path, "", "client_id", "c", "client_secret", "s", api.HeaderSubscriptionKey, "k",
			"Content-Type", "text/plain", "Authorization", "Bearer ")
		var tr map[string]any
		if res.status != 200 || json.Unmarshal(res.body, &tr) != nil {
			t.Fatalf("POST %s = %d %s, want 200", path, res.status, res.body)
		}
		for k, v := range tr {
			if _, ok := v.(string); !ok {
				t.Errorf("token field %s = %v (%T), want a string", k, v, v)
			}
		}
		if tr["token_type"] != "Bearer" || tr["ext_expires_in"] != "0" || tr["expires_in"] != "3600" {
			t.Errorf("token = %v, want Bearer, ext_expires_in 0, expires_in 3600", tr)
		}
	}
	res := h.do("GET", "/accesstoken/get", nil)
	if res.status != 405 || res.header.Get("Allow") != "POST" {
		t.Errorf("GET token = %d Allow %q, want 405 Allow POST", res.status, res.header.Get("Allow"))
	}
	res = h.do("GET", "/.well-known/jwks.json", nil)
	if res.status != 200 || !strings.Contains(string(res.body), `"Ed25519"`) {
		t.Errorf("jwks = %d %s", res.status, res.body)
	}
}

func TestMerchantScoping(t *testing.T) {
	h := start(t)
	a, b := h.merchant("1111"), h.merchant("2222")
	if res := h.do("POST", "/order-management/v1/images", imageBody("shared-id", pngOf(t, 200, 200)), a...); res.status != 200 {
		t.Fatalf("image A = %d %s", res.status, res.body)
	}
	if res := h.do("POST", "/order-management/v2/ECOM/receipts/o-1", sampleReceipt(), a...); res.status != 201 {
		t.Fatalf("receipt A = %d %s", res.status, res.body)
	}
	if res := h.do("GET", "/order-management/v2/ECOM/o-1", nil, b...); res.status != 404 {
		t.Errorf("B reads A's order = %d %s, want 404", res.status, res.body)
	}
	if res := h.do("GET", "/order-management/v2/RECURRING/o-1", nil, a...); res.status != 404 {
		t.Errorf("A reads RECURRING o-1 = %d %s, want 404 (another order)", res.status, res.body)
	}
	cat := api.Category{Category: api.CategoryTicket, OrderDetailsURL: "https://x.example/t", ImageID: ptr("shared-id")}
	res := h.do("PUT", "/order-management/v2/ECOM/categories/o-2", cat, b...)
	if p := res.problem(t); res.status != 400 || !hasParam(p, "imageId", api.CodeImageNotFound) {
		t.Errorf("B uses A's image = %d %s, want 400 naming imageId", res.status, res.body)
	}
	if res := h.do("POST", "/order-management/v1/images", imageBody("shared-id", pngOf(t, 200, 200)), b...); res.status != 200 {
		t.Errorf("B uploads the same image id = %d %s, want 200 (its own)", res.status, res.body)
	}
	if res := h.do("POST", "/order-management/v2/ECOM/receipts/o-1", sampleReceipt(), b...); res.status != 201 {
		t.Errorf("B receipt for the same order id = %d %s, want 201 (its own order)", res.status, res.body)
	}
}

func TestCategoryReplaced(t *testing.T) {
	h := start(t)
	m := h.merchant(msn)
	first := api.Category{Category: api.CategoryOrderConfirmation, OrderDetailsURL: "https://x.example/1"}
	second := api.Category{Category: api.CategoryDelivery, OrderDetailsURL: "https://x.example/2"}
	var ids []string
	for _, c := range []api.Category{first, second} {
		res := h.do("PUT", "/order-management/v2/recurring/categories/c-1", c, m...)
		var id string
		if res.status != 200 || json.Unmarshal(res.body, &id) != nil {
			t.Fatalf("PUT = %d %s", res.status, res.body)
		}
		ids = append(ids, id)
	}
	if ids[0] == ids[1] {
		t.Errorf("category ids %v, want a new id per PUT", ids)
	}
	res := h.do("GET", "/order-management/v2/RECURRING/c-1", nil, m...)
	if want := `{"category":{"category":"DELIVERY","orderDetailsUrl":"https://x.example/2"}}`; res.status != 200 || string(res.body) != want {
		t.Errorf("GET = %d %s, want 200 %s", res.status, res.body, want)
	}
}

// TestBadInput checks that each bad request gets its 4xx problem and
// stores nothing.
func TestBadInput(t *testing.T) {
	h := start(t)
	m := h.merchant(msn)
	big := strings.Repeat("x", 1<<20+1)
	tests := []struct {
		name         string
		method, path string
		body         any
		extra        []string
		status       int
		param        string
	}{
		{"payment type", "POST", "/order-management/v2/VISA/receipts/b-1", sampleReceipt(), nil, 400, "paymentType"},
		{"order id", "POST", "/order-management/v2/ECOM/receipts/b%20-1", sampleReceipt(), nil, 400, "orderId"},
		{"long order id", "POST", "/order-management/v2/ECOM/receipts/" + strings.Repeat("a", 129), sampleReceipt(), nil, 400, "orderId"},
		{"not json", "POST", "/order-management/v2/ECOM/receipts/b-1", "{", nil, 400, ""},
		{"fraction", "POST", "/order-management/v2/ECOM/receipts/b-1", strings.Replace(mustJSON(sampleReceipt()), `"totalAmount":12500`, `"totalAmount":125.5`, 1), nil, 400, "orderLines[0].totalAmount"},
		{"text body", "POST", "/order-management/v2/ECOM/receipts/b-1", mustJSON(sampleReceipt()), []string{"Content-Type", "text/plain"}, 415, ""},
		{"too large", "POST", "/order-management/v2/ECOM/receipts/b-1", big, nil, 413, ""},
		{"category http url", "PUT", "/order-management/v2/ECOM/categories/b-1", api.Category{Category: "GENERAL", OrderDetailsURL: "http://x.example"}, nil, 400, "orderDetailsUrl"},
		{"image url", "POST", "/order-management/v1/images", map[string]string{"imageId": "u", "src": "https://x.example/a.png", "type": "base64"}, nil, 400, "src"},
		{"long system name", "POST", "/order-management/v2/ECOM/receipts/b-1", sampleReceipt(), []string{api.HeaderSystemName, strings.Repeat("n", 101)}, 400, api.HeaderSystemName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do(tt.method, tt.path, tt.body, append(append([]string{}, m...), tt.extra...)...)
			p := res.problem(t)
			if res.status != tt.status || p.Status != tt.status || res.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%s %s = %d %s, want %d problem", tt.method, tt.path, res.status, res.body, tt.status)
			}
			if tt.param != "" && !hasParam(p, tt.param, "") {
				t.Errorf("problem %s does not name %s", res.body, tt.param)
			}
			if p.Instance != res.header.Get("traceparent") || len(p.Instance) != 55 {
				t.Errorf("instance %q, traceparent %q: want the same W3C trace id", p.Instance, res.header.Get("traceparent"))
			}
		})
	}
	if res := h.do("GET", "/order-management/v2/ECOM/b-1", nil, m...); res.status != 404 {
		t.Errorf("after rejected writes GET = %d %s, want 404 (nothing stored)", res.status, res.body)
	}
	res := h.do("DELETE", "/order-management/v2/ECOM/b-1", nil, m...)
	if res.status != 405 || res.header.Get("Allow") != "GET, HEAD" {
		t.Errorf("DELETE = %d Allow %q, want 405 Allow GET, HEAD", res.status, res.header.Get("Allow"))
	}
	if res := h.do("GET", "/nowhere", nil); res.status != 404 || res.problem(t).Code != api.CodeRouteNotFound {
		t.Errorf("unknown path = %d %s, want 404 route_not_found", res.status, res.body)
	}
}

// TestEveryProblemListed sends a receipt with several faults and expects
// each one named.
func TestEveryProblemListed(t *testing.T) {
	h := start(t)
	body := `{"orderLines":[{"name":"","id":"a","totalAmount":100,"totalAmountExcludingTax":80,"totalTaxAmount":10,"taxRate":2500},` +
		`{"name":"b","id":"b","totalAmount":"5","totalAmountExcludingTax":4,"totalTaxAmount":1}],"bottomLine":{"currency":"SEK"}}`
	res := h.do("POST", "/order-management/v2/bogus/receipts/x y", body, h.merchant(msn)...)
	p := res.problem(t)
	for _, name := range []string{"paymentType", "orderId", "orderLines[0].name", "orderLines[0].totalAmount", "orderLines[1].totalAmount", "orderLines[1].taxRate", "bottomLine.currency"} {
		if !hasParam(p, name, "") {
			t.Errorf("problem does not name %s: %s", name, res.body)
		}
	}
	for _, ip := range p.InvalidParams {
		if ip.Code == "" || ip.Reason == "" {
			t.Errorf("param %+v lacks a code or reason", ip)
		}
	}
}

func TestTraceAndWarnings(t *testing.T) {
	h := start(t)
	m := h.merchant(msn)
	rc := sampleReceipt()
	rc.OrderLines[0].TotalTaxAmount, rc.OrderLines[0].TotalAmountExcludingTax = 2000, 10500
	const incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	res := h.do("POST", "/order-management/v2/ECOM/receipts/w-1", rc, append(m, "traceparent", incoming)...)
	if res.status != 201 {
		t.Fatalf("receipt = %d %s", res.status, res.body)
	}
	ws := api.ParseWarnings(res.header.Get(api.HeaderReceiptWarnings))
	if len(ws) != 1 || ws[0].Code != api.CodeTaxMismatch || ws[0].Name != "orderLines[0].totalTaxAmount" {
		t.Errorf("warnings = %+v, want one tax_mismatch on orderLines[0].totalTaxAmount", ws)
	}
	tp := res.header.Get("traceparent")
	if !strings.HasPrefix(tp, "00-4bf92f3577b34da6a3ce929d0e0e4736-") || tp == incoming {
		t.Errorf("traceparent = %q, want the incoming trace id with a new span", tp)
	}
	logs := h.logs.String()
	for _, want := range []string{`"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"`, `"system_name":"acme-shop"`, `"plugin_version":"1.0.3"`, `"msn":"123456"`, `"status":201`} {
		if !strings.Contains(logs, want) {
			t.Errorf("request log lacks %s", want)
		}
	}
	if tok := m[1][len("Bearer "):]; strings.Contains(logs, tok) || strings.Contains(logs, "s3cret") {
		t.Errorf("request log contains a token or secret")
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return string(b)
}

// TestGracefulShutdown starts a request, shuts the server down while its
// body is still arriving, and expects the request to finish.
func TestGracefulShutdown(t *testing.T) {
	h := start(t)
	m := h.merchant(msn)
	body := mustJSON(sampleReceipt())
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", h.app.URL+"/order-management/v2/ECOM/receipts/g-1", pr)
	req.ContentLength = int64(len(body))
	for i := 0; i < len(m); i += 2 {
		req.Header.Set(m[i], m[i+1])
	}
	got := make(chan int, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			got <- 0
			return
		}
		res.Body.Close()
		got <- res.StatusCode
	}()
	// Half the body is in flight when shutdown begins.
	if _, err := pw.Write([]byte(body[:len(body)/2])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the server start reading
	stopped := make(chan struct{})
	go func() { h.stop(); close(stopped) }()
	time.Sleep(100 * time.Millisecond)
	if _, err := pw.Write([]byte(body[len(body)/2:])); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if s := <-got; s != 201 {
		t.Errorf("in-flight receipt during shutdown = %d, want 201", s)
	}
	<-stopped
	h.cfg.Addr = "127.0.0.1:0"
	h.restart()
	if res := h.do("GET", "/order-management/v2/ECOM/g-1", nil, h.merchant(msn)...); res.status != 200 {
		t.Errorf("after restart GET = %d, want 200 (the in-flight receipt was kept)", res.status)
	}
}
