package api

import (
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Warning is a problem in a receipt that contract §6 reports but does not
// reject: the server sends it in the Receipt-Warnings header, the CLI and
// console show it as lint. It has the shape of InvalidParam.
type Warning struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
	Code   string `json:"code"`
}

// Warnings checks the non-fatal rules of contract §6 and §8:
//
//   - tax_mismatch: |totalTaxAmount − round(totalAmountExcludingTax × rate /
//     10000)| > 1, rate in basis points, rounded half away from zero;
//   - amount_mismatch: |unitPrice × quantity − discount − totalAmount| > 1,
//     for lines with unitInfo; quantity is exact decimal;
//   - check_digit, pattern, too_long on bottomLine.barcode.data: data that
//     cannot be drawn in its format (EAN-13: 13 digits with a correct check
//     digit; CODE 39: 1 to 80 of A-Z 0-9 space - . $ / + %; CODE 128: 1 to
//     80 printable ASCII characters).
//
// Integer arithmetic only, exact for every int64 input. It returns nil when
// there is nothing to report. Reasons are plain ASCII so that they travel
// in a header unchanged.
func (r *Receipt) Warnings() []Warning {
	var ws []Warning
	for i := range r.OrderLines {
		l := &r.OrderLines[i]
		if l.TaxRate != nil || l.TaxPercentage != nil {
			if exp, off := taxOff(l.TotalAmountExcludingTax, l.Rate(), l.TotalTaxAmount); off {
				ws = append(ws, Warning{Name: pathName([]seg{{"orderLines", i}}, "totalTaxAmount"), Code: CodeTaxMismatch,
					Reason: "is " + itoa(l.TotalTaxAmount) + ", but " + FormatRate(l.Rate()) + " of totalAmountExcludingTax " +
						itoa(l.TotalAmountExcludingTax) + " is " + exp + " (rounded half away from zero); " + taxFix(l)})
			}
		}
		if u := l.UnitInfo; u != nil {
			var discount int64
			if l.Discount != nil {
				discount = *l.Discount
			}
			if exp, off := amountOff(u.UnitPrice, u.Quantity, discount, l.TotalAmount); off {
				ws = append(ws, Warning{Name: pathName([]seg{{"orderLines", i}}, "totalAmount"), Code: CodeAmountMismatch,
					Reason: "is " + itoa(l.TotalAmount) + ", but unitPrice x quantity - discount = " + itoa(u.UnitPrice) + " x " +
						u.Quantity + " - " + itoa(discount) + " = " + exp + "; " + amountFix(l, discount)})
			}
		}
	}
	if bc := r.BottomLine.Barcode; bc != nil {
		ws = barcodeWarnings(ws, bc)
	}
	return ws
}

// taxFix suggests the fix of a tax_mismatch where one is clear: a taxRate
// written as a whole percentage (25 for 25 %) whose amounts fit the rate
// it meant.
func taxFix(l *OrderLine) string {
	const check = "check taxRate and the amounts."
	if r := l.TaxRate; r != nil && *r >= 1 && *r <= 100 {
		if _, off := taxOff(l.TotalAmountExcludingTax, *r*100, l.TotalTaxAmount); !off {
			return "did you mean taxRate " + itoa(*r*100) + " (" + FormatRate(*r*100) +
				")? taxRate is in hundredths of a percent, so " + itoa(*r) + " is " + FormatRate(*r) + "."
		}
	}
	return check
}

// amountFix suggests the fix of an amount_mismatch where one is clear:
// unitPrice written in major units (125 for 125.00), or the line's
// amounts written in major units while unitPrice is in minor units.
func amountFix(l *OrderLine, discount int64) string {
	const check = "check unitPrice, quantity and discount."
	u := l.UnitInfo
	if p, ok := MulDivRound(u.UnitPrice, 100, 1); ok && u.UnitPrice > 0 {
		if _, off := amountOff(p, u.Quantity, discount, l.TotalAmount); !off {
			return "did you mean unitPrice " + itoa(p) + "? Amounts are in minor units: " + FormatAmount(p, "") + " is " + itoa(p) + "."
		}
	}
	t, ok1 := MulDivRound(l.TotalAmount, 100, 1)
	d, ok2 := MulDivRound(discount, 100, 1)
	if ok1 && ok2 && l.TotalAmount > 0 {
		if _, off := amountOff(u.UnitPrice, u.Quantity, d, t); !off {
			return "did you mean totalAmount " + itoa(t) + "? The line's amounts look like major units, but amounts are in minor units: " +
				FormatAmount(t, "") + " is " + itoa(t) + "; multiply totalAmount, totalAmountExcludingTax, totalTaxAmount and discount by 100."
		}
	}
	return check
}

// barcodeWarnings adds what makes a barcode's data undrawable in its
// format. A format that is not one of BarcodeFormats, or empty data, is
// Validate's to reject.
func barcodeWarnings(ws []Warning, bc *Barcode) []Warning {
	const name = "bottomLine.barcode.data"
	d := bc.Data
	if d == "" {
		return ws
	}
	switch bc.Format {
	case "EAN-13":
		if len(d) != 13 || strings.IndexFunc(d, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			return append(ws, Warning{Name: name, Code: CodePattern,
				Reason: "should be exactly 13 digits for EAN-13, got " + quoteASCII(d) + "; scanners will not read it."})
		}
		if want := ean13CheckDigit(d[:12]); d[12] != want {
			return append(ws, Warning{Name: name, Code: CodeCheckDigit,
				Reason: "has a wrong EAN-13 check digit: after " + d[:12] + " the last digit should be " + string(want) + ", got " + string(d[12]) + "."})
		}
	case "CODE 39":
		ws = barcodeTextWarnings(ws, name, d, "CODE 39", "A-Z 0-9 space - . $ / + % (upper case only)", isCode39)
	case "CODE 128":
		ws = barcodeTextWarnings(ws, name, d, "CODE 128", "printable ASCII", func(r rune) bool { return r >= 0x20 && r <= 0x7e })
	}
	return ws
}

// barcodeTextWarnings checks 1 to 80 characters from a barcode's character
// set.
func barcodeTextWarnings(ws []Warning, name, d, format, set string, allowed func(rune) bool) []Warning {
	if n := utf8.RuneCountInString(d); n > 80 {
		ws = append(ws, Warning{Name: name, Code: CodeTooLong,
			Reason: "should be at most 80 characters for " + format + ", got " + strconv.Itoa(n) + "."})
	}
	pos := 0
	for _, r := range d {
		pos++
		if !allowed(r) {
			return append(ws, Warning{Name: name, Code: CodePattern,
				Reason: "should contain only " + set + " for " + format + "; found " + strconv.QuoteRuneToASCII(r) + " at position " + strconv.Itoa(pos) + "."})
		}
	}
	return ws
}

func isCode39(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(" -.$/+%", r)
}

// ean13CheckDigit computes the check digit of the first 12 digits of an
// EAN-13: weights 1 and 3 alternate from the left.
func ean13CheckDigit(d12 string) byte {
	sum := 0
	for i := 0; i < 12; i++ {
		w := 1
		if i%2 == 1 {
			w = 3
		}
		sum += int(d12[i]-'0') * w
	}
	return byte('0' + (10-sum%10)%10)
}

// quoteASCII quotes a caller's value for a warning reason, which travels
// in a header: ASCII only, cut to a readable length.
func quoteASCII(s string) string {
	const max = 64
	if len(s) <= max {
		return strconv.QuoteToASCII(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.QuoteToASCII(s[:cut]) + "... (" + strconv.Itoa(len(s)) + " bytes)"
}

// taxOff reports whether tax is more than one minor unit off
// round(excl × rate / 10000), and that expected value as text.
func taxOff(excl, rate, tax int64) (string, bool) {
	if exp, ok := MulDivRound(excl, rate, 10000); ok {
		if d, ok := addInt64(tax, -exp); ok && d >= -1 && d <= 1 {
			return "", false
		} else if ok || exp != math.MinInt64 {
			return itoa(exp), true
		}
	}
	// Out of the fast path's range (only invalid receipts get here): exact.
	q := new(big.Int).Mul(big.NewInt(excl), big.NewInt(rate))
	exp := roundDiv(q, big.NewInt(10000))
	d := new(big.Int).Sub(big.NewInt(tax), exp)
	if d.CmpAbs(big.NewInt(1)) <= 0 {
		return "", false
	}
	return exp.String(), true
}

// roundDiv divides, rounding half away from zero; d > 0.
func roundDiv(n, d *big.Int) *big.Int {
	neg := n.Sign() < 0
	a := new(big.Int).Abs(n)
	a.Add(a, new(big.Int).Rsh(d, 1))
	a.Quo(a, d)
	if neg {
		a.Neg(a)
	}
	return a
}

// amountOff reports whether total is more than one minor unit off
// unitPrice × quantity − discount, and that expected value as exact decimal
// text. An unreadable quantity (reported by Validate) gives no warning.
func amountOff(unitPrice int64, quantity string, discount, total int64) (string, bool) {
	digits, decimals, ok := parseQuantity(quantity)
	if !ok {
		return "", false
	}
	scale := uint64(1)
	for range decimals {
		scale *= 10
	}
	// Compare unitPrice × digits with (total + discount) × scale, both
	// scaled by 10^decimals, so that no fraction is ever rounded.
	if unitPrice >= 0 && total >= 0 && discount >= 0 {
		lhs, ok1 := mulU63(uint64(unitPrice), digits)
		td, ok2 := addInt64(total, discount)
		rhs, ok3 := mulU63(uint64(td), scale)
		if ok1 && ok2 && ok3 {
			d := lhs - rhs
			if d >= -int64(scale) && d <= int64(scale) {
				return "", false
			}
		}
	}
	bs := new(big.Int).SetUint64(scale)
	lhs := new(big.Int).Mul(big.NewInt(unitPrice), new(big.Int).SetUint64(digits))
	exp := new(big.Int).Sub(lhs, new(big.Int).Mul(big.NewInt(discount), bs))
	rhs := new(big.Int).Mul(big.NewInt(total), bs)
	if d := new(big.Int).Sub(exp, rhs); d.CmpAbs(bs) <= 0 {
		return "", false
	}
	return formatScaled(exp, decimals), true
}

// mulU63 multiplies, reporting whether the product fits in an int64.
func mulU63(a, b uint64) (int64, bool) {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	return int64(lo), true
}

// formatScaled writes v / 10^decimals as exact decimal text without
// trailing zeros: (14985, 1) is "1498.5".
func formatScaled(v *big.Int, decimals int) string {
	s := new(big.Int).Abs(v).String()
	if decimals > 0 {
		if len(s) <= decimals {
			s = strings.Repeat("0", decimals-len(s)+1) + s
		}
		s = strings.TrimRight(s[:len(s)-decimals]+"."+s[len(s)-decimals:], "0")
		s = strings.TrimSuffix(s, ".")
	}
	if v.Sign() < 0 {
		s = "-" + s
	}
	return s
}

// FormatWarnings writes warnings as the value of the Receipt-Warnings
// header: an RFC 8941 structured-field List with one String per warning,
// the JSON path, and the parameters code and reason:
//
//	"orderLines[0].totalTaxAmount";code=tax_mismatch;reason="is 200, but ..."
//
// A code that is a valid token is written bare. Text that is not printable
// ASCII is written as an RFC 9651 Display String (%"..." with
// percent-encoded UTF-8), so every value round-trips through ParseWarnings.
// It returns "" for no warnings; the caller should then omit the header.
func FormatWarnings(ws []Warning) string {
	var b strings.Builder
	for i, w := range ws {
		if i > 0 {
			b.WriteString(", ")
		}
		writeSFString(&b, w.Name)
		b.WriteString(";code=")
		if isSFToken(w.Code) {
			b.WriteString(w.Code)
		} else {
			writeSFString(&b, w.Code)
		}
		b.WriteString(";reason=")
		writeSFString(&b, w.Reason)
	}
	return b.String()
}

// writeSFString writes s as a String, or as a Display String when it holds
// bytes a String cannot.
func writeSFString(b *strings.Builder, s string) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		b.WriteByte('"')
		for i := 0; i < len(s); i++ {
			if s[i] == '"' || s[i] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(s[i])
		}
		b.WriteByte('"')
		return
	}
	const hex = "0123456789abcdef"
	b.WriteString(`%"`)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' || c == '"' || c < 0x20 || c > 0x7e {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// isSFToken reports whether s is an RFC 8941 Token.
func isSFToken(s string) bool {
	if s == "" || !(isAlpha(s[0]) || s[0] == '*') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isTokenChar(c byte) bool {
	return isAlpha(c) || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~:/", c) >= 0
}

// ParseWarnings reads a Receipt-Warnings header value written by
// FormatWarnings (several header lines joined with ", " are one list). Each
// member's String (or Token) is the name; parameters code and reason fill
// the rest, others are ignored. Parsing stops at the first syntax error and
// returns the warnings read until then.
func ParseWarnings(header string) []Warning {
	p := sfParser{s: header}
	var ws []Warning
	p.skipSpace()
	for p.i < len(p.s) {
		var w Warning
		var ok bool
		if w.Name, ok = p.item(); !ok {
			return ws
		}
		for p.i < len(p.s) && p.s[p.i] == ';' {
			p.i++
			for p.i < len(p.s) && p.s[p.i] == ' ' {
				p.i++
			}
			key := p.key()
			if key == "" {
				return ws
			}
			val := ""
			if p.i < len(p.s) && p.s[p.i] == '=' {
				p.i++
				if val, ok = p.item(); !ok {
					return ws
				}
			}
			switch key {
			case "code":
				w.Code = val
			case "reason":
				w.Reason = val
			}
		}
		ws = append(ws, w)
		p.skipSpace()
		if p.i == len(p.s) {
			break
		}
		if p.s[p.i] != ',' {
			return ws
		}
		p.i++
		p.skipSpace()
	}
	return ws
}

// sfParser reads the parts of a structured field that warnings use.
type sfParser struct {
	s string
	i int
}

func (p *sfParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// key reads a parameter key: lcalpha or "*", then lcalpha, digits, _-.*
func (p *sfParser) key() string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c >= 'a' && c <= 'z' || c == '*' || p.i > start && (c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

// item reads a String, Display String, Token or Integer as text.
func (p *sfParser) item() (string, bool) {
	if p.i >= len(p.s) {
		return "", false
	}
	switch c := p.s[p.i]; {
	case c == '"':
		return p.str()
	case c == '%' && p.i+1 < len(p.s) && p.s[p.i+1] == '"':
		return p.displayStr()
	case isAlpha(c) || c == '*' || c == '-' || c >= '0' && c <= '9':
		start := p.i
		p.i++
		for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
			p.i++
		}
		return p.s[start:p.i], true
	}
	return "", false
}

func (p *sfParser) str() (string, bool) {
	p.i++ // opening quote
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case '"':
			return b.String(), true
		case '\\':
			if p.i >= len(p.s) || (p.s[p.i] != '"' && p.s[p.i] != '\\') {
				return "", false
			}
			b.WriteByte(p.s[p.i])
			p.i++
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}

func (p *sfParser) displayStr() (string, bool) {
	p.i += 2 // %"
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case '"':
			return b.String(), true
		case '%':
			if p.i+2 > len(p.s) {
				return "", false
			}
			v, err := strconv.ParseUint(p.s[p.i:p.i+2], 16, 8)
			if err != nil {
				return "", false
			}
			b.WriteByte(byte(v))
			p.i += 2
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}
