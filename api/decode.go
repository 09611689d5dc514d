package api

// Examples of each body, shown when a body is empty or not an object.
const (
	exampleImage    = `{"imageId": "logo-1", "src": "<base64 PNG or JPEG>", "type": "base64"}`
	exampleCategory = `{"category": "RECEIPT", "orderDetailsUrl": "https://example.com/orders/123"}`
	exampleReceipt  = `{"orderLines": [...], "bottomLine": {"currency": "NOK"}}`
)

// helpQuantityUnit lists the QuantityUnits.
const helpQuantityUnit = "one of PCS, KG, KM, MINUTE, LITRE, KWH"

// DecodeImage decodes and checks the body of an image upload (contract §4)
// and reads the image: its type from the bytes, its size and height. On any
// problem it returns a 400 *Problem listing every one.
func DecodeImage(body []byte) (*ImageRequest, *ImageInfo, error) {
	t, perr := parseBody(body, exampleImage)
	if perr != nil {
		return nil, nil, Invalid([]InvalidParam{*perr})
	}
	defer t.release()
	var p problems
	o := jobj{t: t, at: top, p: &p}
	r := new(ImageRequest)
	var bad fieldSet
	if o.str("imageId", &r.ImageID, true, helpImageID) == stBad {
		bad |= fImageID
	}
	if o.str("type", &r.Type, true, helpImageType) == stBad {
		bad |= fType
	}
	if o.str("src", &r.Src, true, helpSrc) == stBad {
		bad |= fSrc
	}
	info := checkImageRequest(&p, r, bad)
	p.sortFrom(0)
	if err := p.err(); err != nil {
		return nil, nil, err
	}
	return r, info, nil
}

// DecodeCategory decodes and checks the body of a category (contract §5).
// On any problem it returns a 400 *Problem listing every one. Whether the
// image exists is for the caller to check.
func DecodeCategory(body []byte) (*Category, error) {
	t, perr := parseBody(body, exampleCategory)
	if perr != nil {
		return nil, Invalid([]InvalidParam{*perr})
	}
	defer t.release()
	var p problems
	o := jobj{t: t, at: top, p: &p}
	c := new(Category)
	var bad fieldSet
	var s string
	switch o.str("category", &s, true, helpCategory) {
	case stOK:
		c.Category = CategoryType(s)
	case stBad:
		bad |= fCategory
	}
	if o.str("orderDetailsUrl", &c.OrderDetailsURL, true, helpDetailsURL) == stBad {
		bad |= fDetailsURL
	}
	var id string
	switch o.str("imageId", &id, false, "the id of an uploaded image, or null") {
	case stOK:
		c.ImageID = &id
	case stBad:
		bad |= fImageID
	}
	checkCategory(&p, c, bad)
	p.sortFrom(0)
	if err := p.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// DecodeReceipt decodes and checks the body of a receipt (contract §6). On
// any problem it returns a 400 *Problem listing every one: wrong types,
// missing fields and broken rules alike. Unknown fields are ignored;
// deprecated ones are kept.
func DecodeReceipt(body []byte) (*Receipt, error) {
	t, perr := parseBody(body, exampleReceipt)
	if perr != nil {
		return nil, Invalid([]InvalidParam{*perr})
	}
	defer t.release()
	var p problems
	o := jobj{t: t, at: top, p: &p}
	r := new(Receipt)

	var elems []int
	arr, st := o.array("orderLines", true, helpOrderLines)
	if st == stOK {
		var buf [16]int
		elems = t.elems(arr, buf[:0])
		r.OrderLines = make([]OrderLine, len(elems))
	}
	checkOrderLinesPresent(&p, r.OrderLines, st == stOK)
	for i, v := range elems {
		at := lineLoc(i)
		if t.nodes[v].kind != kObject {
			p.add(at.name(""), CodeWrongType, "must be an order line object with name, id, totalAmount, totalAmountExcludingTax, totalTaxAmount and taxRate, got "+t.kindOf(v)+".")
			continue
		}
		l := &r.OrderLines[i]
		start := len(p.ps)
		bad := decodeLine(jobj{t: t, n: v, at: at, p: &p}, l)
		checkLine(&p, at, l, bad)
		p.sortFrom(start)
	}
	checkSums(&p, r.OrderLines)

	if bo, st := o.object("bottomLine", true, helpBottomLine); st == stOK {
		start := len(p.ps)
		bad := decodeBottomLine(bo, &r.BottomLine)
		checkBottomLine(&p, &r.BottomLine, bad)
		p.sortFrom(start)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return r, nil
}

// decodeLine reads an order line and returns the fields it reported.
func decodeLine(o jobj, l *OrderLine) fieldSet {
	var bad fieldSet
	mark := func(st state, f fieldSet) {
		if st == stBad {
			bad |= f
		}
	}
	mark(o.str("name", &l.Name, true, helpLineName), fName)
	mark(o.str("id", &l.ID, true, helpLineID), fID)
	var st state
	l.TotalAmount, st = o.int("totalAmount", true, "the line total including tax, "+helpAmount)
	mark(st, fTotal)
	l.TotalAmountExcludingTax, st = o.int("totalAmountExcludingTax", true, "the line total without tax, "+helpAmount)
	mark(st, fExcl)
	l.TotalTaxAmount, st = o.int("totalTaxAmount", true, "the tax of the line, "+helpAmount)
	mark(st, fTax)
	l.TaxRate, st = o.optInt("taxRate", helpTaxRate)
	mark(st, fTaxRate)
	l.TaxPercentage, st = o.optInt("taxPercentage", helpTaxPct)
	mark(st, fTaxPct)
	if l.TaxRate == nil && l.TaxPercentage == nil && bad&(fTaxRate|fTaxPct) == 0 {
		if k := o.foldKey("taxRate", "taxPercentage"); k != "" {
			o.p.add(o.name("taxRate"), CodeTaxRateRequired, reasonTaxRateRequired+
				" Found "+quote(k)+", but field names are case-sensitive.")
			bad |= fTaxRate
		}
	}
	l.Discount, st = o.optInt("discount", helpAmount)
	mark(st, fDiscount)
	mark(o.str("productUrl", &l.ProductURL, false, "an absolute https URL"), fProductURL)
	o.boolean("isReturn", &l.IsReturn)
	o.boolean("isShipping", &l.IsShipping)

	uo, st := o.object("unitInfo", false, helpUnitInfo)
	mark(st, fUnitInfo)
	if st == stOK {
		u := new(UnitInfo)
		u.UnitPrice, st = uo.int("unitPrice", true, "the price of one unit including tax and before discount, "+helpAmount)
		mark(st, fUnitPrice)
		mark(uo.str("quantity", &u.Quantity, true, helpQuantity), fQuantity)
		mark(uo.str("quantityUnit", &u.QuantityUnit, false, helpQuantityUnit), fQuantityUnit)
		l.UnitInfo = u
	}
	return bad
}

// decodeBottomLine reads the bottom line and returns the fields it
// reported.
func decodeBottomLine(o jobj, b *BottomLine) fieldSet {
	var bad fieldSet
	mark := func(st state, f fieldSet) {
		if st == stBad {
			bad |= f
		}
	}
	mark(o.str("currency", &b.Currency, true, helpCurrency), fCurrency)
	var st state
	b.TipAmount, st = o.optInt("tipAmount", helpAmount)
	mark(st, fTip)
	mark(o.str("posId", &b.PosID, false, "at most 256 characters"), fPosID)
	mark(o.str("receiptNumber", &b.ReceiptNumber, false, "at most 256 characters"), fReceiptNumber)

	po, st := o.object("paymentSources", false, helpPayments)
	mark(st, fPaymentSources)
	if st == stOK {
		ps := new(PaymentSources)
		ps.GiftCard, st = po.optInt("giftCard", helpAmount)
		mark(st, fGiftCard)
		ps.Card, st = po.optInt("card", helpAmount)
		mark(st, fCard)
		ps.Voucher, st = po.optInt("voucher", helpAmount)
		mark(st, fVoucher)
		ps.Cash, st = po.optInt("cash", helpAmount)
		mark(st, fCash)
		b.PaymentSources = ps
	}

	bo, st := o.object("barcode", false, helpBarcode)
	mark(st, fBarcode)
	if st == stOK {
		bc := new(Barcode)
		mark(bo.str("format", &bc.Format, true, helpFormat), fFormat)
		mark(bo.str("data", &bc.Data, true, helpBarData), fData)
		b.Barcode = bc
	}

	// Deprecated fields: read for their type only, kept as sent.
	b.GiftCardAmount, _ = o.optInt("giftCardAmount", helpAmount)
	b.TotalAmount, _ = o.optInt("totalAmount", helpAmount)
	b.TotalTax, _ = o.optInt("totalTax", helpAmount)
	b.TotalDiscount, _ = o.optInt("totalDiscount", helpAmount)
	b.ShippingAmount, _ = o.optInt("shippingAmount", helpAmount)
	b.ShippingInfo, _ = o.raw("shippingInfo")
	o.str("terminalId", &b.TerminalID, false, "the id of the payment terminal")
	return bad
}
