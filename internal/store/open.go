package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// An Opener opens the store at a database URL.
type Opener func(ctx context.Context, rawURL string, opts OpenOptions) (Store, error)

// OpenOptions are the choices OpenURL passes to every store.
type OpenOptions struct {
	// Outbox opens the store with the relay's outbox on: every write also
	// adds a delivery (see Outbox), in the same transaction.
	Outbox bool
}

var (
	openersMu sync.RWMutex
	openers   = map[string]Opener{}
)

// RegisterOpener makes OpenURL open URLs of the scheme with open. Store
// adapters on a database server register themselves when imported, so a
// program that does not import one (an SDK user's tests through
// clienttest) does not carry its driver.
func RegisterOpener(scheme string, open Opener) {
	openersMu.Lock()
	defer openersMu.Unlock()
	openers[scheme] = open
}

// OpenURL opens the store of a database URL, such as postgres://...
func OpenURL(ctx context.Context, rawURL string, opts OpenOptions) (Store, error) {
	// Only the scheme is read here: a parse error would quote the whole
	// URL, password included.
	scheme, _, ok := strings.Cut(rawURL, "://")
	openersMu.RLock()
	open := openers[scheme]
	openersMu.RUnlock()
	if !ok || open == nil {
		return nil, fmt.Errorf("database URL: this program has no store for %q URLs", scheme+"://")
	}
	return open(ctx, rawURL, opts)
}
