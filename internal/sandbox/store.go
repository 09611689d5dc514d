package sandbox

import (
	"context"
	"slices"

	"github.com/ordermgmt/ordermgmt/api"
)

// Store is what the sandbox needs of a store: fault rules with their
// counters, the journal's rows and a merchant's reset. Both adapters
// (sqlite, postgres) implement it beside store.Store, and sandboxtest
// checks them alike. Errors are api kinds, as in store.Store.
type Store interface {
	// AddFault stores a rule for msn unless msn has max rules already
	// (api.ErrConflict). f.FaultID and f.CreatedAt are set by the caller.
	AddFault(ctx context.Context, msn string, f *api.Fault, max int) error
	// Faults lists msn's rules in the order they were added.
	Faults(ctx context.Context, msn string) ([]api.Fault, error)
	// ActiveFaults lists the rules of every merchant that are not spent,
	// in the order they were added.
	ActiveFaults(ctx context.Context) ([]MerchantFault, error)
	// DeleteFault removes one rule, or is api.ErrNotFound.
	DeleteFault(ctx context.Context, msn, id string) error
	// DeleteFaults removes all of msn's rules and says how many there were.
	DeleteFaults(ctx context.Context, msn string) (int64, error)
	// DrawFault counts a request the rule matched and returns the count
	// so far (1 for the first); api.ErrNotFound if the rule is gone.
	DrawFault(ctx context.Context, msn, id string) (int64, error)
	// FireFault counts an answer the rule shapes, unless it has fired
	// Count times already: then it returns false.
	FireFault(ctx context.Context, msn, id string) (bool, error)

	// AppendJournal stores pages, then, for each merchant among them,
	// deletes its oldest pages as long as the newer ones hold at least
	// keep entries.
	AppendJournal(ctx context.Context, pages []Page, keep int) error
	// Journal returns up to limit of msn's pages with First < before and
	// Last > after, newest (by First, then ID) first; before 0 means no
	// upper bound.
	Journal(ctx context.Context, msn string, before, after int64, limit int) ([]Page, error)

	// ResetMerchant deletes msn's orders (categories and receipts),
	// images, journal and fault rules, and counts what it deleted.
	ResetMerchant(ctx context.Context, msn string) (api.SandboxReset, error)
}

// MerchantFault is a rule with the merchant it belongs to.
type MerchantFault struct {
	MSN   string
	Fault api.Fault
}

// Page is a batch of one merchant's journal entries as a store keeps
// them: one row per batch rather than per request, so that recording a
// request costs the store a small part of one insert.
type Page struct {
	MSN string
	// ID is random: it tells apart pages that two nodes start at the same
	// instant.
	ID int64
	// First and Last are the seqs of the page's oldest and newest entries:
	// a seq is the entry's start time in Unix nanoseconds, made unique and
	// increasing per node.
	First, Last int64
	Count       int
	// Data holds the entries as JSON, one a line, oldest first; the store
	// does not read it.
	Data []byte
}

// MerchantEntries sums the entries of pages per merchant, in the order of
// the merchants' numbers: a store updates each merchant's count in that
// order, so that two nodes appending at once never wait on each other's
// counts in a circle.
func MerchantEntries(pages []Page) (msns []string, entries map[string]int64) {
	entries = map[string]int64{}
	for _, p := range pages {
		if _, ok := entries[p.MSN]; !ok {
			msns = append(msns, p.MSN)
		}
		entries[p.MSN] += int64(p.Count)
	}
	slices.Sort(msns)
	return msns, entries
}

// Trim is the ring's rule: a merchant's oldest pages go while the newer
// ones hold at least keep entries. Given the ring's total and the counts
// of its oldest pages, oldest first, it returns how many of those pages
// go and the total after. When every page given goes, the caller reads
// the next oldest and trims again.
func Trim(total, keep int64, oldest []int64) (n int, after int64) {
	for n < len(oldest) && total-oldest[n] >= keep {
		total -= oldest[n]
		n++
	}
	return n, total
}
