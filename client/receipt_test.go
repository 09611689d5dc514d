package client

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ordermgmt/ordermgmt/api"
)

func mustBuild(t *testing.T, b *ReceiptBuilder) *api.Receipt {
	t.Helper()
	r, err := b.Build()
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return r
}

// TestLineArithmetic pins the rounding rule: gross = round(unit × quantity),
// total = gross − discount, net = round(total / (1 + rate)), tax = total − net.
func TestLineArithmetic(t *testing.T) {
	tests := []struct {
		name            string
		spec            LineSpec
		total, net, tax int64
	}{
		{"3 × 33.33 at 25 %", LineSpec{UnitPrice: 3333, Quantity: "3", TaxRate: 2500}, 9999, 7999, 2000},
		{"3 × 33.33 at 15 %", LineSpec{UnitPrice: 3333, Quantity: "3", TaxRate: 1500}, 9999, 8695, 1304},
		{"3 × 33.33 at 0 %", LineSpec{UnitPrice: 3333, Quantity: "3", TaxRate: 0}, 9999, 9999, 0},
		{"100.00 at 25 %", LineSpec{UnitPrice: 10000, TaxRate: 2500}, 10000, 8000, 2000},
		{"49.90 at 15 %", LineSpec{UnitPrice: 4990, TaxRate: 1500}, 4990, 4339, 651},
		{"1.5 kg at 29.90", LineSpec{UnitPrice: 2990, Quantity: "1.5", Unit: "KG", TaxRate: 1500}, 4485, 3900, 585},
		{"0.333 × 10.00 at 15 %", LineSpec{UnitPrice: 1000, Quantity: "0.333", TaxRate: 1500}, 333, 290, 43},
		{"8 decimals", LineSpec{UnitPrice: 999, Quantity: "2.12345678", TaxRate: 2500}, 2121, 1697, 424},
		{"half a unit rounds up", LineSpec{UnitPrice: 1, Quantity: "0.5", TaxRate: 2500}, 1, 1, 0},
		{"just under half rounds down", LineSpec{UnitPrice: 1, Quantity: "0.49999999", TaxRate: 0}, 0, 0, 0},
		{"tiny quantity", LineSpec{UnitPrice: 50_000_000, Quantity: "0.00000001", TaxRate: 2500}, 1, 1, 0},
		{"discount", LineSpec{UnitPrice: 10000, Quantity: "2", Discount: 1500, TaxRate: 2500}, 18500, 14800, 3700},
		{"discount with 15 %", LineSpec{UnitPrice: 3333, Quantity: "3", Discount: 999, TaxRate: 1500}, 9000, 7826, 1174},
		{"discount equals gross", LineSpec{UnitPrice: 500, Quantity: "2", Discount: 1000, TaxRate: 2500}, 0, 0, 0},
		{"12.5 %", LineSpec{UnitPrice: 11250, TaxRate: 1250}, 11250, 10000, 1250},
		{"100 %", LineSpec{UnitPrice: 3, TaxRate: 10000}, 3, 2, 1},
		{"free", LineSpec{UnitPrice: 0, Quantity: "4", TaxRate: 2500}, 0, 0, 0},
		{"large", LineSpec{UnitPrice: 9_000_000_000_000, Quantity: "1000", TaxRate: 2500}, 9_000_000_000_000_000, 7_200_000_000_000_000, 1_800_000_000_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.Name, tt.spec.ID = "Item", "sku"
			r := mustBuild(t, NewReceipt("NOK").AddLine(tt.spec))
			l := r.OrderLines[0]
			if l.TotalAmount != tt.total || l.TotalAmountExcludingTax != tt.net || l.TotalTaxAmount != tt.tax {
				t.Errorf("line(%+v) = total %d, net %d, tax %d; want %d, %d, %d",
					tt.spec, l.TotalAmount, l.TotalAmountExcludingTax, l.TotalTaxAmount, tt.total, tt.net, tt.tax)
			}
			if ws, err := Lint(r); err != nil || len(ws) != 0 {
				t.Errorf("Lint() = %v, %v, want no warnings and no error", ws, err)
			}
		})
	}
}

func TestSplitGross(t *testing.T) {
	tests := []struct{ total, rate, net, tax int64 }{
		{10000, 2500, 8000, 2000},
		{9999, 2500, 7999, 2000},
		{1, 2500, 1, 0},
		{2, 2500, 2, 0}, // 1.6 → 2
		{5, 2500, 4, 1},
		{0, 1500, 0, 0},
		{100, 0, 100, 0},
		{-10000, 2500, -8000, -2000}, // half away from zero holds for negatives too
		{-9999, 2500, -7999, -2000},
	}
	for _, tt := range tests {
		net, tax := SplitGross(tt.total, tt.rate)
		if net != tt.net || tax != tt.tax {
			t.Errorf("SplitGross(%d, %d) = %d, %d, want %d, %d", tt.total, tt.rate, net, tax, tt.net, tt.tax)
		}
	}
}

// TestBuilderNeverWarns: for many random lines, the builder's amounts add
// up exactly and the service's warnings never fire.
func TestBuilderNeverWarns(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rates := []int64{0, 1000, 1200, 1500, 2500, 1550, 10000}
	for i := range 2000 {
		// An integer part of up to 3 digits and 0 to 6 decimals: at most
		// 10 characters.
		q := fmt.Sprint(rng.IntN(1000))
		if d := rng.IntN(7); d > 0 {
			q += fmt.Sprintf(".%0*d", d, rng.IntN(pow10(d)))
		}
		spec := LineSpec{Name: "x", ID: "y", UnitPrice: rng.Int64N(1_000_000), Quantity: q, TaxRate: rates[rng.IntN(len(rates))]}
		gross, _, _, _, _ := lineAmounts(spec, "")
		if gross > 0 {
			spec.Discount = rng.Int64N(gross)
		}
		r, err := NewReceipt("EUR").AddLine(spec).Build()
		if err != nil {
			t.Fatalf("case %d: Build(%+v): %v", i, spec, err)
		}
		l := r.OrderLines[0]
		if l.TotalAmount != l.TotalAmountExcludingTax+l.TotalTaxAmount {
			t.Fatalf("case %d: %+v: total %d != net %d + tax %d", i, spec, l.TotalAmount, l.TotalAmountExcludingTax, l.TotalTaxAmount)
		}
		if ws := r.Warnings(); len(ws) != 0 {
			t.Fatalf("case %d: %+v: warnings %v", i, spec, ws)
		}
	}
}

func TestBuilderWholeReceipt(t *testing.T) {
	r := mustBuild(t, NewReceipt("NOK").
		AddLine(LineSpec{Name: "Shirt", ID: "sh-1", UnitPrice: 29900, Quantity: "2", Discount: 5000, TaxRate: 2500, ProductURL: "https://shop.example/sh-1"}).
		AddLine(LineSpec{Name: "Book", ID: "b-1", UnitPrice: 19900, TaxRate: 0}).
		AddShipping(LineSpec{UnitPrice: 9900, TaxRate: 2500}).
		AddReturn(LineSpec{Name: "Socks", ID: "so-1", UnitPrice: 4900, TaxRate: 2500}).
		Tip(2000).
		ReceiptNumber("R-42").
		PosID("till-3").
		Barcode("CODE 128", "R-42").
		PaymentSources(api.PaymentSources{Card: ptr(int64(72700))}))
	rate25, rate0 := int64(2500), int64(0)
	disc := int64(5000)
	want := &api.Receipt{
		OrderLines: []api.OrderLine{
			{Name: "Shirt", ID: "sh-1", TotalAmount: 54800, TotalAmountExcludingTax: 43840, TotalTaxAmount: 10960, TaxRate: &rate25,
				UnitInfo: &api.UnitInfo{UnitPrice: 29900, Quantity: "2"}, Discount: &disc, ProductURL: "https://shop.example/sh-1"},
			{Name: "Book", ID: "b-1", TotalAmount: 19900, TotalAmountExcludingTax: 19900, TotalTaxAmount: 0, TaxRate: &rate0,
				UnitInfo: &api.UnitInfo{UnitPrice: 19900, Quantity: "1"}},
			{Name: "Shipping", ID: "shipping", TotalAmount: 9900, TotalAmountExcludingTax: 7920, TotalTaxAmount: 1980, TaxRate: &rate25,
				UnitInfo: &api.UnitInfo{UnitPrice: 9900, Quantity: "1"}, IsShipping: true},
			{Name: "Socks", ID: "so-1", TotalAmount: 4900, TotalAmountExcludingTax: 3920, TotalTaxAmount: 980, TaxRate: &rate25,
				UnitInfo: &api.UnitInfo{UnitPrice: 4900, Quantity: "1"}, IsReturn: true},
		},
		BottomLine: api.BottomLine{Currency: "NOK", TipAmount: ptr(int64(2000)), ReceiptNumber: "R-42", PosID: "till-3",
			Barcode: &api.Barcode{Format: "CODE 128", Data: "R-42"}, PaymentSources: &api.PaymentSources{Card: ptr(int64(72700))}},
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("Build() (-want +got):\n%s", diff)
	}
	tot := r.Totals()
	if tot.Total != 54800+19900+9900-4900 || tot.Shipping != 9900 || tot.Tip != 2000 {
		t.Errorf("Totals() = %+v", tot)
	}
}

func ptr[T any](v T) *T { return &v }

// TestBuilderErrors: every problem of every line is named with its JSON
// path, all at once.
func TestBuilderErrors(t *testing.T) {
	b := NewReceipt("NOK").
		AddLine(LineSpec{Name: "ok", ID: "1", UnitPrice: 100, TaxRate: 2500}).
		AddLine(LineSpec{Name: "bad qty", ID: "2", UnitPrice: 100, Quantity: "1,5", TaxRate: 2500}).
		AddLine(LineSpec{Name: "negative", ID: "3", UnitPrice: -1, Discount: -2, TaxRate: 10001}).
		AddLine(LineSpec{Name: "discount", ID: "4", UnitPrice: 100, Quantity: "2", Discount: 201})
	_, err := b.Build()
	var p *api.Problem
	if !errors.As(err, &p) {
		t.Fatalf("Build() error = %v, want *api.Problem", err)
	}
	var got []string
	for _, ip := range p.InvalidParams {
		got = append(got, ip.Name+" "+ip.Code)
	}
	want := []string{
		"orderLines[1].unitInfo.quantity pattern",
		"orderLines[2].unitInfo.unitPrice negative",
		"orderLines[2].discount negative",
		"orderLines[2].taxRate out_of_range",
		"orderLines[3].discount out_of_range",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Build() problems (-want +got):\n%s", diff)
	}
}

// TestBuildRunsServiceValidation: Build rejects what the service would.
func TestBuildRunsServiceValidation(t *testing.T) {
	_, err := NewReceipt("SEK").AddLine(LineSpec{Name: "", ID: "x", UnitPrice: 100, TaxRate: 2500}).Build()
	var p *api.Problem
	if !errors.As(err, &p) {
		t.Fatalf("Build() error = %v, want *api.Problem", err)
	}
	names := map[string]bool{}
	for _, ip := range p.InvalidParams {
		names[ip.Name] = true
	}
	if !names["orderLines[0].name"] || !names["bottomLine.currency"] {
		t.Errorf("Build() problems = %v, want orderLines[0].name and bottomLine.currency", p.InvalidParams)
	}
	if _, err := NewReceipt("NOK").Build(); err == nil {
		t.Error("Build() of a receipt without lines: error = nil, want one")
	}
}

func TestLintReportsWarnings(t *testing.T) {
	r := mustBuild(t, NewReceipt("NOK").AddLine(LineSpec{Name: "x", ID: "y", UnitPrice: 10000, TaxRate: 2500}))
	// Hand-edited afterwards: the tax no longer fits the rate.
	r.OrderLines[0].TotalTaxAmount, r.OrderLines[0].TotalAmountExcludingTax = 1000, 9000
	ws, err := Lint(r)
	if err != nil {
		t.Fatalf("Lint() error = %v, want nil (warnings only)", err)
	}
	if len(ws) != 1 || ws[0].Code != api.CodeTaxMismatch || ws[0].Name != "orderLines[0].totalTaxAmount" {
		t.Errorf("Lint() warnings = %v, want one tax_mismatch on orderLines[0].totalTaxAmount", ws)
	}
	// The builder's Lint reports spec problems and validation together.
	ws, err = NewReceipt("XXX").AddLine(LineSpec{Name: "x", ID: "y", Quantity: "two"}).Lint()
	if err == nil || len(ws) != 0 {
		t.Fatalf("builder Lint() = %v, %v, want an error", ws, err)
	}
	for _, want := range []string{"orderLines[0].unitInfo.quantity", "bottomLine.currency"} {
		if !containsParam(err, want) {
			t.Errorf("builder Lint() error = %v, want it to name %s", err, want)
		}
	}
}

func containsParam(err error, name string) bool {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		var p *api.Problem
		if errors.As(e, &p) {
			for _, ip := range p.InvalidParams {
				if ip.Name == name {
					return true
				}
			}
		}
	}
	return false
}

func TestSameReceipt(t *testing.T) {
	a := mustBuild(t, NewReceipt("NOK").AddLine(LineSpec{Name: "x", ID: "y", UnitPrice: 100, TaxRate: 2500}))
	b := mustBuild(t, NewReceipt("NOK").AddLine(LineSpec{Name: "x", ID: "y", UnitPrice: 100, TaxRate: 2500, Unit: "PCS"}))
	c := mustBuild(t, NewReceipt("NOK").AddLine(LineSpec{Name: "x", ID: "y", UnitPrice: 101, TaxRate: 2500}))
	a.BottomLine.ShippingInfo = []byte(`{"b": 1, "a": [1, 2]}`)
	b.BottomLine.ShippingInfo = []byte(`{"a":[1,2],"b":1}`)
	c.BottomLine.ShippingInfo = a.BottomLine.ShippingInfo
	if same, err := SameReceipt(a, b); err != nil || !same {
		t.Errorf("SameReceipt(a, a with PCS and reordered keys) = %v, %v, want true", same, err)
	}
	if same, err := SameReceipt(a, c); err != nil || same {
		t.Errorf("SameReceipt(a, other price) = %v, %v, want false", same, err)
	}
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}
