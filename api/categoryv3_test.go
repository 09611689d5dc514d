package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordermgmt/ordermgmt/api"
)

// baseAddCategory is a valid v3 category body.
const baseAddCategory = `{"orderId": "order-1", "paymentType": "ECOM", "type": "TICKET", "url": "https://example.com/tickets/1", "imageId": "logo-1"}`

var addCategoryCases = []struct {
	name       string
	changes    []change
	want       []np
	decodeOnly bool
}{
	{name: "base"},
	{name: "recurring", changes: []change{set("paymentType", "RECURRING")}},
	{name: "payment type lower case", changes: []change{set("paymentType", "eCom")}},
	{name: "orderId missing", changes: []change{del("orderId")}, want: []np{{"orderId", "required"}}},
	{name: "orderId bad", changes: []change{set("orderId", "order 1")}, want: []np{{"orderId", "pattern"}}},
	{name: "orderId 129", changes: []change{set("orderId", strings.Repeat("o", 129))}, want: []np{{"orderId", "too_long"}}},
	{name: "orderId number", changes: []change{raw("orderId", "1")}, want: []np{{"orderId", "wrong_type"}}, decodeOnly: true},
	{name: "paymentType missing", changes: []change{del("paymentType")}, want: []np{{"paymentType", "required"}}},
	{name: "paymentType unknown", changes: []change{set("paymentType", "CARD")}, want: []np{{"paymentType", "unknown_value"}}},
	{name: "type missing", changes: []change{del("type")}, want: []np{{"type", "required"}}},
	{name: "type unknown", changes: []change{set("type", "INVOICE")}, want: []np{{"type", "unknown_value"}}},
	{name: "type null", changes: []change{raw("type", "null")}, want: []np{{"type", "required"}}, decodeOnly: true},
	{name: "url missing", changes: []change{del("url")}, want: []np{{"url", "required"}}},
	{name: "url http", changes: []change{set("url", "http://example.com/")}, want: []np{{"url", "not_https"}}},
	{name: "url 2049", changes: []change{set("url", "https://example.com/"+strings.Repeat("a", 2049-20))}, want: []np{{"url", "too_long"}}},
	{name: "imageId absent", changes: []change{del("imageId")}},
	{name: "imageId null", changes: []change{raw("imageId", "null")}},
	{name: "imageId empty", changes: []change{set("imageId", "")}, want: []np{{"imageId", "empty"}}},
	{name: "imageId bad", changes: []change{set("imageId", "a/b")}, want: []np{{"imageId", "pattern"}}},
	{name: "v2 field names", changes: []change{del("type"), del("url"), set("category", "TICKET"), set("orderDetailsUrl", "https://example.com/")},
		want: []np{{"type", "required"}, {"url", "required"}}},
	{name: "everything wrong", changes: []change{set("imageId", "a b"), set("url", "ftp://x"), set("type", "X"), set("paymentType", "x"), set("orderId", "")},
		want: []np{{"orderId", "required"}, {"paymentType", "unknown_value"}, {"type", "unknown_value"}, {"url", "not_https"}, {"imageId", "pattern"}}},
}

func TestDecodeAddCategory(t *testing.T) {
	for _, tc := range addCategoryCases {
		t.Run(tc.name, func(t *testing.T) {
			body := edit(t, baseAddCategory, tc.changes...)
			c, err := api.DecodeAddCategory(body)
			if diff := cmp.Diff(tc.want, problemParams(t, err)); diff != "" {
				t.Errorf("DecodeAddCategory(%s) params (-want +got):\n%s", body, diff)
			}
			if (err == nil) != (c != nil) {
				t.Errorf("DecodeAddCategory = %v, %v; want exactly one of them", c, err)
			}
			if c != nil && c.PaymentType != api.PaymentTypeECOM && c.PaymentType != api.PaymentTypeRECURRING {
				t.Errorf("DecodeAddCategory().PaymentType = %q, want upper case", c.PaymentType)
			}
			if tc.decodeOnly {
				return
			}
			var typed api.AddCategoryRequest
			if err := json.Unmarshal(body, &typed); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(paramsOf(err), paramsOf(typed.Validate())); diff != "" {
				t.Errorf("Validate() and DecodeAddCategory differ (-decode +validate):\n%s", diff)
			}
		})
	}
}

func TestDecodeAddCategoryValue(t *testing.T) {
	got, err := api.DecodeAddCategory(edit(t, baseAddCategory, set("paymentType", "recurring")))
	if err != nil {
		t.Fatal(err)
	}
	want := &api.AddCategoryRequest{OrderID: "order-1", PaymentType: api.PaymentTypeRECURRING, Type: api.CategoryTicket,
		URL: "https://example.com/tickets/1", ImageID: ptr("logo-1")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeAddCategory (-want +got):\n%s", diff)
	}
	for _, body := range []string{"", "[]", "{", "{}"} {
		if _, err := api.DecodeAddCategory([]byte(body)); err == nil {
			t.Errorf("DecodeAddCategory(%q) = nil error, want a problem", body)
		}
	}
}

func TestCheckCategoryID(t *testing.T) {
	for _, tc := range []struct{ in, want, code string }{
		{"337f5e5d-288b-40d5-be14-901cc3acacc0", "337f5e5d-288b-40d5-be14-901cc3acacc0", ""},
		{"337F5E5D-288B-40D5-BE14-901CC3ACACC0", "337f5e5d-288b-40d5-be14-901cc3acacc0", ""},
		{"", "", "required"},
		{"337f5e5d288b40d5be14901cc3acacc0", "", "pattern"},
		{"337f5e5d-288b-40d5-be14-901cc3acacc", "", "pattern"},
		{"337f5e5d-288b-40d5-be14-901cc3acacg0", "", "pattern"},
		{"{337f5e5d-288b-40d5-be14-901cc3acac}", "", "pattern"},
	} {
		got, err := api.CheckCategoryID(tc.in)
		var code string
		if ps := problemParams(t, err); len(ps) == 1 && ps[0].Name == "categoryId" {
			code = ps[0].Code
		} else if err != nil {
			t.Errorf("CheckCategoryID(%q) params = %v, want one on categoryId", tc.in, ps)
		}
		if got != tc.want || code != tc.code {
			t.Errorf("CheckCategoryID(%q) = %q, code %q; want %q, code %q", tc.in, got, code, tc.want, tc.code)
		}
	}
}

func TestCategoryV3V2(t *testing.T) {
	c := api.CategoryV3{CategoryID: "x", OrderID: "o", PaymentType: api.PaymentTypeECOM, Type: api.CategoryBooking, URL: "https://e.example/", ImageID: ptr("i")}
	want := api.Category{Category: api.CategoryBooking, OrderDetailsURL: "https://e.example/", ImageID: ptr("i")}
	if diff := cmp.Diff(want, c.V2()); diff != "" {
		t.Errorf("V2() (-want +got):\n%s", diff)
	}
}

func FuzzDecodeAddCategory(f *testing.F) {
	f.Add([]byte(baseAddCategory))
	for _, tc := range addCategoryCases {
		f.Add(edit(f, baseAddCategory, tc.changes...))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := api.DecodeAddCategory(body)
		if err != nil {
			checkRejection(t, err)
			if c != nil {
				t.Errorf("DecodeAddCategory returned a request with error %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Validate() of an accepted request = %v", err)
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := api.DecodeAddCategory(out)
		if err != nil {
			t.Fatalf("DecodeAddCategory(json.Marshal(accepted)) = %v", err)
		}
		if diff := cmp.Diff(c, c2); diff != "" {
			t.Errorf("request changed on re-encoding (-first +second):\n%s", diff)
		}
	})
}
