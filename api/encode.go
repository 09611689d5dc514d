package api

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends the receipt's canonical JSON to b: byte for byte what
// json.Marshal(r) produces, field order, omitempty and string escaping
// included, so stores and clients see one form whichever encoder made it.
// It exists because the server encodes every stored receipt, and
// reflection made that a twentieth of a receipt's CPU time. The tests
// compare it with json.Marshal on receipts with every field set, so a
// field added to the types without being added here fails them.
func (r *Receipt) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"orderLines":`...)
	if r.OrderLines == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.OrderLines {
			if i > 0 {
				b = append(b, ',')
			}
			b = r.OrderLines[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	b = append(b, `,"bottomLine":`...)
	b, err := r.BottomLine.appendJSON(b)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// AppendJSON appends the category's JSON to b, byte for byte what
// json.Marshal(c) produces; GET order answers with it on every read.
func (c *Category) AppendJSON(b []byte) []byte {
	b = append(b, `{"category":`...)
	b = appendJSONString(b, string(c.Category))
	b = append(b, `,"orderDetailsUrl":`...)
	b = appendJSONString(b, c.OrderDetailsURL)
	if c.ImageID != nil {
		b = append(b, `,"imageId":`...)
		b = appendJSONString(b, *c.ImageID)
	}
	return append(b, '}')
}

func (l *OrderLine) appendJSON(b []byte) []byte {
	b = append(b, `{"name":`...)
	b = appendJSONString(b, l.Name)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, l.ID)
	b = append(b, `,"totalAmount":`...)
	b = strconv.AppendInt(b, l.TotalAmount, 10)
	b = append(b, `,"totalAmountExcludingTax":`...)
	b = strconv.AppendInt(b, l.TotalAmountExcludingTax, 10)
	b = append(b, `,"totalTaxAmount":`...)
	b = strconv.AppendInt(b, l.TotalTaxAmount, 10)
	b = appendOptInt(b, `,"taxRate":`, l.TaxRate)
	b = appendOptInt(b, `,"taxPercentage":`, l.TaxPercentage)
	if u := l.UnitInfo; u != nil {
		b = append(b, `,"unitInfo":{"unitPrice":`...)
		b = strconv.AppendInt(b, u.UnitPrice, 10)
		b = append(b, `,"quantity":`...)
		b = appendJSONString(b, u.Quantity)
		b = appendOptString(b, `,"quantityUnit":`, u.QuantityUnit)
		b = append(b, '}')
	}
	b = appendOptInt(b, `,"discount":`, l.Discount)
	b = appendOptString(b, `,"productUrl":`, l.ProductURL)
	if l.IsReturn {
		b = append(b, `,"isReturn":true`...)
	}
	if l.IsShipping {
		b = append(b, `,"isShipping":true`...)
	}
	return append(b, '}')
}

func (bl *BottomLine) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"currency":`...)
	b = appendJSONString(b, bl.Currency)
	b = appendOptInt(b, `,"tipAmount":`, bl.TipAmount)
	b = appendOptString(b, `,"posId":`, bl.PosID)
	b = appendOptString(b, `,"receiptNumber":`, bl.ReceiptNumber)
	if ps := bl.PaymentSources; ps != nil {
		b = append(b, `,"paymentSources":{`...)
		n := len(b)
		b = appendOptInt(b, `,"giftCard":`, ps.GiftCard)
		b = appendOptInt(b, `,"card":`, ps.Card)
		b = appendOptInt(b, `,"voucher":`, ps.Voucher)
		b = appendOptInt(b, `,"cash":`, ps.Cash)
		if len(b) > n {
			// Drop the comma written before the first field.
			b = append(b[:n], b[n+1:]...)
		}
		b = append(b, '}')
	}
	if bc := bl.Barcode; bc != nil {
		b = append(b, `,"barcode":{"format":`...)
		b = appendJSONString(b, bc.Format)
		b = append(b, `,"data":`...)
		b = appendJSONString(b, bc.Data)
		b = append(b, '}')
	}
	b = appendOptInt(b, `,"giftCardAmount":`, bl.GiftCardAmount)
	b = appendOptInt(b, `,"totalAmount":`, bl.TotalAmount)
	b = appendOptInt(b, `,"totalTax":`, bl.TotalTax)
	b = appendOptInt(b, `,"totalDiscount":`, bl.TotalDiscount)
	b = appendOptInt(b, `,"shippingAmount":`, bl.ShippingAmount)
	if len(bl.ShippingInfo) > 0 {
		// Free-form JSON, rare: json.Marshal compacts and escapes it as
		// it would inside the receipt.
		raw, err := json.Marshal(bl.ShippingInfo)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"shippingInfo":`...)
		b = append(b, raw...)
	}
	b = appendOptString(b, `,"terminalId":`, bl.TerminalID)
	return append(b, '}'), nil
}

func appendOptInt(b []byte, key string, v *int64) []byte {
	if v == nil {
		return b
	}
	return strconv.AppendInt(append(b, key...), *v, 10)
}

func appendOptString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendJSONString(append(b, key...), s)
}

// appendJSONString quotes s as encoding/json does by default: <, > and &
// escaped as \u003c and so on, invalid UTF-8 replaced by U+FFFD, and the
// JavaScript line separators U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
