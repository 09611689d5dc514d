package store

import (
	"context"
	"errors"
	"time"
)

// SupportAction is one thing a person did to an order in the support
// console: who, when, what, and how it ended.
type SupportAction struct {
	Key OrderKey
	// At is when the action was done; stores return it in UTC with at
	// least microsecond precision, and store a zero At as the time of the
	// write.
	At time.Time
	// Actor names the person (a console user, or the visitor of an open
	// sandbox console).
	Actor string
	// Action is what was done, such as "set category" or "add receipt".
	Action string
	// Detail says with what, such as "RECEIPT https://shop.example/o/1".
	Detail string
	// OK is true when the API accepted the action; Outcome says how it
	// ended, for people.
	OK      bool
	Outcome string
	// TraceID identifies the API request, for escalation.
	TraceID string
}

// SupportLog keeps the record of support actions. It is apart from Store:
// only the console needs it, and the standalone console keeps it in a
// store of its own.
type SupportLog interface {
	// AddSupportAction records an action.
	AddSupportAction(ctx context.Context, a *SupportAction) error
	// SupportActions returns the newest limit actions on an order, newest
	// first; none is an empty list, not an error.
	SupportActions(ctx context.Context, key OrderKey, limit int) ([]SupportAction, error)
}

// Limits of a support action's text, so that a record stays small.
const (
	MaxActorLen   = 256
	MaxActionLen  = 64
	MaxDetailLen  = 2048
	MaxOutcomeLen = 2048
)

// CheckSupportAction rejects an action a store would not keep whole.
func CheckSupportAction(a *SupportAction) error {
	switch {
	case a.Key.MSN == "" || a.Key.PaymentType == "" || a.Key.OrderID == "":
		return errors.New("support action: the order key is incomplete")
	case a.Actor == "" || a.Action == "":
		return errors.New("support action: actor and action are required")
	case len(a.Actor) > MaxActorLen || len(a.Action) > MaxActionLen ||
		len(a.Detail) > MaxDetailLen || len(a.Outcome) > MaxOutcomeLen:
		return errors.New("support action: a text is too long")
	}
	return nil
}

// Truncate shortens s to at most n bytes without splitting a UTF-8
// character, for texts bound by the limits above.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i]
}
