package api_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ordermgmt/ordermgmt/api"
)

func TestParsePaymentType(t *testing.T) {
	tests := []struct {
		in   string
		want api.PaymentType
		code string // of the one invalid param, or "" for success
	}{
		{"ECOM", api.PaymentTypeECOM, ""},
		{"ecom", api.PaymentTypeECOM, ""},
		{"eCom", api.PaymentTypeECOM, ""},
		{"RECURRING", api.PaymentTypeRECURRING, ""},
		{"recurring", api.PaymentTypeRECURRING, ""},
		{"", "", "required"},
		{"EPAYMENT", "", "unknown_value"},
		{"ECOM ", "", "unknown_value"},
		{"ECOMM", "", "unknown_value"},
	}
	for _, tc := range tests {
		got, ps := api.ParsePaymentType(tc.in)
		if got != tc.want {
			t.Errorf("ParsePaymentType(%q) = %q, want %q", tc.in, got, tc.want)
		}
		var want []np
		if tc.code != "" {
			want = []np{{"paymentType", tc.code}}
		}
		if diff := cmp.Diff(want, checkParams(t, ps)); diff != "" {
			t.Errorf("ParsePaymentType(%q) params (-want +got):\n%s", tc.in, diff)
		}
	}
}

// checkParams checks invalid params directly, as problemParams does for a
// problem.
func checkParams(t *testing.T, ps []api.InvalidParam) []np {
	t.Helper()
	if ps == nil {
		return nil
	}
	return problemParams(t, api.Invalid(ps))
}

func TestCategoryLabels(t *testing.T) {
	want := map[api.CategoryType]string{
		api.CategoryReceipt:           "Show receipt",
		api.CategoryOrderConfirmation: "Show order info",
		api.CategoryDelivery:          "Track your order",
		api.CategoryTicket:            "Show ticket",
		api.CategoryBooking:           "Show booking info",
		api.CategoryGeneral:           "Show more info",
	}
	if len(want) != len(api.CategoryTypes) {
		t.Fatalf("test names %d labels, api.CategoryTypes has %d", len(want), len(api.CategoryTypes))
	}
	for _, c := range api.CategoryTypes {
		if got := c.Label(); got != want[c] {
			t.Errorf("%s.Label() = %q, want %q", c, got, want[c])
		}
	}
}

func TestCheckOrderIDAndImageID(t *testing.T) {
	tests := []struct {
		in    string
		codes []string
	}{
		{"order-1", nil},
		{"A.b_C-9", nil},
		{"0", nil},
		{strings.Repeat("x", 128), nil},
		{strings.Repeat("x", 129), []string{"too_long"}},
		{"", []string{"required"}},
		{"order 1", []string{"pattern"}},
		{"order/1", []string{"pattern"}},
		{"ordre-ø", []string{"pattern"}},
		{strings.Repeat("x", 128) + "#", []string{"too_long", "pattern"}},
	}
	for _, tc := range tests {
		for _, f := range []struct {
			name  string
			check func(string) []api.InvalidParam
		}{{"orderId", api.CheckOrderID}, {"imageId", api.CheckImageID}} {
			var want []np
			for _, c := range tc.codes {
				want = append(want, np{f.name, c})
			}
			if diff := cmp.Diff(want, checkParams(t, f.check(tc.in))); diff != "" {
				t.Errorf("check %s(%q) (-want +got):\n%s", f.name, tc.in, diff)
			}
		}
	}
}

func TestCheckMSN(t *testing.T) {
	tests := []struct {
		in   string
		code string
	}{
		{"1234", ""},
		{"123456", ""},
		{"1234567", ""},
		{"", "required"},
		{"123", "pattern"},
		{"12345678", "pattern"},
		{"12a45", "pattern"},
		{" 12345", "pattern"},
		{"-1234", "pattern"},
	}
	for _, tc := range tests {
		var want []np
		if tc.code != "" {
			want = []np{{"Merchant-Serial-Number", tc.code}}
		}
		if diff := cmp.Diff(want, checkParams(t, api.CheckMSN(tc.in))); diff != "" {
			t.Errorf("CheckMSN(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}
