package store_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// TestCategoryIDs checks the ids of new categories: valid UUIDs of
// version 8 that v3 accepts, never the same twice, sharing their first
// 48 bits within one order id (both payment types) and not across
// orders, merchants or processes.
func TestCategoryIDs(t *testing.T) {
	g := store.NewCategoryIDs()
	key := func(msn, order string, pt api.PaymentType) store.OrderKey {
		return store.OrderKey{MSN: msn, PaymentType: pt, OrderID: order}
	}
	prefix := func(id string) string { return id[:8] + id[9:13] }
	seen := map[string]bool{}
	prefixes := map[string]string{}
	for i := range 200 {
		order := "o-" + string(rune('a'+i%20))
		k := key("123456", order, api.PaymentTypeECOM)
		if i%2 == 1 {
			k.PaymentType = api.PaymentTypeRECURRING
		}
		id := g.Next(k)
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 8 || u.Variant() != uuid.RFC4122 || u.String() != id {
			t.Fatalf("Next() = %q (%v): want a lower-case UUID of version 8 and the RFC variant", id, err)
		}
		if got, err := api.CheckCategoryID(id); err != nil || got != id {
			t.Fatalf("CheckCategoryID(%q) = %q, %v", id, got, err)
		}
		if seen[id] {
			t.Fatalf("Next() gave %s twice", id)
		}
		seen[id] = true
		if p, ok := prefixes[order]; ok && p != prefix(id) {
			t.Errorf("ids of order %s start %s and %s, want one prefix", order, p, prefix(id))
		}
		prefixes[order] = prefix(id)
	}
	distinct := map[string]bool{}
	for _, p := range prefixes {
		distinct[p] = true
	}
	if len(distinct) != len(prefixes) {
		t.Errorf("%d orders share %d prefixes, want one each", len(prefixes), len(distinct))
	}
	k := key("123456", "o-a", api.PaymentTypeECOM)
	if other := prefix(g.Next(key("654321", "o-a", api.PaymentTypeECOM))); other == prefixes["o-a"] {
		t.Errorf("another merchant's order o-a has the prefix %s too", other)
	}
	if p := prefix(store.NewCategoryIDs().Next(k)); p == prefixes["o-a"] {
		t.Errorf("another process's id for o-a has the prefix %s too", p)
	}
}
