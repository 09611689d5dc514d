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
		{"ImageNotFound", testImageNotFound},
		{"ImageConflict", testImageConflict},
		{"ImageOtherMerchant", testImageOtherMerchant},
		{"CategoryReplace", testCategoryReplace},
		{"CategoryImage", testCategoryImage},
		{"CategoryList", testCategoryList},
		{"CategoryGet", testCategoryGet},
		{"CategoryDelete", testCategoryDelete},
		{"CategoryV2V3", testCategoryV2V3},
		{"ReceiptOnce", testReceiptOnce},
		{"OrderNotFound", testOrderNotFound},
		{"OrderParts", testOrderParts},
		{"OrderScope", testOrderScope},
		{"MetaTimes", testMetaTimes},
		{"CanceledContext", testCanceledContext},
		{"ConcurrentReceipts", testConcurrentReceipts},
		{"ConcurrentImages", testConcurrentImages},
		{"ConcurrentCategoryReads", testConcurrentCategoryReads},
		{"ConcurrentCategoryReplace", testConcurrentCategoryReplace},
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

// testImageRoundTrip: an image comes back byte for byte with its meta.
func testImageRoundTrip(t *testing.T, s store.Store) {
	img := newImage(newMSN())
	if err := s.PutImage(t.Context(), img); err != nil {
		t.Fatalf("PutImage() = %v, want nil", err)
	}
	got := mustGetImage(t, s, img.MSN, img.ID)
	if diff := cmp.Diff(img, got); diff != "" {
		t.Errorf("GetImage() mismatch (-want +got):\n%s", diff)
	}
	checkUTC(t, "GetImage().Meta.CreatedAt", got.Meta.CreatedAt)
}

// testImageNotFound: a missing image is api.ErrNotFound, never (nil, nil),
// and one merchant cannot read another's image.
func testImageNotFound(t *testing.T, s store.Store) {
	img := newImage(newMSN())
	if err := s.PutImage(t.Context(), img); err != nil {
		t.Fatalf("PutImage() = %v, want nil", err)
	}
	for name, tc := range map[string]struct{ msn, id string }{
		"unknown id":             {img.MSN, newID("missing")},
		"id of another merchant": {otherMSN(img.MSN), img.ID},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := s.GetImage(t.Context(), tc.msn, tc.id)
			wantKind(t, "GetImage()", err, api.ErrNotFound)
			if got != nil {
				t.Errorf("GetImage() = %+v with an error, want nil", got)
			}
		})
	}
}

// testImageConflict: contract §4, images cannot be overwritten. A second
// upload is a conflict with code image_exists even with identical bytes,
// and the first stays usable.
func testImageConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	first := newImage(newMSN())
	if err := s.PutImage(ctx, first); err != nil {
		t.Fatalf("PutImage(first) = %v, want nil", err)
	}
	same := *first
	same.Meta = newMeta("same")
	other := newImage(first.MSN)
	other.ID = first.ID
	for name, img := range map[string]*store.Image{"identical bytes": &same, "other bytes": other} {
		t.Run(name, func(t *testing.T) {
			wantCode(t, "PutImage(second)", s.PutImage(ctx, img), api.ErrConflict, api.CodeImageExists)
			if diff := cmp.Diff(first, mustGetImage(t, s, first.MSN, first.ID)); diff != "" {
				t.Errorf("GetImage() after conflict mismatch (-first +got):\n%s", diff)
			}
		})
	}
	mustAdd(t, s, newCategory(newKey(first.MSN, api.PaymentTypeECOM), api.CategoryGeneral, &first.ID))
}

// testImageOtherMerchant: images belong to a merchant, so two merchants may
// use the same image id, each in their own categories.
func testImageOtherMerchant(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := newImage(newMSN())
	b := newImage(otherMSN(a.MSN))
	b.ID = a.ID
	for _, img := range []*store.Image{a, b} {
		if err := s.PutImage(ctx, img); err != nil {
			t.Fatalf("PutImage(msn %s) = %v, want nil: an image id is scoped to its merchant", img.MSN, err)
		}
		mustAdd(t, s, newCategory(newKey(img.MSN, api.PaymentTypeECOM), api.CategoryGeneral, &img.ID))
	}
}

// testCategoryReplace: contract §5, a v2 PUT fully replaces the order's
// categories, image reference included, and GET order shows the latest.
func testCategoryReplace(t *testing.T, s store.Store) {
	ctx := t.Context()
	key := newKey(newMSN(), api.PaymentTypeECOM)
	img := newImage(key.MSN)
	if err := s.PutImage(ctx, img); err != nil {
		t.Fatalf("PutImage() = %v, want nil", err)
	}
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
		if diff := cmp.Diff(&c.Category, o.Category); diff != "" {
			t.Errorf("GetOrder().Category after version %d mismatch (-want +got):\n%s", i, diff)
		}
		if o.Receipt != nil {
			t.Errorf("GetOrder().Receipt = %s, want nil", o.Receipt)
		}
		checkList(t, s, key.MSN, key.OrderID, c)
		if i > 0 {
			_, err := s.GetCategory(ctx, key.MSN, versions[i-1].ID)
			wantCode(t, "GetCategory(replaced version)", err, api.ErrNotFound, api.CodeCategoryNotFound)
		}
		got, err := s.GetCategory(ctx, key.MSN, c.ID)
		if err != nil {
			t.Fatalf("GetCategory(version %d) = %v, want nil", i, err)
		}
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("GetCategory(version %d) mismatch (-want +got):\n%s", i, diff)
		}
	}
	// A PUT after a category of the other payment type is the newest of
	// the order's list, as the creation order says.
	other := newCategory(store.OrderKey{MSN: key.MSN, PaymentType: api.PaymentTypeRECURRING, OrderID: key.OrderID}, api.CategoryBooking, nil)
	mustAdd(t, s, other)
	last := newCategory(key, api.CategoryGeneral, nil)
	if err := s.PutCategory(ctx, last); err != nil {
		t.Fatalf("PutCategory(after the other payment type's) = %v, want nil", err)
	}
	checkList(t, s, key.MSN, key.OrderID, other, last)
}

// testCategoryImage: a category may name only an existing image of its own
// merchant; otherwise the write is invalid naming imageId with code
// image_not_found and changes nothing, on v2 PUT and v3 POST alike.
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
	writes := map[string]func(context.Context, *store.Category) error{"PutCategory": s.PutCategory, "AddCategory": s.AddCategory}

	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			t.Run("own image", func(t *testing.T) {
				c := newCategory(newKey(msn, api.PaymentTypeECOM), api.CategoryReceipt, &img.ID)
				if err := write(ctx, c); err != nil {
					t.Fatalf("%s() = %v, want nil", name, err)
				}
				if got := mustGetOrder(t, s, c.Key).Category; got == nil || got.ImageID == nil || *got.ImageID != img.ID {
					t.Errorf("GetOrder().Category = %+v, want imageId %q", got, img.ID)
				}
			})
			for _, tc := range []struct{ name, imageID string }{
				{"unknown image", newID("missing")},
				{"image of another merchant", foreign.ID},
			} {
				t.Run(tc.name, func(t *testing.T) {
					t.Run("new order", func(t *testing.T) {
						c := newCategory(newKey(msn, api.PaymentTypeECOM), api.CategoryReceipt, &tc.imageID)
						wantInvalidParam(t, name+"()", write(ctx, c), "imageId", api.CodeImageNotFound)
						_, err := s.GetOrder(ctx, c.Key)
						wantCode(t, "GetOrder() after a refused category", err, api.ErrNotFound, api.CodeOrderNotFound)
					})
					t.Run("one existing category", func(t *testing.T) {
						key := newKey(msn, api.PaymentTypeECOM)
						only := newCategory(key, api.CategoryBooking, nil)
						mustAdd(t, s, only)
						wantInvalidParam(t, name+"()", write(ctx, newCategory(key, api.CategoryReceipt, &tc.imageID)), "imageId", api.CodeImageNotFound)
						checkList(t, s, msn, key.OrderID, only)
					})
					t.Run("existing categories", func(t *testing.T) {
						key := newKey(msn, api.PaymentTypeRECURRING)
						first, second := newCategory(key, api.CategoryBooking, nil), newCategory(key, api.CategoryTicket, nil)
						mustAdd(t, s, first)
						mustAdd(t, s, second)
						wantInvalidParam(t, name+"()", write(ctx, newCategory(key, api.CategoryReceipt, &tc.imageID)), "imageId", api.CodeImageNotFound)
						checkList(t, s, msn, key.OrderID, first, second)
					})
				})
			}
		})
	}
}

// testCategoryList: contract §5a, an order id's categories are listed in
// creation order, of both payment types, of this merchant only, whole;
// none is an empty list.
func testCategoryList(t *testing.T, s store.Store) {
	ctx := t.Context()
	msn := newMSN()
	img := newImage(msn)
	if err := s.PutImage(ctx, img); err != nil {
		t.Fatalf("PutImage() = %v, want nil", err)
	}
	ecom := newKey(msn, api.PaymentTypeECOM)
	recurring := store.OrderKey{MSN: msn, PaymentType: api.PaymentTypeRECURRING, OrderID: ecom.OrderID}
	want := []*store.Category{
		newCategory(ecom, api.CategoryReceipt, &img.ID),
		newCategory(recurring, api.CategoryTicket, nil),
		newCategory(ecom, api.CategoryDelivery, nil),
		newCategory(ecom, api.CategoryDelivery, nil), // the same type twice is two categories
	}
	// Same order id, other merchant; other order id, same merchant.
	mustAdd(t, s, newCategory(store.OrderKey{MSN: otherMSN(msn), PaymentType: api.PaymentTypeECOM, OrderID: ecom.OrderID}, api.CategoryGeneral, nil))
	for _, c := range want {
		mustAdd(t, s, c)
	}
	mustAdd(t, s, newCategory(newKey(msn, api.PaymentTypeECOM), api.CategoryGeneral, nil))
	checkList(t, s, msn, ecom.OrderID, want...)

	t.Run("none", func(t *testing.T) {
		got, err := s.ListCategories(ctx, msn, newID("order"))
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("ListCategories(order without categories) = %v, %v; want an empty list, nil", got, err)
		}
	})
}

// testCategoryGet: a category is read by id, whole, by its merchant only.
func testCategoryGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newCategory(newKey(newMSN(), api.PaymentTypeRECURRING), api.CategoryBooking, nil)
	mustAdd(t, s, c)
	got, err := s.GetCategory(ctx, c.Key.MSN, c.ID)
	if err != nil {
		t.Fatalf("GetCategory() = %v, want nil", err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("GetCategory() mismatch (-want +got):\n%s", diff)
	}
	for name, tc := range map[string]struct{ msn, id string }{
		"unknown id":         {c.Key.MSN, newID("category")},
		"another merchant's": {otherMSN(c.Key.MSN), c.ID},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := s.GetCategory(ctx, tc.msn, tc.id)
			wantCode(t, "GetCategory()", err, api.ErrNotFound, api.CodeCategoryNotFound)
			if got != nil {
				t.Errorf("GetCategory() = %+v with an error, want nil", got)
			}
		})
	}
}

// testCategoryDelete: contract §5a, a deleted category is gone for GET,
// the list and a second DELETE; another merchant cannot delete it.
func testCategoryDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	key := newKey(newMSN(), api.PaymentTypeECOM)
	a, b := newCategory(key, api.CategoryReceipt, nil), newCategory(key, api.CategoryTicket, nil)
	mustAdd(t, s, a)
	mustAdd(t, s, b)

	wantCode(t, "DeleteCategory(another merchant's)", s.DeleteCategory(ctx, otherMSN(key.MSN), a.ID), api.ErrNotFound, api.CodeCategoryNotFound)
	wantCode(t, "DeleteCategory(unknown)", s.DeleteCategory(ctx, key.MSN, newID("category")), api.ErrNotFound, api.CodeCategoryNotFound)
	checkList(t, s, key.MSN, key.OrderID, a, b)

	if err := s.DeleteCategory(ctx, key.MSN, a.ID); err != nil {
		t.Fatalf("DeleteCategory() = %v, want nil", err)
	}
	_, err := s.GetCategory(ctx, key.MSN, a.ID)
	wantCode(t, "GetCategory(deleted)", err, api.ErrNotFound, api.CodeCategoryNotFound)
	wantCode(t, "DeleteCategory(deleted)", s.DeleteCategory(ctx, key.MSN, a.ID), api.ErrNotFound, api.CodeCategoryNotFound)
	checkList(t, s, key.MSN, key.OrderID, b)
}

// testCategoryV2V3 goes through the interplay of v2 and v3 in contract
// §5a case by case: one collection per order, v2 PUT replaces it, v2 GET
// shows the most recently created remaining category.
func testCategoryV2V3(t *testing.T, s store.Store) {
	ctx := t.Context()
	order := func(t *testing.T) (ecom, recurring store.OrderKey) {
		ecom = newKey(newMSN(), api.PaymentTypeECOM)
		return ecom, store.OrderKey{MSN: ecom.MSN, PaymentType: api.PaymentTypeRECURRING, OrderID: ecom.OrderID}
	}
	showsCategory := func(t *testing.T, key store.OrderKey, want *store.Category) {
		t.Helper()
		if diff := cmp.Diff(&want.Category, mustGetOrder(t, s, key).Category); diff != "" {
			t.Errorf("GetOrder(%s).Category mismatch (-want +got):\n%s", key, diff)
		}
	}
	del := func(t *testing.T, c *store.Category) {
		t.Helper()
		if err := s.DeleteCategory(ctx, c.Key.MSN, c.ID); err != nil {
			t.Fatalf("DeleteCategory() = %v, want nil", err)
		}
	}

	t.Run("v2 GET shows the newest v3 category", func(t *testing.T) {
		key, _ := order(t)
		a, b := newCategory(key, api.CategoryReceipt, nil), newCategory(key, api.CategoryTicket, nil)
		mustAdd(t, s, a)
		showsCategory(t, key, a)
		mustAdd(t, s, b)
		showsCategory(t, key, b)
	})
	t.Run("deleting the newest shows the one before", func(t *testing.T) {
		key, _ := order(t)
		a, b, c := newCategory(key, api.CategoryReceipt, nil), newCategory(key, api.CategoryTicket, nil), newCategory(key, api.CategoryBooking, nil)
		mustAdd(t, s, a)
		mustAdd(t, s, b)
		mustAdd(t, s, c)
		del(t, c)
		showsCategory(t, key, b)
		del(t, a) // an older one goes: the newest stays shown
		showsCategory(t, key, b)
	})
	t.Run("all deleted, no receipt: order not found", func(t *testing.T) {
		key, _ := order(t)
		a := newCategory(key, api.CategoryReceipt, nil)
		mustAdd(t, s, a)
		del(t, a)
		_, err := s.GetOrder(ctx, key)
		wantCode(t, "GetOrder()", err, api.ErrNotFound, api.CodeOrderNotFound)
	})
	t.Run("all deleted, with receipt: receipt only", func(t *testing.T) {
		key, _ := order(t)
		r := newReceipt(key)
		if err := s.AddReceipt(ctx, r); err != nil {
			t.Fatalf("AddReceipt() = %v, want nil", err)
		}
		a := newCategory(key, api.CategoryReceipt, nil)
		mustAdd(t, s, a)
		del(t, a)
		if o := mustGetOrder(t, s, key); o.Category != nil || string(o.Receipt) != string(r.Body) {
			t.Errorf("GetOrder() = category %+v, receipt %s; want no category and the receipt", o.Category, o.Receipt)
		}
	})
	t.Run("v2 PUT replaces v3 categories of its payment type only", func(t *testing.T) {
		ecom, recurring := order(t)
		a, b, r := newCategory(ecom, api.CategoryReceipt, nil), newCategory(ecom, api.CategoryTicket, nil), newCategory(recurring, api.CategoryBooking, nil)
		mustAdd(t, s, a)
		mustAdd(t, s, r)
		mustAdd(t, s, b)
		put := newCategory(ecom, api.CategoryDelivery, nil)
		if err := s.PutCategory(ctx, put); err != nil {
			t.Fatalf("PutCategory() = %v, want nil", err)
		}
		checkList(t, s, ecom.MSN, ecom.OrderID, r, put)
		for _, gone := range []*store.Category{a, b} {
			_, err := s.GetCategory(ctx, gone.Key.MSN, gone.ID)
			wantCode(t, "GetCategory(replaced)", err, api.ErrNotFound, api.CodeCategoryNotFound)
		}
		showsCategory(t, ecom, put)
		showsCategory(t, recurring, r)
	})
	t.Run("v2 category id is its v3 categoryId", func(t *testing.T) {
		key, _ := order(t)
		put := newCategory(key, api.CategoryDelivery, nil)
		if err := s.PutCategory(ctx, put); err != nil {
			t.Fatalf("PutCategory() = %v, want nil", err)
		}
		got, err := s.GetCategory(ctx, key.MSN, put.ID)
		if err != nil {
			t.Fatalf("GetCategory(v2 category id) = %v, want nil", err)
		}
		if diff := cmp.Diff(put, got); diff != "" {
			t.Errorf("GetCategory(v2 category id) mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("v3 POST after v2 PUT adds and is shown", func(t *testing.T) {
		key, _ := order(t)
		put, add := newCategory(key, api.CategoryDelivery, nil), newCategory(key, api.CategoryTicket, nil)
		if err := s.PutCategory(ctx, put); err != nil {
			t.Fatalf("PutCategory() = %v, want nil", err)
		}
		mustAdd(t, s, add)
		checkList(t, s, key.MSN, key.OrderID, put, add)
		showsCategory(t, key, add)
	})
	t.Run("v3 DELETE of the v2 category", func(t *testing.T) {
		key, _ := order(t)
		put := newCategory(key, api.CategoryDelivery, nil)
		if err := s.PutCategory(ctx, put); err != nil {
			t.Fatalf("PutCategory() = %v, want nil", err)
		}
		del(t, put)
		_, err := s.GetOrder(ctx, key)
		wantCode(t, "GetOrder() after deleting the v2 category", err, api.ErrNotFound, api.CodeOrderNotFound)
		checkList(t, s, key.MSN, key.OrderID)
	})
	t.Run("v2 PUT after all deleted", func(t *testing.T) {
		key, _ := order(t)
		a := newCategory(key, api.CategoryReceipt, nil)
		mustAdd(t, s, a)
		del(t, a)
		put := newCategory(key, api.CategoryGeneral, nil)
		if err := s.PutCategory(ctx, put); err != nil {
			t.Fatalf("PutCategory() = %v, want nil", err)
		}
		showsCategory(t, key, put)
		checkList(t, s, key.MSN, key.OrderID, put)
	})
}

// testReceiptOnce: contract §6, a receipt is stored once. Any second one,
// even the same, is a conflict with code receipt_exists and the stored
// receipt never changes.
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
			wantCode(t, "AddReceipt(second)", s.AddReceipt(ctx, r), api.ErrConflict, api.CodeReceiptExists)
			if got := mustGetOrder(t, s, key).Receipt; string(got) != string(first.Body) {
				t.Errorf("GetOrder().Receipt after conflict = %s, want the first %s", got, first.Body)
			}
		})
	}
}

// testOrderNotFound: an order with neither part is not found with code
// order_not_found, even when its merchant has other orders.
func testOrderNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	msn := newMSN()
	if err := s.AddReceipt(ctx, newReceipt(newKey(msn, api.PaymentTypeECOM))); err != nil {
		t.Fatalf("AddReceipt() = %v, want nil", err)
	}
	mustAdd(t, s, newCategory(newKey(msn, api.PaymentTypeECOM), api.CategoryGeneral, nil))
	got, err := s.GetOrder(ctx, newKey(msn, api.PaymentTypeECOM))
	wantCode(t, "GetOrder()", err, api.ErrNotFound, api.CodeOrderNotFound)
	if got != nil {
		t.Errorf("GetOrder() = %+v with an error, want nil", got)
	}
}

// testOrderParts: enrichment may arrive in any order and an order may have
// one part only; the part it lacks is nil.
func testOrderParts(t *testing.T, s store.Store) {
	msn := newMSN()
	img := newImage(msn)
	if err := s.PutImage(t.Context(), img); err != nil {
		t.Fatalf("PutImage() = %v, want nil", err)
	}
	tests := []struct {
		name                     string
		category, image, receipt bool
		categoryFirst            bool
	}{
		{name: "category only", category: true},
		{name: "category with image", category: true, image: true},
		{name: "receipt only", receipt: true},
		{name: "category then receipt", category: true, receipt: true, categoryFirst: true},
		{name: "receipt then category", category: true, image: true, receipt: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			key := newKey(msn, api.PaymentTypeRECURRING)
			want := &store.Order{Key: key}
			var c *store.Category
			if tc.category {
				var imageID *string
				if tc.image {
					imageID = &img.ID
				}
				c = newCategory(key, api.CategoryOrderConfirmation, imageID)
				want.Category = &c.Category
			}
			var r *store.Receipt
			if tc.receipt {
				r = newReceipt(key)
				want.Receipt = r.Body
			}
			putCategory := func() {
				if c != nil {
					if err := s.PutCategory(ctx, c); err != nil {
						t.Fatalf("PutCategory() = %v, want nil", err)
					}
				}
			}
			if tc.categoryFirst {
				putCategory()
			}
			if r != nil {
				if err := s.AddReceipt(ctx, r); err != nil {
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

// testOrderScope: contract §1, an order is (MSN, payment type, order id).
func testOrderScope(t *testing.T, s store.Store) {
	ctx := t.Context()
	msn := newMSN()
	orderID := newID("order")
	keys := []store.OrderKey{
		{MSN: msn, PaymentType: api.PaymentTypeECOM, OrderID: orderID},
		{MSN: msn, PaymentType: api.PaymentTypeRECURRING, OrderID: orderID},
		{MSN: otherMSN(msn), PaymentType: api.PaymentTypeECOM, OrderID: orderID},
	}
	want := map[store.OrderKey]*store.Order{}
	for _, key := range keys {
		c, r := newCategory(key, api.CategoryGeneral, nil), newReceipt(key)
		if err := s.AddReceipt(ctx, r); err != nil {
			t.Fatalf("AddReceipt(%+v) = %v, want nil", key, err)
		}
		if err := s.PutCategory(ctx, c); err != nil {
			t.Fatalf("PutCategory(%+v) = %v, want nil", key, err)
		}
		want[key] = &store.Order{Key: key, Category: &c.Category, Receipt: r.Body}
	}
	for _, key := range keys {
		if diff := cmp.Diff(want[key], mustGetOrder(t, s, key)); diff != "" {
			t.Errorf("GetOrder(%+v) mismatch (-want +got):\n%s", key, diff)
		}
	}
}

// testMetaTimes: times come back as the same instant, in UTC, whatever
// zone they were written in; a zero time is stored as the time of the
// write.
func testMetaTimes(t *testing.T, s store.Store) {
	ctx := t.Context()
	t.Run("other time zone", func(t *testing.T) {
		c := newCategory(newKey(newMSN(), api.PaymentTypeECOM), api.CategoryGeneral, nil)
		c.Meta.CreatedAt = time.Date(2024, 12, 31, 23, 59, 59, 999999000, time.FixedZone("UTC-8", -8*3600))
		mustAdd(t, s, c)
		got := mustGetCategory(t, s, c).Meta.CreatedAt
		if !got.Equal(c.Meta.CreatedAt) {
			t.Errorf("CreatedAt = %v, want %v", got, c.Meta.CreatedAt)
		}
		checkUTC(t, "CreatedAt", got)
	})
	// The bounds are wide: the check is that the store used its clock, not
	// how fast.
	t.Run("zero", func(t *testing.T) {
		key := newKey(newMSN(), api.PaymentTypeECOM)
		put, add := newCategory(key, api.CategoryGeneral, nil), newCategory(key, api.CategoryTicket, nil)
		put.Meta.CreatedAt, add.Meta.CreatedAt = time.Time{}, time.Time{}
		before := time.Now()
		if err := s.PutCategory(ctx, put); err != nil {
			t.Fatalf("PutCategory() = %v, want nil", err)
		}
		mustAdd(t, s, add)
		after := time.Now()
		for _, c := range []*store.Category{put, add} {
			got := mustGetCategory(t, s, c).Meta.CreatedAt
			if got.Before(before.Add(-time.Minute)) || got.After(after.Add(time.Minute)) {
				t.Errorf("CreatedAt = %v, want the time of the write (%v to %v)", got, before, after)
			}
			checkUTC(t, "CreatedAt", got)
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
	existing := newCategory(newKey(msn, api.PaymentTypeECOM), api.CategoryGeneral, nil)
	mustAdd(t, s, existing)
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
				"Ping":           func() error { return s.Ping(ctx) },
				"PutImage":       func() error { return s.PutImage(ctx, img) },
				"PutCategory":    func() error { return s.PutCategory(ctx, newCategory(key, api.CategoryGeneral, nil)) },
				"AddCategory":    func() error { return s.AddCategory(ctx, newCategory(key, api.CategoryGeneral, nil)) },
				"DeleteCategory": func() error { return s.DeleteCategory(ctx, msn, existing.ID) },
				"ListCategories": func() error { _, err := s.ListCategories(ctx, msn, key.OrderID); return err },
				"GetCategory":    func() error { _, err := s.GetCategory(ctx, msn, existing.ID); return err },
				"AddReceipt":     func() error { return s.AddReceipt(ctx, newReceipt(key)) },
				"GetOrder":       func() error { _, err := s.GetOrder(ctx, key); return err },
				"GetImage":       func() error { _, err := s.GetImage(ctx, msn, img.ID); return err },
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
	_, err := s.GetOrder(ctx, key)
	wantCode(t, "GetOrder() after canceled writes", err, api.ErrNotFound, api.CodeOrderNotFound)
	mustGetCategory(t, s, existing)
	_, err = s.GetImage(ctx, msn, img.ID)
	wantKind(t, "GetImage() after canceled PutImage", err, api.ErrNotFound)
}

// testReopen: a method that returned nil has committed, so a store opened
// after Close sees every write and still enforces the uniqueness rules.
func testReopen(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	msn := newMSN()
	key := newKey(msn, api.PaymentTypeECOM)
	img := newImage(msn)
	put, add, gone := newCategory(key, api.CategoryDelivery, &img.ID), newCategory(key, api.CategoryTicket, nil), newCategory(key, api.CategoryReceipt, nil)
	r := newReceipt(key)

	s := open(t)
	if err := s.PutImage(ctx, img); err != nil {
		t.Fatalf("PutImage() = %v, want nil", err)
	}
	if err := s.PutCategory(ctx, put); err != nil {
		t.Fatalf("PutCategory() = %v, want nil", err)
	}
	mustAdd(t, s, add)
	mustAdd(t, s, gone)
	if err := s.DeleteCategory(ctx, msn, gone.ID); err != nil {
		t.Fatalf("DeleteCategory() = %v, want nil", err)
	}
	if err := s.AddReceipt(ctx, r); err != nil {
		t.Fatalf("AddReceipt() = %v, want nil", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}

	s = open(t)
	if diff := cmp.Diff(img, mustGetImage(t, s, msn, img.ID)); diff != "" {
		t.Errorf("GetImage() after reopen mismatch (-want +got):\n%s", diff)
	}
	want := &store.Order{Key: key, Category: &add.Category, Receipt: r.Body}
	if diff := cmp.Diff(want, mustGetOrder(t, s, key)); diff != "" {
		t.Errorf("GetOrder() after reopen mismatch (-want +got):\n%s", diff)
	}
	checkList(t, s, msn, key.OrderID, put, add)
	// Rules hold across the reopen too.
	wantCode(t, "AddReceipt() after reopen", s.AddReceipt(ctx, newReceipt(key)), api.ErrConflict, api.CodeReceiptExists)
	wantCode(t, "PutImage() after reopen", s.PutImage(ctx, img), api.ErrConflict, api.CodeImageExists)
	wantCode(t, "DeleteCategory() after reopen", s.DeleteCategory(ctx, msn, gone.ID), api.ErrNotFound, api.CodeCategoryNotFound)
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
	if err := s.AddCategory(ctx, newCategory(key, api.CategoryGeneral, nil)); err == nil {
		t.Errorf("AddCategory() after Close = nil, want an error")
	}
	if o, err := s.GetOrder(ctx, key); err == nil || o != nil {
		t.Errorf("GetOrder() after Close = %v, %v; want nil, an error", o, err)
	}
	if cs, err := s.ListCategories(ctx, key.MSN, key.OrderID); err == nil || cs != nil {
		t.Errorf("ListCategories() after Close = %v, %v; want nil, an error", cs, err)
	}
}

// testConcurrentReceipts: of 50 receipts racing for one order exactly one
// is stored and the other 49 are conflicts; no other error (a busy
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
	if got := mustGetOrder(t, s, key).Receipt; string(got) != string(receipts[winner].Body) {
		t.Errorf("GetOrder().Receipt = %s, want the one that succeeded, %s", got, receipts[winner].Body)
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
	if winner := onlyWinner(t, "PutImage", errs); winner >= 0 {
		if diff := cmp.Diff(imgs[winner], mustGetImage(t, s, msn, id)); diff != "" {
			t.Errorf("GetImage() is not the image that succeeded (-want +got):\n%s", diff)
		}
	}
}

// testConcurrentCategoryReads replaces and adds categories while others
// read the order: every read must succeed and show one whole version.
func testConcurrentCategoryReads(t *testing.T, s store.Store) {
	const writers, writes, readers, reads = 4, 10, 4, 50
	ctx := t.Context()
	key := newKey(newMSN(), api.PaymentTypeECOM)
	first := newCategory(key, api.CategoryGeneral, nil)
	if err := s.PutCategory(ctx, first); err != nil {
		t.Fatalf("PutCategory(first) = %v, want nil", err)
	}
	versions := map[string]*store.Category{first.Category.OrderDetailsURL: first}
	var queue []*store.Category
	for range writers * writes {
		c := newCategory(key, api.CategoryTypes[rand.IntN(len(api.CategoryTypes))], nil)
		versions[c.Category.OrderDetailsURL] = c
		queue = append(queue, c)
	}
	errs := race(writers+readers, func(i int) error {
		if i < writers {
			for j, c := range queue[i*writes : (i+1)*writes] {
				write, name := s.PutCategory, "PutCategory"
				if j%2 == 1 {
					write, name = s.AddCategory, "AddCategory"
				}
				if err := write(ctx, c); err != nil {
					return fmt.Errorf("%s() = %w", name, err)
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
			v := versions[o.Category.OrderDetailsURL]
			if v == nil {
				return fmt.Errorf("GetOrder().Category = %+v, not a version written", o.Category)
			}
			if diff := cmp.Diff(&v.Category, o.Category); diff != "" {
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
}

// testConcurrentCategoryReplace: v2 PUTs racing on one order leave exactly
// one category, the one GET order shows.
func testConcurrentCategoryReplace(t *testing.T, s store.Store) {
	const n = 20
	key := newKey(newMSN(), api.PaymentTypeRECURRING)
	mustAdd(t, s, newCategory(key, api.CategoryGeneral, nil))
	cs := make([]*store.Category, n)
	for i := range cs {
		cs[i] = newCategory(key, api.CategoryTicket, nil)
	}
	for i, err := range race(n, func(i int) error { return s.PutCategory(t.Context(), cs[i]) }) {
		if err != nil {
			t.Errorf("PutCategory(call %d) = %v, want nil", i, err)
		}
	}
	got, err := s.ListCategories(t.Context(), key.MSN, key.OrderID)
	if err != nil || len(got) != 1 {
		t.Fatalf("ListCategories() after %d racing PutCategory = %d categories, %v; want 1, nil", n, len(got), err)
	}
	if diff := cmp.Diff(&got[0].Category, mustGetOrder(t, s, key).Category); diff != "" {
		t.Errorf("GetOrder().Category is not the one category left (-listed +got):\n%s", diff)
	}
}

// mustAdd adds c with AddCategory.
func mustAdd(t *testing.T, s store.Store, c *store.Category) {
	t.Helper()
	if err := s.AddCategory(t.Context(), c); err != nil {
		t.Fatalf("AddCategory(%s) = %v, want nil", c.Key, err)
	}
}

// mustGetCategory reads c back by id.
func mustGetCategory(t *testing.T, s store.Store, c *store.Category) *store.Category {
	t.Helper()
	got, err := s.GetCategory(t.Context(), c.Key.MSN, c.ID)
	if err != nil || got == nil {
		t.Fatalf("GetCategory(%s, %s) = %v, %v; want category, nil", c.Key.MSN, c.ID, got, err)
	}
	return got
}

// checkList checks that the merchant's categories of orderID are want, in
// that order, whole.
func checkList(t *testing.T, s store.Store, msn, orderID string, want ...*store.Category) {
	t.Helper()
	got, err := s.ListCategories(t.Context(), msn, orderID)
	if err != nil {
		t.Fatalf("ListCategories() = %v, want nil", err)
	}
	if want == nil {
		want = []*store.Category{}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListCategories(%s, %s) mismatch (-want +got):\n%s", msn, orderID, diff)
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

// newCategory returns a category with a fresh id and a URL of its own.
func newCategory(key store.OrderKey, ct api.CategoryType, imageID *string) *store.Category {
	c := &store.Category{
		Key: key,
		ID:  newID("category"),
		Category: api.Category{
			Category:        ct,
			OrderDetailsURL: "https://shop.example/orders/" + key.OrderID + "?v=" + strconv.FormatUint(rand.Uint64(), 36),
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

// wantCode checks that err is of kind and an *api.Problem with code, so
// the server can answer with it as it is.
func wantCode(t *testing.T, what string, err error, kind *api.Kind, code string) {
	t.Helper()
	wantKind(t, what, err, kind)
	var p *api.Problem
	if !errors.As(err, &p) || p.Code != code {
		t.Errorf("%s = %v, want a problem with code %s", what, err, code)
	}
}

// wantInvalidParam checks that err is api.ErrInvalid naming param with
// code, so the server can pass it to the caller as is.
func wantInvalidParam(t *testing.T, what string, err error, param, code string) {
	t.Helper()
	wantKind(t, what, err, api.ErrInvalid)
	var p *api.Problem
	if !errors.As(err, &p) {
		t.Errorf("%s = %v, want an *api.Problem naming %s", what, err, param)
		return
	}
	for _, ip := range p.InvalidParams {
		if ip.Name == param && ip.Code == code {
			return
		}
	}
	t.Errorf("%s invalidParams = %+v, want one named %s with code %s", what, p.InvalidParams, param, code)
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
