package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
)

// TestUncleanPathIs400 sends unclean paths as they are (a raw request
// line): each is a 400 problem naming the path, never a redirect, and
// nothing is stored. http.ServeMux redirected POST …/receipts/a/../b to
// …/receipts/b, which would store the receipt under another order.
func TestUncleanPathIs400(t *testing.T) {
	h := start(t)
	hdr := h.merchant("123456")
	var extra strings.Builder
	for i := 0; i+1 < len(hdr); i += 2 {
		fmt.Fprintf(&extra, "%s: %s\r\n", hdr[i], hdr[i+1])
	}
	body := mustJSON(sampleReceipt())
	for _, path := range []string{
		"/order-management/v2/ECOM/receipts/a/../b",
		"/order-management/v2/ECOM/receipts/./b",
		"/order-management/v2/ECOM/receipts//b",
		"//order-management/v2/ECOM/receipts/b",
		"/order-management/v2/ECOM/receipts/b/.",
		"/order-management/v2/ECOM/receipts/%2e%2e/b",
		"/order-management/v2/ECOM/receipts/b%ZZ",
		"/order-management/v2/ECOM/receipts/b%4",
		"/order-management/v2/ECOM/receipts/b?x=%G0",
	} {
		t.Run(path, func(t *testing.T) {
			c := h.dial()
			fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s", path, extra.String(), len(body), body)
			res := readResponse(t, c)
			if res.status != 400 {
				t.Fatalf("status = %d (Location %q), want 400; body %s", res.status, res.header.Get("Location"), res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			if p := res.problem(t); !hasParam(p, "path", api.CodeInvalidPath) {
				t.Errorf("problem %+v does not name the path with code %s", p, api.CodeInvalidPath)
			}
		})
	}
	if res := h.do("GET", "/order-management/v2/ECOM/b", nil, hdr...); res.status != 404 {
		t.Errorf("GET order b: status %d, want 404: an unclean path stored a receipt", res.status)
	}
	// Clean paths, a trailing slash included, are served as before.
	if res := h.do("GET", "/healthz", nil); res.status != 200 {
		t.Errorf("GET /healthz: status %d, want 200", res.status)
	}
}

// TestRecordedHeadersMustBePrintableUTF8: a Vipps-System-* value that is
// not printable UTF-8 is a 400 naming the header, on every store: on
// PostgreSQL "caf\xe9" was a 500 (SQLSTATE 22021).
func TestRecordedHeadersMustBePrintableUTF8(t *testing.T) {
	stores := map[string]func(*testing.T) *harness{
		"sqlite": start,
		"postgres": func(t *testing.T) *harness {
			cfg := limitsConfig(t)
			cfg.DatabaseURL = postgresURL(t)
			return startWith(t, cfg)
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			h := open(t)
			tok := h.token("123456")
			for _, tt := range []struct{ header, value string }{
				{api.HeaderSystemName, "caf\xe9"},
				{api.HeaderSystemVersion, "1.0\u0085"},
				{api.HeaderSystemPluginName, "plug\u200ein"},
				{api.HeaderSystemPluginVersion, "\xff\xfe"},
			} {
				res := h.do("PUT", "/order-management/v2/ECOM/categories/o-1",
					map[string]any{"category": "GENERAL", "orderDetailsUrl": "https://example.com/o/1"},
					"Authorization", "Bearer "+tok, api.HeaderSubscriptionKey, "sub-key", api.HeaderMSN, "123456",
					tt.header, tt.value)
				if res.status != 400 {
					t.Errorf("%s: %q: status %d, want 400; body %s", tt.header, tt.value, res.status, res.body)
					continue
				}
				if p := res.problem(t); !hasParam(p, tt.header, api.CodeInvalidUTF8) && !hasParam(p, tt.header, api.CodeNotPrintable) {
					t.Errorf("%s: %q: problem %+v does not name the header", tt.header, tt.value, p)
				}
			}
			// Printable non-ASCII text is fine.
			res := h.do("PUT", "/order-management/v2/ECOM/categories/o-1",
				map[string]any{"category": "GENERAL", "orderDetailsUrl": "https://example.com/o/1"},
				"Authorization", "Bearer "+tok, api.HeaderSubscriptionKey, "sub-key", api.HeaderMSN, "123456",
				api.HeaderSystemName, "café")
			if res.status != 200 {
				t.Errorf("Vipps-System-Name café: status %d, want 200; body %s", res.status, res.body)
			}
			// The token call records them in the log: the same rule, in its shape.
			res = h.do("POST", "/accesstoken/get", nil, "client_id", "c", "client_secret", "s",
				api.HeaderSubscriptionKey, "k", api.HeaderSystemName, "caf\xe9")
			if res.status != 400 || !strings.Contains(string(res.body), `"error":"invalid_request"`) {
				t.Errorf("token with a bad header: status %d body %s, want 400 invalid_request", res.status, res.body)
			}
		})
	}
}
