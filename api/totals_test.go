package api_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ordermgmt/ordermgmt/api"
)

// line builds an order line of a rate in basis points.
func line(total, excl, tax, rate int64) api.OrderLine {
	return api.OrderLine{Name: "n", ID: "i", TotalAmount: total, TotalAmountExcludingTax: excl, TotalTaxAmount: tax, TaxRate: &rate}
}

func TestTotals(t *testing.T) {
	ret := func(l api.OrderLine) api.OrderLine { l.IsReturn = true; return l }
	ship := func(l api.OrderLine) api.OrderLine { l.IsShipping = true; return l }
	disc := func(l api.OrderLine, d int64) api.OrderLine { l.Discount = &d; return l }
	pct := func(total, excl, tax, p int64) api.OrderLine {
		return api.OrderLine{Name: "n", ID: "i", TotalAmount: total, TotalAmountExcludingTax: excl, TotalTaxAmount: tax, TaxPercentage: &p}
	}
	tests := []struct {
		name  string
		lines []api.OrderLine
		tip   *int64
		want  api.Totals
	}{
		{name: "no lines", want: api.Totals{Currency: "NOK"}},
		{name: "one line", lines: []api.OrderLine{line(12500, 10000, 2500, 2500)},
			want: api.Totals{Total: 12500, VAT: 2500, Net: 10000, Currency: "NOK",
				VATTable: []api.VATRow{{Rate: 2500, Net: 10000, VAT: 2500, Total: 12500}}}},
		{name: "rates sorted, percentage joins its rate", lines: []api.OrderLine{
			line(12500, 10000, 2500, 2500), pct(1150, 1000, 150, 15), line(500, 500, 0, 0), line(2300, 2000, 300, 1500)},
			want: api.Totals{Total: 16450, VAT: 2950, Net: 13500, Currency: "NOK", VATTable: []api.VATRow{
				{Rate: 0, Net: 500, VAT: 0, Total: 500},
				{Rate: 1500, Net: 3000, VAT: 450, Total: 3450},
				{Rate: 2500, Net: 10000, VAT: 2500, Total: 12500}}}},
		{name: "return subtracts", lines: []api.OrderLine{line(12500, 10000, 2500, 2500), ret(line(2500, 2000, 500, 2500))},
			want: api.Totals{Total: 10000, VAT: 2000, Net: 8000, Currency: "NOK",
				VATTable: []api.VATRow{{Rate: 2500, Net: 8000, VAT: 2000, Total: 10000}}}},
		{name: "only a return", lines: []api.OrderLine{ret(disc(line(1150, 1000, 150, 1500), 100))},
			want: api.Totals{Total: -1150, VAT: -150, Net: -1000, Discount: -100, Currency: "NOK",
				VATTable: []api.VATRow{{Rate: 1500, Net: -1000, VAT: -150, Total: -1150}}}},
		{name: "shipping and returned shipping", lines: []api.OrderLine{
			line(10000, 8000, 2000, 2500), ship(line(4900, 3920, 980, 2500)), ret(ship(line(4900, 3920, 980, 2500)))},
			want: api.Totals{Total: 10000, VAT: 2000, Net: 8000, Shipping: 0, Currency: "NOK",
				VATTable: []api.VATRow{{Rate: 2500, Net: 8000, VAT: 2000, Total: 10000}}}},
		{name: "shipping counts in total too", lines: []api.OrderLine{line(10000, 8000, 2000, 2500), ship(line(4900, 3920, 980, 2500))},
			want: api.Totals{Total: 14900, VAT: 2980, Net: 11920, Shipping: 4900, Currency: "NOK",
				VATTable: []api.VATRow{{Rate: 2500, Net: 11920, VAT: 2980, Total: 14900}}}},
		{name: "tip apart, discounts summed", lines: []api.OrderLine{disc(line(10000, 8000, 2000, 2500), 500), disc(line(1000, 1000, 0, 0), 50)}, tip: ptr[int64](700),
			want: api.Totals{Total: 11000, VAT: 2000, Net: 9000, Discount: 550, Tip: 700, Currency: "NOK",
				VATTable: []api.VATRow{{Rate: 0, Net: 1000, Total: 1000}, {Rate: 2500, Net: 8000, VAT: 2000, Total: 10000}}}},
		{name: "largest total", lines: []api.OrderLine{line(math.MaxInt64, math.MaxInt64-1, 1, 2500)},
			want: api.Totals{Total: math.MaxInt64, VAT: 1, Net: math.MaxInt64 - 1, Currency: "NOK",
				VATTable: []api.VATRow{{Rate: 2500, Net: math.MaxInt64 - 1, VAT: 1, Total: math.MaxInt64}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := api.Receipt{OrderLines: tc.lines, BottomLine: api.BottomLine{Currency: "NOK", TipAmount: tc.tip}}
			if diff := cmp.Diff(tc.want, r.Totals()); diff != "" {
				t.Errorf("Totals() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTotalsIgnoresDeprecatedSums(t *testing.T) {
	r := api.Receipt{OrderLines: []api.OrderLine{line(100, 80, 20, 2500)},
		BottomLine: api.BottomLine{Currency: "EUR", TotalAmount: ptr[int64](999), TotalTax: ptr[int64](999), ShippingAmount: ptr[int64](999), TotalDiscount: ptr[int64](9)}}
	got := r.Totals()
	if got.Total != 100 || got.VAT != 20 || got.Shipping != 0 || got.Discount != 0 || got.Currency != "EUR" {
		t.Errorf("Totals() = %+v, want sums of the lines only", got)
	}
}

func TestTotalsOfBaseReceipt(t *testing.T) {
	r, err := api.DecodeReceipt([]byte(baseReceipt))
	if err != nil {
		t.Fatal(err)
	}
	want := api.Totals{Total: 15950, VAT: 2950, Net: 13000, Tip: 1000, Currency: "NOK", VATTable: []api.VATRow{
		{Rate: 1500, Net: 3000, VAT: 450, Total: 3450}, {Rate: 2500, Net: 10000, VAT: 2500, Total: 12500}}}
	if diff := cmp.Diff(want, r.Totals()); diff != "" {
		t.Errorf("Totals() (-want +got):\n%s", diff)
	}
}

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		minor    int64
		currency string
		want     string
	}{
		{0, "NOK", "0.00 NOK"},
		{5, "NOK", "0.05 NOK"},
		{50, "DKK", "0.50 DKK"},
		{-5, "EUR", "-0.05 EUR"},
		{123450, "NOK", "1234.50 NOK"},
		{-123456, "NOK", "-1234.56 NOK"},
		{100, "", "1.00"},
		{math.MaxInt64, "NOK", "92233720368547758.07 NOK"},
		{math.MinInt64, "NOK", "-92233720368547758.08 NOK"},
	}
	for _, tc := range tests {
		if got := api.FormatAmount(tc.minor, tc.currency); got != tc.want {
			t.Errorf("FormatAmount(%d, %q) = %q, want %q", tc.minor, tc.currency, got, tc.want)
		}
	}
}

func TestFormatRate(t *testing.T) {
	tests := []struct {
		bp   int64
		want string
	}{
		{2500, "25 %"}, {1550, "15.5 %"}, {1234, "12.34 %"}, {0, "0 %"}, {5, "0.05 %"},
		{50, "0.5 %"}, {10000, "100 %"}, {1205, "12.05 %"}, {-2500, "-25 %"},
	}
	for _, tc := range tests {
		if got := api.FormatRate(tc.bp); got != tc.want {
			t.Errorf("FormatRate(%d) = %q, want %q", tc.bp, got, tc.want)
		}
	}
}

func TestUnit(t *testing.T) {
	for _, tc := range []struct{ in, want string }{{"", "PCS"}, {"KG", "KG"}, {"PCS", "PCS"}} {
		if got := (api.UnitInfo{QuantityUnit: tc.in}).Unit(); got != tc.want {
			t.Errorf("UnitInfo{QuantityUnit: %q}.Unit() = %q, want %q", tc.in, got, tc.want)
		}
	}
}
