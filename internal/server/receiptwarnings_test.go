package server_test

import (
	"strings"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
)

// TestReceiptWarningsNotRejections checks that what contract §6 and §8
// make warnings is stored (201) and reported in Receipt-Warnings: barcode
// data its format cannot draw (the official document's own EAN-13 example
// is "123456"), and a taxRate written as a whole percentage, with the fix
// in the reason.
func TestReceiptWarningsNotRejections(t *testing.T) {
	h := start(t)
	m := h.merchant(msn)
	tests := []struct {
		name   string
		modify func(*api.Receipt)
		want   api.Warning // Reason: a part of it
	}{
		{"EAN-13 of six digits", func(r *api.Receipt) { r.BottomLine.Barcode = &api.Barcode{Format: "EAN-13", Data: "123456"} },
			api.Warning{Name: "bottomLine.barcode.data", Code: api.CodePattern, Reason: "exactly 13 digits"}},
		{"EAN-13 check digit", func(r *api.Receipt) { r.BottomLine.Barcode = &api.Barcode{Format: "EAN-13", Data: "5901234123458"} },
			api.Warning{Name: "bottomLine.barcode.data", Code: api.CodeCheckDigit, Reason: "should be 7"}},
		{"CODE 39 lower case", func(r *api.Receipt) { r.BottomLine.Barcode = &api.Barcode{Format: "CODE 39", Data: "abc"} },
			api.Warning{Name: "bottomLine.barcode.data", Code: api.CodePattern, Reason: "CODE 39"}},
		{"taxRate 25", func(r *api.Receipt) { r.OrderLines[0].TaxRate = i64(25) },
			api.Warning{Name: "orderLines[0].totalTaxAmount", Code: api.CodeTaxMismatch, Reason: "did you mean taxRate 2500 (25 %)?"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc := sampleReceipt()
			tc.modify(&rc)
			res := h.do("POST", "/order-management/v2/ECOM/receipts/warn-"+string(rune('a'+i)), rc, m...)
			if res.status != 201 {
				t.Fatalf("receipt = %d %s, want 201", res.status, res.body)
			}
			ws := api.ParseWarnings(res.header.Get(api.HeaderReceiptWarnings))
			if len(ws) != 1 || ws[0].Name != tc.want.Name || ws[0].Code != tc.want.Code || !strings.Contains(ws[0].Reason, tc.want.Reason) {
				t.Errorf("warnings = %+v, want one %s on %s with %q", ws, tc.want.Code, tc.want.Name, tc.want.Reason)
			}
		})
	}
	// The barcode format itself is still a rule.
	rc := sampleReceipt()
	rc.BottomLine.Barcode = &api.Barcode{Format: "QR", Data: "x"}
	res := h.do("POST", "/order-management/v2/ECOM/receipts/warn-qr", rc, m...)
	if p := res.problem(t); res.status != 400 || !hasParam(p, "bottomLine.barcode.format", api.CodeUnknownValue) {
		t.Errorf("barcode format QR = %d %s, want 400 naming bottomLine.barcode.format", res.status, res.body)
	}
}

// TestBodyTextAndURLRules checks the input hygiene of contract §8 through
// the server: strings that are not clean text and URLs that are not clean
// https URLs are 400s naming the field, and nothing is stored.
func TestBodyTextAndURLRules(t *testing.T) {
	h := start(t)
	m := h.merchant(msn)
	receipt := `{"orderLines": [{"name": NAME, "id": "sku-1", "totalAmount": 125, "totalAmountExcludingTax": 100,
		"totalTaxAmount": 25, "taxRate": 2500, "productUrl": URL}], "bottomLine": {"currency": "NOK"}}`
	tests := []struct {
		name, value, url, param, code string
	}{
		{"NUL escaped", `"a\u0000b"`, `"https://shop.example/p"`, "orderLines[0].name", api.CodeControlChar},
		{"NUL raw", "\"a\x00b\"", `"https://shop.example/p"`, "orderLines[0].name", api.CodeControlChar},
		{"invalid UTF-8", "\"caf\xe9\"", `"https://shop.example/p"`, "orderLines[0].name", api.CodeInvalidUTF8},
		{"lone surrogate", `"a\ud800"`, `"https://shop.example/p"`, "orderLines[0].name", api.CodeLoneSurrogate},
		{"markup in a URL", `"Socks"`, `"https://x.example/\"><script>alert(1)</script>"`, "orderLines[0].productUrl", api.CodeInvalidURL},
		{"user info and port", `"Socks"`, `"https://user:pass@x.example:99999/"`, "orderLines[0].productUrl", api.CodeInvalidURL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := strings.NewReplacer("NAME", tc.value, "URL", tc.url).Replace(receipt)
			res := h.do("POST", "/order-management/v2/ECOM/receipts/hyg-1", body, m...)
			if p := res.problem(t); res.status != 400 || len(p.InvalidParams) != 1 || !hasParam(p, tc.param, tc.code) {
				t.Errorf("receipt = %d %s, want 400 naming only %s (%s)", res.status, res.body, tc.param, tc.code)
			}
		})
	}
	if res := h.do("GET", "/order-management/v2/ECOM/hyg-1", nil, m...); res.status != 404 {
		t.Errorf("GET after rejected receipts = %d %s, want 404", res.status, res.body)
	}
	for _, u := range []string{`https://x.example/"><script>`, "https://user:pass@x.example:99999/"} {
		res := h.do("PUT", "/order-management/v2/ECOM/categories/hyg-2", api.Category{Category: api.CategoryReceipt, OrderDetailsURL: u}, m...)
		if p := res.problem(t); res.status != 400 || !hasParam(p, "orderDetailsUrl", api.CodeInvalidURL) {
			t.Errorf("category with %q = %d %s, want 400 naming orderDetailsUrl", u, res.status, res.body)
		}
	}
}
