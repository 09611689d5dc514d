// Package store defines where orders and images are kept: the Store
// interface that every adapter (sqlite, postgres) implements and the
// conformance suite in storetest checks.
//
// Errors are the kinds of package api: a missing row wraps api.ErrNotFound,
// a broken uniqueness rule wraps api.ErrConflict, an unreachable database
// wraps api.ErrUnavailable. Adapters translate driver errors at their edge;
// no method returns (nil, nil).
package store

import (
	"context"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// OrderKey identifies an order: the same order id under another payment type
// or merchant is another order.
type OrderKey struct {
	MSN         string
	PaymentType api.PaymentType
	OrderID     string
}

// System holds the Vipps-System-* headers of the request that wrote a row,
// kept for troubleshooting.
type System struct {
	Name          string
	Version       string
	PluginName    string
	PluginVersion string
}

// Meta records who wrote a row and when. Stores return CreatedAt in UTC
// with at least microsecond precision; a zero CreatedAt is stored as the time
// of the write.
type Meta struct {
	CreatedAt time.Time
	TraceID   string
	ClientID  string
	System    System
}

// Image is an uploaded image. Images belong to a merchant and are never
// overwritten.
type Image struct {
	MSN       string
	ID        string
	MediaType string // image/png or image/jpeg
	Width     int
	Height    int
	SHA512    string // hex of the bytes
	Data      []byte // nil when read with StatImage
	Meta      Meta
}

// Category is the category of an order; each write replaces the last.
type Category struct {
	Key      OrderKey
	ID       string // UUID of this version
	Category api.Category
	Meta     Meta
}

// Receipt is the receipt of an order, stored once.
type Receipt struct {
	Key OrderKey
	ID  string // UUID
	// Body is the receipt as canonical JSON (api.Receipt encoded), kept as
	// bytes so reads need not decode it.
	Body []byte
	Meta Meta
}

// Order is what is stored for an order key; at least one part is set.
type Order struct {
	Key      OrderKey
	Category *Category
	Receipt  *Receipt
}

// Store keeps orders and images durably: a method that returns nil has
// committed its write.
type Store interface {
	// PutImage stores a new image; an existing (MSN, ID) is api.ErrConflict.
	PutImage(ctx context.Context, img *Image) error
	// GetImage returns an image with its bytes, or api.ErrNotFound.
	GetImage(ctx context.Context, msn, id string) (*Image, error)
	// StatImage returns an image without its bytes, or api.ErrNotFound.
	StatImage(ctx context.Context, msn, id string) (*Image, error)
	// PutCategory adds or replaces the category of an order. An image id
	// that names no image of the same merchant is api.ErrInvalid naming
	// imageId, and nothing is stored.
	PutCategory(ctx context.Context, c *Category) error
	// AddReceipt stores the receipt of an order; a second one is api.ErrConflict.
	AddReceipt(ctx context.Context, r *Receipt) error
	// GetOrder returns the category and receipt of an order, or
	// api.ErrNotFound when it has neither.
	GetOrder(ctx context.Context, key OrderKey) (*Order, error)
	// ViewOrder is GetOrder for answering GET order: the same category and
	// receipt body, but IDs and Meta may be left empty, so a store can read
	// only what the answer holds.
	ViewOrder(ctx context.Context, key OrderKey) (*Order, error)
	// Ping reports whether the store can serve requests.
	Ping(ctx context.Context) error
	// Close releases the store's resources. It may be called more than
	// once; afterwards every method returns an error.
	Close() error
}

// ImageNotFound is the error a store returns when a category names an
// image the merchant does not have.
func ImageNotFound(msn, imageID string) error {
	return api.Invalid([]api.InvalidParam{{
		Name:   "imageId",
		Reason: "No image " + imageID + " exists for merchant " + msn + "; upload it with POST /order-management/v1/images first.",
		Code:   api.CodeImageNotFound,
	}})
}

// Deployment is what a database records of the deployment it belongs to:
// every node on it shares the id, and all run in the one mode.
type Deployment struct {
	// ID is random, made by the first node that opened the database.
	ID string
	// Mode is "sandbox" or "configured" (auth.ModeSandbox, auth.ModeConfigured).
	Mode      string
	CreatedAt time.Time
}

// ProbeBytes is the size of the write a store's CheckWrite makes: more
// than the largest request body (an image, 3 MiB), so that readiness
// returns only when any request's write fits again.
const ProbeBytes = 4 << 20

// ErrStorageFull is the error of a write the store refused for lack of
// space (SQLite's SQLITE_FULL, PostgreSQL's SQLSTATE 53100). It is of kind
// api.ErrUnavailable with code api.CodeStorageFull; reads still work.
var ErrStorageFull = api.NewProblem(api.ErrUnavailable, api.CodeStorageFull,
	"The store has no space left, so writes are refused until space is freed; reads still work. Retry later.")
