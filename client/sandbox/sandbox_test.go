package sandbox_test

import (
	"errors"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/client/clienttest"
	"github.com/ordermgmt/ordermgmt/client/sandbox"
)

func TestSandboxClient(t *testing.T) {
	srv := clienttest.NewServer(t)
	c := srv.Client(t, "123456")
	sb := sandbox.New(c)
	ctx := t.Context()

	p := 0.5
	seed := int64(9)
	id, err := sb.AddFault(ctx, api.FaultRule{Operation: "getOrder", OrderID: "o-*", Status: 503, Count: 2, Probability: &p, Seed: &seed})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := sb.Faults(ctx)
	if err != nil || len(fs) != 1 || fs[0].FaultID != id || fs[0].Probability != 0.5 || *fs[0].Seed != 9 || fs[0].When != api.FaultBefore {
		t.Fatalf("Faults() = %+v, %v", fs, err)
	}
	_, err = sb.AddFault(ctx, api.FaultRule{Operation: "nope", Status: 200})
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 400 || len(e.InvalidParams) != 2 {
		t.Errorf("AddFault(bad) = %v, want a 400 naming operation and status", err)
	}
	if err := sb.DeleteFault(ctx, id); err != nil {
		t.Errorf("DeleteFault() = %v", err)
	}
	if err := sb.DeleteFault(ctx, id); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("DeleteFault(again) = %v, want not found", err)
	}
	for range 2 {
		if _, err := sb.AddFault(ctx, api.FaultRule{Operation: "*", DelayMs: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := sb.ClearFaults(ctx); err != nil || n != 2 {
		t.Errorf("ClearFaults() = %d, %v; want 2", n, err)
	}

	if _, err := c.AddReceipt(ctx, api.PaymentTypeECOM, "o-1", &api.Receipt{
		OrderLines: []api.OrderLine{{Name: "x", ID: "1", TotalAmount: 125, TotalAmountExcludingTax: 100, TotalTaxAmount: 25, TaxRate: ptr(int64(2500))}},
		BottomLine: api.BottomLine{Currency: "NOK"},
	}); err != nil {
		t.Fatal(err)
	}
	c.GetOrder(ctx, api.PaymentTypeECOM, "o-2")
	es, err := sb.Requests(ctx, sandbox.Query{Status: "4xx"})
	if err != nil || len(es) != 1 || es[0].OrderID != "o-2" || es[0].SystemPluginName != client.SDKName {
		t.Errorf("Requests(4xx) = %+v, %v; want the GET of o-2 with the SDK's plugin name", es, err)
	}
	if es, _ := sb.Requests(ctx, sandbox.Query{Limit: 1}); len(es) != 1 || es[0].Operation != "getOrder" {
		t.Errorf("Requests(limit 1) = %+v, want the newest", es)
	}
	if es, _ := sb.Requests(ctx, sandbox.Query{OrderID: "o-1", Operation: "addReceipt"}); len(es) != 1 || es[0].Status != 201 {
		t.Errorf("Requests(o-1 addReceipt) = %+v", es)
	}

	res, err := sb.Reset(ctx)
	if err != nil || res.Receipts != 1 || res.Orders != 1 || res.Requests < 3 {
		t.Errorf("Reset() = %+v, %v", res, err)
	}
	cl, err := sb.Checklist(ctx)
	if err != nil || cl.Result != api.ResultNotYet || cl.MSN != "123456" {
		t.Errorf("Checklist() after reset = %+v, %v; want not yet", cl, err)
	}
}

func ptr[T any](v T) *T { return &v }
