// Package storetest is the conformance suite that every store.Store must
// pass, so that the server behaves the same on SQLite and on PostgreSQL.
//
// A store's own test calls Run with a function that opens the store:
//
//	func TestStore(t *testing.T) {
//		path := filepath.Join(t.TempDir(), "ordermgmt.db")
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Every test writes under merchant numbers and ids of its own, drawn at
// random, so the suite may run against a database that other runs share and
// that already holds data.
package storetest

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// Run runs the conformance suite against the stores open returns.
//
// Every call of open must return a ready store on the same data: the suite
// opens a store for most tests and calls open again to check that a store
// opened afresh sees what a closed one wrote. open should close the store it
// returns when t ends (t.Cleanup); the suite closes some stores itself, so
// Close must tolerate a second call.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	s := open(t)
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Ping", testPing},
		{"ImageRoundTrip", testImageRoundTrip},
		{"ImageConflict", testImageConflict},
		{"ImageOtherMerchant", testImageOtherMerchant},
		{"ImageNotFound", testImageNotFound},
		{"CategoryUpsert", testCategoryUpsert},
		{"CategoryImage", testCategoryImage},
		{"ReceiptOnce", testReceiptOnce},
		{"OrderNotFound", testOrderNotFound},
		{"OrderParts", testOrderParts},
		{"ViewOrder", testViewOrder},
		{"OrderScope", testOrderScope},
		{"MetaTimes", testMetaTimes},
		{"CanceledContext", testCanceledContext},
		{"ConcurrentReceipts", testConcurrentReceipts},
		{"ConcurrentImages", testConcurrentImages},
		{"ConcurrentCategoryReads", testConcurrentCategoryReads},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, s) })
	}
	t.Run("Reopen", func(t *testing.T) { testReopen(t, open) })
	t.Run("Close", func(t *testing.T) { testClose(t, open) })
}

// testPing: a freshly opened store answers.
func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping() = %v, want nil", err)
	}
}

// testImageRoundTrip: an image comes back byte for byte with its meta;
// StatImage returns the same without the bytes, which pages listing images
// must not load.
func testImageRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	img := newImage(newMSN())
	if err := s.PutImage(ctx, img); err != nil {
		t.Fatalf("PutImage() = %v, want nil", err)
	}

	got := mustGetImage(t, s, img.MSN, img.ID)
	if diff := cmp.Diff(img, got); diff != "" {
		t.Errorf("GetImage() mismatch (-want +got):\n%s", diff)
	}
	checkUTC(t, "GetImage().Meta.CreatedAt", got.Meta.CreatedAt)

	stat, err := s.StatImage(ctx, img.MSN, img.ID)
	if err != nil || stat == nil {
		t.Fatalf("StatImage() = %v, %v; want image, nil", stat, err)
	}
	want := *img
	want.Data = nil // StatImage leaves the bytes out
	if diff := cmp.Diff(&want, stat); diff != "" {
		t.Errorf("StatImage() mismatch (-want +got):\n%s", diff)
	}
	checkUTC(t, "StatImage().Meta.CreatedAt", stat.Meta.CreatedAt)
}

// testImageConflict: contract §4, images cannot be overwritten. A second
// upload is api.ErrConflict even with identical bytes, and the first stays.
func testImageConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	first := newImage(newMSN())
	if err := s.PutImage(ctx, first); err != nil {
		t.Fatalf("PutImage(first) = %v, want nil", err)
	}

	// Images cannot be overwritten, not even by the same bytes.
	same := *first
	same.Meta = newMeta("same")
	other := newImage(first.MSN)
	other.ID = first.ID
	for name, img := range map[string]*store.Image{"identical bytes": &same, "other bytes": other} {
		t.Run(name, func(t *testing.T) {
			err := s.PutImage(ctx, img)
			wantKind(t, "PutImage(second)", err, api.ErrConflict)
			got := mustGetImage(t, s, first.MSN, first.ID)
			if diff := cmp.Diff(first, got); diff != "" {
				t.Errorf("GetImage() after conflict mismatch (-first +got):\n%s", diff)
			}
		})
	}
}

// testImageOtherMerchant: images belong to a merchant, so two merchants may
// use the same image id.
func testImageOtherMerchant(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := newImage(newMSN())
	b := newImage(otherMSN(a.MSN))
	b.ID = a.ID
	for _, img := range []*store.Image{a, b} {
		if err := s.PutImage(ctx, img); err != nil {
			t.Fatalf("PutImage(msn %s) = %v, want nil: an image id is scoped to its merchant", img.MSN, err)
		}
	}
	for _, img := range []*store.Image{a, b} {
		got := mustGetImage(t, s, img.MSN, img.ID)
		if diff := cmp.Diff(img, got); diff != "" {
			t.Errorf("GetImage(%s, %s) mismatch (-want +got):\n%s", img.MSN, img.ID, diff)
		}
	}
}

// testImageNotFound: a missing image is api.ErrNotFound, never (nil, nil),
// and one merchant cannot read another's image.
func testImageNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	img := newImage(newMSN())
	if err := s.PutImage(ctx, img); err != nil {
		t.Fatalf("PutImage() = %v, want nil", err)
	}
	tests := []struct{ name, msn, id string }{
		{"unknown id", img.MSN, newID("missing")},
		{"id of another merchant", otherMSN(img.MSN), img.ID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.GetImage(ctx, tc.msn, tc.id)
			wantKind(t, "GetImage()", err, api.ErrNotFound)
			if got != nil {
				t.Errorf("GetImage() = %+v with an error, want nil", got)
			}
			got, err = s.StatImage(ctx, tc.msn, tc.id)
			wantKind(t, "StatImage()", err, api.ErrNotFound)
			if got != nil {
				t.Errorf("StatImage() = %+v with an error, want nil", got)
			}
		})
	}
}

// testCategoryUpsert: contract §5, a category write fully replaces the last
// one, and GetOrder shows the latest with its new id.
func testCategoryUpsert(t *testing.T, s store.Store) {
	ctx := t.Context()
	key := newKey(newMSN(), api.PaymentTypeECOM)
	img := newImage(key.MSN)
	if err := s.PutImage(ctx, img); err != nil {
		t.Fatalf("PutImage() = %v, want nil", err)
	}

	// Each write replaces the whole category, image reference included.
	versions := []*store.Category{
		newCategory(key, api.CategoryGeneral, nil),
		newCategory(key, api.CategoryDelivery, &img.ID),
		newCategory(key, api.CategoryTicket, nil),
	}
	for i, c := range versions {
		if err := s.PutCategory(ctx, c); err != nil {
			t.Fatalf("PutCategory(version %d) = %v, want nil", i, err)
		}
		o := mustGetOrder(t, s, key)
		if diff := cmp.Diff(c, o.Category); diff != "" {
			t.Errorf("GetOrder().Category after version %d mismatch (-want +got):\n%s", i, diff)
		}
		if o.Receipt != nil {
			t.Errorf("GetOrder().Receipt = %+v, want nil", o.Receipt)
		}
	}
}

// testCategoryImage: a category may name only an existing image of its own
// merchant; otherwise the write is api.ErrInvalid naming imageId and changes
// nothing.
func testCategoryImage(t *testing.T, s store.Store) {
	ctx := t.Context()
	msn := newMSN()
	img := newImage(msn)
	if err := s.PutImage(ctx, img); err != nil {
		t.Fatalf("PutImage() = %v, want nil", err)
	}
	foreign := newImage(otherMSN(msn))
	if err := s.PutImage(ctx, foreign); err != nil {
		t.Fatalf("PutImage(other merchant) = %v, want nil", err)
	}

	t.Run("own image", func(t *testing.T) {
		c := newCategory(newKey(msn, api.PaymentTypeECOM), api.CategoryReceipt, &img.ID)
		if err := s.PutCategory(ctx, c); err != nil {
			t.Fatalf("PutCategory() = %v, want nil", err)
		}
		if got := mustGetOrder(t, s, c.Key).Category; got == nil || got.Category.ImageID == nil || *got.Category.ImageID != img.ID {
			t.Errorf("GetOrder().Category = %+v, want imageId %q", got, img.ID)
		}
	})

	bad := []struct{ name, imageID string }{
		{"unknown image", newID("missing")},
		{"image of another merchant", foreign.ID},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			t.Run("new order", func(t *testing.T) {
				c := newCategory(newKey(msn, api.PaymentTypeECOM), api.CategoryReceipt, &tc.imageID)
				err := s.PutCategory(ctx, c)
				wantInvalidParam(t, "PutCategory()", err, "imageId")
				_, err = s.GetOrder(ctx, c.Key)
				wantKind(t, "GetOrder() after a refused category", err, api.ErrNotFound)
			})
			t.Run("existing category", func(t *testing.T) {
				key := newKey(msn, api.PaymentTypeRECURRING)
				first := newCategory(key, api.CategoryBooking, nil)
				if err := s.PutCategory(ctx, first); err != nil {
					t.Fatalf("PutCategory(first) = %v, want nil", err)
				}
				err := s.PutCategory(ctx, newCategory(key, api.CategoryReceipt, &tc.imageID))
				wantInvalidParam(t, "PutCategory(second)", err, "imageId")
				if diff := cmp.Diff(first, mustGetOrder(t, s, key).Category); diff != "" {
					t.Errorf("GetOrder().Category after a refused replacement mismatch (-first +got):\n%s", diff)
				}
			})
		})
	}
}

// testReceiptOnce: contract §6, a receipt is stored once. Any second one,
// even the same, is api.ErrConflict and the stored receipt never changes.
func testReceiptOnce(t *testing.T, s store.Store) {
	ctx := t.Context()
	key := newKey(newMSN(), api.PaymentTypeECOM)
	first := newReceipt(key)
	if err := s.AddReceipt(ctx, first); err != nil {
		t.Fatalf("AddReceipt(first) = %v, want nil", err)
	}

	same := *first
	same.ID = newID("receipt")
	for name, r := range map[string]*store.Receipt{"same body": &same, "other body": newReceipt(key), "same receipt": first} {
		t.Run(name, func(t *testing.T) {
			err := s.AddReceipt(ctx, r)
			wantKind(t, "AddReceipt(second)", err, api.ErrConflict)
			o := mustGetOrder(t, s, key)
			if diff := cmp.Diff(first, o.Receipt); diff != "" {
				t.Errorf("GetOrder().Receipt after conflict mismatch (-first +got):\n%s", diff)
			}
		})
	}
}

// testOrderNotFound: an order with neither part is api.ErrNotFound, even
// when its merchant has other orders.
func testOrderNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	msn := newMSN()
	// The merchant has other orders; this one has nothing.
	if err := s.AddReceipt(ctx, newReceipt(newKey(msn, api.PaymentTypeECOM))); err != nil {
		t.Fatalf("AddReceipt() = %v, want nil", err)
	}
	got, err := s.GetOrder(ctx, newKey(msn, api.PaymentTypeECOM))
	wantKind(t, "GetOrder()", err, api.ErrNotFound)
	if got != nil {
		t.Errorf("GetOrder() = %+v with an error, want nil", got)
	}
}

// testOrderParts: enrichment may arrive in any order and an order may have
// one part only; the part it lacks is nil.
func testOrderParts(t *testing.T, s store.Store) {
	tests := []struct {
		name              string
		category, receipt bool
		categoryFirst     bool
	}{
		{name: "category only", category: true},
		{name: "receipt only", receipt: true},
		{name: "category then receipt", category: true, receipt: true, categoryFirst: true},
		{name: "receipt then category", category: true, receipt: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			key := newKey(newMSN(), api.PaymentTypeRECURRING)
			want := &store.Order{Key: key}
			if tc.category {
				want.Category = newCategory(key, api.CategoryOrderConfirmation, nil)
			}
			if tc.receipt {
				want.Receipt = newReceipt(key)
			}
			putCategory := func() {
				if want.Category != nil {
					if err := s.PutCategory(ctx, want.Category); err != nil {
						t.Fatalf("PutCategory() = %v, want nil", err)
					}
				}
			}
			if tc.categoryFirst {
				putCategory()
			}
			if want.Receipt != nil {
				if err := s.AddReceipt(ctx, want.Receipt); err != nil {
					t.Fatalf("AddReceipt() = %v, want nil", err)
				}
			}
			if !tc.categoryFirst {
				putCategory()
			}
			if diff := cmp.Diff(want, mustGetOrder(t, s, key)); diff != "" {
				t.Errorf("GetOrder() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// testViewOrder: ViewOrder answers what GetOrder does, less the IDs and
// write records, for every combination of parts.
func testViewOrder(t *testing.T, s store.Store) {
	msn := newMSN()
	img := newImage(msn)
	if err := s.PutImage(t.Context(), img); err != nil {
		t.Fatalf("PutImage() = %v, want nil", err)
	}
	tests := []struct {
		name                     string
		category, image, receipt bool
	}{
		{name: "neither"},
		{name: "category only", category: true},
		{name: "category with image", category: true, image: true},
		{name: "receipt only", receipt: true},
		{name: "both", category: true, image: true, receipt: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			key := newKey(msn, api.PaymentTypeECOM)
			if tc.category {
				var imageID *string
				if tc.image {
					imageID = &img.ID
				}
				if err := s.PutCategory(ctx, newCategory(key, api.CategoryDelivery, imageID)); err != nil {
					t.Fatalf("PutCategory() = %v, want nil", err)
				}
			}
			if tc.receipt {
				if err := s.AddReceipt(ctx, newReceipt(key)); err != nil {
					t.Fatalf("AddReceipt() = %v, want nil", err)
				}
			}
			got, err := s.ViewOrder(ctx, key)
			if !tc.category && !tc.receipt {
				wantKind(t, "ViewOrder() of an empty order", err, api.ErrNotFound)
				return
			}
			if err != nil {
				t.Fatalf("ViewOrder() = %v, want nil", err)
			}
			want := mustGetOrder(t, s, key)
			if want.Category != nil {
				want.Category.ID, want.Category.Meta = "", store.Meta{}
			}
			if want.Receipt != nil {
				want.Receipt.ID, want.Receipt.Meta = "", store.Meta{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ViewOrder() differs from GetOrder() less IDs and Meta (-want +got):\n%s", diff)
			}
		})
	}
}

// testOrderScope: contract §1, an order is (MSN, payment type, order id).
func testOrderScope(t *testing.T, s store.Store) {
	ctx := t.Context()
	msn := newMSN()
	orderID := newID("order")
	// The same order id under another payment type or merchant is another
	// order: each gets its own category and its own receipt.
	keys := []store.OrderKey{
		{MSN: msn, PaymentType: api.PaymentTypeECOM, OrderID: orderID},
		{MSN: msn, PaymentType: api.PaymentTypeRECURRING, OrderID: orderID},
		{MSN: otherMSN(msn), PaymentType: api.PaymentTypeECOM, OrderID: orderID},
	}
	want := map[store.OrderKey]*store.Order{}
	for _, key := range keys {
		o := &store.Order{
			Key:      key,
			Category: newCategory(key, api.CategoryGeneral, nil),
			Receipt:  newReceipt(key),
		}
		if err := s.AddReceipt(ctx, o.Receipt); err != nil {
			t.Fatalf("AddReceipt(%+v) = %v, want nil", key, err)
		}
		if err := s.PutCategory(ctx, o.Category); err != nil {
			t.Fatalf("PutCategory(%+v) = %v, want nil", key, err)
		}
		want[key] = o
	}
	for _, key := range keys {
		if diff := cmp.Diff(want[key], mustGetOrder(t, s, key)); diff != "" {
			t.Errorf("GetOrder(%+v) mismatch (-want +got):\n%s", key, diff)
		}
	}
}

// testMetaTimes: times come back as the same instant, in UTC, whatever
// zone they were written in.
func testMetaTimes(t *testing.T, s store.Store) {
	ctx := t.Context()
	t.Run("other time zone", func(t *testing.T) {
		key := newKey(newMSN(), api.PaymentTypeECOM)
		r := newReceipt(key)
		r.Meta.CreatedAt = time.Date(2024, 12, 31, 23, 59, 59, 999999000, time.FixedZone("UTC-8", -8*3600))
		if err := s.AddReceipt(ctx, r); err != nil {
			t.Fatalf("AddReceipt() = %v, want nil", err)
		}
		got := mustGetOrder(t, s, key).Receipt.Meta.CreatedAt
		if !got.Equal(r.Meta.CreatedAt) {
			t.Errorf("CreatedAt = %v, want %v", got, r.Meta.CreatedAt)
		}
		checkUTC(t, "CreatedAt", got)
	})

	// A zero CreatedAt is stored as the time of the write. The bounds are
	// wide: the check is that the store used its clock, not how fast.
	t.Run("zero", func(t *testing.T) {
		msn := newMSN()
		key := newKey(msn, api.PaymentTypeECOM)
		img := newImage(msn)
		c := newCategory(key, api.CategoryGeneral, nil)
		r := newReceipt(key)
		img.Meta.CreatedAt, c.Meta.CreatedAt, r.Meta.CreatedAt = time.Time{}, time.Time{}, time.Time{}
		before := time.Now()
		if err := s.PutImage(ctx, img); err != nil {
			t.Fatalf("PutImage() = %v, want nil", err)
		}
		if err := s.PutCategory(ctx, c); err != nil {
			t.Fatalf("PutCategory() = %v, want nil", err)
		}
		if err := s.AddReceipt(ctx, r); err != nil {
			t.Fatalf("AddReceipt() = %v, want nil", err)
		}
		after := time.Now()
		o := mustGetOrder(t, s, key)
		for what, got := range map[string]time.Time{
			"image":    mustGetImage(t, s, msn, img.ID).Meta.CreatedAt,
			"category": o.Category.Meta.CreatedAt,
			"receipt":  o.Receipt.Meta.CreatedAt,
		} {
			if got.Before(before.Add(-time.Minute)) || got.After(after.Add(time.Minute)) {
				t.Errorf("%s CreatedAt = %v, want the time of the write (%v to %v)", what, got, before, after)
			}
			checkUTC(t, what+" CreatedAt", got)
		}
	})
}

// testCanceledContext: a done context makes every method return its error
// promptly instead of hanging, and a write refused that way stores nothing.
func testCanceledContext(t *testing.T, s store.Store) {
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()

	msn := newMSN()
	key := newKey(msn, api.PaymentTypeECOM)
	img := newImage(msn)
	for _, tc := range []struct {
		ctx  context.Context
		want error
	}{
		{canceled, context.Canceled},
		{expired, context.DeadlineExceeded},
	} {
		t.Run(tc.want.Error(), func(t *testing.T) {
			ctx := tc.ctx
			calls := map[string]func() error{
				"Ping":        func() error { return s.Ping(ctx) },
				"PutImage":    func() error { return s.PutImage(ctx, img) },
				"PutCategory": func() error { return s.PutCategory(ctx, newCategory(key, api.CategoryGeneral, nil)) },
				"AddReceipt":  func() error { return s.AddReceipt(ctx, newReceipt(key)) },
				"GetImage":    func() error { _, err := s.GetImage(ctx, msn, img.ID); return err },
				"StatImage":   func() error { _, err := s.StatImage(ctx, msn, img.ID); return err },
				"GetOrder":    func() error { _, err := s.GetOrder(ctx, key); return err },
			}
			for name, call := range calls {
				if err := call(); !errors.Is(err, tc.want) {
					t.Errorf("%s(done context) = %v, want %v", name, err, tc.want)
				}
			}
		})
	}

	// A write refused for its context stored nothing.
	ctx := t.Context()
	_, err := s.GetImage(ctx, msn, img.ID)
	wantKind(t, "GetImage() after canceled PutImage", err, api.ErrNotFound)
	_, err = s.GetOrder(ctx, key)
	wantKind(t, "GetOrder() after canceled writes", err, api.ErrNotFound)
}

// testReopen: a method that returned nil has committed, so a store opened
// after Close sees every write and still enforces the uniqueness rules.
func testReopen(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	msn := newMSN()
	key := newKey(msn, api.PaymentTypeECOM)
	img := newImage(msn)
	want := &store.Order{Key: key, Category: newCategory(key, api.CategoryDelivery, &img.ID), Receipt: newReceipt(key)}

	s := open(t)
	if err := s.PutImage(ctx, img); err != nil {
		t.Fatalf("PutImage() = %v, want nil", err)
	}
	if err := s.PutCategory(ctx, want.Category); err != nil {
		t.Fatalf("PutCategory() = %v, want nil", err)
	}
	if err := s.AddReceipt(ctx, want.Receipt); err != nil {
		t.Fatalf("AddReceipt() = %v, want nil", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}

	s = open(t)
	if diff := cmp.Diff(img, mustGetImage(t, s, msn, img.ID)); diff != "" {
		t.Errorf("GetImage() after reopen mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, mustGetOrder(t, s, key)); diff != "" {
		t.Errorf("GetOrder() after reopen mismatch (-want +got):\n%s", diff)
	}
	// Rules hold across the reopen too.
	wantKind(t, "AddReceipt() after reopen", s.AddReceipt(ctx, newReceipt(key)), api.ErrConflict)
	wantKind(t, "PutImage() after reopen", s.PutImage(ctx, img), api.ErrConflict)
}

// testClose: Close may be called twice, and a closed store refuses work
// with an error rather than panicking or returning (nil, nil).
func testClose(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close() again = %v, want nil", err)
	}
	key := newKey(newMSN(), api.PaymentTypeECOM)
	if err := s.Ping(ctx); err == nil {
		t.Errorf("Ping() after Close = nil, want an error")
	}
	if err := s.AddReceipt(ctx, newReceipt(key)); err == nil {
		t.Errorf("AddReceipt() after Close = nil, want an error")
	}
	if o, err := s.GetOrder(ctx, key); err == nil || o != nil {
		t.Errorf("GetOrder() after Close = %v, %v; want nil, an error", o, err)
	}
}

// testConcurrentReceipts: of 50 receipts racing for one order exactly one
// is stored and the other 49 are api.ErrConflict; no other error (a busy
// database, a deadlock) may reach the caller.
func testConcurrentReceipts(t *testing.T, s store.Store) {
	const n = 50
	key := newKey(newMSN(), api.PaymentTypeECOM)
	receipts := make([]*store.Receipt, n)
	for i := range receipts {
		receipts[i] = newReceipt(key)
	}
	errs := race(n, func(i int) error { return s.AddReceipt(t.Context(), receipts[i]) })

	winner := onlyWinner(t, "AddReceipt", errs)
	if winner < 0 {
		return
	}
	if diff := cmp.Diff(receipts[winner], mustGetOrder(t, s, key).Receipt); diff != "" {
		t.Errorf("GetOrder().Receipt is not the one that succeeded (-want +got):\n%s", diff)
	}
}

// testConcurrentImages: of 20 uploads racing for one image id exactly one
// is stored.
func testConcurrentImages(t *testing.T, s store.Store) {
	const n = 20
	msn, id := newMSN(), newID("image")
	imgs := make([]*store.Image, n)
	for i := range imgs {
		imgs[i] = newImage(msn)
		imgs[i].ID = id
	}
	errs := race(n, func(i int) error { return s.PutImage(t.Context(), imgs[i]) })

	winner := onlyWinner(t, "PutImage", errs)
	if winner < 0 {
		return
	}
	if diff := cmp.Diff(imgs[winner], mustGetImage(t, s, msn, id)); diff != "" {
		t.Errorf("GetImage() is not the image that succeeded (-want +got):\n%s", diff)
	}
}

// testConcurrentCategoryReads replaces a category while others read the
// order: every read must succeed and show one whole version.
func testConcurrentCategoryReads(t *testing.T, s store.Store) {
	const writers, writes, readers, reads = 4, 10, 4, 50
	ctx := t.Context()
	key := newKey(newMSN(), api.PaymentTypeECOM)
	first := newCategory(key, api.CategoryGeneral, nil)
	if err := s.PutCategory(ctx, first); err != nil {
		t.Fatalf("PutCategory(first) = %v, want nil", err)
	}
	versions := map[string]*store.Category{first.ID: first}
	var queue []*store.Category
	for range writers * writes {
		c := newCategory(key, api.CategoryTypes[rand.IntN(len(api.CategoryTypes))], nil)
		versions[c.ID] = c
		queue = append(queue, c)
	}

	errs := race(writers+readers, func(i int) error {
		if i < writers {
			for _, c := range queue[i*writes : (i+1)*writes] {
				if err := s.PutCategory(ctx, c); err != nil {
					return fmt.Errorf("PutCategory() = %w", err)
				}
			}
			return nil
		}
		for range reads {
			o, err := s.GetOrder(ctx, key)
			if err != nil {
				return fmt.Errorf("GetOrder() = %w", err)
			}
			if o.Category == nil {
				return fmt.Errorf("GetOrder().Category = nil, want a category")
			}
			if diff := cmp.Diff(versions[o.Category.ID], o.Category); diff != "" {
				return fmt.Errorf("GetOrder().Category is not a version written (-want +got):\n%s", diff)
			}
		}
		return nil
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	last := mustGetOrder(t, s, key).Category
	if last == nil || last.ID == first.ID || versions[last.ID] == nil {
		t.Errorf("GetOrder().Category after the writes = %+v, want one of the later versions", last)
	}
}

// race runs f(0) … f(n-1) in goroutines released at once and returns their
// errors by index.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// onlyWinner checks that exactly one call succeeded and every other one was
// api.ErrConflict, and returns the winner's index, or -1.
func onlyWinner(t *testing.T, name string, errs []error) int {
	t.Helper()
	winner, wins, conflicts := -1, 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			winner = i
			wins++
		case errors.Is(err, api.ErrConflict):
			conflicts++
		default:
			t.Errorf("%s(call %d) = %v, want nil or api.ErrConflict", name, i, err)
		}
	}
	if wins != 1 || conflicts != len(errs)-1 {
		t.Errorf("%d concurrent %s: %d succeeded and %d conflicted, want 1 and %d", len(errs), name, wins, conflicts, len(errs)-1)
		return -1
	}
	return winner
}

// newMSN returns a random merchant serial number, so that tests sharing a
// database do not meet.
func newMSN() string { return strconv.Itoa(1_000_000 + rand.IntN(9_000_000)) }

// otherMSN returns a merchant serial number other than msn.
func otherMSN(msn string) string {
	for {
		if o := newMSN(); o != msn {
			return o
		}
	}
}

// newID returns a random id that matches the contract's id pattern.
func newID(prefix string) string { return fmt.Sprintf("%s-%016x", prefix, rand.Uint64()) }

func newKey(msn string, pt api.PaymentType) store.OrderKey {
	return store.OrderKey{MSN: msn, PaymentType: pt, OrderID: newID("order")}
}

// newMeta returns meta with every field set. The time is in a zone other
// than UTC and has microsecond precision, the finest PostgreSQL keeps.
func newMeta(trace string) store.Meta {
	return store.Meta{
		CreatedAt: time.Date(2025, 3, 14, 15, 9, 26, rand.IntN(1e6)*1000, time.FixedZone("CET", 3600)),
		TraceID:   fmt.Sprintf("00-%016x%016x-%016x-00", rand.Uint64(), rand.Uint64(), rand.Uint64()),
		ClientID:  "client-" + trace,
		System: store.System{
			Name:          "acme",
			Version:       "1.2." + trace,
			PluginName:    "acme-shop",
			PluginVersion: "3.4.5",
		},
	}
}

// newImage returns an image of random bytes: stores keep bytes, they do not
// decode them.
func newImage(msn string) *store.Image {
	data := make([]byte, 1024+rand.IntN(4096))
	for i := range data {
		data[i] = byte(rand.Uint32())
	}
	copy(data, "\x89PNG\r\n\x1a\n")
	sum := sha512.Sum512(data)
	return &store.Image{
		MSN:       msn,
		ID:        newID("image"),
		MediaType: "image/png",
		Width:     400 + rand.IntN(100),
		Height:    167 + rand.IntN(500),
		SHA512:    hex.EncodeToString(sum[:]),
		Data:      data,
		Meta:      newMeta("image"),
	}
}

func newCategory(key store.OrderKey, ct api.CategoryType, imageID *string) *store.Category {
	c := &store.Category{
		Key: key,
		ID:  newID("category"),
		Category: api.Category{
			Category:        ct,
			OrderDetailsURL: "https://shop.example/orders/" + key.OrderID + "?v=" + strconv.Itoa(rand.IntN(1000)),
		},
		Meta: newMeta("category"),
	}
	if imageID != nil {
		id := *imageID
		c.Category.ImageID = &id
	}
	return c
}

func newReceipt(key store.OrderKey) *store.Receipt {
	rate := int64(2500)
	net := int64(1 + rand.IntN(100_000))
	tax := net / 4
	body, err := json.Marshal(api.Receipt{
		OrderLines: []api.OrderLine{{
			Name: "Socks", ID: newID("sku"),
			TotalAmount: net + tax, TotalAmountExcludingTax: net, TotalTaxAmount: tax, TaxRate: &rate,
		}},
		BottomLine: api.BottomLine{Currency: "NOK", ReceiptNumber: newID("no")},
	})
	if err != nil {
		panic(err) // a fixed, valid value: cannot fail
	}
	return &store.Receipt{Key: key, ID: newID("receipt"), Body: body, Meta: newMeta("receipt")}
}

func mustGetImage(t *testing.T, s store.Store, msn, id string) *store.Image {
	t.Helper()
	img, err := s.GetImage(t.Context(), msn, id)
	if err != nil || img == nil {
		t.Fatalf("GetImage(%s, %s) = %v, %v; want image, nil", msn, id, img, err)
	}
	return img
}

func mustGetOrder(t *testing.T, s store.Store, key store.OrderKey) *store.Order {
	t.Helper()
	o, err := s.GetOrder(t.Context(), key)
	if err != nil || o == nil {
		t.Fatalf("GetOrder(%+v) = %v, %v; want order, nil", key, o, err)
	}
	if o.Key != key {
		t.Errorf("GetOrder(%+v).Key = %+v, want the key asked for", key, o.Key)
	}
	return o
}

func wantKind(t *testing.T, what string, err error, kind *api.Kind) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s = %v, want api.%s", what, err, kindName(kind))
	}
}

// wantInvalidParam checks that err is api.ErrInvalid naming param, so the
// server can pass it to the caller as is.
func wantInvalidParam(t *testing.T, what string, err error, param string) {
	t.Helper()
	wantKind(t, what, err, api.ErrInvalid)
	var p *api.Problem
	if !errors.As(err, &p) {
		t.Errorf("%s = %v, want an *api.Problem naming %s", what, err, param)
		return
	}
	for _, ip := range p.InvalidParams {
		if ip.Name == param {
			return
		}
	}
	t.Errorf("%s invalidParams = %+v, want one named %s", what, p.InvalidParams, param)
}

func kindName(k *api.Kind) string {
	switch k {
	case api.ErrNotFound:
		return "ErrNotFound"
	case api.ErrConflict:
		return "ErrConflict"
	case api.ErrInvalid:
		return "ErrInvalid"
	}
	return k.Name()
}

func checkUTC(t *testing.T, what string, tm time.Time) {
	t.Helper()
	if tm.Location() != time.UTC {
		t.Errorf("%s location = %v, want UTC", what, tm.Location())
	}
}
