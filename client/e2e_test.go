package client_test

// End-to-end tests: the real server (internal/app, SQLite) on port 0,
// driven through the SDK, for every endpoint; and fault tests through a
// proxy in front of that server which loses answers or fails requests.

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/client/clienttest"
)

const e2eMSN = "123456"

var (
	uuidRE  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	traceRE = regexp.MustCompile(`^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$`)
)

// pngOf encodes a w×h PNG; seed varies the pixels so that images differ.
func pngOf(t *testing.T, w, h int, seed uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x) + seed, uint8(y), seed, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// socks is a receipt made with the builder, as a shop would.
func socks(t *testing.T) *api.Receipt {
	t.Helper()
	r, err := client.NewReceipt("NOK").
		AddLine(client.LineSpec{Name: "Wool socks", ID: "SKU-1001", UnitPrice: 12500, Quantity: "2", TaxRate: 2500}).
		AddShipping(client.LineSpec{UnitPrice: 4900, TaxRate: 2500}).
		ReceiptNumber("R-1001").
		Build()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// asError returns err as *client.Error or fails the test.
func asError(t *testing.T, err error) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *client.Error", err, err)
	}
	return e
}

func TestE2EToken(t *testing.T) {
	srv := clienttest.NewServer(t)
	c := srv.Client(t, e2eMSN)
	tok, err := c.Token(t.Context())
	if err != nil {
		t.Fatalf("Token = %v", err)
	}
	if tok.TokenType != "Bearer" || strings.Count(tok.AccessToken, ".") != 2 {
		t.Errorf("Token = %q %q, want a Bearer JWT", tok.TokenType, tok.AccessToken)
	}
	// The server's default lifetime is one hour.
	if life := time.Until(tok.ExpiresAt); life < 50*time.Minute || life > 61*time.Minute {
		t.Errorf("Token expires in %v, want about 1h", life)
	}
	if tok.Response.ExpiresIn != "3600" || tok.Response.ExtExpiresIn != "0" || tok.Response.Resource == "" {
		t.Errorf("Token response = %+v, want expires_in 3600, ext_expires_in 0 and a resource", tok.Response)
	}
	again, err := c.Token(t.Context())
	if err != nil || again.AccessToken != tok.AccessToken {
		t.Errorf("second Token = %v, want the cached token", err)
	}
}

func TestE2EImage(t *testing.T) {
	srv := clienttest.NewServer(t)
	c := srv.Client(t, e2eMSN)
	ctx := t.Context()
	logo := pngOf(t, 200, 200, 1)

	res, err := c.AddImage(ctx, "", logo)
	if err != nil {
		t.Fatalf("AddImage(content id) = %v", err)
	}
	if res.ID != client.ContentID(logo) || len(res.ID) != 128 || res.AlreadyStored || !traceRE.MatchString(res.TraceID) {
		t.Errorf("AddImage(content id) = %+v, want the 128-char content id, stored now, with a trace id", res)
	}
	// The same bytes again: the server answers 409, which for a
	// content-addressed id means the image is there.
	res, err = c.AddImage(ctx, "", logo)
	if err != nil || !res.AlreadyStored || res.ID != client.ContentID(logo) {
		t.Errorf("AddImage(same bytes) = %+v, %v, want AlreadyStored", res, err)
	}

	res, err = c.AddImage(ctx, "logo-1", logo)
	if err != nil || res.ID != "logo-1" || res.AlreadyStored {
		t.Fatalf("AddImage(logo-1) = %+v, %v, want stored as logo-1", res, err)
	}
	// A chosen id cannot be overwritten, not even with the same bytes.
	_, err = c.AddImage(ctx, "logo-1", pngOf(t, 200, 200, 2))
	if !errors.Is(err, api.ErrConflict) {
		t.Fatalf("AddImage(logo-1 again) = %v, want a conflict", err)
	}
	e := asError(t, err)
	if e.Code != api.CodeImageExists || e.Attempts != 1 || !traceRE.MatchString(e.TraceID) {
		t.Errorf("conflict = code %q attempts %d trace %q, want %s, 1 attempt, a trace id", e.Code, e.Attempts, e.TraceID, api.CodeImageExists)
	}
	if got, want := e.UserMessage(), "An image with id logo-1 already exists; images cannot be replaced, so upload it under a new id."; got != want {
		t.Errorf("UserMessage() = %q, want %q", got, want)
	}

	// An image the server would refuse is refused before it is sent.
	_, err = c.AddImage(ctx, "short", pngOf(t, 200, 100, 3))
	var p *api.Problem
	if !errors.As(err, &p) || len(p.InvalidParams) == 0 || p.InvalidParams[0].Code != api.CodeImageTooShort {
		t.Errorf("AddImage(100 px high) = %v, want a local problem %s", err, api.CodeImageTooShort)
	}
	if errors.As(err, new(*client.Error)) {
		t.Errorf("AddImage(100 px high) = %v, want no request sent", err)
	}
}

func TestE2ECategory(t *testing.T) {
	srv := clienttest.NewServer(t)
	c := srv.Client(t, e2eMSN)
	ctx := t.Context()
	if _, err := c.AddImage(ctx, "logo-1", pngOf(t, 200, 200, 1)); err != nil {
		t.Fatal(err)
	}

	first := api.Category{Category: api.CategoryDelivery, OrderDetailsURL: "https://shop.example/orders/1001", ImageID: ptr("logo-1")}
	res, err := c.SetCategory(ctx, api.PaymentTypeECOM, "1001", first)
	if err != nil || !uuidRE.MatchString(res.ID) {
		t.Fatalf("SetCategory = %+v, %v, want a UUID", res, err)
	}
	// A second PUT replaces the category; the order shows the latest.
	second := api.Category{Category: api.CategoryTicket, OrderDetailsURL: "https://shop.example/tickets/1001"}
	res2, err := c.SetCategory(ctx, "ecom", "1001", second)
	if err != nil || !uuidRE.MatchString(res2.ID) || res2.ID == res.ID {
		t.Fatalf("SetCategory(replace) = %+v, %v, want a new UUID", res2, err)
	}
	o, err := c.GetOrder(ctx, api.PaymentTypeECOM, "1001")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&api.Order{Category: &second}, o); d != "" {
		t.Errorf("GetOrder after replace (-want +got):\n%s", d)
	}

	tests := []struct {
		name    string
		msn     string
		imageID string
	}{
		{"unknown image", e2eMSN, "no-such-image"},
		// Images belong to a merchant: another one cannot use them.
		{"another merchant's image", "654321", "logo-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := srv.Client(t, tt.msn)
			cat := api.Category{Category: api.CategoryGeneral, OrderDetailsURL: "https://shop.example/orders/2002", ImageID: ptr(tt.imageID)}
			_, err := c.SetCategory(t.Context(), api.PaymentTypeECOM, "2002", cat)
			if !errors.Is(err, api.ErrInvalid) {
				t.Fatalf("SetCategory(image %s) = %v, want invalid", tt.imageID, err)
			}
			e := asError(t, err)
			if len(e.InvalidParams) != 1 || e.InvalidParams[0].Name != "imageId" || e.InvalidParams[0].Code != api.CodeImageNotFound {
				t.Errorf("InvalidParams = %+v, want one naming imageId with %s", e.InvalidParams, api.CodeImageNotFound)
			}
			if msg := e.UserMessage(); !strings.HasPrefix(msg, "The category for order 2002 was rejected: imageId: ") {
				t.Errorf("UserMessage() = %q, want it to name the order and imageId", msg)
			}
			if e.Attempts != 1 {
				t.Errorf("Attempts = %d, want 1: a 400 is not retried", e.Attempts)
			}
			// Nothing was stored.
			if _, err := c.GetOrder(t.Context(), api.PaymentTypeECOM, "2002"); !errors.Is(err, api.ErrNotFound) {
				t.Errorf("GetOrder after the rejected category = %v, want not found", err)
			}
		})
	}
}

func TestE2EReceipt(t *testing.T) {
	srv := clienttest.NewServer(t)
	c := srv.Client(t, e2eMSN)
	ctx := t.Context()
	r := socks(t)

	res, err := c.AddReceipt(ctx, api.PaymentTypeECOM, "1001", r)
	if err != nil {
		t.Fatalf("AddReceipt = %v", err)
	}
	if !uuidRE.MatchString(res.ID) || res.AlreadyStored || len(res.Warnings) != 0 || !traceRE.MatchString(res.TraceID) {
		t.Errorf("AddReceipt = %+v, want a UUID, stored now, no warnings, a trace id", res)
	}
	o, err := c.GetOrder(ctx, api.PaymentTypeECOM, "1001")
	if err != nil {
		t.Fatal(err)
	}
	if same, err := client.SameReceipt(o.Receipt, r); err != nil || !same || o.Category != nil {
		t.Errorf("GetOrder = %+v, want the receipt sent and no category", o)
	}

	// Once only: a second receipt is a conflict, whatever it holds.
	_, err = c.AddReceipt(ctx, api.PaymentTypeECOM, "1001", r)
	if !errors.Is(err, api.ErrConflict) {
		t.Fatalf("second AddReceipt = %v, want a conflict", err)
	}
	e := asError(t, err)
	if got, want := e.UserMessage(), "The receipt for order 1001 was already sent and cannot be changed."; got != want {
		t.Errorf("UserMessage() = %q, want %q", got, want)
	}
	if e.Code != api.CodeReceiptExists || e.Ambiguous || e.Attempts != 1 || !traceRE.MatchString(e.TraceID) {
		t.Errorf("conflict = %+v, want %s, not ambiguous, 1 attempt, a trace id", e, api.CodeReceiptExists)
	}
	// The same order id under RECURRING is another order.
	if _, err := c.AddReceipt(ctx, api.PaymentTypeRECURRING, "1001", r); err != nil {
		t.Errorf("AddReceipt(RECURRING 1001) = %v, want stored", err)
	}

	t.Run("warnings", func(t *testing.T) {
		// Tax 30 off 25 % of 1000: accepted, but reported.
		rate := int64(2500)
		w := &api.Receipt{
			OrderLines: []api.OrderLine{{Name: "Odd tax", ID: "odd", TotalAmount: 1280, TotalAmountExcludingTax: 1000, TotalTaxAmount: 280, TaxRate: &rate}},
			BottomLine: api.BottomLine{Currency: "NOK"},
		}
		want, err := client.Lint(w)
		if err != nil || len(want) != 1 {
			t.Fatalf("Lint = %v, %v, want one warning", want, err)
		}
		res, err := c.AddReceipt(t.Context(), api.PaymentTypeECOM, "odd-tax", w)
		if err != nil {
			t.Fatalf("AddReceipt = %v", err)
		}
		if d := cmp.Diff(want, res.Warnings); d != "" {
			t.Errorf("warnings differ from Lint's (-lint +server):\n%s", d)
		}
		if res.Warnings[0].Name != "orderLines[0].totalTaxAmount" || res.Warnings[0].Code != api.CodeTaxMismatch {
			t.Errorf("warning = %+v, want %s on orderLines[0].totalTaxAmount", res.Warnings[0], api.CodeTaxMismatch)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		rate := int64(2500)
		bad := &api.Receipt{
			OrderLines: []api.OrderLine{{Name: "A", ID: "a", TotalAmount: 1200, TotalAmountExcludingTax: 1000, TotalTaxAmount: 250, TaxRate: &rate}},
			BottomLine: api.BottomLine{Currency: "SEK"},
		}
		_, err := c.AddReceipt(t.Context(), api.PaymentTypeECOM, "bad-1", bad)
		if !errors.Is(err, api.ErrInvalid) {
			t.Fatalf("AddReceipt(bad) = %v, want invalid", err)
		}
		e := asError(t, err)
		var names []string
		for _, p := range e.InvalidParams {
			names = append(names, p.Name+" "+p.Code)
		}
		// Every problem is listed, not just the first.
		if d := cmp.Diff([]string{"orderLines[0].totalAmount sum_mismatch", "bottomLine.currency unknown_value"}, names); d != "" {
			t.Errorf("InvalidParams (-want +got):\n%s", d)
		}
		if e.Attempts != 1 {
			t.Errorf("Attempts = %d, want 1: a 400 is not retried", e.Attempts)
		}
	})
}

func TestE2EGetOrder(t *testing.T) {
	srv := clienttest.NewServer(t)
	c := srv.Client(t, e2eMSN)
	ctx := t.Context()
	if _, err := c.AddImage(ctx, "logo-1", pngOf(t, 200, 200, 1)); err != nil {
		t.Fatal(err)
	}
	cat := api.Category{Category: api.CategoryReceipt, OrderDetailsURL: "https://shop.example/r/1001", ImageID: ptr("logo-1")}
	if _, err := c.SetCategory(ctx, api.PaymentTypeECOM, "1001", cat); err != nil {
		t.Fatal(err)
	}
	r := socks(t)
	if _, err := c.AddReceipt(ctx, api.PaymentTypeECOM, "1001", r); err != nil {
		t.Fatal(err)
	}
	o, err := c.GetOrder(ctx, "eCom", "1001")
	if err != nil {
		t.Fatalf("GetOrder = %v", err)
	}
	if d := cmp.Diff(&cat, o.Category); d != "" {
		t.Errorf("category (-want +got):\n%s", d)
	}
	if same, err := client.SameReceipt(o.Receipt, r); err != nil || !same {
		t.Errorf("receipt = %+v, want the one sent", o.Receipt)
	}
	if got := o.Receipt.Totals(); got.Total != 29900 || got.VAT != 5980 || got.Shipping != 4900 {
		t.Errorf("Totals() = %+v, want total 29900, VAT 5980, shipping 4900", got)
	}

	tests := []struct {
		name    string
		msn     string
		pt      api.PaymentType
		orderID string
	}{
		{"unknown order", e2eMSN, api.PaymentTypeECOM, "nope"},
		{"other payment type", e2eMSN, api.PaymentTypeRECURRING, "1001"},
		{"other merchant", "654321", api.PaymentTypeECOM, "1001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := srv.Client(t, tt.msn).GetOrder(t.Context(), tt.pt, tt.orderID)
			if !errors.Is(err, api.ErrNotFound) {
				t.Fatalf("GetOrder(%s %s) = %v, want not found", tt.pt, tt.orderID, err)
			}
			e := asError(t, err)
			want := "There is no category or receipt for order " + tt.orderID + " (payment type " + string(tt.pt) + ")."
			if got := e.UserMessage(); got != want {
				t.Errorf("UserMessage() = %q, want %q", got, want)
			}
			if e.Code != api.CodeOrderNotFound || !traceRE.MatchString(e.TraceID) {
				t.Errorf("error = code %q trace %q, want %s and a trace id", e.Code, e.TraceID, api.CodeOrderNotFound)
			}
		})
	}
}

// faultProxy forwards to the real server and applies one fault to the
// first receipt POST it sees; it counts the receipt POSTs and token
// requests that reached the server.
type faultProxy struct {
	t     *testing.T
	next  *httputil.ReverseProxy
	fault string
	url   string

	mu       sync.Mutex
	faulted  bool
	upstream int // receipt POSTs forwarded to the server
	tokens   int // token requests forwarded to the server
}

// newFaultProxy starts a proxy to target; its URL is p.url.
func newFaultProxy(t *testing.T, target, fault string) *faultProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{t: t, next: httputil.NewSingleHostReverseProxy(u), fault: fault}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

// reached returns how many receipt POSTs reached the server.
func (p *faultProxy) reached() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.upstream
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	isReceipt := r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/receipts/")
	if strings.EqualFold(r.URL.Path, "/accesstoken/get") {
		p.mu.Lock()
		p.tokens++
		p.mu.Unlock()
	}
	if !isReceipt {
		p.next.ServeHTTP(w, r)
		return
	}
	p.mu.Lock()
	first := !p.faulted
	p.faulted = true
	p.mu.Unlock()
	if first && p.fault == "502 before" {
		// The server never sees this attempt.
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	if first && p.fault == "429" {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	p.mu.Lock()
	p.upstream++
	p.mu.Unlock()
	if !first || p.fault == "" {
		p.next.ServeHTTP(w, r)
		return
	}
	// The server handles the request and stores the receipt; its answer is
	// then lost on the way back.
	rec := httptest.NewRecorder()
	p.next.ServeHTTP(rec, r)
	if rec.Code != http.StatusCreated {
		p.t.Errorf("first receipt attempt reached the server and got %d, want 201", rec.Code)
	}
	switch p.fault {
	case "drop after 201":
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			p.t.Errorf("hijack: %v", err)
			return
		}
		conn.Close()
	case "502 after 201":
		w.WriteHeader(http.StatusBadGateway)
	default:
		p.t.Errorf("unknown fault %q", p.fault)
	}
}

// TestE2EReceiptFaults sends a receipt through a proxy that fails the
// first attempt in several ways: whatever happens, exactly one receipt is
// stored, and the result says whether this call or an earlier attempt of
// it stored it.
func TestE2EReceiptFaults(t *testing.T) {
	tests := []struct {
		fault         string
		wantUpstream  int  // receipt POSTs that reached the server
		alreadyStored bool // the answer of the storing attempt was lost
	}{
		{"drop after 201", 2, true},
		{"502 after 201", 2, true},
		{"502 before", 1, false},
		{"429", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			srv := clienttest.NewServer(t)
			proxy := newFaultProxy(t, srv.URL, tt.fault)
			c := srv.Client(t, e2eMSN, func(cfg *client.Config) { cfg.BaseURL = proxy.url })
			r := socks(t)

			res, err := c.AddReceipt(t.Context(), api.PaymentTypeECOM, "1001", r)
			if err != nil {
				t.Fatalf("AddReceipt through %q = %v, want success after a retry", tt.fault, err)
			}
			if res.AlreadyStored != tt.alreadyStored {
				t.Errorf("AlreadyStored = %v, want %v", res.AlreadyStored, tt.alreadyStored)
			}
			if !tt.alreadyStored && !uuidRE.MatchString(res.ID) {
				t.Errorf("ID = %q, want the UUID of the receipt stored by the retry", res.ID)
			}
			if got := proxy.reached(); got != tt.wantUpstream {
				t.Errorf("receipt POSTs that reached the server = %d, want %d", got, tt.wantUpstream)
			}

			// Read back past the proxy: the one receipt stored is the one sent.
			o, err := srv.Client(t, e2eMSN).GetOrder(t.Context(), api.PaymentTypeECOM, "1001")
			if err != nil {
				t.Fatal(err)
			}
			if same, err := client.SameReceipt(o.Receipt, r); err != nil || !same {
				t.Errorf("stored receipt = %+v, want the one sent", o.Receipt)
			}
		})
	}
}

// TestE2EReceiptFaultDifferent: after an ambiguous failure, a 409 for an
// order whose stored receipt is not the one sent is a conflict that says so.
func TestE2EReceiptFaultDifferent(t *testing.T) {
	srv := clienttest.NewServer(t)
	direct := srv.Client(t, e2eMSN)
	first, err := client.NewReceipt("NOK").AddLine(client.LineSpec{Name: "Other", ID: "o", UnitPrice: 100, TaxRate: 2500}).Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := direct.AddReceipt(t.Context(), api.PaymentTypeECOM, "1001", first); err != nil {
		t.Fatal(err)
	}
	proxy := newFaultProxy(t, srv.URL, "502 before")
	c := srv.Client(t, e2eMSN, func(cfg *client.Config) { cfg.BaseURL = proxy.url })
	_, err = c.AddReceipt(t.Context(), api.PaymentTypeECOM, "1001", socks(t))
	if !errors.Is(err, api.ErrConflict) {
		t.Fatalf("AddReceipt = %v, want a conflict", err)
	}
	e := asError(t, err)
	if !e.Ambiguous || !e.StoredDiffers || e.Attempts != 2 {
		t.Errorf("conflict = ambiguous %v, stored differs %v, attempts %d; want true, true, 2", e.Ambiguous, e.StoredDiffers, e.Attempts)
	}
	if got, want := e.UserMessage(), "A different receipt was already stored for order 1001; the stored receipt cannot be changed."; got != want {
		t.Errorf("UserMessage() = %q, want %q", got, want)
	}
	o, err := direct.GetOrder(t.Context(), api.PaymentTypeECOM, "1001")
	if err != nil {
		t.Fatal(err)
	}
	if same, _ := client.SameReceipt(o.Receipt, first); !same {
		t.Errorf("stored receipt = %+v, want the first one, unchanged", o.Receipt)
	}
}

// TestE2EConcurrentCallsOneToken: 50 calls at once on a new client fetch
// one token between them.
func TestE2EConcurrentCallsOneToken(t *testing.T) {
	srv := clienttest.NewServer(t)
	proxy := newFaultProxy(t, srv.URL, "")
	c := srv.Client(t, e2eMSN, func(cfg *client.Config) { cfg.BaseURL = proxy.url })
	cat := api.Category{Category: api.CategoryGeneral, OrderDetailsURL: "https://shop.example/orders"}
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = c.SetCategory(t.Context(), api.PaymentTypeECOM, fmt.Sprintf("order-%d", i), cat)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("SetCategory calls failed: %v", err)
	}
	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	if proxy.tokens != 1 {
		t.Errorf("token requests = %d, want 1", proxy.tokens)
	}
}

func ptr[T any](v T) *T { return &v }
