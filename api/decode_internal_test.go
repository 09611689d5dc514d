package api

import "testing"

func TestParseInt64(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"-0", 0, true}, {"42", 42, true}, {"-42", -42, true},
		{"9223372036854775807", 9223372036854775807, true}, {"9223372036854775808", 0, false},
		{"-9223372036854775808", -9223372036854775808, true}, {"-9223372036854775809", 0, false},
		{"99999999999999999999", 0, false}, {"1.0", 0, false}, {"1e3", 0, false}, {"", 0, false}, {"-", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseInt64(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseInt64(%q) = %d, %v, want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestLocName(t *testing.T) {
	tests := []struct {
		at   loc
		key  string
		want string
	}{
		{loc{}, "category", "category"},
		{loc{}, "", ""},
		{loc{}.child("bottomLine"), "currency", "bottomLine.currency"},
		{loc{}.elem("orderLines", 3), "", "orderLines[3]"},
		{loc{}.elem("orderLines", 1).child("unitInfo"), "quantity", "orderLines[1].unitInfo.quantity"},
		{loc{}.child("bottomLine").child("paymentSources"), "cash", "bottomLine.paymentSources.cash"},
	}
	for _, tc := range tests {
		if got := tc.at.name(tc.key); got != tc.want {
			t.Errorf("%+v.name(%q) = %q, want %q", tc.at, tc.key, got, tc.want)
		}
	}
}
