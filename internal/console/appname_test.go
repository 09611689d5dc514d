package console

import (
	"testing"
	"time"
)

func TestAppName(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	before := time.Date(2027, 1, 11, 23, 59, 59, 0, cet)
	after := time.Date(2027, 1, 12, 0, 0, 0, 0, cet)
	for _, tc := range []struct {
		market string
		at     time.Time
		over   map[string]string
		want   string
	}{
		{"NO", before, nil, "Vipps"},
		{"SE", before, nil, "Vipps"},
		{"DK", before, nil, "MobilePay"},
		{"FI", before, nil, "MobilePay"},
		{"DK", after, nil, "Vipps"},
		{"FI", after, nil, "Vipps"},
		{"NO", after, nil, "Vipps"},
		{"DK", after, map[string]string{"DK": "MobilePay"}, "MobilePay"},
		{"NO", before, map[string]string{"DK": "Vipps"}, "Vipps"},
	} {
		if got := AppName(tc.market, tc.at, tc.over); got != tc.want {
			t.Errorf("AppName(%s, %s, %v) = %q, want %q", tc.market, tc.at, tc.over, got, tc.want)
		}
	}
}

func TestMarketFromCurrency(t *testing.T) {
	c := &Console{opts: Options{Markets: map[string]string{"1111": "SE"}}, now: time.Now}
	for _, tc := range []struct{ msn, cur, want string }{
		{"1111", "DKK", "SE"}, {"2222", "DKK", "DK"}, {"2222", "EUR", "FI"}, {"2222", "NOK", "NO"}, {"2222", "", "NO"},
	} {
		if got := c.market(tc.msn, tc.cur); got != tc.want {
			t.Errorf("market(%s, %s) = %s, want %s", tc.msn, tc.cur, got, tc.want)
		}
	}
}
