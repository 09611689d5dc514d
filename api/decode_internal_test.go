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

func TestPathName(t *testing.T) {
	tests := []struct {
		path []seg
		key  string
		want string
	}{
		{nil, "category", "category"},
		{nil, "", ""},
		{[]seg{{"bottomLine", -1}}, "currency", "bottomLine.currency"},
		{[]seg{{"orderLines", 3}}, "", "orderLines[3]"},
		{[]seg{{"orderLines", 1}, {"unitInfo", -1}}, "quantity", "orderLines[1].unitInfo.quantity"},
		{[]seg{{"bottomLine", -1}, {"paymentSources", -1}}, "cash", "bottomLine.paymentSources.cash"},
	}
	for _, tc := range tests {
		if got := pathName(tc.path, tc.key); got != tc.want {
			t.Errorf("pathName(%v, %q) = %q, want %q", tc.path, tc.key, got, tc.want)
		}
	}
}
