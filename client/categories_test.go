package client_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/client/clienttest"
)

// TestE2EV3Categories drives the v3 category methods against the real
// server, with their interplay with SetCategory and GetOrder.
func TestE2EV3Categories(t *testing.T) {
	srv := clienttest.NewServer(t)
	c := srv.Client(t, e2eMSN)
	ctx := t.Context()

	if cs, err := c.ListCategories(ctx, "3001"); err != nil || cs == nil || len(cs) != 0 {
		t.Fatalf("ListCategories(no categories) = %v, %v; want an empty list", cs, err)
	}
	ticket, err := c.AddCategory(ctx, api.AddCategoryRequest{OrderID: "3001", PaymentType: "ecom", Type: api.CategoryTicket, URL: "https://shop.example/t/3001"})
	if err != nil || !uuidRE.MatchString(ticket.ID) || ticket.AlreadyStored || !traceRE.MatchString(ticket.TraceID) {
		t.Fatalf("AddCategory = %+v, %v; want a new UUID and a trace id", ticket, err)
	}
	booking, err := c.AddCategory(ctx, api.AddCategoryRequest{OrderID: "3001", PaymentType: api.PaymentTypeECOM, Type: api.CategoryBooking, URL: "https://shop.example/b/3001"})
	if err != nil {
		t.Fatal(err)
	}
	want := []api.CategoryV3{
		{CategoryID: ticket.ID, OrderID: "3001", PaymentType: api.PaymentTypeECOM, Type: api.CategoryTicket, URL: "https://shop.example/t/3001"},
		{CategoryID: booking.ID, OrderID: "3001", PaymentType: api.PaymentTypeECOM, Type: api.CategoryBooking, URL: "https://shop.example/b/3001"},
	}
	cs, err := c.ListCategories(ctx, "3001")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, cs); diff != "" {
		t.Errorf("ListCategories (-want +got):\n%s", diff)
	}
	got, err := c.GetCategory(ctx, strings.ToUpper(ticket.ID))
	if err != nil || !cmp.Equal(&want[0], got) {
		t.Errorf("GetCategory = %+v, %v; want %+v", got, err, want[0])
	}
	o, err := c.GetOrder(ctx, api.PaymentTypeECOM, "3001")
	if err != nil || o.Category == nil || o.Category.Category != api.CategoryBooking {
		t.Errorf("GetOrder = %+v, %v; want the newest category, BOOKING", o, err)
	}

	if err := c.DeleteCategory(ctx, booking.ID); err != nil {
		t.Fatalf("DeleteCategory = %v", err)
	}
	err = c.DeleteCategory(ctx, booking.ID)
	if e := asError(t, err); !errors.Is(err, api.ErrNotFound) || e.Code != api.CodeCategoryNotFound || e.CategoryID != booking.ID ||
		!strings.Contains(e.UserMessage(), "no category "+booking.ID) {
		t.Errorf("DeleteCategory(deleted) = %v (%q), want not found naming the category", err, e.UserMessage())
	}
	if _, err := c.GetCategory(ctx, booking.ID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("GetCategory(deleted) = %v, want api.ErrNotFound", err)
	}
	if o, err := c.GetOrder(ctx, api.PaymentTypeECOM, "3001"); err != nil || o.Category.Category != api.CategoryTicket {
		t.Errorf("GetOrder after delete = %+v, %v; want TICKET", o, err)
	}
	if _, err := c.SetCategory(ctx, api.PaymentTypeECOM, "3001", api.Category{Category: api.CategoryReceipt, OrderDetailsURL: "https://shop.example/r/3001"}); err != nil {
		t.Fatal(err)
	}
	if cs, err := c.ListCategories(ctx, "3001"); err != nil || len(cs) != 1 || cs[0].Type != api.CategoryReceipt {
		t.Errorf("ListCategories after SetCategory = %+v, %v; want only the RECEIPT category", cs, err)
	}

	// The service's checks run before anything is sent.
	for name, call := range map[string]func() error{
		"AddCategory": func() error {
			_, err := c.AddCategory(ctx, api.AddCategoryRequest{OrderID: "a b", PaymentType: "card", Type: "X", URL: "http://x"})
			return err
		},
		"ListCategories": func() error { _, err := c.ListCategories(ctx, ""); return err },
		"GetCategory":    func() error { _, err := c.GetCategory(ctx, "1"); return err },
		"DeleteCategory": func() error { return c.DeleteCategory(ctx, "../x") },
	} {
		var p *api.Problem
		var e *client.Error
		if err := call(); !errors.As(err, &p) || p.Status != 400 || errors.As(err, &e) {
			t.Errorf("%s(invalid) = %v, want a local 400 problem", name, err)
		}
	}
	// Unknown images are the service's to refuse.
	missing := "no-such-image"
	_, err = c.AddCategory(ctx, api.AddCategoryRequest{OrderID: "3001", PaymentType: "ECOM", Type: api.CategoryTicket, URL: "https://x.example/", ImageID: &missing})
	if e := asError(t, err); e.Status != 400 || len(e.InvalidParams) != 1 || e.InvalidParams[0].Code != api.CodeImageNotFound {
		t.Errorf("AddCategory(unknown image) = %v, want 400 image_not_found", err)
	}
}

// lostAnswerProxy forwards to the server and fails the first request
// that match accepts with 502: after the server has handled it, or, with
// before, without forwarding it.
type lostAnswerProxy struct {
	next   http.Handler
	match  func(*http.Request) bool
	before bool
	mu     sync.Mutex
	failed bool
	seen   int // matching requests that reached the server
}

func newLostAnswerProxy(t *testing.T, target string, before bool, match func(*http.Request) bool) (*lostAnswerProxy, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &lostAnswerProxy{next: httputil.NewSingleHostReverseProxy(u), match: match, before: before}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv.URL
}

func (p *lostAnswerProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !p.match(r) {
		p.next.ServeHTTP(w, r)
		return
	}
	p.mu.Lock()
	first := !p.failed
	p.failed = true
	if !first || !p.before {
		p.seen++
	}
	p.mu.Unlock()
	switch {
	case !first:
		p.next.ServeHTTP(w, r)
	case p.before:
		w.WriteHeader(http.StatusBadGateway)
	default:
		p.next.ServeHTTP(httptest.NewRecorder(), r)
		w.WriteHeader(http.StatusBadGateway)
	}
}

// TestE2EAddCategoryRetried: a v3 POST whose answer is lost is not sent
// again when the order shows the category it stored; one that never
// reached the server is.
func TestE2EAddCategoryRetried(t *testing.T) {
	for _, tc := range []struct {
		name          string
		before        bool
		alreadyStored bool
		posts         int
	}{
		{"answer lost", false, true, 1},
		{"never arrived", true, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := clienttest.NewServer(t)
			direct := srv.Client(t, e2eMSN)
			ctx := t.Context()
			// A category of other content must not be taken for ours.
			other, err := direct.AddCategory(ctx, api.AddCategoryRequest{OrderID: "4001", PaymentType: "ECOM", Type: api.CategoryDelivery, URL: "https://x.example/other"})
			if err != nil {
				t.Fatal(err)
			}
			p, proxied := newLostAnswerProxy(t, srv.URL, tc.before, func(r *http.Request) bool {
				return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/order-management/v3/")
			})
			c := srv.Client(t, e2eMSN, func(cfg *client.Config) { cfg.BaseURL = proxied })
			res, err := c.AddCategory(ctx, api.AddCategoryRequest{OrderID: "4001", PaymentType: "ecom", Type: api.CategoryDelivery, URL: "https://x.example/track"})
			if err != nil || res.AlreadyStored != tc.alreadyStored || !uuidRE.MatchString(res.ID) {
				t.Fatalf("AddCategory = %+v, %v; want a category id and AlreadyStored %v", res, err, tc.alreadyStored)
			}
			cs, err := direct.ListCategories(ctx, "4001")
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 2 || cs[0].CategoryID != other.ID || cs[1].CategoryID != res.ID || cs[1].URL != "https://x.example/track" {
				t.Errorf("categories = %+v, want the other one and the tracking link with id %s, once", cs, res.ID)
			}
			if p.seen != tc.posts {
				t.Errorf("v3 POSTs that reached the server = %d, want %d", p.seen, tc.posts)
			}
		})
	}
}

// TestE2EDeleteCategoryRetried: when the answer of a DELETE is lost, the
// retry's 404 means the first attempt deleted it.
func TestE2EDeleteCategoryRetried(t *testing.T) {
	srv := clienttest.NewServer(t)
	direct := srv.Client(t, e2eMSN)
	res, err := direct.AddCategory(t.Context(), api.AddCategoryRequest{OrderID: "5001", PaymentType: "ECOM", Type: api.CategoryTicket, URL: "https://x.example/t"})
	if err != nil {
		t.Fatal(err)
	}
	p, proxied := newLostAnswerProxy(t, srv.URL, false, func(r *http.Request) bool { return r.Method == http.MethodDelete })
	c := srv.Client(t, e2eMSN, func(cfg *client.Config) { cfg.BaseURL = proxied })
	if err := c.DeleteCategory(t.Context(), res.ID); err != nil {
		t.Fatalf("DeleteCategory after a lost answer = %v, want nil", err)
	}
	if p.seen != 2 {
		t.Errorf("DELETEs that reached the server = %d, want 2", p.seen)
	}
	if _, err := direct.GetCategory(t.Context(), res.ID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("GetCategory after delete = %v, want api.ErrNotFound", err)
	}
	// Without a lost answer, deleting a deleted category is not found.
	if err := direct.DeleteCategory(t.Context(), res.ID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("DeleteCategory(deleted) = %v, want api.ErrNotFound", err)
	}
}
