package form

import "testing"

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"125", 12500, true}, {"125.5", 12550, true}, {"125,50", 12550, true}, {"0.05", 5, true},
		{"", 0, false}, {".5", 0, false}, {"12.345", 0, false}, {"-1", 0, false}, {"1e3", 0, false}, {"12 000", 0, false},
	} {
		got, ok := parseMoney(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseMoney(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{{"25", 2500, true}, {"15.5", 1550, true}, {"12 %", 1200, true}, {"0", 0, true}, {"100", 10000, true}, {"101", 0, false}, {"x", 0, false}} {
		got, ok := parseRate(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseRate(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestLineInput(t *testing.T) {
	rows := []int{0, 2} // line 1 was typed in row 2
	for path, want := range map[string]string{
		"orderLines[0].name":                 "l0-name",
		"orderLines[1].unitInfo.unitPrice":   "l2-unitPrice",
		"orderLines[1].unitInfo.quantity":    "l2-quantity",
		"orderLines[1].totalAmount":          "l2-unitPrice",
		"orderLines[1].taxRate":              "l2-taxRate",
		"orderLines[0].discount":             "l0-discount",
		"orderLines[0].id":                   "l0-id",
		"orderLines[7].name":                 "",
		"bottomLine.currency":                "currency",
		"bottomLine.receiptNumber":           "receiptNumber",
		"bottomLine.paymentSources.giftCard": "",
	} {
		if got := lineInput(path, rows); got != want {
			t.Errorf("lineInput(%s) = %q, want %q", path, got, want)
		}
	}
}
