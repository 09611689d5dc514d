package api

import (
	"encoding/json"
	"time"
)

// Delivery is one write a relay accepted, as its status API
// (GET /_relay/deliveries) shows it on its way upstream.
type Delivery struct {
	ID int64 `json:"id"`
	// Operation is the official operation name (addReceipt, ...).
	Operation   string `json:"operation"`
	MSN         string `json:"merchantSerialNumber"`
	PaymentType string `json:"paymentType,omitempty"`
	OrderID     string `json:"orderId,omitempty"`
	// LocalID is the id the relay answered with (image, category or receipt id).
	LocalID string `json:"localId"`
	// State is queued, retrying, delivered, failed or conflict.
	State       string     `json:"state"`
	Created     time.Time  `json:"created"`
	TraceID     string     `json:"traceId,omitempty"`
	Attempts    int        `json:"attempts"`
	NextAttempt *time.Time `json:"nextAttempt,omitempty"`
	// LastStatus, LastError and LastProblem are upstream's last answer,
	// its problem body kept as upstream sent it.
	LastStatus  int             `json:"lastStatus,omitempty"`
	LastError   string          `json:"lastError,omitempty"`
	LastProblem json.RawMessage `json:"lastProblem,omitempty"`
	// UpstreamID is the id upstream gave the write.
	UpstreamID string     `json:"upstreamId,omitempty"`
	Delivered  *time.Time `json:"delivered,omitempty"`
}

// DeliveryList is the body of GET /_relay/deliveries.
type DeliveryList struct {
	// Counts is how many of the merchant's deliveries are in each state.
	Counts map[string]int `json:"counts"`
	// OldestPending is when the oldest queued or retrying delivery was
	// accepted.
	OldestPending *time.Time `json:"oldestPending,omitempty"`
	Deliveries    []Delivery `json:"deliveries"`
}
