package api_test

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ordermgmt/ordermgmt/api"
)

func TestWarnings(t *testing.T) {
	withUnit := func(l api.OrderLine, price int64, qty string, discount *int64) api.OrderLine {
		l.UnitInfo = &api.UnitInfo{UnitPrice: price, Quantity: qty}
		l.Discount = discount
		return l
	}
	pct := func(l api.OrderLine, p int64) api.OrderLine { l.TaxRate = nil; l.TaxPercentage = &p; return l }
	tests := []struct {
		name       string
		line       api.OrderLine
		want       []np
		wantReason string
	}{
		{name: "exact", line: line(12500, 10000, 2500, 2500)},
		{name: "tax one over", line: line(12501, 10000, 2501, 2500)},
		{name: "tax one under", line: line(12499, 10000, 2499, 2500)},
		{name: "tax two over", line: line(12502, 10000, 2502, 2500), want: []np{{"orderLines[0].totalTaxAmount", "tax_mismatch"}},
			wantReason: "is 2502, but 25 % of totalAmountExcludingTax 10000 is 2500"},
		{name: "tax two under", line: line(12498, 10000, 2498, 2500), want: []np{{"orderLines[0].totalTaxAmount", "tax_mismatch"}}},
		// 10 × 25 % = 2.5 rounds half away from zero to 3: 4 is within one, 1 is not.
		{name: "half rounds up, within", line: line(14, 10, 4, 2500)},
		{name: "half rounds up, off", line: line(11, 10, 1, 2500), want: []np{{"orderLines[0].totalTaxAmount", "tax_mismatch"}},
			wantReason: "is 3 (rounded half away from zero)"},
		{name: "rate from percentage", line: pct(line(1150, 1000, 150, 0), 15)},
		{name: "percentage off", line: pct(line(1250, 1000, 250, 0), 15), want: []np{{"orderLines[0].totalTaxAmount", "tax_mismatch"}},
			wantReason: "15 % of totalAmountExcludingTax 1000 is 150"},
		{name: "rate with decimals", line: line(11550, 10000, 1550, 1550)},
		{name: "zero rate with tax", line: line(1010, 1000, 10, 0), want: []np{{"orderLines[0].totalTaxAmount", "tax_mismatch"}}},
		{name: "large amounts exact", line: line(125_000_000_000_000_000, 100_000_000_000_000_000, 25_000_000_000_000_000, 2500)},
		{name: "large amounts off", line: line(125_000_000_000_000_002, 100_000_000_000_000_000, 25_000_000_000_000_002, 2500),
			want:       []np{{"orderLines[0].totalTaxAmount", "tax_mismatch"}},
			wantReason: "is 25000000000000000"},
		{name: "no rate, no tax warning", line: api.OrderLine{TotalAmount: 5, TotalAmountExcludingTax: 1, TotalTaxAmount: 4}},

		{name: "unit price times quantity", line: withUnit(line(12500, 10000, 2500, 2500), 6250, "2", nil)},
		{name: "with discount", line: withUnit(line(12000, 9600, 2400, 2500), 6250, "2", ptr[int64](500))},
		{name: "discount forgotten", line: withUnit(line(12000, 9600, 2400, 2500), 6250, "2", nil),
			want:       []np{{"orderLines[0].totalAmount", "amount_mismatch"}},
			wantReason: "is 12000, but unitPrice x quantity - discount = 6250 x 2 - 0 = 12500"},
		{name: "fraction within a half", line: withUnit(line(1498, 1498, 0, 0), 999, "1.5", nil)},
		{name: "fraction within one", line: withUnit(line(1499, 1499, 0, 0), 999, "1.50", nil)},
		{name: "fraction off", line: withUnit(line(1500, 1500, 0, 0), 999, "1.5", nil), want: []np{{"orderLines[0].totalAmount", "amount_mismatch"}},
			wantReason: "999 x 1.5 - 0 = 1498.5;"},
		{name: "fraction off below", line: withUnit(line(1497, 1497, 0, 0), 999, "1.5", nil), want: []np{{"orderLines[0].totalAmount", "amount_mismatch"}}},
		{name: "eight decimals", line: withUnit(line(100, 100, 0, 0), 300, "0.33333333", nil)},
		{name: "eight decimals reason", line: withUnit(line(50, 50, 0, 0), 1, "0.00000001", nil), want: []np{{"orderLines[0].totalAmount", "amount_mismatch"}},
			wantReason: "1 x 0.00000001 - 0 = 0.00000001;"},
		{name: "kilograms", line: withUnit(line(2495, 2495, 0, 0), 4990, "0.5", nil)},
		{name: "beyond 64 bits", line: withUnit(line(1, 1, 0, 0), math.MaxInt64, "2", nil), want: []np{{"orderLines[0].totalAmount", "amount_mismatch"}},
			wantReason: "= 18446744073709551614;"},
		{name: "bad quantity is Validate's", line: withUnit(line(1, 1, 0, 0), 5, "x", nil)},
		{name: "both", line: withUnit(line(200, 100, 100, 2500), 1, "1", nil),
			want: []np{{"orderLines[0].totalTaxAmount", "tax_mismatch"}, {"orderLines[0].totalAmount", "amount_mismatch"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := api.Receipt{OrderLines: []api.OrderLine{tc.line}, BottomLine: api.BottomLine{Currency: "NOK"}}
			ws := r.Warnings()
			var got []np
			for _, w := range ws {
				got = append(got, np{w.Name, w.Code})
				for i := 0; i < len(w.Reason); i++ {
					if w.Reason[i] < 0x20 || w.Reason[i] > 0x7e {
						t.Errorf("warning reason %q is not printable ASCII", w.Reason)
						break
					}
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Warnings() (-want +got):\n%s", diff)
			}
			if tc.wantReason != "" && (len(ws) == 0 || !strings.Contains(ws[0].Reason, tc.wantReason)) {
				t.Errorf("Warnings() = %+v, want a reason with %q", ws, tc.wantReason)
			}
		})
	}
}

func TestWarningsOfBaseReceipt(t *testing.T) {
	r, err := api.DecodeReceipt([]byte(baseReceipt))
	if err != nil {
		t.Fatal(err)
	}
	if ws := r.Warnings(); ws != nil {
		t.Errorf("Warnings() = %+v, want none", ws)
	}
	r, err = api.DecodeReceipt(edit(t, baseReceipt, set("orderLines[1].totalTaxAmount", 650), set("orderLines[1].totalAmount", 3650),
		set("orderLines[0].unitInfo.quantity", "3")))
	if err != nil {
		t.Fatal(err)
	}
	want := []np{{"orderLines[0].totalAmount", "amount_mismatch"}, {"orderLines[1].totalTaxAmount", "tax_mismatch"}}
	var got []np
	for _, w := range r.Warnings() {
		got = append(got, np{w.Name, w.Code})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Warnings() (-want +got):\n%s", diff)
	}
}

func TestFormatWarnings(t *testing.T) {
	tests := []struct {
		name string
		ws   []api.Warning
		want string
	}{
		{"none", nil, ""},
		{"one", []api.Warning{{Name: "orderLines[0].totalTaxAmount", Code: "tax_mismatch", Reason: "is 2502, but 25 % of 10000 is 2500."}},
			`"orderLines[0].totalTaxAmount";code=tax_mismatch;reason="is 2502, but 25 % of 10000 is 2500."`},
		{"two", []api.Warning{{Name: "a", Code: "c1", Reason: "r1"}, {Name: "b", Code: "c2", Reason: "r2"}},
			`"a";code=c1;reason="r1", "b";code=c2;reason="r2"`},
		{"quotes and backslashes", []api.Warning{{Name: `a"b`, Code: "x", Reason: `say "hi" \ bye`}},
			`"a\"b";code=x;reason="say \"hi\" \\ bye"`},
		{"code not a token", []api.Warning{{Name: "a", Code: "9 lives", Reason: ""}}, `"a";code="9 lives";reason=""`},
		{"non-ASCII", []api.Warning{{Name: "a", Code: "c", Reason: "1 × 2 = 50 %\n"}}, `"a";code=c;reason=%"1 %c3%97 2 = 50 %25%0a"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := api.FormatWarnings(tc.ws)
			if got != tc.want {
				t.Errorf("FormatWarnings() = %s, want %s", got, tc.want)
			}
			if diff := cmp.Diff(tc.ws, api.ParseWarnings(got)); diff != "" {
				t.Errorf("ParseWarnings(FormatWarnings()) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseWarnings(t *testing.T) {
	tests := []struct {
		header string
		want   []api.Warning
	}{
		{"", nil},
		{"   ", nil},
		{`"a";code=c;reason="r"`, []api.Warning{{Name: "a", Code: "c", Reason: "r"}}},
		// Two header lines joined by the HTTP stack, unknown parameters, any order, tabs.
		{`"a";reason="r";code=c;level=2,	"b";code="d";x;reason=%"caf%c3%a9"`,
			[]api.Warning{{Name: "a", Code: "c", Reason: "r"}, {Name: "b", Code: "d", Reason: "café"}}},
		{`"a"`, []api.Warning{{Name: "a"}}},
		{`token;code=c`, []api.Warning{{Name: "token", Code: "c"}}},
		// Syntax errors stop parsing and keep what came before.
		{`"a";code=c, "b`, []api.Warning{{Name: "a", Code: "c"}}},
		{`"a" "b"`, []api.Warning{{Name: "a"}}},
		{`"a";Code=c`, nil},
		{`"a";reason="\x"`, nil},
		{`"a";reason=%"%zz"`, nil},
		{`(1 2)`, nil},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, api.ParseWarnings(tc.header)); diff != "" {
			t.Errorf("ParseWarnings(%q) (-want +got):\n%s", tc.header, diff)
		}
	}
}

func TestWarningsRoundTripHeader(t *testing.T) {
	r, err := api.DecodeReceipt(edit(t, baseReceipt, set("orderLines[1].totalTaxAmount", 650), set("orderLines[1].totalAmount", 3650),
		set("orderLines[0].unitInfo.quantity", "3.125")))
	if err != nil {
		t.Fatal(err)
	}
	ws := r.Warnings()
	if len(ws) != 2 {
		t.Fatalf("Warnings() = %+v, want two", ws)
	}
	if diff := cmp.Diff(ws, api.ParseWarnings(api.FormatWarnings(ws))); diff != "" {
		t.Errorf("ParseWarnings(FormatWarnings(ws)) (-want +got):\n%s", diff)
	}
}

// TestBarcodeWarnings checks that barcode data its format cannot draw is
// accepted and reported as a warning, never rejected (contract §6, §8).
func TestBarcodeWarnings(t *testing.T) {
	bc := func(format, data string) change {
		return set("bottomLine.barcode", map[string]string{"format": format, "data": data})
	}
	const name = "bottomLine.barcode.data"
	tests := []struct {
		name       string
		barcode    change
		want       []np
		wantReason string
	}{
		{"EAN-13 valid", bc("EAN-13", "5901234123457"), nil, ""},
		{"EAN-13 check digit 0", bc("EAN-13", "4006381333900"), nil, ""},
		{"EAN-13 zeros", bc("EAN-13", "0000000000000"), nil, ""},
		{"EAN-13 wrong check digit", bc("EAN-13", "5901234123458"), []np{{name, "check_digit"}}, "the last digit should be 7, got 8."},
		{"EAN-13 wrong check digit 1", bc("EAN-13", "4006381333901"), []np{{name, "check_digit"}}, ""},
		// The official document's own example.
		{"EAN-13 six digits", bc("EAN-13", "123456"), []np{{name, "pattern"}}, `exactly 13 digits for EAN-13, got "123456"`},
		{"EAN-13 letter", bc("EAN-13", "590123412345A"), []np{{name, "pattern"}}, ""},
		{"CODE 39 valid", bc("CODE 39", "ABC-123 $/+%."), nil, ""},
		{"CODE 39 80", bc("CODE 39", strings.Repeat("A", 80)), nil, ""},
		{"CODE 39 81", bc("CODE 39", strings.Repeat("A", 81)), []np{{name, "too_long"}}, "at most 80 characters for CODE 39, got 81."},
		{"CODE 39 lower case", bc("CODE 39", "abc"), []np{{name, "pattern"}}, "found 'a' at position 1."},
		{"CODE 128 valid", bc("CODE 128", "Order #123 {ok} ~"), nil, ""},
		{"CODE 128 non-ASCII", bc("CODE 128", "Ordre ø"), []np{{name, "pattern"}}, `found '\u00f8' at position 7.`},
		{"CODE 128 81", bc("CODE 128", strings.Repeat("a", 81)), []np{{name, "too_long"}}, ""},
		{"CODE 128 81 and non-ASCII", bc("CODE 128", strings.Repeat("a", 80)+"é"), []np{{name, "too_long"}, {name, "pattern"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := edit(t, baseReceipt, tc.barcode)
			r, err := api.DecodeReceipt(body)
			if err != nil {
				t.Fatalf("DecodeReceipt(%s) = %v, want it accepted", body, err)
			}
			ws := r.Warnings()
			var got []np
			for _, w := range ws {
				got = append(got, np{w.Name, w.Code})
				for i := 0; i < len(w.Reason); i++ {
					if w.Reason[i] < 0x20 || w.Reason[i] > 0x7e {
						t.Errorf("warning reason %q is not printable ASCII", w.Reason)
						break
					}
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Warnings() (-want +got):\n%s", diff)
			}
			if tc.wantReason != "" && (len(ws) == 0 || !strings.Contains(ws[0].Reason, tc.wantReason)) {
				t.Errorf("Warnings() = %+v, want a reason with %q", ws, tc.wantReason)
			}
		})
	}
}

// TestWarningsSuggestFix checks that a warning names the likely fix where
// one is clear, and only then.
func TestWarningsSuggestFix(t *testing.T) {
	unit := func(l api.OrderLine, price int64, qty string) api.OrderLine {
		l.UnitInfo = &api.UnitInfo{UnitPrice: price, Quantity: qty}
		return l
	}
	tests := []struct {
		name string
		line api.OrderLine
		want string // in the first warning's reason
	}{
		{"taxRate as a percentage", line(12500, 10000, 2500, 25), "did you mean taxRate 2500 (25 %)? taxRate is in hundredths of a percent, so 25 is 0.25 %."},
		{"taxRate 15 as a percentage", line(11500, 10000, 1500, 15), "did you mean taxRate 1500 (15 %)?"},
		{"taxRate off, not a percentage", line(12500, 10000, 2500, 2400), "check taxRate and the amounts."},
		{"small taxRate, amounts fit no rate", line(10100, 10000, 100, 25), "check taxRate and the amounts."},
		{"unitPrice in major units", unit(line(25000, 20000, 5000, 2500), 125, "2"), "did you mean unitPrice 12500? Amounts are in minor units: 125.00 is 12500."},
		{"line amounts in major units", unit(line(250, 200, 50, 2500), 12500, "2"), "did you mean totalAmount 25000?"},
		{"amounts off, no clear fix", unit(line(25000, 20000, 5000, 2500), 12000, "2"), "check unitPrice, quantity and discount."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := api.Receipt{OrderLines: []api.OrderLine{tc.line}, BottomLine: api.BottomLine{Currency: "NOK"}}
			ws := r.Warnings()
			if len(ws) == 0 || !strings.Contains(ws[0].Reason, tc.want) {
				t.Fatalf("Warnings() = %+v, want a first reason with %q", ws, tc.want)
			}
			for _, w := range ws {
				if strings.IndexFunc(w.Reason, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 || !strings.HasSuffix(w.Reason, ".") {
					t.Errorf("reason %q is not a sentence of printable ASCII", w.Reason)
				}
			}
		})
	}
}

func TestTaxPercentageSuggestsTaxRate(t *testing.T) {
	for _, tc := range []struct {
		pct  int64
		want string
	}{
		{2500, "did you mean taxRate 2500 (25 %)? taxRate is in hundredths of a percent."},
		{1550, "did you mean taxRate 1550 (15.5 %)? taxRate is in hundredths of a percent."},
		{101, "got 101."},
		{150, "got 150."},
	} {
		_, err := api.DecodeReceipt(edit(t, baseReceipt, set("orderLines[1].taxPercentage", tc.pct)))
		ps := paramsOf(err)
		if len(ps) != 1 || ps[0].Code != "out_of_range" || !strings.HasSuffix(ps[0].Reason, tc.want) {
			t.Errorf("taxPercentage %d: params %v, want one out_of_range ending %q", tc.pct, ps, tc.want)
		}
	}
}
