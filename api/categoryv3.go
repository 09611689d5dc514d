package api

import "strings"

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

var addCategoryFields = newTable(
	text("orderId", true, helpV3OrderID, func(c *AddCategoryRequest) *string { return &c.OrderID }, orderID),
	canonicalPaymentType(text("paymentType", true, helpPaymentType, func(c *AddCategoryRequest) *PaymentType { return &c.PaymentType }, paymentType)),
	text("type", true, helpCategory, func(c *AddCategoryRequest) *CategoryType { return &c.Type }, enum(categoryNames...)),
	text("url", true, helpDetailsURL, func(c *AddCategoryRequest) *string { return &c.URL }, httpsURL),
	optText("imageId", helpCategoryImage, func(c *AddCategoryRequest) **string { return &c.ImageID }, imageID),
)

// canonicalPaymentType makes the decoder store a payment type sent in any
// letter case in upper case, as the server stores it.
func canonicalPaymentType(r row[AddCategoryRequest]) row[AddCategoryRequest] {
	r.read = func(c *checker, n int, v *AddCategoryRequest, report bool) bool {
		s, ok := c.readText(r.key, r.help, n, report, false)
		if ok {
			v.PaymentType = PaymentType(s)
			if pt, ps := ParsePaymentType(s); ps == nil {
				v.PaymentType = pt
			}
		}
		return ok
	}
	return r
}

const (
	exampleAddCategory = `{"orderId": "order-123", "paymentType": "ECOM", "type": "RECEIPT", "url": "https://example.com/orders/123"}`
	helpPaymentType    = "ECOM (eCom and ePayment) or RECURRING (Recurring charges), in any letter case"
	helpV3OrderID      = helpOrderID
)

// DecodeAddCategory decodes and checks the body of a v3 category POST
// (contract §5a). The payment type may be sent in any letter case and is
// returned in upper case. On any problem it returns a 400 *Problem listing
// every one. Whether the image exists is for the caller to check.
func DecodeAddCategory(body []byte) (*AddCategoryRequest, error) {
	c := new(AddCategoryRequest)
	if _, err := decodeBody(body, exampleAddCategory, addCategoryFields, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks the request against contract §5a (not whether the image
// exists: only the server knows that) and returns a 400 *Problem or nil.
// The payment type may be in any letter case, as the server accepts it.
func (c *AddCategoryRequest) Validate() error {
	_, err := validateValue(addCategoryFields, c)
	return err
}

// AppendJSON appends the request's JSON to b, byte for byte what
// json.Marshal(c) produces.
func (c *AddCategoryRequest) AppendJSON(b []byte) []byte {
	b, _ = addCategoryFields.appendJSON(b, c) // no member can fail
	return b
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
