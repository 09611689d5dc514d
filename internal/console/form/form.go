// Package form reads the support console's forms from requests and checks
// them before anything is sent, with the rules of package api. A form keeps
// exactly what was typed, so a page that failed can show it again.
package form

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
)

// Errors maps a form field to the sentences that concern it. The key ""
// holds what concerns the whole form.
type Errors map[string][]string

// Add appends a sentence to a field.
func (e Errors) Add(field, msg string) { e[field] = append(e[field], msg) }

// Any reports whether there is any message.
func (e Errors) Any() bool { return len(e) > 0 }

// Lookup is the order lookup form: which merchant, which order.
type Lookup struct {
	MSN, PaymentType, OrderID string
}

// LookupFromRequest reads the lookup form (a GET form: its values are in
// the query).
func LookupFromRequest(r *http.Request) Lookup {
	q := r.URL.Query()
	return Lookup{
		MSN:         strings.TrimSpace(q.Get("msn")),
		PaymentType: strings.TrimSpace(q.Get("paymentType")),
		OrderID:     strings.TrimSpace(q.Get("orderId")),
	}
}

// Validate checks the lookup with the API's path rules.
func (l Lookup) Validate() (api.PaymentType, Errors) {
	errs := Errors{}
	for _, p := range api.CheckMSN(l.MSN) {
		errs.Add("msn", client.FieldMessage(p))
	}
	pt, err := api.ParsePaymentType(l.PaymentType)
	if err != nil {
		errs.Add("paymentType", "Choose the payment type: ECOM (eCom and ePayment) or RECURRING.")
	}
	for _, p := range api.CheckOrderID(l.OrderID) {
		errs.Add("orderId", client.FieldMessage(p))
	}
	return pt, errs
}

// SignIn is the sign-in form.
type SignIn struct {
	Name     string
	Password string
}

// SignInFromRequest reads the sign-in form.
func SignInFromRequest(r *http.Request) SignIn {
	return SignIn{Name: strings.TrimSpace(r.PostFormValue("name")), Password: r.PostFormValue("password")}
}

// Category is the form that sets an order's category (v2).
type Category struct {
	Type, URL, ImageID string
}

// CategoryFromRequest reads the category form.
func CategoryFromRequest(r *http.Request) Category {
	return Category{
		Type:    strings.TrimSpace(r.PostFormValue("category")),
		URL:     strings.TrimSpace(r.PostFormValue("orderDetailsUrl")),
		ImageID: strings.TrimSpace(r.PostFormValue("imageId")),
	}
}

// API is the category as the API takes it; an empty image id is none.
func (c Category) API() api.Category {
	cat := api.Category{Category: api.CategoryType(c.Type), OrderDetailsURL: c.URL}
	if c.ImageID != "" {
		id := c.ImageID
		cat.ImageID = &id
	}
	return cat
}

// Validate checks the category with the API's rules.
func (c Category) Validate() Errors {
	errs := Errors{}
	cat := c.API()
	AddProblem(errs, cat.Validate(), CategoryFields)
	return errs
}

// Image is the image upload form.
type Image struct {
	// ImageID is what was typed; empty means the content-addressed id.
	ImageID  string
	FileName string
	Data     []byte
}

// maxUpload bounds the multipart body: the largest image the API takes
// and room for the other fields.
const maxUpload = api.MaxImageBytes + 64<<10

// ImageFromRequest reads the multipart upload form. A file over the API's
// limit is an error on the file field, not a failed request.
func ImageFromRequest(w http.ResponseWriter, r *http.Request) (Image, Errors, error) {
	errs := Errors{}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(maxUpload); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			errs.Add("file", "The file is larger than 2 MiB (2,097,152 bytes), the most the API takes; choose a smaller image.")
			return Image{}, errs, nil
		}
		return Image{}, nil, fmt.Errorf("read upload: %w", err)
	}
	img := Image{ImageID: strings.TrimSpace(r.PostFormValue("imageId"))}
	f, hdr, err := r.FormFile("file")
	switch {
	case errors.Is(err, http.ErrMissingFile):
		errs.Add("file", "Choose a PNG or JPEG file to upload.")
		return img, errs, nil
	case err != nil:
		return img, nil, fmt.Errorf("read upload: %w", err)
	}
	defer f.Close()
	img.FileName = hdr.Filename
	img.Data, err = io.ReadAll(io.LimitReader(f, maxUpload))
	if err != nil {
		return img, nil, fmt.Errorf("read upload: %w", err)
	}
	return img, errs, nil
}

// Validate checks the image with the API's rules: PNG or JPEG, at most
// 2 MiB, at least 167 pixels high, an id of allowed characters.
func (img Image) Validate() Errors {
	errs := Errors{}
	if img.ImageID != "" {
		for _, p := range api.CheckImageID(img.ImageID) {
			errs.Add("imageId", client.FieldMessage(p))
		}
	}
	if len(img.Data) == 0 {
		if len(errs["file"]) == 0 {
			errs.Add("file", "The file is empty; choose a PNG or JPEG image.")
		}
		return errs
	}
	if _, ps := api.CheckImageData(img.Data); len(ps) > 0 {
		for _, p := range ps {
			errs.Add("file", client.FieldMessage(p))
		}
	}
	return errs
}

// Receipt is the form that adds an order's receipt as pasted JSON.
type Receipt struct {
	JSON string
}

// ReceiptFromRequest reads the receipt form.
func ReceiptFromRequest(r *http.Request) Receipt {
	return Receipt{JSON: r.PostFormValue("receipt")}
}

// Lint decodes and checks the pasted receipt as the server will. Problems
// are keyed by their JSON path (orderLines[1].totalTaxAmount), warnings
// are returned apart: they do not stop sending.
func (f Receipt) Lint() (*api.Receipt, []Problem, []api.Warning) {
	if strings.TrimSpace(f.JSON) == "" {
		return nil, []Problem{{Field: "receipt", Message: "Paste the receipt (order details) as JSON: {\"orderLines\": [...], \"bottomLine\": {...}}."}}, nil
	}
	r, err := api.DecodeReceipt([]byte(f.JSON))
	if err != nil {
		return nil, Problems(err), nil
	}
	return r, nil, r.Warnings()
}

// Problem is one message about a named field, for lists where the field
// is a JSON path rather than an input.
type Problem struct {
	Field   string
	Message string
	Code    string
}

// Problems lists the invalid parameters of an error (an *api.Problem or a
// *client.Error), each with its sentence for people.
func Problems(err error) []Problem {
	var out []Problem
	for _, p := range invalidParams(err) {
		out = append(out, Problem{Field: p.Name, Message: client.FieldMessage(p), Code: p.Code})
	}
	return out
}

func invalidParams(err error) []api.InvalidParam {
	var ce *client.Error
	if errors.As(err, &ce) {
		return ce.InvalidParams
	}
	var p *api.Problem
	if errors.As(err, &p) {
		return p.InvalidParams
	}
	return nil
}

// AddProblem puts every invalid parameter of err beside its field in errs.
// fields maps an API name to the form field that shows it (src to file,
// orderDetailsUrl to itself); a name the map lacks goes to the whole form,
// prefixed with the name, so no message is ever dropped.
func AddProblem(errs Errors, err error, fields map[string]string) {
	for _, p := range invalidParams(err) {
		if f, ok := fields[p.Name]; ok {
			errs.Add(f, client.FieldMessage(p))
			continue
		}
		errs.Add("", p.Name+": "+client.FieldMessage(p))
	}
}

// CategoryFields are the API names the category form shows beside its inputs.
var CategoryFields = map[string]string{"category": "category", "orderDetailsUrl": "orderDetailsUrl", "imageId": "imageId"}

// ImageFields are the API names the image form shows beside its inputs.
var ImageFields = map[string]string{"imageId": "imageId", "src": "file"}

// CategoryV3 is the form that adds a category to an order (v3).
type CategoryV3 struct {
	Type, URL, ImageID string
}

// CategoryV3FromRequest reads the add-category form.
func CategoryV3FromRequest(r *http.Request) CategoryV3 {
	return CategoryV3{
		Type:    strings.TrimSpace(r.PostFormValue("type")),
		URL:     strings.TrimSpace(r.PostFormValue("url")),
		ImageID: strings.TrimSpace(r.PostFormValue("imageId")),
	}
}

// API is the v3 request for an order; an empty image id is none.
func (c CategoryV3) API(pt api.PaymentType, orderID string) api.AddCategoryRequest {
	req := api.AddCategoryRequest{OrderID: orderID, PaymentType: pt, Type: api.CategoryType(c.Type), URL: c.URL}
	if c.ImageID != "" {
		id := c.ImageID
		req.ImageID = &id
	}
	return req
}

// CategoryV3Fields are the API names the add-category form shows beside
// its inputs.
var CategoryV3Fields = map[string]string{"type": "type", "url": "url", "imageId": "imageId"}

// Fault is the form that adds a sandbox fault rule. Numbers are kept as
// typed, so a failed form shows them again.
type Fault struct {
	Operation, OrderID, When                        string
	Status, RetryAfter, DelayMs, Count, Probability string
	Drop                                            bool
}

// FaultFromRequest reads the fault rule form.
func FaultFromRequest(r *http.Request) Fault {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return Fault{
		Operation: v("operation"), OrderID: v("orderId"), When: v("when"),
		Status: v("status"), RetryAfter: v("retryAfter"), DelayMs: v("delayMs"),
		Count: v("count"), Probability: v("probability"), Drop: r.PostFormValue("drop") != "",
	}
}

// API is the rule for the sandbox; numbers that are not numbers are
// errors beside their fields (the sandbox checks everything else).
func (f Fault) API() (api.FaultRule, Errors) {
	errs := Errors{}
	rule := api.FaultRule{Operation: f.Operation, OrderID: f.OrderID, When: f.When, Drop: f.Drop}
	ints := []struct {
		field, s string
		dst      *int
	}{{"status", f.Status, &rule.Status}, {"retryAfter", f.RetryAfter, &rule.RetryAfter},
		{"delayMs", f.DelayMs, &rule.DelayMs}, {"count", f.Count, &rule.Count}}
	for _, n := range ints {
		if n.s == "" {
			continue
		}
		v, err := strconv.Atoi(n.s)
		if err != nil {
			errs.Add(n.field, "Write a whole number, such as 502.")
			continue
		}
		*n.dst = v
	}
	if f.Probability != "" {
		p, err := strconv.ParseFloat(f.Probability, 64)
		if err != nil {
			errs.Add("probability", "Write a number from 0 to 1, such as 0.5.")
		} else {
			rule.Probability = &p
		}
	}
	return rule, errs
}

// FaultFields are the API names the fault form shows beside its inputs.
var FaultFields = map[string]string{
	"operation": "operation", "orderId": "orderId", "when": "when", "status": "status",
	"retryAfter": "retryAfter", "delayMs": "delayMs", "drop": "drop", "count": "count", "probability": "probability",
}

// LineRows is how many order lines the line-by-line receipt form offers.
const LineRows = 5

// Line is one row of the line-by-line receipt form, as typed.
type Line struct {
	Name, ID, Quantity, UnitPrice, Discount, TaxRate string
	// Kind is "item", "shipping" or "return".
	Kind string
}

func (l Line) empty() bool {
	return l.Name == "" && l.ID == "" && l.Quantity == "" && l.UnitPrice == "" && l.Discount == "" && l.TaxRate == ""
}

// Lines is the line-by-line receipt form: amounts in kroner, kronor or
// euros with up to two decimals (125.50), rates in percent (25, 15.5). The
// SDK's ReceiptBuilder works out net and VAT.
type Lines struct {
	Currency, ReceiptNumber string
	Rows                    []Line
}

// LinesFromRequest reads the line-by-line form.
func LinesFromRequest(r *http.Request) Lines {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := Lines{Currency: v("currency"), ReceiptNumber: v("receiptNumber"), Rows: make([]Line, LineRows)}
	for i := range f.Rows {
		p := "l" + strconv.Itoa(i) + "-"
		f.Rows[i] = Line{Name: v(p + "name"), ID: v(p + "id"), Quantity: v(p + "quantity"), UnitPrice: v(p + "unitPrice"),
			Discount: v(p + "discount"), TaxRate: v(p + "taxRate"), Kind: v(p + "kind")}
	}
	return f
}

// NewLines is an empty form with its rows.
func NewLines() Lines { return Lines{Currency: "NOK", Rows: make([]Line, LineRows)} }

// RowField names the input of a row's field, such as l0-unitPrice.
func RowField(row int, field string) string { return "l" + strconv.Itoa(row) + "-" + field }

// Build makes the receipt with the SDK's builder. Problems are keyed by
// the input they concern (l1-unitPrice, currency); a problem of a line
// goes beside the row's input for that field.
func (f Lines) Build() (*api.Receipt, []api.Warning, Errors) {
	errs := Errors{}
	b := client.NewReceipt(f.Currency)
	if f.ReceiptNumber != "" {
		b.ReceiptNumber(f.ReceiptNumber)
	}
	var rows []int // rows[i] is the form row of order line i
	for i, l := range f.Rows {
		if l.empty() {
			continue
		}
		spec := client.LineSpec{Name: l.Name, ID: l.ID, Quantity: l.Quantity}
		var ok bool
		if spec.UnitPrice, ok = parseMoney(l.UnitPrice); !ok {
			errs.Add(RowField(i, "unitPrice"), "Write the price of one unit including VAT, such as 125.50.")
		}
		if l.Discount != "" {
			if spec.Discount, ok = parseMoney(l.Discount); !ok {
				errs.Add(RowField(i, "discount"), "Write the discount including VAT, such as 20.00, or leave it empty.")
			}
		}
		if spec.TaxRate, ok = parseRate(l.TaxRate); !ok {
			errs.Add(RowField(i, "taxRate"), "Write the VAT rate in percent, such as 25 or 15.5.")
		}
		switch l.Kind {
		case "shipping":
			b.AddShipping(spec)
		case "return":
			b.AddReturn(spec)
		default:
			b.AddLine(spec)
		}
		rows = append(rows, i)
	}
	if len(rows) == 0 {
		errs.Add(RowField(0, "name"), "Fill in at least one order line.")
	}
	if errs.Any() {
		return nil, nil, errs
	}
	warns, err := b.Lint()
	if err != nil {
		for _, p := range Problems(err) {
			if in := lineInput(p.Field, rows); in != "" {
				errs.Add(in, p.Message)
			} else {
				errs.Add("", p.Field+": "+p.Message)
			}
		}
		return nil, nil, errs
	}
	r, err := b.Build()
	if err != nil {
		AddProblem(errs, err, nil)
		return nil, nil, errs
	}
	return r, warns, errs
}

// lineInput maps a JSON path of the built receipt to the form input that
// made it: orderLines[1].unitInfo.unitPrice to the unit price of the row
// of line 1; bottomLine.currency to currency.
func lineInput(path string, rows []int) string {
	switch {
	case path == "bottomLine.currency":
		return "currency"
	case strings.HasPrefix(path, "bottomLine.receiptNumber"):
		return "receiptNumber"
	case !strings.HasPrefix(path, "orderLines["):
		return ""
	}
	end := strings.IndexByte(path, ']')
	i, err := strconv.Atoi(path[len("orderLines["):max(end, len("orderLines["))])
	if err != nil || i < 0 || i >= len(rows) {
		return ""
	}
	field := path[end+1:]
	switch {
	case strings.Contains(field, "unitPrice"), strings.Contains(field, "totalAmount"):
		field = "unitPrice"
	case strings.Contains(field, "quantity"):
		field = "quantity"
	case strings.Contains(field, "discount"):
		field = "discount"
	case strings.Contains(field, "tax"):
		field = "taxRate"
	case strings.Contains(field, "name"):
		field = "name"
	case strings.Contains(field, "id"):
		field = "id"
	default:
		field = "name"
	}
	return RowField(rows[i], field)
}

// parseMoney reads 125, 125.5 or 125,50 as minor units (12550).
func parseMoney(s string) (int64, bool) {
	s = strings.ReplaceAll(s, ",", ".")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || !digits(whole) || (frac != "" && !digits(frac)) || len(whole) > 15 {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	return n, err == nil
}

// parseRate reads a percentage with up to two decimals as basis points:
// 25 is 2500, 15.5 is 1550.
func parseRate(s string) (int64, bool) {
	bp, ok := parseMoney(strings.TrimSpace(strings.TrimSuffix(s, "%")))
	return bp, ok && bp <= 10000
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
