package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ordermgmt/ordermgmt/api"
)

var categoryCases = []struct {
	name       string
	changes    []change
	want       []np
	decodeOnly bool
}{
	{name: "base"},
	{name: "every category type", changes: []change{set("category", "ORDER_CONFIRMATION")}},
	{name: "category missing", changes: []change{del("category")}, want: []np{{"category", "required"}}},
	{name: "category empty", changes: []change{set("category", "")}, want: []np{{"category", "required"}}},
	{name: "category unknown", changes: []change{set("category", "INVOICE")}, want: []np{{"category", "unknown_value"}}},
	{name: "category lower case", changes: []change{set("category", "receipt")}, want: []np{{"category", "unknown_value"}}},
	{name: "category number", changes: []change{raw("category", "1")}, want: []np{{"category", "wrong_type"}}, decodeOnly: true},
	{name: "url missing", changes: []change{del("orderDetailsUrl")}, want: []np{{"orderDetailsUrl", "required"}}},
	{name: "url http", changes: []change{set("orderDetailsUrl", "http://example.com/orders/1")}, want: []np{{"orderDetailsUrl", "not_https"}}},
	{name: "url upper-case scheme", changes: []change{set("orderDetailsUrl", "HTTPS://example.com/orders/1")}},
	{name: "url relative", changes: []change{set("orderDetailsUrl", "example.com/orders/1")}, want: []np{{"orderDetailsUrl", "invalid_url"}}},
	{name: "url 2048", changes: []change{set("orderDetailsUrl", "https://example.com/"+strings.Repeat("a", 2048-20))}},
	{name: "url 2049", changes: []change{set("orderDetailsUrl", "https://example.com/"+strings.Repeat("a", 2049-20))}, want: []np{{"orderDetailsUrl", "too_long"}}},
	{name: "url array", changes: []change{raw("orderDetailsUrl", `["https://example.com"]`)}, want: []np{{"orderDetailsUrl", "wrong_type"}}, decodeOnly: true},
	{name: "imageId absent", changes: []change{del("imageId")}},
	{name: "imageId null", changes: []change{raw("imageId", "null")}},
	{name: "imageId empty", changes: []change{set("imageId", "")}, want: []np{{"imageId", "empty"}}},
	{name: "imageId bad", changes: []change{set("imageId", "logo 1")}, want: []np{{"imageId", "pattern"}}},
	{name: "imageId 129", changes: []change{set("imageId", strings.Repeat("i", 129))}, want: []np{{"imageId", "too_long"}}},
	{name: "imageId number", changes: []change{raw("imageId", "12")}, want: []np{{"imageId", "wrong_type"}}, decodeOnly: true},
	{name: "unknown field", changes: []change{raw("extra", "[1]")}},
	{name: "everything wrong", changes: []change{set("category", "X"), set("orderDetailsUrl", "ftp://x"), set("imageId", "a b")},
		want: []np{{"category", "unknown_value"}, {"orderDetailsUrl", "not_https"}, {"imageId", "pattern"}}},
}

func TestDecodeCategory(t *testing.T) {
	for _, tc := range categoryCases {
		t.Run(tc.name, func(t *testing.T) {
			body := edit(t, baseCategory, tc.changes...)
			c, err := api.DecodeCategory(body)
			if diff := cmp.Diff(tc.want, problemParams(t, err)); diff != "" {
				t.Errorf("DecodeCategory(%s) params (-want +got):\n%s", body, diff)
			}
			if (err == nil) != (c != nil) {
				t.Errorf("DecodeCategory = %v, %v; want exactly one of them", c, err)
			}
			if tc.decodeOnly {
				return
			}
			var typed api.Category
			if err := json.Unmarshal(body, &typed); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(paramsOf(err), paramsOf(typed.Validate())); diff != "" {
				t.Errorf("Validate() and DecodeCategory differ (-decode +validate):\n%s", diff)
			}
		})
	}
}

func TestDecodeCategoryValue(t *testing.T) {
	got, err := api.DecodeCategory([]byte(baseCategory))
	if err != nil {
		t.Fatal(err)
	}
	want := &api.Category{Category: api.CategoryReceipt, OrderDetailsURL: "https://example.com/orders/1", ImageID: ptr("logo-1")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeCategory (-want +got):\n%s", diff)
	}
	got, err = api.DecodeCategory(edit(t, baseCategory, raw("imageId", "null")))
	if err != nil || got.ImageID != nil {
		t.Errorf("DecodeCategory(imageId null) = %+v, %v; want no image id", got, err)
	}
}

func TestDecodeCategoryBody(t *testing.T) {
	for _, tc := range []struct {
		body string
		want []np
	}{
		{"", []np{{"body", "empty_body"}}},
		{"[]", []np{{"body", "wrong_type"}}},
		{`{"category": "RECEIPT",}`, []np{{"body", "invalid_json"}}},
		{"{}", []np{{"category", "required"}, {"orderDetailsUrl", "required"}}},
	} {
		_, err := api.DecodeCategory([]byte(tc.body))
		if diff := cmp.Diff(tc.want, problemParams(t, err)); diff != "" {
			t.Errorf("DecodeCategory(%q) params (-want +got):\n%s", tc.body, diff)
		}
	}
}
