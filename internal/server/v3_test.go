package server_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordermgmt/ordermgmt/api"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// addV3 posts a v3 category and returns its id.
func (h *harness) addV3(m []string, body any) string {
	h.t.Helper()
	res := h.do("POST", "/order-management/v3/categories", body, m...)
	var out api.AddCategoryResponse
	if res.status != 201 || json.Unmarshal(res.body, &out) != nil || !uuidRE.MatchString(out.CategoryID) {
		h.t.Fatalf("POST v3 category = %d %s, want 201 {\"categoryId\": <uuid>}", res.status, res.body)
	}
	if loc := res.header.Get("Location"); loc != "/order-management/v3/categories/"+out.CategoryID {
		h.t.Errorf("Location = %q, want /order-management/v3/categories/%s", loc, out.CategoryID)
	}
	return out.CategoryID
}

// listV3 returns the categories of orderID.
func (h *harness) listV3(m []string, orderID string) []api.CategoryV3 {
	h.t.Helper()
	res := h.do("GET", "/order-management/v3/categories?orderId="+orderID, nil, m...)
	var out api.CategoryList
	if res.status != 200 || json.Unmarshal(res.body, &out) != nil || out.Categories == nil {
		h.t.Fatalf("GET v3 categories = %d %s, want 200 {\"categories\": [...]}", res.status, res.body)
	}
	return out.Categories
}

// TestV3Categories walks the v3 operations of contract §5a and their
// interplay with v2, over HTTP.
func TestV3Categories(t *testing.T) {
	h := start(t)
	m := h.merchant(msn)
	other := h.merchant("654321")
	if res := h.do("POST", "/order-management/v1/images", imageBody("logo-1", pngOf(t, 200, 200)), m...); res.status != 200 {
		t.Fatalf("add image = %d %s", res.status, res.body)
	}

	if got := h.listV3(m, "o-1"); len(got) != 0 {
		t.Errorf("list of an order without categories = %+v, want []", got)
	}
	if res := h.do("GET", "/order-management/v3/categories?orderId=o-1", nil, m...); string(res.body) != `{"categories":[]}` {
		t.Errorf("empty list body = %s, want {\"categories\":[]}", res.body)
	}

	ticket := h.addV3(m, map[string]any{"orderId": "o-1", "paymentType": "ecom", "type": "TICKET", "url": "https://shop.example/t/1", "imageId": "logo-1"})
	booking := h.addV3(m, map[string]any{"orderId": "o-1", "paymentType": "RECURRING", "type": "BOOKING", "url": "https://shop.example/b/1", "imageId": nil})
	tracking := h.addV3(m, map[string]any{"orderId": "o-1", "paymentType": "ECOM", "type": "DELIVERY", "url": "https://shop.example/d/1"})
	h.addV3(other, map[string]any{"orderId": "o-1", "paymentType": "ECOM", "type": "GENERAL", "url": "https://other.example/"})

	logo := "logo-1"
	want := []api.CategoryV3{
		{CategoryID: ticket, OrderID: "o-1", PaymentType: api.PaymentTypeECOM, Type: api.CategoryTicket, URL: "https://shop.example/t/1", ImageID: &logo},
		{CategoryID: booking, OrderID: "o-1", PaymentType: api.PaymentTypeRECURRING, Type: api.CategoryBooking, URL: "https://shop.example/b/1"},
		{CategoryID: tracking, OrderID: "o-1", PaymentType: api.PaymentTypeECOM, Type: api.CategoryDelivery, URL: "https://shop.example/d/1"},
	}
	if diff := cmp.Diff(want, h.listV3(m, "o-1")); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	res := h.do("GET", "/order-management/v3/categories/"+strings.ToUpper(ticket), nil, m...)
	var got api.CategoryV3
	if res.status != 200 || json.Unmarshal(res.body, &got) != nil || !cmp.Equal(want[0], got) {
		t.Errorf("GET category = %d %s, want 200 %+v", res.status, res.body, want[0])
	}

	// v2 GET shows the most recently created category of its payment type.
	checkV2 := func(pt string, wantCat *api.Category, status int) {
		t.Helper()
		res := h.do("GET", "/order-management/v2/"+pt+"/o-1", nil, m...)
		if res.status != status {
			t.Fatalf("v2 GET %s = %d %s, want %d", pt, res.status, res.body, status)
		}
		if status != 200 {
			return
		}
		var o api.Order
		if err := json.Unmarshal(res.body, &o); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantCat, o.Category); diff != "" {
			t.Errorf("v2 GET %s category (-want +got):\n%s", pt, diff)
		}
	}
	checkV2("ECOM", &api.Category{Category: api.CategoryDelivery, OrderDetailsURL: "https://shop.example/d/1"}, 200)
	checkV2("RECURRING", &api.Category{Category: api.CategoryBooking, OrderDetailsURL: "https://shop.example/b/1"}, 200)

	// DELETE: 200 empty; then GET and DELETE are 404; v2 shows the one before.
	res = h.do("DELETE", "/order-management/v3/categories/"+tracking, nil, m...)
	if res.status != 200 || len(res.body) != 0 {
		t.Errorf("DELETE = %d %q, want 200 and an empty body", res.status, res.body)
	}
	for _, method := range []string{"GET", "DELETE"} {
		res := h.do(method, "/order-management/v3/categories/"+tracking, nil, m...)
		if p := res.problem(t); res.status != 404 || p.Code != api.CodeCategoryNotFound {
			t.Errorf("%s deleted category = %d %s, want 404 %s", method, res.status, res.body, api.CodeCategoryNotFound)
		}
	}
	checkV2("ECOM", &api.Category{Category: api.CategoryTicket, OrderDetailsURL: "https://shop.example/t/1", ImageID: &logo}, 200)

	// Another merchant sees none of it.
	for _, method := range []string{"GET", "DELETE"} {
		if res := h.do(method, "/order-management/v3/categories/"+ticket, nil, other...); res.status != 404 {
			t.Errorf("%s another merchant's category = %d %s, want 404", method, res.status, res.body)
		}
	}

	// v2 PUT replaces the ECOM categories; its id is the v3 categoryId.
	res = h.do("PUT", "/order-management/v2/ECOM/categories/o-1", api.Category{Category: api.CategoryReceipt, OrderDetailsURL: "https://shop.example/r/1"}, m...)
	var putID string
	if res.status != 200 || json.Unmarshal(res.body, &putID) != nil {
		t.Fatalf("v2 PUT = %d %s", res.status, res.body)
	}
	want = []api.CategoryV3{
		want[1],
		{CategoryID: putID, OrderID: "o-1", PaymentType: api.PaymentTypeECOM, Type: api.CategoryReceipt, URL: "https://shop.example/r/1"},
	}
	if diff := cmp.Diff(want, h.listV3(m, "o-1")); diff != "" {
		t.Errorf("list after v2 PUT (-want +got):\n%s", diff)
	}
	if res := h.do("GET", "/order-management/v3/categories/"+ticket, nil, m...); res.status != 404 {
		t.Errorf("GET category replaced by v2 PUT = %d, want 404", res.status)
	}

	// All deleted and no receipt: v2 GET is 404.
	for _, id := range []string{putID, booking} {
		if res := h.do("DELETE", "/order-management/v3/categories/"+id, nil, m...); res.status != 200 {
			t.Fatalf("DELETE %s = %d %s", id, res.status, res.body)
		}
	}
	checkV2("ECOM", nil, 404)
	checkV2("RECURRING", nil, 404)
}

// TestV3CategoryRejections: bad bodies, ids and queries are 400 problems
// naming the field; unknown images are 400 naming imageId.
func TestV3CategoryRejections(t *testing.T) {
	h := start(t)
	m := h.merchant(msn)
	tests := []struct {
		name, method, path string
		body               any
		status             int
		param, code        string
	}{
		{"body missing fields", "POST", "/order-management/v3/categories", map[string]any{}, 400, "orderId", "required"},
		{"bad payment type", "POST", "/order-management/v3/categories", map[string]any{"orderId": "o-1", "paymentType": "CARD", "type": "TICKET", "url": "https://x.example/"}, 400, "paymentType", "unknown_value"},
		{"unknown image", "POST", "/order-management/v3/categories", map[string]any{"orderId": "o-1", "paymentType": "ECOM", "type": "TICKET", "url": "https://x.example/", "imageId": "nope"}, 400, "imageId", api.CodeImageNotFound},
		{"list without orderId", "GET", "/order-management/v3/categories", nil, 400, "orderId", "required"},
		{"list with bad orderId", "GET", "/order-management/v3/categories?orderId=a%20b", nil, 400, "orderId", "pattern"},
		{"get malformed id", "GET", "/order-management/v3/categories/not-a-uuid", nil, 400, "categoryId", "pattern"},
		{"delete malformed id", "DELETE", "/order-management/v3/categories/123", nil, 400, "categoryId", "pattern"},
		{"get unknown id", "GET", "/order-management/v3/categories/337f5e5d-288b-40d5-be14-901cc3acacc0", nil, 404, "", api.CodeCategoryNotFound},
		{"delete unknown id", "DELETE", "/order-management/v3/categories/337f5e5d-288b-40d5-be14-901cc3acacc0", nil, 404, "", api.CodeCategoryNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := h.do(tc.method, tc.path, tc.body, m...)
			p := res.problem(t)
			if res.status != tc.status || (tc.param != "" && !hasParam(p, tc.param, tc.code)) || (tc.param == "" && p.Code != tc.code) {
				t.Errorf("%s %s = %d %s, want %d naming %s %s", tc.method, tc.path, res.status, res.body, tc.status, tc.param, tc.code)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
		})
	}
	if got := h.listV3(m, "o-1"); len(got) != 0 {
		t.Errorf("categories after rejected POSTs = %+v, want none", got)
	}
}

// TestDeprecatedV1: the v1 order and receipt paths answer 404 in the
// gateway's shape, whatever the method, with or without a token.
func TestDeprecatedV1(t *testing.T) {
	h := start(t)
	m := h.merchant(msn)
	for _, path := range []string{"/order-management/v1/orders/tx-1", "/order-management/v1/receipts/tx-1", "/order-management/v1/orders/tx-1/"} {
		for _, method := range []string{"GET", "PUT", "POST", "DELETE"} {
			for _, hdr := range [][]string{m, nil} {
				res := h.do(method, path, nil, hdr...)
				var body struct {
					StatusCode int    `json:"statusCode"`
					Message    string `json:"message"`
				}
				if res.status != 404 || res.header.Get("Content-Type") != "application/json" ||
					json.Unmarshal(res.body, &body) != nil || body.StatusCode != 404 || body.Message != "Resource not found" {
					t.Errorf("%s %s = %d %s %s, want 404 application/json {statusCode 404, message Resource not found}",
						method, path, res.status, res.header.Get("Content-Type"), res.body)
				}
			}
		}
	}
}

// TestTrailingSlash: every operation accepts one trailing slash, as the
// official WooCommerce plugin sends on images; two are a 400.
func TestTrailingSlash(t *testing.T) {
	h := start(t)
	res := h.do("POST", "/accessToken/get/", nil, "client_id", "c", "client_secret", "s", api.HeaderSubscriptionKey, "sub-key", api.HeaderMSN, msn)
	if res.status != 200 {
		t.Fatalf("POST /accessToken/get/ = %d %s, want 200", res.status, res.body)
	}
	m := h.merchant(msn)
	res = h.do("POST", "/order-management/v1/images/", imageBody("logo-1", pngOf(t, 200, 200)), m...)
	if res.status != 200 {
		t.Errorf("POST /order-management/v1/images/ = %d %s, want 200", res.status, res.body)
	}
	cat := api.Category{Category: api.CategoryGeneral, OrderDetailsURL: "https://shop.example/1"}
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"PUT", "/order-management/v2/ECOM/categories/o-1/", cat, 200},
		{"POST", "/order-management/v2/ECOM/receipts/o-1/", sampleReceipt(), 201},
		{"GET", "/order-management/v2/ECOM/o-1/", nil, 200},
		{"POST", "/order-management/v3/categories/", map[string]any{"orderId": "o-1", "paymentType": "ECOM", "type": "TICKET", "url": "https://x.example/"}, 201},
		{"GET", "/order-management/v3/categories/?orderId=o-1", nil, 200},
	} {
		if res := h.do(tc.method, tc.path, tc.body, m...); res.status != tc.status {
			t.Errorf("%s %s = %d %s, want %d", tc.method, tc.path, res.status, res.body, tc.status)
		}
	}
	id := h.listV3(m, "o-1")[0].CategoryID
	for _, method := range []string{"GET", "DELETE"} {
		if res := h.do(method, "/order-management/v3/categories/"+id+"/", nil, m...); res.status != 200 {
			t.Errorf("%s /order-management/v3/categories/%s/ = %d %s, want 200", method, id, res.status, res.body)
		}
	}
	if res := h.do("PATCH", "/order-management/v3/categories/", nil, m...); res.status != 405 || res.header.Get("Allow") == "" {
		t.Errorf("PATCH with a trailing slash = %d (Allow %q), want 405 with Allow", res.status, res.header.Get("Allow"))
	}
	if res := h.do("POST", "/order-management/v1/images//", imageBody("logo-2", pngOf(t, 200, 200)), m...); res.status != 400 {
		t.Errorf("POST with two trailing slashes = %d %s, want 400", res.status, res.body)
	}
}
