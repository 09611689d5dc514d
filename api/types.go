package api

import "encoding/json"

// PaymentType names the payment product an order belongs to.
type PaymentType string

// The payment types of the v2 paths. Paths accept any letter case; the
// canonical form is upper case.
const (
	PaymentTypeECOM      PaymentType = "ECOM"
	PaymentTypeRECURRING PaymentType = "RECURRING"
)

// CategoryType is the kind of link shown with an order in the app.
type CategoryType string

// The category types of contract §5.
const (
	CategoryGeneral           CategoryType = "GENERAL"
	CategoryReceipt           CategoryType = "RECEIPT"
	CategoryOrderConfirmation CategoryType = "ORDER_CONFIRMATION"
	CategoryDelivery          CategoryType = "DELIVERY"
	CategoryTicket            CategoryType = "TICKET"
	CategoryBooking           CategoryType = "BOOKING"
)

// CategoryTypes lists every category type in the order the contract gives.
var CategoryTypes = []CategoryType{
	CategoryGeneral, CategoryReceipt, CategoryOrderConfirmation,
	CategoryDelivery, CategoryTicket, CategoryBooking,
}

// Label is the link text the app shows for a category type (contract §5,
// from the official app screenshots).
func (c CategoryType) Label() string {
	switch c {
	case CategoryReceipt:
		return "Show receipt"
	case CategoryOrderConfirmation:
		return "Show order info"
	case CategoryDelivery:
		return "Track your order"
	case CategoryTicket:
		return "Show ticket"
	case CategoryBooking:
		return "Show booking info"
	default:
		return "Show more info"
	}
}

// ImageRequest is the body of POST /order-management/v1/images.
type ImageRequest struct {
	ImageID string `json:"imageId"`
	Src     string `json:"src"`
	Type    string `json:"type"`
}

// ImageResponse is the body of a successful image upload.
type ImageResponse struct {
	ImageID string `json:"imageId"`
}

// Category is the body of PUT .../categories/{orderId} and the category part
// of an order.
type Category struct {
	Category        CategoryType `json:"category"`
	OrderDetailsURL string       `json:"orderDetailsUrl"`
	ImageID         *string      `json:"imageId,omitempty"`
}

// Receipt is the body of POST .../receipts/{orderId} and the receipt part of
// an order.
type Receipt struct {
	OrderLines []OrderLine `json:"orderLines"`
	BottomLine BottomLine  `json:"bottomLine"`
}

// OrderLine is one line of a receipt. Amounts are integers in minor units.
type OrderLine struct {
	Name                    string    `json:"name"`
	ID                      string    `json:"id"`
	TotalAmount             int64     `json:"totalAmount"`
	TotalAmountExcludingTax int64     `json:"totalAmountExcludingTax"`
	TotalTaxAmount          int64     `json:"totalTaxAmount"`
	TaxRate                 *int64    `json:"taxRate,omitempty"`
	TaxPercentage           *int64    `json:"taxPercentage,omitempty"`
	UnitInfo                *UnitInfo `json:"unitInfo,omitempty"`
	Discount                *int64    `json:"discount,omitempty"`
	ProductURL              string    `json:"productUrl,omitempty"`
	IsReturn                bool      `json:"isReturn,omitempty"`
	IsShipping              bool      `json:"isShipping,omitempty"`
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

// UnitInfo describes the price and quantity of a line.
type UnitInfo struct {
	UnitPrice    int64  `json:"unitPrice"`
	Quantity     string `json:"quantity"`
	QuantityUnit string `json:"quantityUnit,omitempty"`
}

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

// PaymentSources splits the paid amount by source, in minor units.
type PaymentSources struct {
	GiftCard *int64 `json:"giftCard,omitempty"`
	Card     *int64 `json:"card,omitempty"`
	Voucher  *int64 `json:"voucher,omitempty"`
	Cash     *int64 `json:"cash,omitempty"`
}

// Barcode is shown under the receipt in the app.
type Barcode struct {
	Format string `json:"format"`
	Data   string `json:"data"`
}

// The currencies and barcode formats of contract §6.
var (
	Currencies     = []string{"NOK", "DKK", "EUR"}
	BarcodeFormats = []string{"EAN-13", "CODE 39", "CODE 128"}
)

// Order is the body of GET /order-management/v2/{paymentType}/{orderId}. A
// part the order lacks is omitted, never null.
type Order struct {
	Category *Category `json:"category,omitempty"`
	Receipt  *Receipt  `json:"receipt,omitempty"`
}

// TokenResponse is the body of POST /accesstoken/get. Every value is a
// string, as the real service sends them.
type TokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    string `json:"expires_in"`
	ExtExpiresIn string `json:"ext_expires_in"`
	ExpiresOn    string `json:"expires_on"`
	NotBefore    string `json:"not_before"`
	Resource     string `json:"resource"`
	AccessToken  string `json:"access_token"`
}

// Header names of contract §2 and §3.
const (
	HeaderAuthorization       = "Authorization"
	HeaderSubscriptionKey     = "Ocp-Apim-Subscription-Key"
	HeaderMSN                 = "Merchant-Serial-Number"
	HeaderSystemName          = "Vipps-System-Name"
	HeaderSystemVersion       = "Vipps-System-Version"
	HeaderSystemPluginName    = "Vipps-System-Plugin-Name"
	HeaderSystemPluginVersion = "Vipps-System-Plugin-Version"
	HeaderClientID            = "client_id"
	HeaderClientSecret        = "client_secret"
	HeaderTraceparent         = "traceparent"
	HeaderReceiptWarnings     = "Receipt-Warnings"
	HeaderIdempotencyKey      = "Idempotency-Key"
)

// Limits of the contract that callers may want to check before sending.
const (
	MaxImageBytes       = 2 << 20 // decoded image size
	MinImageHeight      = 167
	MaxIDLength         = 128
	MaxURLLength        = 2048
	MaxLineTextLength   = 2048
	MaxBottomTextLength = 256
	MaxSystemHeaderLen  = 100
	// RecommendedSystemHeaderLen is what clients should keep each
	// Vipps-System-* value within.
	RecommendedSystemHeaderLen = 30
)
