package client

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ordermgmt/ordermgmt/api"
)

// TestAddReceiptWarnings: the Receipt-Warnings header comes back as typed
// warnings, and a clean receipt has none.
func TestAddReceiptWarnings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clean, err := e.c.AddReceipt(ctx, "ecom", "o-1", sampleReceipt(t))
	if err != nil {
		t.Fatal(err)
	}
	if clean.Warnings != nil || clean.ID == "" || clean.TraceID == "" {
		t.Errorf("clean receipt result = %+v, want an id, a trace id and no warnings", clean)
	}
	r := sampleReceipt(t)
	r.OrderLines[0].TotalAmountExcludingTax -= 100
	r.OrderLines[0].TotalTaxAmount += 100
	res, err := e.c.AddReceipt(ctx, "ecom", "o-2", r)
	if err != nil {
		t.Fatal(err)
	}
	want := r.Warnings()
	if len(want) == 0 {
		t.Fatal("test receipt has no warnings")
	}
	if diff := cmp.Diff(want, res.Warnings); diff != "" {
		t.Errorf("Warnings (-want +got):\n%s", diff)
	}
}

func TestSetCategoryAndGetOrder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	res, err := e.c.SetCategory(ctx, "recurring", "charge-1", api.Category{Category: api.CategoryTicket, OrderDetailsURL: "https://x.example/t"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != "6f1c1b1e-0000-4000-8000-000000000001" {
		t.Errorf("SetCategory ID = %q, want the id the service sent", res.ID)
	}
	if got := e.f.recordedRequests()[1].Path; got != "/order-management/v2/RECURRING/categories/charge-1" {
		t.Errorf("path = %q, want the canonical payment type", got)
	}
	r := sampleReceipt(t)
	if _, err := e.c.AddReceipt(ctx, "Recurring", "charge-1", r); err != nil {
		t.Fatal(err)
	}
	o, err := e.c.GetOrder(ctx, "RECURRING", "charge-1")
	if err != nil {
		t.Fatal(err)
	}
	if o.Category != nil {
		t.Errorf("Category = %+v, want nil (the fake omits it)", o.Category)
	}
	if same, _ := SameReceipt(o.Receipt, r); !same {
		t.Errorf("GetOrder receipt = %+v, want the receipt sent", o.Receipt)
	}
}
