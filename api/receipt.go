package api

import (
	"encoding/json"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Receipt is the body of POST .../receipts/{orderId} and the receipt part of
// an order (contract §6).
type Receipt struct {
	OrderLines []OrderLine `json:"orderLines"`
	BottomLine BottomLine  `json:"bottomLine"`
}

var receiptFields = newTable(
	list("orderLines", "an array of order lines, at least one", func(r *Receipt) *[]OrderLine { return &r.OrderLines },
		lineFields, "an order line object with name, id, totalAmount, totalAmountExcludingTax, totalTaxAmount and taxRate",
		"must list at least one order line: a receipt without lines shows the customer nothing.").then(checkSums),
	object("bottomLine", "an object with at least currency", func(r *Receipt) *BottomLine { return &r.BottomLine }, bottomLineFields),
)

// OrderLine is one line of a receipt. Amounts are integers in minor units.
//
// Each field is described once, by its row in lineFields below: adding a
// field is adding it here and its row there, in the same place in both.
type OrderLine struct {
	Name                    string    `json:"name"`
	ID                      string    `json:"id"`
	TotalAmount             int64     `json:"totalAmount"`
	TotalAmountExcludingTax int64     `json:"totalAmountExcludingTax"`
	TotalTaxAmount          int64     `json:"totalTaxAmount"`
	TaxRate                 *int64    `json:"taxRate,omitempty"`
	TaxPercentage           *int64    `json:"taxPercentage,omitempty"`
	Discount                *int64    `json:"discount,omitempty"`
	ProductURL              string    `json:"productUrl,omitempty"`
	IsReturn                bool      `json:"isReturn,omitempty"`
	IsShipping              bool      `json:"isShipping,omitempty"`
	UnitInfo                *UnitInfo `json:"unitInfo,omitempty"`
}

var lineFields = newTable(
	text("name", true, "the name of the product, 1 to 2048 characters", func(l *OrderLine) *string { return &l.Name }, maxChars(MaxLineTextLength)),
	text("id", true, "the product id, 1 to 2048 characters", func(l *OrderLine) *string { return &l.ID }, maxChars(MaxLineTextLength)),
	integer("totalAmount", "the line total including tax, "+helpAmount, func(l *OrderLine) *int64 { return &l.TotalAmount }, nonNegative(hintReturn)).then(checkLineSum),
	integer("totalAmountExcludingTax", "the line total without tax, "+helpAmount, func(l *OrderLine) *int64 { return &l.TotalAmountExcludingTax }, nonNegative(hintReturn)),
	integer("totalTaxAmount", "the tax of the line, "+helpAmount, func(l *OrderLine) *int64 { return &l.TotalTaxAmount }, nonNegative(hintReturn)),
	optInteger("taxRate", helpTaxRate, func(l *OrderLine) **int64 { return &l.TaxRate }, between(0, 10000, helpTaxRate)).then(checkTaxRatePresent),
	optInteger("taxPercentage", helpTaxPct, func(l *OrderLine) **int64 { return &l.TaxPercentage }, percentage).then(checkTaxRateAgrees),
	optInteger("discount", helpAmount, func(l *OrderLine) **int64 { return &l.Discount }, nonNegative("")),
	text("productUrl", false, "an absolute https URL", func(l *OrderLine) *string { return &l.ProductURL }, httpsURL),
	flag("isReturn", func(l *OrderLine) *bool { return &l.IsReturn }),
	flag("isShipping", func(l *OrderLine) *bool { return &l.IsShipping }),
	optObject("unitInfo", "an object with unitPrice and quantity", func(l *OrderLine) **UnitInfo { return &l.UnitInfo }, unitInfoFields),
)

// UnitInfo describes the price and quantity of a line.
type UnitInfo struct {
	UnitPrice    int64  `json:"unitPrice"`
	Quantity     string `json:"quantity"`
	QuantityUnit string `json:"quantityUnit,omitempty"`
}

var unitInfoFields = newTable(
	integer("unitPrice", "the price of one unit including tax and before discount, "+helpAmount, func(u *UnitInfo) *int64 { return &u.UnitPrice }, nonNegative(hintReturn)),
	text("quantity", true, `a decimal number as a string, such as "2" or "1.5"`, func(u *UnitInfo) *string { return &u.Quantity }, checkQuantity),
	text("quantityUnit", false, "one of PCS, KG, KM, MINUTE, LITRE, KWH", func(u *UnitInfo) *string { return &u.QuantityUnit }, enum(QuantityUnits...)),
)

// The quantity units of contract §6; PCS is the default.
var QuantityUnits = []string{"PCS", "KG", "KM", "MINUTE", "LITRE", "KWH"}

// BottomLine holds the receipt-wide fields.
type BottomLine struct {
	Currency       string          `json:"currency"`
	TipAmount      *int64          `json:"tipAmount,omitempty"`
	PosID          string          `json:"posId,omitempty"`
	ReceiptNumber  string          `json:"receiptNumber,omitempty"`
	PaymentSources *PaymentSources `json:"paymentSources,omitempty"`
	Barcode        *Barcode        `json:"barcode,omitempty"`

	// Deprecated fields: accepted, stored and returned, never used for sums.
	GiftCardAmount *int64          `json:"giftCardAmount,omitempty"`
	TotalAmount    *int64          `json:"totalAmount,omitempty"`
	TotalTax       *int64          `json:"totalTax,omitempty"`
	TotalDiscount  *int64          `json:"totalDiscount,omitempty"`
	ShippingAmount *int64          `json:"shippingAmount,omitempty"`
	ShippingInfo   json.RawMessage `json:"shippingInfo,omitempty"`
	TerminalID     string          `json:"terminalId,omitempty"`
}

var bottomLineFields = newTable(
	text("currency", true, "one of NOK, DKK, EUR", func(b *BottomLine) *string { return &b.Currency }, enum(Currencies...)),
	optInteger("tipAmount", helpAmount, func(b *BottomLine) **int64 { return &b.TipAmount }, nonNegative("")),
	text("posId", false, "at most 256 characters", func(b *BottomLine) *string { return &b.PosID }, maxChars(MaxBottomTextLength)),
	text("receiptNumber", false, "at most 256 characters", func(b *BottomLine) *string { return &b.ReceiptNumber }, maxChars(MaxBottomTextLength)),
	optObject("paymentSources", "an object with giftCard, card, voucher, cash amounts", func(b *BottomLine) **PaymentSources { return &b.PaymentSources }, paymentSourcesFields),
	optObject("barcode", "an object with format and data", func(b *BottomLine) **Barcode { return &b.Barcode }, barcodeFields),
	// Deprecated: read for their type only, kept as sent.
	optInteger("giftCardAmount", helpAmount, func(b *BottomLine) **int64 { return &b.GiftCardAmount }),
	optInteger("totalAmount", helpAmount, func(b *BottomLine) **int64 { return &b.TotalAmount }),
	optInteger("totalTax", helpAmount, func(b *BottomLine) **int64 { return &b.TotalTax }),
	optInteger("totalDiscount", helpAmount, func(b *BottomLine) **int64 { return &b.TotalDiscount }),
	optInteger("shippingAmount", helpAmount, func(b *BottomLine) **int64 { return &b.ShippingAmount }),
	rawObject("shippingInfo", func(b *BottomLine) *json.RawMessage { return &b.ShippingInfo }),
	text("terminalId", false, "the id of the payment terminal", func(b *BottomLine) *string { return &b.TerminalID }),
)

// PaymentSources splits the paid amount by source, in minor units.
type PaymentSources struct {
	GiftCard *int64 `json:"giftCard,omitempty"`
	Card     *int64 `json:"card,omitempty"`
	Voucher  *int64 `json:"voucher,omitempty"`
	Cash     *int64 `json:"cash,omitempty"`
}

var paymentSourcesFields = newTable(
	optInteger("giftCard", helpAmount, func(p *PaymentSources) **int64 { return &p.GiftCard }, nonNegative("")),
	optInteger("card", helpAmount, func(p *PaymentSources) **int64 { return &p.Card }, nonNegative("")),
	optInteger("voucher", helpAmount, func(p *PaymentSources) **int64 { return &p.Voucher }, nonNegative("")),
	optInteger("cash", helpAmount, func(p *PaymentSources) **int64 { return &p.Cash }, nonNegative("")),
)

// Barcode is shown under the receipt in the app. Whether its data can be
// drawn in its format is a warning (Receipt.Warnings), not a rule: the
// official document sets none, and its own examples send EAN-13 data
// "123456".
type Barcode struct {
	Format string `json:"format"`
	Data   string `json:"data"`
}

var barcodeFields = newTable(
	text("format", true, "one of EAN-13, CODE 39, CODE 128", func(b *Barcode) *string { return &b.Format }, enum(BarcodeFormats...)),
	text("data", true, "the text the barcode encodes", func(b *Barcode) *string { return &b.Data }),
)

// The currencies and barcode formats of contract §6.
var (
	Currencies     = []string{"NOK", "DKK", "EUR"}
	BarcodeFormats = []string{"EAN-13", "CODE 39", "CODE 128"}
)

// Help texts for integer fields; they appear in "required" and type
// reasons so that the fix is in the message.
const (
	helpAmount  = "an amount in minor units, 10.50 is 1050"
	helpTaxRate = "hundredths of a percent, 25 % is 2500"
	helpTaxPct  = "a whole percentage, 25 % is 25"
)

const exampleReceipt = `{"orderLines": [...], "bottomLine": {"currency": "NOK"}}`

// DecodeReceipt decodes and checks the body of a receipt (contract §6). On
// any problem it returns a 400 *Problem listing every one: wrong types,
// missing fields and broken rules alike. Unknown fields are ignored;
// deprecated ones are kept.
func DecodeReceipt(body []byte) (*Receipt, error) {
	r := new(Receipt)
	if _, err := decodeBody(body, exampleReceipt, receiptFields, r); err != nil {
		return nil, err
	}
	return r, nil
}

// Validate checks the receipt against every rule of contract §6 and returns
// a 400 *Problem listing every problem, or nil.
func (r *Receipt) Validate() error {
	_, err := validateValue(receiptFields, r)
	return err
}

// AppendJSON appends the receipt's canonical JSON to b: byte for byte what
// json.Marshal(r) produces, so stores and clients see one form whichever
// encoder made it. The server encodes every stored receipt with it;
// reflection made that a twentieth of a receipt's CPU time.
func (r *Receipt) AppendJSON(b []byte) ([]byte, error) {
	return receiptFields.appendJSON(b, r)
}

// Rate is the line's tax rate in basis points (2500 = 25 %), from taxRate or
// else from the deprecated taxPercentage.
func (l OrderLine) Rate() int64 {
	if l.TaxRate != nil {
		return *l.TaxRate
	}
	if l.TaxPercentage != nil {
		return *l.TaxPercentage * 100
	}
	return 0
}

// Unit is the quantity unit of the line, PCS when none is given.
func (u UnitInfo) Unit() string {
	if u.QuantityUnit == "" {
		return "PCS"
	}
	return u.QuantityUnit
}

// checkLineSum applies totalAmount = totalAmountExcludingTax +
// totalTaxAmount, which the live service enforces.
func checkLineSum(c *checker, l *OrderLine) {
	if c.isBad("totalAmountExcludingTax") || c.isBad("totalTaxAmount") {
		return
	}
	sum, ok := addInt64(l.TotalAmountExcludingTax, l.TotalTaxAmount)
	switch {
	case !ok:
		c.add("totalAmount", CodeSumMismatch, "must equal totalAmountExcludingTax + totalTaxAmount, but "+
			itoa(l.TotalAmountExcludingTax)+" + "+itoa(l.TotalTaxAmount)+" is beyond the 64-bit range; amounts are in minor units (10.50 is 1050).")
	case sum != l.TotalAmount:
		c.add("totalAmount", CodeSumMismatch, "must equal totalAmountExcludingTax + totalTaxAmount ("+
			itoa(l.TotalAmountExcludingTax)+" + "+itoa(l.TotalTaxAmount)+" = "+itoa(sum)+"), got "+itoa(l.TotalAmount)+".")
	}
}

// percentage checks the deprecated taxPercentage, 0 to 100, and suggests
// taxRate when the value looks like a rate in hundredths of a percent (2500
// for 25 %, 1550 for 15.5 %).
func percentage(c *checker, key string, v int64) {
	if v >= 0 && v <= 100 {
		return
	}
	reason := "must be between 0 and 100 (a whole percentage), got " + itoa(v) + "."
	if v >= 500 && v <= 10000 && v%50 == 0 {
		reason = "must be between 0 and 100 (a whole percentage), got " + itoa(v) + "; did you mean taxRate " + itoa(v) +
			" (" + FormatRate(v) + ")? taxRate is in hundredths of a percent."
	}
	c.add(key, CodeOutOfRange, reason)
}

// reasonTaxRateRequired is the reason when a line has no tax rate.
const reasonTaxRateRequired = "is required: give the VAT rate of the line as taxRate in hundredths of a percent (25 % is 2500), or the deprecated taxPercentage (25)."

// checkTaxRatePresent requires taxRate or the deprecated taxPercentage.
func checkTaxRatePresent(c *checker, l *OrderLine) {
	if l.TaxRate != nil || l.TaxPercentage != nil || c.isBad("taxPercentage") {
		return
	}
	reason := reasonTaxRateRequired
	if k := c.foldKey("taxRate", "taxPercentage"); k != "" {
		reason += " Found " + quote(k) + ", but field names are case-sensitive."
	}
	c.add("taxRate", CodeTaxRateRequired, reason)
}

// checkTaxRateAgrees requires taxRate = taxPercentage × 100 when both are
// sent and in range.
func checkTaxRateAgrees(c *checker, l *OrderLine) {
	r, p := l.TaxRate, l.TaxPercentage
	if r == nil || p == nil || c.isBad("taxRate") || *r < 0 || *r > 10000 || *p < 0 || *p > 100 || *r == *p*100 {
		return
	}
	c.add("taxPercentage", CodeTaxRateConflict, "must agree with taxRate (taxRate = taxPercentage × 100), but taxRate is "+
		itoa(*r)+" and taxPercentage is "+itoa(*p)+"; send only taxRate.")
}

// checkSums rejects a receipt whose sums would not fit in 64 bits, so that
// Totals never overflows on a valid receipt. Every amount is at least 0 and
// a line's net and tax are parts of its total, so bounding the sum of
// totals and the sum of discounts bounds every sum Totals forms.
func checkSums(c *checker, r *Receipt) {
	var total, discount int64
	totalOK, discountOK := true, true
	for i := range r.OrderLines {
		l := &r.OrderLines[i]
		if totalOK && l.TotalAmount > 0 {
			total, totalOK = addInt64(total, l.TotalAmount)
		}
		if discountOK && l.Discount != nil && *l.Discount > 0 {
			discount, discountOK = addInt64(discount, *l.Discount)
		}
	}
	if !totalOK {
		c.add("orderLines", CodeSumOverflow, "have totalAmount values whose sum is beyond the 64-bit range; amounts are in minor units (10.50 is 1050).")
	}
	if !discountOK {
		c.add("orderLines", CodeSumOverflow, "have discount values whose sum is beyond the 64-bit range; amounts are in minor units (10.50 is 1050).")
	}
}

// checkQuantity applies the quantity rule: at most 10 characters matching
// ^\d+(\.\d{1,8})?$.
func checkQuantity(c *checker, key, q string) {
	if n := utf8.RuneCountInString(q); n > maxQuantityLen {
		c.add(key, CodeTooLong, "must be at most 10 characters, got "+strconv.Itoa(n)+".")
	}
	if _, _, ok := parseQuantity(q); !ok {
		c.add(key, CodePattern, `must be a decimal number with a dot and at most 8 decimals, such as "2" or "1.5", got `+quote(q)+".")
	}
}

// maxQuantityLen is the longest quantity the contract allows.
const maxQuantityLen = 10

// QuantityScale is 10^8: a quantity has at most 8 decimals, so
// ParseQuantity's result is exact.
const QuantityScale = 100_000_000

// ParseQuantity reads a quantity as contract §6 allows it (at most 10
// characters matching ^\d+(\.\d{1,8})?$) and returns it times
// QuantityScale: "1.25" is 125000000. ok is false for anything else.
func ParseQuantity(q string) (scaled int64, ok bool) {
	digits, decimals, ok := parseQuantity(q)
	if !ok || len(q) > maxQuantityLen {
		return 0, false
	}
	for range 8 - decimals {
		digits *= 10
	}
	return int64(digits), true // at most 10 digits times 10^8 fits
}

// parseQuantity reads a quantity as an integer and a number of decimals:
// "1.25" is (125, 2). ok is false when q breaks ^\d+(\.\d{1,8})?$ or is too
// long to be read exactly.
func parseQuantity(q string) (digits uint64, decimals int, ok bool) {
	intPart, frac, dot := strings.Cut(q, ".")
	if intPart == "" || dot && (frac == "" || len(frac) > 8) || len(q) > 19 {
		return 0, 0, false
	}
	for _, part := range [2]string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return 0, 0, false
			}
			digits = digits*10 + uint64(c-'0')
		}
	}
	return digits, len(frac), true
}

// MulDivRound returns a × b / d rounded half away from zero, computed
// exactly, for d > 0: the rounding of contract §6's tax check and of the
// SDK's receipt builder. ok is false when the result does not fit in an
// int64 (or d <= 0).
func MulDivRound(a, b, d int64) (q int64, ok bool) {
	if d <= 0 {
		return 0, false
	}
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(abs64(a), abs64(b))
	lo, carry := bits.Add64(lo, uint64(d)/2, 0)
	hi += carry
	if hi >= uint64(d) {
		return 0, false
	}
	u, _ := bits.Div64(hi, lo, uint64(d))
	switch {
	case neg && u <= 1<<63:
		return int64(-u), true
	case !neg && u < 1<<63:
		return int64(u), true
	}
	return 0, false
}

// abs64 is |v| as a uint64, right for math.MinInt64 too.
func abs64(v int64) uint64 {
	if v < 0 {
		return -uint64(v)
	}
	return uint64(v)
}
