package console

import (
	"html/template"
	"net/url"

	"github.com/ordermgmt/ordermgmt/api"
)

// The views below are what the order page and the customer view show,
// built once from the API's data and its sums (api.Receipt.Totals), so the
// two pages and the API can never disagree.

// categoryView is one category of an order.
type categoryView struct {
	ID    string // v3 category id; "" for the v2 category
	Type  api.CategoryType
	Label string
	URL   string
	// Link is URL when it may be a link (an https URL the API's rules
	// accept), else "": the URL is then shown as text only.
	Link    string
	ImageID string
	// ImageURL shows the image (inside our server only), else "".
	ImageURL string
	// Shown marks the category the app shows: the most recent one.
	Shown bool
}

func (c *Console) categoryView(msn string, cat api.Category) categoryView {
	v := categoryView{Type: cat.Category, Label: cat.Category.Label(), URL: cat.OrderDetailsURL,
		Link: httpsLink(cat.OrderDetailsURL), Shown: true}
	if cat.ImageID != nil {
		v.ImageID = *cat.ImageID
		if c.opts.Images != nil {
			v.ImageURL = Prefix + "/m/" + url.PathEscape(msn) + "/images/" + url.PathEscape(v.ImageID)
		}
	}
	return v
}

// receiptView is a receipt with its sums, formatted for people.
type receiptView struct {
	Currency       string
	Lines          []lineView
	Totals         api.Totals
	PaymentSources []labelled
	ReceiptNumber  string
	PosID          string
	HasTip         bool
	Barcode        *barcodeView
	Deprecated     []labelled
}

type labelled struct {
	Label, Value string
}

// lineView is one order line.
type lineView struct {
	Name, ID   string
	Quantity   string // "2 PCS"
	UnitPrice  int64
	HasUnit    bool
	Discount   int64
	IsReturn   bool
	IsShipping bool
	Rate       int64
	Net        int64
	VAT        int64
	Total      int64
	ProductURL string
	Link       string
}

func newReceiptView(r *api.Receipt) *receiptView {
	v := &receiptView{
		Currency:      r.BottomLine.Currency,
		Totals:        r.Totals(),
		ReceiptNumber: r.BottomLine.ReceiptNumber,
		PosID:         r.BottomLine.PosID,
		HasTip:        r.BottomLine.TipAmount != nil,
	}
	for _, l := range r.OrderLines {
		lv := lineView{
			Name: l.Name, ID: l.ID, Quantity: "1 PCS", IsReturn: l.IsReturn, IsShipping: l.IsShipping,
			Rate: l.Rate(), Net: l.TotalAmountExcludingTax, VAT: l.TotalTaxAmount, Total: l.TotalAmount,
			ProductURL: l.ProductURL, Link: httpsLink(l.ProductURL),
		}
		if l.UnitInfo != nil {
			lv.Quantity = l.UnitInfo.Quantity + " " + l.UnitInfo.Unit()
			lv.UnitPrice, lv.HasUnit = l.UnitInfo.UnitPrice, true
		}
		if l.Discount != nil {
			lv.Discount = *l.Discount
		}
		v.Lines = append(v.Lines, lv)
	}
	if ps := r.BottomLine.PaymentSources; ps != nil {
		for _, s := range []struct {
			label string
			v     *int64
		}{{"Card", ps.Card}, {"Gift card", ps.GiftCard}, {"Voucher", ps.Voucher}, {"Cash", ps.Cash}} {
			if s.v != nil {
				v.PaymentSources = append(v.PaymentSources, labelled{s.label, api.FormatAmount(*s.v, v.Currency)})
			}
		}
	}
	if bc := r.BottomLine.Barcode; bc != nil {
		v.Barcode = drawBarcode(bc.Format, bc.Data)
	}
	bl := r.BottomLine
	for _, d := range []struct {
		label string
		v     *int64
	}{{"giftCardAmount", bl.GiftCardAmount}, {"totalAmount", bl.TotalAmount}, {"totalTax", bl.TotalTax},
		{"totalDiscount", bl.TotalDiscount}, {"shippingAmount", bl.ShippingAmount}} {
		if d.v != nil {
			v.Deprecated = append(v.Deprecated, labelled{d.label, api.FormatAmount(*d.v, v.Currency)})
		}
	}
	if bl.TerminalID != "" {
		v.Deprecated = append(v.Deprecated, labelled{"terminalId", bl.TerminalID})
	}
	return v
}

// barcodeView is the barcode of a receipt, drawn as a PNG image.
type barcodeView struct {
	Format, Data string
	// Image is a data: URL of the PNG; empty when the data cannot be drawn
	// in the format, and Problem says why.
	Image   template.URL
	Problem string
}
