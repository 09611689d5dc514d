package sqlite

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// TestViewOrder checks that ViewOrder answers what GetOrder does, less the
// IDs and write records, for every combination of parts.
func TestViewOrder(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	img := "logo-1"
	if err := db.PutImage(ctx, &store.Image{MSN: "123456", ID: img, MediaType: "image/png", Data: []byte("png")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name              string
		category, receipt bool
		image             bool
	}{
		{name: "neither"},
		{name: "category only", category: true},
		{name: "category with image", category: true, image: true},
		{name: "receipt only", receipt: true},
		{name: "both", category: true, receipt: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: "o-" + tc.name}
			if tc.category {
				c := &store.Category{Key: key, ID: "c-1", Category: api.Category{Category: api.CategoryDelivery, OrderDetailsURL: "https://shop.example/o"}}
				if tc.image {
					c.Category.ImageID = &img
				}
				if err := db.PutCategory(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			if tc.receipt {
				if err := db.AddReceipt(ctx, &store.Receipt{Key: key, ID: "r-1", Body: []byte(`{"orderLines":[]}`)}); err != nil {
					t.Fatal(err)
				}
			}
			got, err := db.ViewOrder(ctx, key)
			if !tc.category && !tc.receipt {
				if !errors.Is(err, api.ErrNotFound) {
					t.Errorf("ViewOrder() = %v, %v; want api.ErrNotFound", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ViewOrder() = %v", err)
			}
			want, err := db.GetOrder(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if want.Category != nil {
				want.Category.ID, want.Category.Meta = "", store.Meta{}
			}
			if want.Receipt != nil {
				want.Receipt.ID, want.Receipt.Meta = "", store.Meta{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ViewOrder() differs from GetOrder() without IDs and Meta (-want +got):\n%s", diff)
			}
		})
	}
}
