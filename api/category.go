package api

// Category is the body of PUT .../categories/{orderId} and the category part
// of an order (contract §5).
type Category struct {
	Category        CategoryType `json:"category"`
	OrderDetailsURL string       `json:"orderDetailsUrl"`
	ImageID         *string      `json:"imageId,omitempty"`
}

var categoryFields = newTable(
	text("category", true, helpCategory, func(c *Category) *CategoryType { return &c.Category }, enum(categoryNames...)),
	text("orderDetailsUrl", true, helpDetailsURL, func(c *Category) *string { return &c.OrderDetailsURL }, httpsURL),
	optText("imageId", helpCategoryImage, func(c *Category) **string { return &c.ImageID }, imageID),
)

// Help texts shared by the v2 and v3 category bodies.
const (
	helpCategory      = "one of GENERAL, RECEIPT, ORDER_CONFIRMATION, DELIVERY, TICKET, BOOKING"
	helpDetailsURL    = "an absolute https URL where the customer sees the order, at most 2048 characters"
	helpCategoryImage = "the id of an image you uploaded, or null for no image"
	exampleCategory   = `{"category": "RECEIPT", "orderDetailsUrl": "https://example.com/orders/123"}`
)

var categoryNames = func() []string {
	s := make([]string, len(CategoryTypes))
	for i, c := range CategoryTypes {
		s[i] = string(c)
	}
	return s
}()

// DecodeCategory decodes and checks the body of a category (contract §5).
// On any problem it returns a 400 *Problem listing every one. Whether the
// image exists is for the caller to check.
func DecodeCategory(body []byte) (*Category, error) {
	c := new(Category)
	if _, err := decodeBody(body, exampleCategory, categoryFields, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks the category against contract §5 (not whether the image
// exists: only the server knows that) and returns a 400 *Problem or nil.
func (c *Category) Validate() error {
	_, err := validateValue(categoryFields, c)
	return err
}

// AppendJSON appends the category's JSON to b, byte for byte what
// json.Marshal(c) produces; GET order answers with it on every read.
func (c *Category) AppendJSON(b []byte) []byte {
	b, _ = categoryFields.appendJSON(b, c) // a category has no member that can fail
	return b
}
