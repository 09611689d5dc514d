package api

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The rules of contract §4–§6 on typed values. The decoders run the same
// functions after reading the JSON, passing the fields they have reported
// already; Validate passes none. A typed value cannot show that an integer
// field was missing (it reads as 0), so Validate checks such fields only
// for their value; everything else it reports exactly as the decoder does.

// Help texts for required fields.
const (
	helpLineName   = "the name of the product, 1 to 2048 characters"
	helpLineID     = "the product id, 1 to 2048 characters"
	helpOrderLines = "an array of order lines, at least one"
	helpBottomLine = "an object with at least currency"
	helpCurrency   = "one of NOK, DKK, EUR"
	helpUnitInfo   = "an object with unitPrice and quantity"
	helpQuantity   = `a decimal number as a string, such as "2" or "1.5"`
	helpPayments   = "an object with giftCard, card, voucher, cash amounts"
	helpBarcode    = "an object with format and data"
	helpFormat     = "one of EAN-13, CODE 39, CODE 128"
	helpBarData    = "the text the barcode encodes"
	helpCategory   = "one of GENERAL, RECEIPT, ORDER_CONFIRMATION, DELIVERY, TICKET, BOOKING"
	helpDetailsURL = "an absolute https URL where the customer sees the order, at most 2048 characters"
	helpImageType  = `"base64"`
	helpSrc        = "the PNG or JPEG file in standard base64"
)

// Validate checks the receipt against every rule of contract §6 and returns
// a 400 *Problem listing every problem, or nil.
func (r *Receipt) Validate() error {
	var p problems
	checkOrderLinesPresent(&p, r.OrderLines, true)
	for i := range r.OrderLines {
		start := len(p.ps)
		checkLine(&p, lineLoc(i), &r.OrderLines[i], 0)
		p.sortFrom(start)
	}
	checkSums(&p, r.OrderLines)
	start := len(p.ps)
	checkBottomLine(&p, &r.BottomLine, 0)
	p.sortFrom(start)
	return p.err()
}

// Validate checks the category against contract §5 (not whether the image
// exists: only the server knows that) and returns a 400 *Problem or nil.
func (c *Category) Validate() error {
	var p problems
	checkCategory(&p, c, 0)
	p.sortFrom(0)
	return p.err()
}

// Validate checks the upload against contract §4, decoding the image, and
// returns a 400 *Problem or nil.
func (r *ImageRequest) Validate() error {
	var p problems
	checkImageRequest(&p, r, 0)
	p.sortFrom(0)
	return p.err()
}

// loc is where a JSON object sits: under an order line (line >= 0) or the
// top, and up to two object keys below that. Names of fields are built
// from it only when a problem is reported, so a valid body costs no path
// strings.
type loc struct {
	line int // index in orderLines, or -1
	objs [2]string
}

// top is the location of the body itself.
var top = loc{line: -1}

// lineLoc is the location of order line i.
func lineLoc(i int) loc { return loc{line: i} }

// child is the location of the object under key.
func (l loc) child(key string) loc {
	if l.objs[0] == "" {
		l.objs[0] = key
	} else {
		l.objs[1] = key // the contract nests no deeper
	}
	return l
}

// name is the JSON path of key in the object: orderLines[1].unitInfo.quantity.
func (l loc) name(key string) string {
	b := make([]byte, 0, 48)
	if l.line >= 0 {
		b = append(b, "orderLines["...)
		b = strconv.AppendInt(b, int64(l.line), 10)
		b = append(b, ']')
	}
	for _, o := range l.objs {
		if o != "" {
			if len(b) > 0 {
				b = append(b, '.')
			}
			b = append(b, o...)
		}
	}
	if key != "" {
		if len(b) > 0 {
			b = append(b, '.')
		}
		b = append(b, key...)
	}
	return string(b)
}

// f is the field key of the object.
func (l loc) f(key string) field { return field{l, key} }

// field names a field without building its path until it is needed.
type field struct {
	at  loc
	key string
}

func (f field) String() string { return f.at.name(f.key) }

// Fields of an order line, for fieldSet.
const (
	fName fieldSet = 1 << iota
	fID
	fTotal
	fExcl
	fTax
	fTaxRate
	fTaxPct
	fDiscount
	fProductURL
	fUnitInfo
	fUnitPrice
	fQuantity
	fQuantityUnit
)

// checkOrderLinesPresent checks that there are order lines. An empty array
// is rejected: the real API requires the array, and a receipt without a
// line shows the customer nothing. present is false when the decoder has
// reported the field already.
func checkOrderLinesPresent(p *problems, lines []OrderLine, present bool) {
	switch {
	case !present:
	case lines == nil:
		p.add("orderLines", CodeRequired, requiredReason(helpOrderLines))
	case len(lines) == 0:
		p.add("orderLines", CodeEmptyList, "must list at least one order line: a receipt without lines shows the customer nothing.")
	}
}

// checkLine checks one order line at its location.
func checkLine(p *problems, at loc, l *OrderLine, bad fieldSet) {
	checkText(p, at.f("name"), l.Name, bad&fName == 0, MaxLineTextLength, helpLineName)
	checkText(p, at.f("id"), l.ID, bad&fID == 0, MaxLineTextLength, helpLineID)
	if bad&fTotal == 0 {
		checkNonNegative(p, at.f("totalAmount"), l.TotalAmount, hintReturn)
	}
	if bad&fExcl == 0 {
		checkNonNegative(p, at.f("totalAmountExcludingTax"), l.TotalAmountExcludingTax, hintReturn)
	}
	if bad&fTax == 0 {
		checkNonNegative(p, at.f("totalTaxAmount"), l.TotalTaxAmount, hintReturn)
	}
	if bad&(fTotal|fExcl|fTax) == 0 {
		sum, ok := addInt64(l.TotalAmountExcludingTax, l.TotalTaxAmount)
		switch {
		case !ok:
			p.add(at.name("totalAmount"), CodeSumMismatch, "must equal totalAmountExcludingTax + totalTaxAmount, but "+
				itoa(l.TotalAmountExcludingTax)+" + "+itoa(l.TotalTaxAmount)+" is beyond the 64-bit range; amounts are in minor units (10.50 is 1050).")
		case sum != l.TotalAmount:
			p.add(at.name("totalAmount"), CodeSumMismatch, "must equal totalAmountExcludingTax + totalTaxAmount ("+
				itoa(l.TotalAmountExcludingTax)+" + "+itoa(l.TotalTaxAmount)+" = "+itoa(sum)+"), got "+itoa(l.TotalAmount)+".")
		}
	}
	checkTaxRate(p, at, l, bad)
	if l.Discount != nil && bad&fDiscount == 0 {
		checkNonNegative(p, at.f("discount"), *l.Discount, "")
	}
	if l.ProductURL != "" && bad&fProductURL == 0 {
		checkHTTPSURL(p, at.f("productUrl"), l.ProductURL, 0)
	}
	if u := l.UnitInfo; u != nil && bad&fUnitInfo == 0 {
		if bad&fUnitPrice == 0 {
			checkNonNegative(p, at.child("unitInfo").f("unitPrice"), u.UnitPrice, hintReturn)
		}
		if bad&fQuantity == 0 {
			checkQuantity(p, at.child("unitInfo").f("quantity"), u.Quantity)
		}
		if u.QuantityUnit != "" && bad&fQuantityUnit == 0 {
			checkEnum(p, at.child("unitInfo").f("quantityUnit"), u.QuantityUnit, QuantityUnits)
		}
	}
}

// reasonTaxRateRequired is shared by the decoder, which adds a hint.
const reasonTaxRateRequired = "is required: give the VAT rate of the line as taxRate in hundredths of a percent (25 % is 2500), or the deprecated taxPercentage (25)."

// checkTaxRate applies the rules for taxRate and the deprecated
// taxPercentage: at least one, each in range, and equal if both are sent.
func checkTaxRate(p *problems, at loc, l *OrderLine, bad fieldSet) {
	rateOK := l.TaxRate != nil && bad&fTaxRate == 0
	pctOK := l.TaxPercentage != nil && bad&fTaxPct == 0
	if rateOK && (*l.TaxRate < 0 || *l.TaxRate > 10000) {
		p.add(at.name("taxRate"), CodeOutOfRange, "must be between 0 and 10000 (hundredths of a percent, 25 % is 2500), got "+itoa(*l.TaxRate)+".")
		rateOK = false
	}
	if pctOK && (*l.TaxPercentage < 0 || *l.TaxPercentage > 100) {
		p.add(at.name("taxPercentage"), CodeOutOfRange, "must be between 0 and 100 (a whole percentage), got "+itoa(*l.TaxPercentage)+".")
		pctOK = false
	}
	switch {
	case l.TaxRate == nil && l.TaxPercentage == nil && bad&(fTaxRate|fTaxPct) == 0:
		p.add(at.name("taxRate"), CodeTaxRateRequired, reasonTaxRateRequired)
	case rateOK && pctOK && *l.TaxRate != *l.TaxPercentage*100:
		p.add(at.name("taxPercentage"), CodeTaxRateConflict, "must agree with taxRate (taxRate = taxPercentage × 100), but taxRate is "+
			itoa(*l.TaxRate)+" and taxPercentage is "+itoa(*l.TaxPercentage)+"; send only taxRate.")
	}
}

// Unit is the quantity unit of the line, PCS when none is given.
func (u UnitInfo) Unit() string {
	if u.QuantityUnit == "" {
		return "PCS"
	}
	return u.QuantityUnit
}

// checkQuantity applies the quantity rule: at most 10 characters matching
// ^\d+(\.\d{1,8})?$.
func checkQuantity(p *problems, name field, q string) {
	if q == "" {
		p.add(name.String(), CodeRequired, requiredReason(helpQuantity))
		return
	}
	if n := utf8.RuneCountInString(q); n > 10 {
		p.add(name.String(), CodeTooLong, "must be at most 10 characters, got "+strconv.Itoa(n)+".")
	}
	if _, _, ok := parseQuantity(q); !ok {
		p.add(name.String(), CodePattern, `must be a decimal number with a dot and at most 8 decimals, such as "2" or "1.5", got `+quote(q)+".")
	}
}

// parseQuantity reads a quantity as an integer and a number of decimals:
// "1.25" is (125, 2). ok is false when q breaks ^\d+(\.\d{1,8})?$ or is too
// long to be a valid quantity.
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

// Fields of a bottom line, for fieldSet.
const (
	fCurrency fieldSet = 1 << iota
	fTip
	fPosID
	fReceiptNumber
	fPaymentSources
	fGiftCard
	fCard
	fVoucher
	fCash
	fBarcode
	fFormat
	fData
)

// checkBottomLine checks the receipt-wide fields.
func checkBottomLine(p *problems, b *BottomLine, bad fieldSet) {
	if bad&fCurrency == 0 {
		if b.Currency == "" {
			p.add("bottomLine.currency", CodeRequired, requiredReason(helpCurrency))
		} else {
			checkEnum(p, top.f("bottomLine.currency"), b.Currency, Currencies)
		}
	}
	if b.TipAmount != nil && bad&fTip == 0 {
		checkNonNegative(p, top.f("bottomLine.tipAmount"), *b.TipAmount, "")
	}
	if bad&fPosID == 0 {
		checkText(p, top.f("bottomLine.posId"), b.PosID, false, MaxBottomTextLength, "")
	}
	if bad&fReceiptNumber == 0 {
		checkText(p, top.f("bottomLine.receiptNumber"), b.ReceiptNumber, false, MaxBottomTextLength, "")
	}
	if ps := b.PaymentSources; ps != nil && bad&fPaymentSources == 0 {
		for _, s := range [...]struct {
			v    *int64
			f    fieldSet
			name string
		}{
			{ps.GiftCard, fGiftCard, "bottomLine.paymentSources.giftCard"},
			{ps.Card, fCard, "bottomLine.paymentSources.card"},
			{ps.Voucher, fVoucher, "bottomLine.paymentSources.voucher"},
			{ps.Cash, fCash, "bottomLine.paymentSources.cash"},
		} {
			if s.v != nil && bad&s.f == 0 {
				checkNonNegative(p, top.f(s.name), *s.v, "")
			}
		}
	}
	if bc := b.Barcode; bc != nil && bad&fBarcode == 0 {
		checkBarcode(p, bc, bad)
	}
}

// checkBarcode checks a barcode's format and that it has data. Whether the
// data can be drawn in that format is a warning (barcodeWarnings): the
// official document sets no rule for it, and its own examples send EAN-13
// data "123456" (contract §6).
func checkBarcode(p *problems, bc *Barcode, bad fieldSet) {
	const fmtName, dataName = "bottomLine.barcode.format", "bottomLine.barcode.data"
	if bad&fFormat == 0 {
		if bc.Format == "" {
			p.add(fmtName, CodeRequired, requiredReason(helpFormat))
		} else {
			checkEnum(p, top.f(fmtName), bc.Format, BarcodeFormats)
		}
	}
	if bad&fData == 0 && bc.Data == "" {
		p.add(dataName, CodeRequired, requiredReason(helpBarData))
	}
}

// Fields of a category or image upload, for fieldSet.
const (
	fCategory fieldSet = 1 << iota
	fDetailsURL
	fImageID
	fSrc
	fType
)

// checkCategory checks a category body.
func checkCategory(p *problems, c *Category, bad fieldSet) {
	if bad&fCategory == 0 {
		if c.Category == "" {
			p.add("category", CodeRequired, requiredReason(helpCategory))
		} else {
			checkEnum(p, top.f("category"), string(c.Category), categoryNames)
		}
	}
	if bad&fDetailsURL == 0 {
		if c.OrderDetailsURL == "" {
			p.add("orderDetailsUrl", CodeRequired, requiredReason(helpDetailsURL))
		} else {
			checkHTTPSURL(p, top.f("orderDetailsUrl"), c.OrderDetailsURL, MaxURLLength)
		}
	}
	if c.ImageID != nil && bad&fImageID == 0 {
		if *c.ImageID == "" {
			p.add("imageId", CodeEmpty, "must not be empty: give the id of an image you uploaded, or null (or leave it out) for no image.")
		} else {
			p.addAll(CheckImageID(*c.ImageID))
		}
	}
}

var categoryNames = func() []string {
	s := make([]string, len(CategoryTypes))
	for i, c := range CategoryTypes {
		s[i] = string(c)
	}
	return s
}()

// checkImageRequest checks an image upload and, when the image is fine,
// returns what it is.
func checkImageRequest(p *problems, r *ImageRequest, bad fieldSet) *ImageInfo {
	if bad&fImageID == 0 {
		p.addAll(CheckImageID(r.ImageID))
	}
	if bad&fType == 0 {
		switch r.Type {
		case "":
			p.add("type", CodeRequired, requiredReason(helpImageType))
		case "base64":
		default:
			p.add("type", CodeUnknownValue, `must be "base64", the only type, got `+quote(r.Type)+".")
		}
	}
	if bad&fSrc != 0 {
		return nil
	}
	info, ps := checkSrc(r.Src)
	p.addAll(ps)
	return info
}

// checkText checks a text field: required means it must not be empty, max
// is its length limit in characters.
func checkText(p *problems, name field, s string, required bool, max int, help string) {
	if s == "" {
		if required {
			p.add(name.String(), CodeRequired, requiredReason(help))
		}
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		p.add(name.String(), CodeTooLong, "must be at most "+strconv.Itoa(max)+" characters, got "+strconv.Itoa(n)+".")
	}
}

// hintReturn is why a line amount cannot be negative.
const hintReturn = " (amounts are positive even on a return line: mark the line with isReturn instead)"

// checkNonNegative rejects an amount below 0; hint, if any, follows the rule.
func checkNonNegative(p *problems, name field, v int64, hint string) {
	if v < 0 {
		p.add(name.String(), CodeNegative, "must be 0 or more"+hint+", got "+itoa(v)+".")
	}
}

// checkEnum checks that v is one of values, spelled exactly so.
func checkEnum(p *problems, name field, v string, values []string) bool {
	for _, s := range values {
		if v == s {
			return true
		}
	}
	reason := "must be one of " + strings.Join(values, ", ") + ", got " + quote(v) + "."
	for _, s := range values {
		if strings.EqualFold(v, s) {
			reason = "must be one of " + strings.Join(values, ", ") + " (in upper case), got " + quote(v) + "; use " + quote(s) + "."
			break
		}
	}
	p.add(name.String(), CodeUnknownValue, reason)
	return false
}

// checkHTTPSURL checks an absolute https URL of at most max characters
// (0: no limit).
func checkHTTPSURL(p *problems, name field, s string, max int) {
	if n := utf8.RuneCountInString(s); max > 0 && n > max {
		p.add(name.String(), CodeTooLong, "must be at most "+strconv.Itoa(max)+" characters, got "+strconv.Itoa(n)+".")
	}
	const example = " such as https://example.com/orders/123"
	if i := strings.IndexAny(s, " \t\r\n"); i >= 0 {
		p.add(name.String(), CodeInvalidURL, "must be an absolute https URL"+example+", without spaces (write a space in a path as %20); found one at position "+strconv.Itoa(i+1)+".")
		return
	}
	u, err := url.Parse(s)
	if err != nil {
		msg := err.Error()
		if ue, ok := err.(*url.Error); ok {
			msg = ue.Err.Error()
		}
		p.add(name.String(), CodeInvalidURL, "must be an absolute https URL"+example+"; "+quote(s)+" cannot be read as a URL: "+msg+".")
		return
	}
	if u.Scheme == "" || u.Opaque != "" || u.Hostname() == "" {
		p.add(name.String(), CodeInvalidURL, "must be an absolute https URL"+example+", with scheme and host, got "+quote(s)+".")
		return
	}
	if u.Scheme != "https" {
		p.add(name.String(), CodeNotHTTPS, "must use https (the app opens only secure links), got "+quote(s)+"; use "+
			quote("https"+s[len(u.Scheme):])+" if the site serves it.")
	}
}

// checkSums rejects a receipt whose sums would not fit in 64 bits, so that
// Totals never overflows on a valid receipt. Every amount is at least 0 and
// a line's net and tax are parts of its total, so bounding the sum of
// totals and the sum of discounts bounds every sum Totals forms.
func checkSums(p *problems, lines []OrderLine) {
	var total, discount int64
	totalOK, discountOK := true, true
	for i := range lines {
		l := &lines[i]
		if totalOK && l.TotalAmount > 0 {
			total, totalOK = addInt64(total, l.TotalAmount)
		}
		if discountOK && l.Discount != nil && *l.Discount > 0 {
			discount, discountOK = addInt64(discount, *l.Discount)
		}
	}
	if !totalOK {
		p.add("orderLines", CodeSumOverflow, "have totalAmount values whose sum is beyond the 64-bit range; amounts are in minor units (10.50 is 1050).")
	}
	if !discountOK {
		p.add("orderLines", CodeSumOverflow, "have discount values whose sum is beyond the 64-bit range; amounts are in minor units (10.50 is 1050).")
	}
}

// addInt64 adds with an overflow check.
func addInt64(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
