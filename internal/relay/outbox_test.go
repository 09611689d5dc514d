package relay_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
	"github.com/ordermgmt/ordermgmt/internal/store/postgres"
	"github.com/ordermgmt/ordermgmt/internal/store/postgres/pgtest"
	"github.com/ordermgmt/ordermgmt/internal/store/sqlite"
)

// outboxStore opens a store with its outbox on.
func outboxStore(t *testing.T, pg bool) (store.Store, store.Outbox) {
	t.Helper()
	var st store.Store
	var err error
	if pg {
		st, err = postgres.Open(context.Background(), pgtest.New(t).URL, postgres.Options{Outbox: true})
	} else {
		st, err = sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "o.db"), sqlite.Options{Outbox: true})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, st.(store.Outbox)
}

func claimIDs(t *testing.T, ob store.Outbox, node string, now time.Time) []string {
	t.Helper()
	ds, err := ob.ClaimDeliveries(context.Background(), node, now, time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, d := range ds {
		ops = append(ops, d.Operation+" "+d.LocalID)
	}
	// PostgreSQL returns claimed rows in no particular order.
	slices.Sort(ops)
	return ops
}

// writeOrders writes image img, order o-1's category naming it and its
// receipt, and order o-2's receipt; it returns o-2's key.
func writeOrders(t *testing.T, st store.Store, img string) store.OrderKey {
	t.Helper()
	ctx := context.Background()
	key := store.OrderKey{MSN: testMSN, PaymentType: api.PaymentTypeECOM, OrderID: "o-1"}
	if err := st.PutImage(ctx, &store.Image{MSN: testMSN, ID: img, MediaType: "image/png", Width: 200, Height: 200, SHA512: "x", Data: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	cat := api.Category{Category: api.CategoryReceipt, OrderDetailsURL: "https://x.example/", ImageID: &img}
	if err := st.PutCategory(ctx, &store.Category{Key: key, ID: "c-1", Category: cat}); err != nil {
		t.Fatal(err)
	}
	if err := st.AddReceipt(ctx, &store.Receipt{Key: key, ID: "r-1", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	other := store.OrderKey{MSN: testMSN, PaymentType: api.PaymentTypeECOM, OrderID: "o-2"}
	if err := st.AddReceipt(ctx, &store.Receipt{Key: other, ID: "r-2", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	return other
}

// TestOutboxClaims holds both stores to the claim rules: a write's
// delivery waits behind the earlier pending one of its order and the image
// it names; a lease keeps a delivery from other nodes until it ends; only
// the lease holder records an outcome.
func TestOutboxClaims(t *testing.T) {
	eachStore(t, func(t *testing.T, pg bool) {
		ctx := context.Background()
		st, ob := outboxStore(t, pg)
		now := time.Now().Add(time.Second)
		img := "logo"
		other := writeOrders(t, st, img)
		// A refused write adds no delivery.
		if err := st.AddReceipt(ctx, &store.Receipt{Key: other, ID: "r-3", Body: []byte(`{}`)}); !errors.Is(err, api.ErrConflict) {
			t.Fatalf("second receipt = %v, want a conflict", err)
		}

		// The image and the other order's receipt are free; the category
		// waits for the image, the receipt for the category.
		if got := claimIDs(t, ob, "a", now); len(got) != 2 || got[0] != "addImage logo" || got[1] != "addReceipt r-2" {
			t.Fatalf("first claim = %v, want the image and order o-2's receipt", got)
		}
		if got := claimIDs(t, ob, "b", now); len(got) != 0 {
			t.Fatalf("claim while all are leased or held back = %v, want none", got)
		}
		ds, _ := ob.ListDeliveries(ctx, store.DeliveryFilter{LocalID: "logo"})
		imgID := ds[0].ID
		if err := ob.FinishDelivery(ctx, imgID, "b", store.DeliveryOutcome{State: store.DeliveryDelivered, At: now}); !errors.Is(err, api.ErrConflict) {
			t.Errorf("finish by a node without the lease = %v, want a conflict", err)
		}
		if err := ob.FinishDelivery(ctx, imgID, "a", store.DeliveryOutcome{State: store.DeliveryDelivered, At: now}); err != nil {
			t.Fatal(err)
		}
		if got := claimIDs(t, ob, "b", now); len(got) != 1 || got[0] != "putCategory c-1" {
			t.Fatalf("claim after the image = %v, want the category", got)
		}
		// Node b dies: its lease ends, and another node takes the category.
		if got := claimIDs(t, ob, "c", now.Add(2*time.Minute)); len(got) != 2 || got[0] != "addReceipt r-2" || got[1] != "putCategory c-1" {
			t.Fatalf("claim after the leases ended = %v, want the category and order o-2's receipt again", got)
		}
		d, err := ob.GetDelivery(ctx, imgID+1)
		if err != nil || d.Attempts != 2 {
			t.Errorf("category delivery = %+v, %v; want 2 attempts counted", d, err)
		}
		c, err := ob.CountDeliveries(ctx, testMSN)
		if err != nil || c.States[store.DeliveryDelivered] != 1 || c.States[store.DeliveryQueued] != 3 || c.OldestPending.IsZero() {
			t.Errorf("counts = %+v, %v; want 1 delivered, 3 queued", c, err)
		}
		if err := ob.RetryDelivery(ctx, imgID, now); !errors.Is(err, api.ErrConflict) {
			t.Errorf("retry of a delivered delivery = %v, want a conflict", err)
		}
		if err := ob.RetryDelivery(ctx, 9999, now); !errors.Is(err, api.ErrNotFound) {
			t.Errorf("retry of no delivery = %v, want not found", err)
		}
	})
}

// TestOutboxClaimsRace: nodes claiming at once never get the same delivery.
func TestOutboxClaimsRace(t *testing.T) {
	eachStore(t, func(t *testing.T, pg bool) {
		ctx := context.Background()
		st, ob := outboxStore(t, pg)
		const n = 60
		for i := range n {
			key := store.OrderKey{MSN: testMSN, PaymentType: api.PaymentTypeECOM, OrderID: "o-" + string(rune('A'+i%26)) + string(rune('a'+i/26))}
			if err := st.AddReceipt(ctx, &store.Receipt{Key: key, ID: key.OrderID, Body: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now().Add(time.Second)
		var mu sync.Mutex
		seen := map[int64]string{}
		var wg sync.WaitGroup
		for _, node := range []string{"a", "b", "c", "d"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					ds, err := ob.ClaimDeliveries(ctx, node, now, time.Minute, 3)
					if err != nil {
						t.Error(err)
						return
					}
					if len(ds) == 0 {
						return
					}
					mu.Lock()
					for _, d := range ds {
						if prev, ok := seen[d.ID]; ok {
							t.Errorf("delivery %d claimed by %s and %s", d.ID, prev, node)
						}
						seen[d.ID] = node
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != n {
			t.Errorf("%d deliveries claimed, want %d", len(seen), n)
		}
	})
}

// TestOutboxHoldsBack: when a delivery is put off, the deliveries held
// back behind it (the rest of its order, the categories naming its image
// and theirs) are put off with it, and still come in order.
func TestOutboxHoldsBack(t *testing.T) {
	eachStore(t, func(t *testing.T, pg bool) {
		ctx := context.Background()
		st, ob := outboxStore(t, pg)
		now := time.Now().Add(time.Second)
		img := "logo"
		writeOrders(t, st, img)
		if got := claimIDs(t, ob, "a", now); len(got) != 2 || got[0] != "addImage logo" {
			t.Fatalf("first claim = %v, want the image and o-2's receipt", got)
		}
		ds, _ := ob.ListDeliveries(ctx, store.DeliveryFilter{LocalID: img})
		later := now.Add(time.Hour)
		if err := ob.FinishDelivery(ctx, ds[0].ID, "a", store.DeliveryOutcome{State: store.DeliveryRetrying, NextAttempt: later, At: now}); err != nil {
			t.Fatal(err)
		}
		all, err := ob.ListDeliveries(ctx, store.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range all {
			if d.LocalID == "r-2" {
				// Another order's: not held back.
				if !d.NextAttempt.Equal(d.CreatedAt) {
					t.Errorf("o-2's receipt next attempt = %v, want its creation %v", d.NextAttempt, d.CreatedAt)
				}
				if err := ob.FinishDelivery(ctx, d.ID, "a", store.DeliveryOutcome{State: store.DeliveryDelivered, At: now}); err != nil {
					t.Fatal(err)
				}
			} else if !d.NextAttempt.Equal(later) {
				t.Errorf("%s %s next attempt = %v, want %v", d.Operation, d.LocalID, d.NextAttempt, later)
			}
		}
		if got := claimIDs(t, ob, "b", later.Add(-time.Second)); len(got) != 0 {
			t.Errorf("claim before the image's next attempt = %v, want none", got)
		}
		if got := claimIDs(t, ob, "b", later); len(got) != 1 || got[0] != "addImage logo" {
			t.Errorf("claim at the image's next attempt = %v, want the image alone", got)
		}
	})
}
