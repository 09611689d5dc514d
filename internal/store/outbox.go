package store

import (
	"context"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// DeliveryState is where a relayed write stands on its way upstream.
type DeliveryState string

// The states of a delivery. Queued and retrying wait for an attempt; the
// other three are final until support puts a delivery back in the queue.
const (
	DeliveryQueued    DeliveryState = "queued"
	DeliveryRetrying  DeliveryState = "retrying"
	DeliveryDelivered DeliveryState = "delivered"
	DeliveryFailed    DeliveryState = "failed"
	DeliveryConflict  DeliveryState = "conflict"
)

// DeliveryStates lists every state, in the order status pages show them.
var DeliveryStates = []DeliveryState{DeliveryQueued, DeliveryRetrying, DeliveryDelivered, DeliveryFailed, DeliveryConflict}

// Pending reports whether the state waits for an attempt.
func (s DeliveryState) Pending() bool { return s == DeliveryQueued || s == DeliveryRetrying }

// Delivery is one accepted write in the relay's outbox. A store opened with
// its outbox on writes one in the same transaction as every write it
// accepts, so a write that was answered is never lost on the way upstream.
type Delivery struct {
	ID int64
	// Operation is the official operation name: addImage, putCategory,
	// addReceipt, addCategory, deleteCategory.
	Operation   string
	MSN         string
	PaymentType api.PaymentType // empty for images
	OrderID     string          // empty for images
	// LocalID is the id the relay answered with: the image id, the category
	// id or the receipt id.
	LocalID string
	// ImageID is the image a category names, which must arrive first.
	ImageID string
	// Body is what is sent upstream: the category or the receipt as JSON.
	// Images are read from the store, where they never change.
	Body      []byte
	State     DeliveryState
	CreatedAt time.Time
	TraceID   string
	// Attempts counts the claims of the delivery: an attempt counted here
	// may have reached upstream even if its outcome was never recorded.
	Attempts    int
	NextAttempt time.Time
	// LastStatus and LastProblem are upstream's last answer (0 and nil for
	// a network error); LastError says what went wrong in words.
	LastStatus  int
	LastError   string
	LastProblem []byte
	// UpstreamID is the id upstream assigned (category or receipt id).
	UpstreamID  string
	DeliveredAt time.Time
}

// DeliveryOutcome is the result of an attempt.
type DeliveryOutcome struct {
	State DeliveryState
	// NextAttempt is when a retrying delivery is tried again.
	NextAttempt time.Time
	Status      int
	Error       string
	Problem     []byte
	UpstreamID  string
	At          time.Time
}

// DeliveryFilter selects deliveries for the status API; zero fields match
// all. Newest first.
type DeliveryFilter struct {
	State   DeliveryState
	MSN     string
	OrderID string
	// LocalID selects the deliveries of one image, category or receipt.
	LocalID string
	Limit   int
}

// DeliveryCounts is how many deliveries are in each state, and since when
// the oldest pending one waits.
type DeliveryCounts struct {
	States        map[DeliveryState]int
	OldestPending time.Time // zero when none is pending
}

// Outbox is the relay's queue of deliveries, kept in the same database as
// the writes it delivers. Several relay nodes may share it: a claim leases
// deliveries to one node until the lease ends.
type Outbox interface {
	// ClaimDeliveries leases up to limit pending deliveries whose time has
	// come to node, counting an attempt for each. A delivery is held back
	// while an earlier pending one of the same order (or image), or the
	// image it names, waits.
	ClaimDeliveries(ctx context.Context, node string, now time.Time, lease time.Duration, limit int) ([]Delivery, error)
	// FinishDelivery records an attempt's outcome and ends node's lease; a
	// lease node no longer holds is api.ErrConflict and changes nothing.
	FinishDelivery(ctx context.Context, id int64, node string, o DeliveryOutcome) error
	// ReleaseLeases ends the leases of node, for a node that restarts.
	ReleaseLeases(ctx context.Context, node string) error
	// ListDeliveries returns the deliveries f selects.
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
	// GetDelivery returns one delivery or api.ErrNotFound.
	GetDelivery(ctx context.Context, id int64) (*Delivery, error)
	// CountDeliveries counts the deliveries of msn ("" for every
	// merchant) by state.
	CountDeliveries(ctx context.Context, msn string) (DeliveryCounts, error)
	// RetryDelivery puts a failed or conflicting delivery back in the
	// queue; one in another state is api.ErrConflict, none api.ErrNotFound.
	RetryDelivery(ctx context.Context, id int64, now time.Time) error
	// UpstreamCategoryID returns upstream's id of the relay's category
	// localID, kept when the category was delivered; api.ErrNotFound when
	// there is none (not delivered yet, or gone everywhere).
	UpstreamCategoryID(ctx context.Context, msn, localID string) (*CategoryID, error)
	// LocalCategoryIDs maps those of upstream's category ids that the
	// relay delivered to the relay's own ids.
	LocalCategoryIDs(ctx context.Context, msn string, upstreamIDs []string) (map[string]string, error)
	// OrderPending reports whether a delivery of the merchant's order
	// orderID, of either payment type, waits to be delivered.
	OrderPending(ctx context.Context, msn, orderID string) (bool, error)
	// PruneDelivered deletes up to limit deliveries that were delivered
	// before before, oldest first, and the category ids that no delivery
	// and no category at the relay needs any more; it returns how many
	// deliveries it deleted. Deliveries in other states are never pruned.
	PruneDelivered(ctx context.Context, before time.Time, limit int) (int, error)
}

// CategoryID is upstream's id of a category the relay delivered.
type CategoryID struct {
	Key        OrderKey
	LocalID    string
	UpstreamID string
}

// OrderChains are the chains of orderID's deliveries, one per payment
// type: a v3 read names an order id of both.
func OrderChains(orderID string) []string {
	return []string{DeliveryChain("", api.PaymentTypeECOM, orderID, ""), DeliveryChain("", api.PaymentTypeRECURRING, orderID, "")}
}

// Chain names the sequence a delivery keeps its place in: the writes of
// one order, or of one image.
func (d *Delivery) Chain() string {
	return DeliveryChain(d.Operation, d.PaymentType, d.OrderID, d.LocalID)
}

// DeliveryChain is Chain for stores, which compute it as they write.
func DeliveryChain(operation string, pt api.PaymentType, orderID, localID string) string {
	if operation == "addImage" {
		return "image/" + localID
	}
	return string(pt) + "/" + orderID
}
