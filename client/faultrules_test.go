package client_test

// The SDK against the sandbox's fault rules on the real server: the
// failures the checklist asks an integration to survive, made by the
// server itself rather than by a proxy or a fake transport.

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/client/clienttest"
	"github.com/ordermgmt/ordermgmt/client/sandbox"
)

// sleeps records the client's waits and does not wait, so a test of
// Retry-After takes no time.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func addRule(t *testing.T, sb *sandbox.Client, r api.FaultRule) string {
	t.Helper()
	id, err := sb.AddFault(t.Context(), r)
	if err != nil {
		t.Fatalf("AddFault(%+v) = %v", r, err)
	}
	return id
}

// statuses lists the journal's statuses of an order, oldest first.
func statuses(t *testing.T, sb *sandbox.Client, order, op string) []int {
	t.Helper()
	es, err := sb.Requests(t.Context(), sandbox.Query{OrderID: order, Operation: op})
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for i := len(es) - 1; i >= 0; i-- {
		out = append(out, es[i].Status)
	}
	return out
}

func TestFaultRule502ThenSuccess(t *testing.T) {
	srv := clienttest.NewServer(t)
	c := srv.Client(t, e2eMSN)
	sb := sandbox.New(c)
	addRule(t, sb, api.FaultRule{Operation: "addReceipt", OrderID: "r502-*", Status: 502, Count: 1})
	res, err := c.AddReceipt(t.Context(), api.PaymentTypeECOM, "r502-1", socks(t))
	if err != nil || res.AlreadyStored || res.ID == "" {
		t.Fatalf("AddReceipt() = %+v, %v; want stored on the retry", res, err)
	}
	if got := statuses(t, sb, "r502-1", "addReceipt"); len(got) != 2 || got[0] != 502 || got[1] != 201 {
		t.Errorf("journal = %v, want [502 201]", got)
	}
}

func TestFaultRule429RetryAfter(t *testing.T) {
	srv := clienttest.NewServer(t)
	var sl sleeps
	c := srv.Client(t, e2eMSN, func(cfg *client.Config) { cfg.Sleep = sl.sleep })
	sb := sandbox.New(c)
	for _, status := range []int{429, 503, 502} {
		addRule(t, sb, api.FaultRule{Operation: "getOrder", Status: status, RetryAfter: 3, Count: 1})
		sl.d = nil
		_, err := c.GetOrder(t.Context(), api.PaymentTypeECOM, "ra-1")
		if e := asError(t, err); e.Status != 404 || e.Attempts != 2 {
			t.Errorf("%d: GetOrder() = %v, want the real 404 on the second attempt", status, err)
		}
		if len(sl.d) != 1 || sl.d[0] != 3*time.Second {
			t.Errorf("%d: waits = %v, want [3s] as Retry-After asked", status, sl.d)
		}
	}
}

func TestFaultRuleAnswerLostAfterStoring(t *testing.T) {
	srv := clienttest.NewServer(t)
	c := srv.Client(t, e2eMSN)
	sb := sandbox.New(c)
	addRule(t, sb, api.FaultRule{Operation: "addReceipt", OrderID: "lost-1", When: api.FaultAfter, Drop: true, Count: 1})
	res, err := c.AddReceipt(t.Context(), api.PaymentTypeECOM, "lost-1", socks(t))
	if err != nil || !res.AlreadyStored {
		t.Fatalf("AddReceipt() = %+v, %v; want AlreadyStored: the dropped attempt stored it", res, err)
	}
	if got := statuses(t, sb, "lost-1", "addReceipt"); len(got) != 2 || got[0] != 0 || got[1] != 409 {
		t.Errorf("journal = %v, want [0 409]: dropped, then the conflict", got)
	}
	o, err := c.GetOrder(t.Context(), api.PaymentTypeECOM, "lost-1")
	if same, _ := client.SameReceipt(o.Receipt, socks(t)); err != nil || !same {
		t.Errorf("GetOrder() = %+v, %v; want the receipt sent", o, err)
	}

	// An image whose answer is lost: the retry's 409 on its content
	// address is success.
	img := pngOf(t, 200, 200, 1)
	addRule(t, sb, api.FaultRule{Operation: "addImage", When: api.FaultAfter, Status: 500, Count: 1})
	ir, err := c.AddImage(t.Context(), "", img)
	if err != nil || !ir.AlreadyStored || ir.ID != client.ContentID(img) {
		t.Errorf("AddImage() = %+v, %v; want AlreadyStored under its content id", ir, err)
	}
}

// TestChecklistOfTheSDK: the SDK's traffic against every kind of fault the
// checklist judges passes every item. It waits for real (the default
// backoff and a Retry-After of 1 s): the report judges the pauses the
// server saw.
func TestChecklistOfTheSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("waits about 2 s for real backoff and Retry-After")
	}
	srv := clienttest.NewServer(t)
	c := srv.Client(t, e2eMSN, func(cfg *client.Config) { cfg.Retry = client.RetryPolicy{} })
	sb := sandbox.New(c)
	ctx := t.Context()
	for _, r := range []api.FaultRule{
		{Operation: "addImage", When: api.FaultAfter, Drop: true, Count: 1},
		{Operation: "addReceipt", OrderID: "ck-1", Status: 502, Count: 2},
		{Operation: "addReceipt", OrderID: "ck-2", Status: 429, RetryAfter: 1, Count: 1},
		{Operation: "addReceipt", OrderID: "ck-3", When: api.FaultAfter, Drop: true, Count: 1},
		{Operation: "getOrder", OrderID: "ck-4", Status: 400, Count: 1},
	} {
		addRule(t, sb, r)
	}
	img, err := c.AddImage(ctx, "", pngOf(t, 200, 200, 2))
	if err != nil {
		t.Fatal(err)
	}
	for _, order := range []string{"ck-1", "ck-2", "ck-3"} {
		if _, err := c.SetCategory(ctx, api.PaymentTypeECOM, order, api.Category{Category: api.CategoryReceipt, OrderDetailsURL: "https://example.com/" + order, ImageID: &img.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AddReceipt(ctx, api.PaymentTypeECOM, order, socks(t)); err != nil {
			t.Fatalf("AddReceipt(%s) = %v", order, err)
		}
		if _, err := c.GetOrder(ctx, api.PaymentTypeECOM, order); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.GetOrder(ctx, api.PaymentTypeECOM, "ck-4"); err == nil || asError(t, err).Status != 400 {
		t.Fatalf("GetOrder(ck-4) = %v, want the rule's 400", err)
	}
	cl, err := sb.Checklist(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range cl.Items {
		if it.Result != api.ResultPass {
			t.Errorf("checklist item %s = %s: %s %v", it.ID, it.Result, it.Detail, it.Evidence)
		}
	}
	if cl.Result != api.ResultPass {
		t.Errorf("checklist = %s, want pass", cl.Result)
	}
}
