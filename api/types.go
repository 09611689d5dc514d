package api

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

// ImageResponse is the body of a successful image upload.
type ImageResponse struct {
	ImageID string `json:"imageId"`
}

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
