package api

import (
	"cmp"
	"slices"
	"strings"
)

// The v3 categories of contract §5a: an order has a list of categories,
// each with its own id, that v2 shares (a v2 PUT replaces the list with one
// category; v2 GET shows the most recently created).

// AddCategoryRequest is the body of POST /order-management/v3/categories.
type AddCategoryRequest struct {
	OrderID     string       `json:"orderId"`
	PaymentType PaymentType  `json:"paymentType"`
	Type        CategoryType `json:"type"`
	URL         string       `json:"url"`
	ImageID     *string      `json:"imageId,omitempty"`
}

// AddCategoryResponse is the body of a successful v3 category POST.
type AddCategoryResponse struct {
	CategoryID string `json:"categoryId"`
}

// CategoryV3 is one category of an order as v3 shows it.
type CategoryV3 struct {
	CategoryID  string       `json:"categoryId"`
	OrderID     string       `json:"orderId"`
	PaymentType PaymentType  `json:"paymentType"`
	Type        CategoryType `json:"type"`
	URL         string       `json:"url"`
	ImageID     *string      `json:"imageId,omitempty"`
}

// CategoryList is the body of GET /order-management/v3/categories?orderId=:
// the order's categories in creation order, never null.
type CategoryList struct {
	Categories []CategoryV3 `json:"categories"`
}

// V2 is the category as v2 shows it: type becomes category, url
// orderDetailsUrl.
func (c *CategoryV3) V2() Category {
	return Category{Category: c.Type, OrderDetailsURL: c.URL, ImageID: c.ImageID}
}

const (
	exampleAddCategory = `{"orderId": "order-123", "paymentType": "ECOM", "type": "RECEIPT", "url": "https://example.com/orders/123"}`
	helpPaymentType    = "ECOM (eCom and ePayment) or RECURRING (Recurring charges), in any letter case"
	helpV3OrderID      = "the order id of the payment (eCom orderId, ePayment reference or Recurring charge id), " + idChars
)

// Fields of a v3 category body, for fieldSet.
const (
	fV3OrderID fieldSet = 1 << iota
	fV3PaymentType
	fV3Type
	fV3URL
	fV3ImageID
)

// v3FieldOrder is the order in which a v3 body's problems are listed.
var v3FieldOrder = []string{"orderId", "paymentType", "type", "url", "imageId"}

// DecodeAddCategory decodes and checks the body of a v3 category POST
// (contract §5a). The payment type may be sent in any letter case and is
// returned in upper case. On any problem it returns a 400 *Problem listing
// every one. Whether the image exists is for the caller to check.
func DecodeAddCategory(body []byte) (*AddCategoryRequest, error) {
	t, perr := parseBody(body, exampleAddCategory)
	if perr != nil {
		return nil, Invalid([]InvalidParam{*perr})
	}
	defer t.release()
	var p problems
	o := jobj{t: t, at: top, p: &p}
	c := new(AddCategoryRequest)
	var bad fieldSet
	var s string
	if o.str("orderId", &c.OrderID, true, helpV3OrderID) == stBad {
		bad |= fV3OrderID
	}
	switch o.str("paymentType", &s, true, helpPaymentType) {
	case stOK:
		c.PaymentType = foldPaymentType(s)
	case stBad:
		bad |= fV3PaymentType
	}
	s = ""
	switch o.str("type", &s, true, helpCategory) {
	case stOK:
		c.Type = CategoryType(s)
	case stBad:
		bad |= fV3Type
	}
	if o.str("url", &c.URL, true, helpDetailsURL) == stBad {
		bad |= fV3URL
	}
	var id string
	switch o.str("imageId", &id, false, "the id of an uploaded image, or null") {
	case stOK:
		c.ImageID = &id
	case stBad:
		bad |= fV3ImageID
	}
	checkAddCategory(&p, c, bad)
	if err := p.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks the request against contract §5a (not whether the image
// exists: only the server knows that) and returns a 400 *Problem or nil.
// The payment type may be in any letter case, as the server accepts it.
func (c *AddCategoryRequest) Validate() error {
	var p problems
	checkAddCategory(&p, c, 0)
	return p.err()
}

// foldPaymentType returns the canonical form of a payment type in any
// letter case, or s unchanged when it is none.
func foldPaymentType(s string) PaymentType {
	for _, pt := range []PaymentType{PaymentTypeECOM, PaymentTypeRECURRING} {
		if strings.EqualFold(s, string(pt)) {
			return pt
		}
	}
	return PaymentType(s)
}

// checkAddCategory checks a v3 category body; bad lists the fields the
// decoder has reported already. It sorts the problems into field order.
func checkAddCategory(p *problems, c *AddCategoryRequest, bad fieldSet) {
	start := len(p.ps)
	if bad&fV3OrderID == 0 {
		p.addAll(CheckOrderID(c.OrderID))
	}
	if bad&fV3PaymentType == 0 {
		switch pt := foldPaymentType(string(c.PaymentType)); {
		case pt == "":
			p.add("paymentType", CodeRequired, requiredReason(helpPaymentType))
		case pt != PaymentTypeECOM && pt != PaymentTypeRECURRING:
			p.add("paymentType", CodeUnknownValue, "must be "+helpPaymentType+"; got "+quote(string(pt))+".")
		}
	}
	if bad&fV3Type == 0 {
		if c.Type == "" {
			p.add("type", CodeRequired, requiredReason(helpCategory))
		} else {
			checkEnum(p, top.f("type"), string(c.Type), categoryNames)
		}
	}
	if bad&fV3URL == 0 {
		if c.URL == "" {
			p.add("url", CodeRequired, requiredReason(helpDetailsURL))
		} else {
			checkHTTPSURL(p, top.f("url"), c.URL, MaxURLLength)
		}
	}
	if c.ImageID != nil && bad&fV3ImageID == 0 {
		if *c.ImageID == "" {
			p.add("imageId", CodeEmpty, "must not be empty: give the id of an image you uploaded, or null (or leave it out) for no image.")
		} else {
			p.addAll(CheckImageID(*c.ImageID))
		}
	}
	slices.SortStableFunc(p.ps[start:], func(a, b InvalidParam) int {
		return cmp.Compare(slices.Index(v3FieldOrder, a.Name), slices.Index(v3FieldOrder, b.Name))
	})
}

// CheckCategoryID checks a v3 category id, a UUID in any letter case, and
// returns it in canonical lower-case form. A malformed id is a 400
// *Problem naming categoryId.
func CheckCategoryID(id string) (string, error) {
	if !isUUID(id) {
		reason := "must be a category id as returned by POST /order-management/v3/categories, a UUID such as 337f5e5d-288b-40d5-be14-901cc3acacc0; got " + quote(id) + "."
		if id == "" {
			return "", Invalid([]InvalidParam{{Name: "categoryId", Code: CodeRequired, Reason: "is required: " + reason[len("must be "):]}})
		}
		return "", Invalid([]InvalidParam{{Name: "categoryId", Code: CodePattern, Reason: reason}})
	}
	return strings.ToLower(id), nil
}

// isUUID reports whether s is a UUID in the 8-4-4-4-12 hex form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		default:
			return false
		}
	}
	return true
}
