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
	Data      []byte
	Meta      Meta
}

// Category is one category of an order (contract §5a). An order has a list
// of categories that v2 and v3 share: a v2 PUT replaces the list with one
// category, a v3 POST adds one, and v2 GET shows the most recently created.
type Category struct {
	Key      OrderKey
	ID       string // UUID, unique across orders
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

// Order is what GET order answers for an order key: the fields of its most
// recently created category and its receipt's JSON. At least one is set.
type Order struct {
	Key      OrderKey
	Category *api.Category
	// Receipt is the stored canonical JSON of the receipt, or nil.
	Receipt []byte
}

// Store keeps orders and images durably: a method that returns nil has
// committed its write. It holds what the server calls; errors carry the
// problem code the server answers with (see the constructors below).
type Store interface {
	// PutImage stores a new image; an existing (MSN, ID) is ImageExists.
	PutImage(ctx context.Context, img *Image) error
	// GetImage returns an image of the merchant with its bytes, or
	// api.ErrNotFound (the support console shows images).
	GetImage(ctx context.Context, msn, id string) (*Image, error)
	// PutCategory replaces all the categories of c's order, v3 ones
	// included, with c (v2 PUT). An image id that names no image of the
	// same merchant is ImageNotFound, and nothing is changed.
	PutCategory(ctx context.Context, c *Category) error
	// AddCategory adds c to its order's categories (v3 POST), with
	// PutCategory's image rule.
	AddCategory(ctx context.Context, c *Category) error
	// ListCategories returns the categories of the merchant's orders with
	// this order id, of both payment types, in creation order; none is an
	// empty list, not an error.
	ListCategories(ctx context.Context, msn, orderID string) ([]*Category, error)
	// GetCategory returns a category of the merchant by id, or
	// CategoryNotFound.
	GetCategory(ctx context.Context, msn, id string) (*Category, error)
	// DeleteCategory deletes a category of the merchant by id, or returns
	// CategoryNotFound.
	DeleteCategory(ctx context.Context, msn, id string) error
	// AddReceipt stores the receipt of an order; a second one is
	// ReceiptExists.
	AddReceipt(ctx context.Context, r *Receipt) error
	// GetOrder returns what GET order answers, or OrderNotFound when the
	// order has neither a category nor a receipt.
	GetOrder(ctx context.Context, key OrderKey) (*Order, error)
	// Ping reports whether the store can serve requests.
	Ping(ctx context.Context) error
	// Close releases the store's resources. It may be called more than
	// once; afterwards every method returns an error.
	Close() error
}

// The errors a store returns for broken rules, carrying the kind and code
// the server answers with, so that no handler re-maps them.

// ImageNotFound is the error when a category names an image the merchant
// does not have: invalid, naming imageId.
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

// ImageExists is the error when an image id is taken: images are never
// overwritten.
func ImageExists(msn, imageID string) error {
	return api.NewProblem(api.ErrConflict, api.CodeImageExists,
		"Image "+imageID+" already exists for this merchant and cannot be overwritten; upload under a new imageId.")
}

// ReceiptExists is the error when an order has its receipt already.
func ReceiptExists(key OrderKey) error {
	return api.NewProblem(api.ErrConflict, api.CodeReceiptExists,
		"Order "+key.OrderID+" already has a receipt; a receipt is sent once and cannot be changed.")
}

// OrderNotFound is the error when an order has neither category nor
// receipt.
func OrderNotFound(key OrderKey) error {
	return api.NewProblem(api.ErrNotFound, api.CodeOrderNotFound,
		"Order "+key.OrderID+" ("+string(key.PaymentType)+") has neither a category nor a receipt for this merchant.")
}

// CategoryNotFound is the error when a category id is unknown, deleted or
// another merchant's.
func CategoryNotFound(id string) error {
	return api.NewProblem(api.ErrNotFound, api.CodeCategoryNotFound,
		"Category "+id+" does not exist for this merchant; it may have been deleted or replaced by a v2 PUT.")
}
