package client

import (
	"errors"
	"fmt"

	"github.com/ordermgmt/ordermgmt/api"
)

// LineSpec describes an order line by what a shop knows: the gross unit
// price, the quantity, a discount and the tax rate. ReceiptBuilder works out
// the amounts the API wants.
type LineSpec struct {
	Name string // shown to the customer; required
	ID   string // the product id; required
	// UnitPrice is the price of one unit including tax, before discount,
	// in minor units (øre, cents): 10.00 is 1000.
	UnitPrice int64
	// Quantity is a decimal with at most 8 decimals, such as "1", "1.5" or
	// "0.125"; empty means "1".
	Quantity string
	// Unit is the quantity unit (PCS, KG, KM, MINUTE, LITRE, KWH); empty
	// means PCS.
	Unit string
	// Discount is taken off the line's gross amount, in minor units
	// including tax.
	Discount int64
	// TaxRate is in basis points, hundredths of a percent: 2500 is 25 %,
	// 1500 is 15 %, 0 is no tax.
	TaxRate    int64
	ProductURL string
}

// SplitGross splits a gross amount (including tax) at a tax rate in basis
// points into net and tax by the builder's rounding rule (see
// ReceiptBuilder): net = total × 10000 / (10000 + taxRate), rounded half
// away from zero, and tax = total − net, so that net + tax == total. The
// rate must be 0 to 10000.
func SplitGross(total, taxRate int64) (net, tax int64) {
	net, _ = api.MulDivRound(total, 10000, 10000+taxRate) // |net| <= |total|
	return net, total - net
}

// lineAmounts applies the rounding rule to a spec. It names every problem
// with a JSON path under prefix.
func lineAmounts(s LineSpec, prefix string) (gross, total, net, tax int64, ps []api.InvalidParam) {
	bad := func(name, code, format string, args ...any) {
		ps = append(ps, api.InvalidParam{Name: prefix + name, Reason: fmt.Sprintf(format, args...), Code: code})
	}
	quantity := s.Quantity
	if quantity == "" {
		quantity = "1"
	}
	q, ok := api.ParseQuantity(quantity)
	if !ok {
		bad("unitInfo.quantity", api.CodePattern,
			"must be a decimal such as 1, 1.5 or 0.125, with at most 8 decimals and 10 characters; got %q.", quantity)
	}
	if s.UnitPrice < 0 {
		bad("unitInfo.unitPrice", api.CodeNegative, "must be 0 or more, in minor units (10.00 is 1000); got %d.", s.UnitPrice)
	}
	if s.Discount < 0 {
		bad("discount", api.CodeNegative, "must be 0 or more, in minor units (10.00 is 1000); got %d.", s.Discount)
	}
	if s.TaxRate < 0 || s.TaxRate > 10000 {
		bad("taxRate", api.CodeOutOfRange, "must be 0 to 10000 basis points (2500 is 25 %%); got %d.", s.TaxRate)
	}
	if len(ps) > 0 {
		return 0, 0, 0, 0, ps
	}
	gross, ok = api.MulDivRound(s.UnitPrice, q, api.QuantityScale)
	if !ok {
		bad("unitInfo.unitPrice", api.CodeIntOverflow, "times the quantity is too large for a 64-bit amount.")
		return 0, 0, 0, 0, ps
	}
	if s.Discount > gross {
		bad("discount", api.CodeOutOfRange, "must be at most the line's amount before discount, %d (unit price × quantity); got %d.", gross, s.Discount)
		return 0, 0, 0, 0, ps
	}
	total = gross - s.Discount
	net, tax = SplitGross(total, s.TaxRate)
	return gross, total, net, tax, nil
}

// ReceiptBuilder makes a receipt whose lines add up exactly, from gross
// unit prices and decimal quantities. Every line follows one rounding rule;
// amounts are integers in minor units and quantities exact decimals:
//
//	gross = UnitPrice × Quantity, rounded half away from zero
//	total = gross − Discount
//	net   = total × 10000 / (10000 + TaxRate), rounded half away from zero
//	tax   = total − net
//
// So total = net + tax holds exactly, the tax is within one minor unit of
// net × rate, and total is within half a unit of unit price × quantity −
// discount: the service never warns about a line made this way. Problems
// with a line are collected and reported by Build, all at once.
type ReceiptBuilder struct {
	r        api.Receipt
	problems []api.InvalidParam
}

// NewReceipt starts a receipt in a currency: NOK, DKK or EUR.
func NewReceipt(currency string) *ReceiptBuilder {
	return &ReceiptBuilder{r: api.Receipt{OrderLines: []api.OrderLine{}, BottomLine: api.BottomLine{Currency: currency}}}
}

// AddLine adds a line for goods or services sold.
func (b *ReceiptBuilder) AddLine(s LineSpec) *ReceiptBuilder {
	return b.add(s, false, false)
}

// AddShipping adds a shipping line; its total counts as the receipt's
// shipping. Name and ID default to "Shipping" and "shipping".
func (b *ReceiptBuilder) AddShipping(s LineSpec) *ReceiptBuilder {
	if s.Name == "" {
		s.Name = "Shipping"
	}
	if s.ID == "" {
		s.ID = "shipping"
	}
	return b.add(s, false, true)
}

// AddReturn adds a line for goods returned. Amounts are given as positive
// numbers, as for a sale; the line counts negatively in the receipt's sums.
func (b *ReceiptBuilder) AddReturn(s LineSpec) *ReceiptBuilder {
	return b.add(s, true, false)
}

func (b *ReceiptBuilder) add(s LineSpec, isReturn, isShipping bool) *ReceiptBuilder {
	prefix := fmt.Sprintf("orderLines[%d].", len(b.r.OrderLines))
	_, total, net, tax, ps := lineAmounts(s, prefix)
	b.problems = append(b.problems, ps...)
	rate := s.TaxRate
	quantity := s.Quantity
	if quantity == "" {
		quantity = "1"
	}
	l := api.OrderLine{
		Name:                    s.Name,
		ID:                      s.ID,
		TotalAmount:             total,
		TotalAmountExcludingTax: net,
		TotalTaxAmount:          tax,
		TaxRate:                 &rate,
		UnitInfo:                &api.UnitInfo{UnitPrice: s.UnitPrice, Quantity: quantity, QuantityUnit: s.Unit},
		ProductURL:              s.ProductURL,
		IsReturn:                isReturn,
		IsShipping:              isShipping,
	}
	if s.Discount != 0 {
		d := s.Discount
		l.Discount = &d
	}
	b.r.OrderLines = append(b.r.OrderLines, l)
	return b
}

// Tip sets the tip, shown apart from the lines' total.
func (b *ReceiptBuilder) Tip(amount int64) *ReceiptBuilder {
	b.r.BottomLine.TipAmount = &amount
	return b
}

// ReceiptNumber sets the shop's own receipt number.
func (b *ReceiptBuilder) ReceiptNumber(n string) *ReceiptBuilder {
	b.r.BottomLine.ReceiptNumber = n
	return b
}

// PosID sets the id of the point of sale.
func (b *ReceiptBuilder) PosID(id string) *ReceiptBuilder {
	b.r.BottomLine.PosID = id
	return b
}

// Barcode sets the barcode shown under the receipt: format EAN-13,
// CODE 39 or CODE 128.
func (b *ReceiptBuilder) Barcode(format, data string) *ReceiptBuilder {
	b.r.BottomLine.Barcode = &api.Barcode{Format: format, Data: data}
	return b
}

// PaymentSources sets how the amount was paid.
func (b *ReceiptBuilder) PaymentSources(ps api.PaymentSources) *ReceiptBuilder {
	b.r.BottomLine.PaymentSources = &ps
	return b
}

// receipt returns a copy of the receipt so far, which later calls of the
// builder do not change.
func (b *ReceiptBuilder) receipt() *api.Receipt {
	r := b.r
	r.OrderLines = append([]api.OrderLine(nil), b.r.OrderLines...)
	return &r
}

// Build returns the receipt, or an *api.Problem naming every problem: those
// of the line specs, else those the service's own validation finds.
func (b *ReceiptBuilder) Build() (*api.Receipt, error) {
	if err := api.Invalid(b.problems); err != nil {
		return nil, err
	}
	r := b.receipt()
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// Lint runs the checks the service runs on the receipt so far: the
// validation that would reject it, and the warnings it would report.
func (b *ReceiptBuilder) Lint() ([]api.Warning, error) {
	r := b.receipt()
	warnings, err := Lint(r)
	if len(b.problems) > 0 {
		err = errors.Join(api.Invalid(b.problems), err)
	}
	return warnings, err
}

// Lint checks a receipt as the service will: err rejects it (an
// *api.Problem naming every problem), warnings are accepted but reported.
func Lint(r *api.Receipt) (warnings []api.Warning, err error) {
	return r.Warnings(), r.Validate()
}
