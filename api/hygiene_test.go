package api_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ordermgmt/ordermgmt/api"
)

// TestTextHygiene checks the string rules of contract §8 in every body: a
// string value with invalid UTF-8, an unpaired surrogate escape or a
// control character, raw or escaped, is rejected under its JSON path with
// a stable code, never stored as U+FFFD or as it came.
func TestTextHygiene(t *testing.T) {
	decoders := map[string]func([]byte) error{
		"receipt":  func(b []byte) error { _, err := api.DecodeReceipt(b); return err },
		"category": func(b []byte) error { _, err := api.DecodeCategory(b); return err },
		"v3":       func(b []byte) error { _, err := api.DecodeAddCategory(b); return err },
		"image":    func(b []byte) error { _, _, err := api.DecodeImage(b); return err },
	}
	bodies := map[string]string{
		"receipt":  baseReceipt,
		"category": baseCategory,
		"v3":       baseAddCategory,
		"image":    strings.Replace(string(imageBody(t, "logo-1", pngOf(t, 2, 167))), `"imageId":"logo-1"`, `"imageId": "logo-1"`, 1),
	}
	// Each place is a body and a string in it (with its quotes) that a
	// test value replaces.
	places := []struct {
		body, old, path string
	}{
		{"receipt", `"Coffee"`, "orderLines[0].name"},
		{"receipt", `"sku-2"`, "orderLines[1].id"},
		{"receipt", `"PCS"`, "orderLines[0].unitInfo.quantityUnit"},
		{"receipt", `"pos-1"`, "bottomLine.posId"},
		{"receipt", `"5901234123457"`, "bottomLine.barcode.data"},
		{"category", `"RECEIPT"`, "category"},
		{"category", `"https://example.com/orders/1"`, "orderDetailsUrl"},
		{"category", `"logo-1"`, "imageId"},
		{"v3", `"ECOM"`, "paymentType"},
		{"v3", `"https://example.com/tickets/1"`, "url"},
		{"image", `"logo-1"`, "imageId"},
	}
	values := []struct {
		name, json, code string
	}{
		{"raw NUL", "\"a\x00b\"", "control_char"},
		{"raw control", "\"a\x1fb\"", "control_char"},
		{"raw tab", "\"a\tb\"", "control_char"},
		{"escaped NUL", `"a\u0000b"`, "control_char"},
		{"escaped line break", `"a\nb"`, "control_char"},
		{"escaped unit separator", `"a\u001Fb"`, "control_char"},
		{"invalid UTF-8", "\"caf\xe9\"", "invalid_utf8"},
		{"UTF-8 of a surrogate", "\"a\xed\xa0\x80\"", "invalid_utf8"},
		{"lone high surrogate", `"a\ud800"`, "lone_surrogate"},
		{"lone low surrogate", `"\udc00a"`, "lone_surrogate"},
		{"reversed pair", `"\ude00\ud83d"`, "lone_surrogate"},
	}
	for _, pl := range places {
		for _, v := range values {
			t.Run(pl.path+"/"+v.name, func(t *testing.T) {
				body := strings.Replace(bodies[pl.body], pl.old, v.json, 1)
				if body == bodies[pl.body] {
					t.Fatalf("%s not found in the %s body", pl.old, pl.body)
				}
				got := problemParams(t, decoders[pl.body]([]byte(body)))
				want := []np{{pl.path, v.code}}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("decoding %q (-want +got):\n%s", body, diff)
				}
			})
		}
	}
	// Clean text outside ASCII, and a pair of surrogate escapes, is fine.
	for _, s := range []string{`"Kaffe ø 😀"`, `"\ud83d\ude00 \u00e9 \u2028"`, `"a\/b \"q\""`} {
		body := strings.Replace(baseReceipt, `"Coffee"`, s, 1)
		if _, err := api.DecodeReceipt([]byte(body)); err != nil {
			t.Errorf("DecodeReceipt with name %s = %v, want it accepted", s, err)
		}
	}
}

func TestTextHygieneDeprecatedObject(t *testing.T) {
	for _, tc := range []struct{ info, path, code string }{
		{`{"method": "a\nb"}`, "bottomLine.shippingInfo.method", "control_char"},
		{"{\"method\": [1, \"caf\xe9\"]}", "bottomLine.shippingInfo.method[1]", "invalid_utf8"},
		{`{"a\u0000": 1}`, "bottomLine.shippingInfo.a\x00", "control_char"},
		{`{"x": {"y": "\ud800"}}`, "bottomLine.shippingInfo.x.y", "lone_surrogate"},
	} {
		body := strings.Replace(baseReceipt, `"currency": "NOK"`, `"currency": "NOK", "shippingInfo": `+tc.info, 1)
		_, err := api.DecodeReceipt([]byte(body))
		if diff := cmp.Diff([]np{{tc.path, tc.code}}, problemParams(t, err)); diff != "" {
			t.Errorf("DecodeReceipt(shippingInfo %s) (-want +got):\n%s", tc.info, diff)
		}
	}
}

// TestValidateTextHygiene checks that Validate applies the same rules to
// a typed value's strings.
func TestValidateTextHygiene(t *testing.T) {
	for _, tc := range []struct{ name, code string }{
		{"a\x00b", "control_char"},
		{"line\nbreak", "control_char"},
		{"caf\xe9", "invalid_utf8"},
		{"ok ø", ""},
	} {
		r := api.Receipt{
			OrderLines: []api.OrderLine{{Name: tc.name, ID: "1", TotalAmount: 125, TotalAmountExcludingTax: 100, TotalTaxAmount: 25, TaxRate: ptr[int64](2500)}},
			BottomLine: api.BottomLine{Currency: "NOK", ShippingInfo: []byte(`{"m": "\u0001"}`)},
		}
		want := []np{{"bottomLine.shippingInfo.m", "control_char"}}
		if tc.code != "" {
			want = append([]np{{"orderLines[0].name", tc.code}}, want...)
		}
		if diff := cmp.Diff(want, problemParams(t, r.Validate())); diff != "" {
			t.Errorf("Validate() with name %q (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestImageSrcLineBreaks checks that base64 wrapped into lines, as MIME
// encoders write it, is still read: src is bytes, not text.
func TestImageSrcLineBreaks(t *testing.T) {
	body := string(imageBody(t, "logo-1", pngOf(t, 2, 167)))
	i := strings.Index(body, `"src":"`) + len(`"src":"`)
	wrapped := body[:i+20] + `\r\n` + body[i+20:i+40] + `\n` + body[i+40:]
	if _, _, err := api.DecodeImage([]byte(wrapped)); err != nil {
		t.Errorf("DecodeImage(src with line breaks) = %v", err)
	}
	tabbed := body[:i+20] + `\t` + body[i+20:]
	_, _, err := api.DecodeImage([]byte(tabbed))
	if diff := cmp.Diff([]np{{"src", "control_char"}}, problemParams(t, err)); diff != "" {
		t.Errorf("DecodeImage(src with a tab) (-want +got):\n%s", diff)
	}
}

// TestURLRules checks the URL rules of contract §8 on every URL field.
func TestURLRules(t *testing.T) {
	tests := []struct {
		url, code string
	}{
		{"https://example.com/orders/1", ""},
		{"HTTPS://Example.COM/o", ""},
		{"https://shop.example.com:8443/p?id=1&x=%20#top", ""},
		{"https://example.com:1/", ""},
		{"https://example.com:65535/", ""},
		{"https://[2001:db8::1]:443/o", ""},
		{"https://192.0.2.1/o", ""},
		{"https://example.com/a-b_c.d~e!$&'()*+,;=:@/?q=/?#f", ""},
		{"https://xn--blbr-qoa0a.example/", ""},
		{"https://example.com/" + strings.Repeat("a", 2048-20), ""},
		{"https://example.com/" + strings.Repeat("a", 2049-20), "too_long"},
		{"http://example.com/", "not_https"},
		{"ftp://example.com/", "not_https"},
		{"example.com/o", "invalid_url"},
		{"/o/1", "invalid_url"},
		{"mailto:shop@example.com", "invalid_url"},
		{"https:///o", "invalid_url"},
		{"https://", "invalid_url"},
		{"https://%00", "invalid_url"},
		{"https://ex%41mple.com/", "invalid_url"},
		{"https:example.com", "invalid_url"},
		{"https://example.com/a b", "invalid_url"},
		{`https://x.example/"><script>alert(1)</script>`, "invalid_url"},
		{"https://x.example/<p>", "invalid_url"},
		{"https://x.example/`x`", "invalid_url"},
		{"https://x.example/{x}", "invalid_url"},
		{"https://x.example/a|b", "invalid_url"},
		{`https://x.example/a\b`, "invalid_url"},
		{"https://x.example/a^b", "invalid_url"},
		{"https://x.example/a\u202eb", "invalid_url"},
		{"https://x.example/a\u2066b", "invalid_url"},
		{"https://x.example/blåbær", "invalid_url"},
		{"https://x.example/%zz", "invalid_url"},
		{"https://x.example/%4", "invalid_url"},
		{"https://x.example/%E2%82%AC", ""},
		{"https://user:pass@x.example/", "invalid_url"},
		{"https://user@x.example/", "invalid_url"},
		{"https://x.example:99999/", "invalid_url"},
		{"https://x.example:0/", "invalid_url"},
		{"https://x.example:65536/", "invalid_url"},
		{"https://x.example:/", "invalid_url"},
		{"https://x.example:+1/", "invalid_url"},
		{"https://x.example:44a/", "invalid_url"},
		{"https://[::1/", "invalid_url"},
		{"https://[zz]/", "invalid_url"},
		{"https://a[b]c/", "invalid_url"},
		{"https://::1/", "invalid_url"},
		{"https://a:b:8443/", "invalid_url"},
		{"https://[::1]:8443/", ""},
	}
	for _, tc := range tests {
		var want []np
		if tc.code != "" {
			want = []np{{"", tc.code}}
		}
		check := func(field string, err error) {
			t.Helper()
			got := problemParams(t, err)
			for i := range want {
				want[i].Name = field
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s %q (-want +got):\n%s", field, tc.url, diff)
			}
		}
		check("orderDetailsUrl", (&api.Category{Category: api.CategoryReceipt, OrderDetailsURL: tc.url}).Validate())
		check("url", (&api.AddCategoryRequest{OrderID: "o", PaymentType: "ECOM", Type: api.CategoryTicket, URL: tc.url}).Validate())
		_, err := api.DecodeReceipt(edit(t, baseReceipt, set("orderLines[0].productUrl", tc.url)))
		check("orderLines[0].productUrl", err)
	}
}

func TestCheckSystemHeader(t *testing.T) {
	tests := []struct {
		value, code string
	}{
		{"", ""},
		{"woocommerce", ""},
		{"Min nettbutikk ø 1.2.3 (beta)", ""},
		{strings.Repeat("x", 100), ""},
		{strings.Repeat("ø", 100), ""},
		{strings.Repeat("x", 101), "too_long"},
		{"caf\xe9", "invalid_utf8"},
		{"a\tb", "not_printable"},
		{"a\x00b", "not_printable"},
		{"a\x7fb", "not_printable"},
		{"a\u0085b", "not_printable"},
		{"a\u202eb", "not_printable"},
	}
	for _, tc := range tests {
		var want []np
		if tc.code != "" {
			want = []np{{api.HeaderSystemName, tc.code}}
		}
		if diff := cmp.Diff(want, checkParams(t, api.CheckSystemHeader(api.HeaderSystemName, tc.value))); diff != "" {
			t.Errorf("CheckSystemHeader(%q) (-want +got):\n%s", tc.value, diff)
		}
	}
}
