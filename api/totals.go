package api

import "strconv"

// Totals are the sums of a receipt as the customer sees them (contract §6
// "Sums"). Amounts are in minor units; return lines count negative.
type Totals struct {
	Total    int64 // Σ s·totalAmount, s = −1 on return lines, else +1
	VAT      int64 // Σ s·totalTaxAmount
	Net      int64 // Σ s·totalAmountExcludingTax
	Discount int64 // Σ s·discount
	Shipping int64 // Σ s·totalAmount over isShipping lines
	Tip      int64 // bottomLine.tipAmount, shown apart: not part of Total
	Currency string
	VATTable []VATRow // one row per rate, by rate ascending
}

// VATRow sums the lines of one tax rate.
type VATRow struct {
	Rate  int64 // basis points: 2500 = 25 %
	Net   int64
	VAT   int64
	Total int64
}

// Totals adds up the receipt. Deprecated bottomLine sums are never used.
// The sums cannot overflow for a receipt that passes Validate; for one that
// does not, they wrap rather than panic.
func (r *Receipt) Totals() Totals {
	t := Totals{Currency: r.BottomLine.Currency}
	if r.BottomLine.TipAmount != nil {
		t.Tip = *r.BottomLine.TipAmount
	}
	for i := range r.OrderLines {
		l := &r.OrderLines[i]
		s := int64(1)
		if l.IsReturn {
			s = -1
		}
		t.Total += s * l.TotalAmount
		t.VAT += s * l.TotalTaxAmount
		t.Net += s * l.TotalAmountExcludingTax
		if l.Discount != nil {
			t.Discount += s * *l.Discount
		}
		if l.IsShipping {
			t.Shipping += s * l.TotalAmount
		}
		row := t.row(l.Rate())
		row.Net += s * l.TotalAmountExcludingTax
		row.VAT += s * l.TotalTaxAmount
		row.Total += s * l.TotalAmount
	}
	return t
}

// row returns the VAT table row of rate, inserting it in rate order. A
// receipt has few rates, so a sorted slice beats a map.
func (t *Totals) row(rate int64) *VATRow {
	i := 0
	for i < len(t.VATTable) && t.VATTable[i].Rate < rate {
		i++
	}
	if i == len(t.VATTable) || t.VATTable[i].Rate != rate {
		if t.VATTable == nil {
			t.VATTable = make([]VATRow, 0, 4)
		}
		t.VATTable = append(t.VATTable, VATRow{})
		copy(t.VATTable[i+1:], t.VATTable[i:])
		t.VATTable[i] = VATRow{Rate: rate}
	}
	return &t.VATTable[i]
}

// FormatAmount formats an amount in minor units with two decimals, a dot,
// no grouping and the currency after a space: FormatAmount(123450, "NOK") is
// "1234.50 NOK", FormatAmount(-5, "EUR") is "-0.05 EUR". An empty currency
// leaves the suffix out. NOK, DKK and EUR all have two decimals.
func FormatAmount(minor int64, currency string) string {
	var buf [32]byte
	b := buf[:0]
	u := uint64(minor)
	if minor < 0 {
		b = append(b, '-')
		u = -u // also right for math.MinInt64
	}
	b = strconv.AppendUint(b, u/100, 10)
	c := u % 100
	b = append(b, '.', byte('0'+c/10), byte('0'+c%10))
	if currency != "" {
		b = append(b, ' ')
		b = append(b, currency...)
	}
	return string(b)
}

// FormatRate formats a tax rate in basis points as a percentage without
// trailing zeros: 2500 is "25 %", 1550 is "15.5 %", 1234 is "12.34 %".
func FormatRate(bp int64) string {
	var buf [32]byte
	b := buf[:0]
	u := uint64(bp)
	if bp < 0 {
		b = append(b, '-')
		u = -u
	}
	b = strconv.AppendUint(b, u/100, 10)
	if c := u % 100; c != 0 {
		b = append(b, '.', byte('0'+c/10))
		if c%10 != 0 {
			b = append(b, byte('0'+c%10))
		}
	}
	b = append(b, " %"...)
	return string(b)
}
