package client

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ordermgmt/ordermgmt/api"
)

const receiptsPath = "/order-management/v2/ECOM/receipts/"

func sampleReceipt(t *testing.T) *api.Receipt {
	t.Helper()
	return mustBuild(t, NewReceipt("NOK").
		AddLine(LineSpec{Name: "Coffee", ID: "c-1", UnitPrice: 3333, Quantity: "3", TaxRate: 1500}).
		AddShipping(LineSpec{UnitPrice: 4900, TaxRate: 2500}))
}

// TestRetriedReceiptStoredOnce: whatever fails on the way, the service ends
// with exactly one receipt, and the client knows whether its call stored it.
func TestRetriedReceiptStoredOnce(t *testing.T) {
	tests := []struct {
		name          string
		faults        []*fault
		posts         int  // receipt POSTs the fake sees
		alreadyStored bool // the result says an earlier attempt stored it
	}{
		{"connection dropped before storing", []*fault{drop("POST", receiptsPath, false)}, 2, false},
		{"answer lost after storing", []*fault{drop("POST", receiptsPath, true)}, 2, true},
		{"502 after storing", []*fault{statusFault("POST", receiptsPath, true, 502, nil, "<html>Bad Gateway</html>")}, 2, true},
		{"503 then 429", []*fault{
			statusFault("POST", receiptsPath, false, 503, nil, ""),
			statusFault("POST", receiptsPath, false, 429, http.Header{"Retry-After": {"1"}}, `{"statusCode":429,"message":"Rate limit"}`),
		}, 3, false},
		{"drop, then 500 after storing", []*fault{
			drop("POST", receiptsPath, false),
			statusFault("POST", receiptsPath, true, 500, nil, ""),
		}, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.f.inject(tt.faults...)
			r := sampleReceipt(t)
			res, err := e.c.AddReceipt(context.Background(), "ecom", "order-1", r)
			if err != nil {
				t.Fatalf("AddReceipt: %v", err)
			}
			if res.AlreadyStored != tt.alreadyStored {
				t.Errorf("AlreadyStored = %v, want %v", res.AlreadyStored, tt.alreadyStored)
			}
			if !tt.alreadyStored && res.ID == "" {
				t.Errorf("ID = %q, want the receipt id", res.ID)
			}
			if got := e.f.storedReceipts(); got != 1 {
				t.Errorf("stored receipts = %d, want 1", got)
			}
			if got := e.f.count("POST", receiptsPath); got != tt.posts {
				t.Errorf("receipt POSTs = %d, want %d", got, tt.posts)
			}
			// Every attempt sent the whole body, byte for byte.
			var bodies [][]byte
			for _, rq := range e.f.recordedRequests() {
				if rq.Method == "POST" && strings.HasPrefix(rq.Path, receiptsPath) {
					bodies = append(bodies, rq.Body)
				}
			}
			for i, b := range bodies[1:] {
				if !bytes.Equal(b, bodies[0]) {
					t.Errorf("attempt %d body = %s, want %s", i+2, b, bodies[0])
				}
			}
			if len(bodies[0]) == 0 {
				t.Error("first attempt sent an empty body")
			}
		})
	}
}

// TestRetriedReceiptMeetsDifferentReceipt: after an ambiguous failure, a 409
// with a different receipt stored is a conflict that says so.
func TestRetriedReceiptMeetsDifferentReceipt(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other := mustBuild(t, NewReceipt("NOK").AddLine(LineSpec{Name: "Tea", ID: "t-1", UnitPrice: 2500, TaxRate: 1500}))
	if _, err := e.c.AddReceipt(ctx, "ecom", "order-1", other); err != nil {
		t.Fatal(err)
	}
	e.f.inject(statusFault("POST", receiptsPath, false, 502, nil, ""))
	_, err := e.c.AddReceipt(ctx, "ecom", "order-1", sampleReceipt(t))
	var ae *Error
	if !errors.As(err, &ae) || !ae.StoredDiffers || !ae.Ambiguous {
		t.Fatalf("AddReceipt error = %v, want a conflict with StoredDiffers and Ambiguous", err)
	}
	if !errors.Is(err, api.ErrConflict) {
		t.Errorf("errors.Is(err, api.ErrConflict) = false, want true")
	}
	want := "A different receipt was already stored for order order-1; the stored receipt cannot be changed."
	if got := ae.UserMessage(); got != want {
		t.Errorf("UserMessage() = %q, want %q", got, want)
	}
	if got := e.f.count("GET", "/order-management/v2/ECOM/order-1"); got != 1 {
		t.Errorf("order reads = %d, want 1", got)
	}
}

// TestPlainConflictNotReadBack: a 409 on a first attempt is an ordinary
// conflict; nothing is read back.
func TestPlainConflictNotReadBack(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := sampleReceipt(t)
	if _, err := e.c.AddReceipt(ctx, "ecom", "order-1", r); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.AddReceipt(ctx, "ecom", "order-1", r)
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != 409 || ae.Code != api.CodeReceiptExists || ae.Ambiguous || ae.StoredDiffers {
		t.Fatalf("second AddReceipt error = %+v, want a plain 409 receipt_exists", err)
	}
	want := "The receipt for order order-1 was already sent and cannot be changed."
	if got := UserMessage(err); got != want {
		t.Errorf("UserMessage() = %q, want %q", got, want)
	}
	if got := e.f.count("GET", "/order-management/"); got != 0 {
		t.Errorf("order reads = %d, want 0", got)
	}
}

// TestNotRetried: 4xx answers other than 429 are final.
func TestNotRetried(t *testing.T) {
	for _, status := range []int{400, 403, 404, 405, 409, 413, 415} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			e := newEnv(t)
			e.f.inject(statusFault("POST", receiptsPath, false, status, http.Header{"Content-Type": {"application/problem+json"}},
				`{"type":"/problems/x","title":"x","status":`+strconv.Itoa(status)+`,"code":"x"}`))
			_, err := e.c.AddReceipt(context.Background(), "ecom", "order-1", sampleReceipt(t))
			var ae *Error
			if !errors.As(err, &ae) || ae.Status != status || ae.Attempts != 1 {
				t.Fatalf("AddReceipt error = %v, want HTTP %d after 1 attempt", err, status)
			}
			if got := e.f.count("POST", receiptsPath); got != 1 {
				t.Errorf("receipt POSTs = %d, want 1", got)
			}
			if got := e.sleeps.all(); len(got) != 0 {
				t.Errorf("backoff waits = %v, want none", got)
			}
		})
	}
}

// TestRetryAfter: a 429's Retry-After, in seconds or as a date, is the wait.
func TestRetryAfter(t *testing.T) {
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, value string
		want        time.Duration
	}{
		{"seconds", "7", 7 * time.Second},
		{"zero", "0", 0},
		{"HTTP date", start.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{"date in the past", start.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"garbage falls back to backoff", "soon", 250 * time.Millisecond * 3 / 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.f.inject(statusFault("GET", "/order-management/", false, 429, http.Header{"Retry-After": {tt.value}},
				`{"statusCode":429,"message":"Rate limit is exceeded."}`))
			_, err := e.c.GetOrder(context.Background(), "ecom", "missing")
			if !errors.Is(err, api.ErrNotFound) {
				t.Fatalf("GetOrder error = %v, want not found after the retry", err)
			}
			if diff := cmp.Diff([]time.Duration{tt.want}, e.sleeps.all()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRetryAfterTooLong: a 429 asking for more than MaxRetryAfter is
// returned rather than waited for.
func TestRetryAfterTooLong(t *testing.T) {
	e := newEnv(t)
	e.f.inject(statusFault("GET", "/order-management/", false, 429, http.Header{"Retry-After": {"3600"}}, `{"statusCode":429,"message":"Quota"}`))
	_, err := e.c.GetOrder(context.Background(), "ecom", "o-1")
	if !errors.Is(err, api.ErrRateLimited) {
		t.Fatalf("GetOrder error = %v, want api.ErrRateLimited", err)
	}
	if got := e.f.count("GET", "/order-management/"); got != 1 {
		t.Errorf("order requests = %d, want 1", got)
	}
}

// TestRetriesBounded: a service that keeps failing gets MaxAttempts
// requests, with exponential waits.
func TestRetriesBounded(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Retry = RetryPolicy{MaxAttempts: 4, MinBackoff: 100 * time.Millisecond, MaxBackoff: 300 * time.Millisecond}
	})
	for range 10 {
		e.f.inject(statusFault("GET", "/order-management/", false, 502, nil, "Bad Gateway"))
	}
	_, err := e.c.GetOrder(context.Background(), "ecom", "o-1")
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != 502 || ae.Attempts != 4 {
		t.Fatalf("GetOrder error = %v, want HTTP 502 after 4 attempts", err)
	}
	if !errors.Is(err, api.ErrUnavailable) {
		t.Errorf("errors.Is(502, api.ErrUnavailable) = false, want true")
	}
	if got := e.f.count("GET", "/order-management/"); got != 4 {
		t.Errorf("order requests = %d, want 4", got)
	}
	// Rand is fixed at 0.5: each wait is three quarters of 100ms, 200ms,
	// then 300ms (the cap).
	want := []time.Duration{75 * time.Millisecond, 150 * time.Millisecond, 225 * time.Millisecond}
	if diff := cmp.Diff(want, e.sleeps.all()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestBackoffJitter(t *testing.T) {
	tests := []struct {
		n    int
		rand float64
		want time.Duration
	}{
		{1, 0, 500 * time.Millisecond},
		{1, 0.999999, 999999500 * time.Nanosecond},
		{2, 0, time.Second},
		{3, 0.5, 3 * time.Second},
		{4, 0, 4 * time.Second}, // 8s nominal is the cap
		{30, 0, 4 * time.Second},
	}
	for _, tt := range tests {
		c := &Client{retry: RetryPolicy{MinBackoff: time.Second, MaxBackoff: 8 * time.Second}, random: func() float64 { return tt.rand }}
		if got := c.backoff(tt.n); got != tt.want {
			t.Errorf("backoff(%d) with rand %v = %v, want %v", tt.n, tt.rand, got, tt.want)
		}
	}
}

// TestContextDeadlineHonoured: a stalled service cannot hold a call past
// its context's deadline.
func TestContextDeadlineHonoured(t *testing.T) {
	e := newEnv(t)
	if _, err := e.c.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		e.f.inject(stall("POST", receiptsPath))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := e.c.AddReceipt(ctx, "ecom", "order-1", sampleReceipt(t))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("AddReceipt error = %v, want context.DeadlineExceeded", err)
	}
	if got := UserMessage(err); got != "The service did not answer in time; try again." {
		t.Errorf("UserMessage() = %q", got)
	}
	if got := e.f.storedReceipts(); got != 0 {
		t.Errorf("stored receipts = %d, want 0", got)
	}
}

// TestDeadlineShorterThanBackoff: when the wait would outlast the context,
// the call ends at once with the last answer.
func TestDeadlineShorterThanBackoff(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Retry.MinBackoff = time.Hour; c.Retry.MaxBackoff = time.Hour })
	e.f.inject(statusFault("GET", "/order-management/", false, 503, nil, ""))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := e.c.GetOrder(ctx, "ecom", "o-1")
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != 503 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("GetOrder error = %v, want the 503 and context.DeadlineExceeded", err)
	}
	if got := e.sleeps.all(); len(got) != 0 {
		t.Errorf("waits = %v, want none", got)
	}
}

// TestStalledAttemptRetried: an attempt that gets no answer within
// AttemptTimeout is abandoned and retried.
func TestStalledAttemptRetried(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Retry.AttemptTimeout = 100 * time.Millisecond })
	if _, err := e.c.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.f.inject(stall("POST", receiptsPath))
	res, err := e.c.AddReceipt(context.Background(), "ecom", "order-1", sampleReceipt(t))
	if err != nil {
		t.Fatalf("AddReceipt: %v", err)
	}
	if res.AlreadyStored || res.ID == "" {
		t.Errorf("result = %+v, want a fresh receipt id", res)
	}
	if got := e.f.count("POST", receiptsPath); got != 2 {
		t.Errorf("receipt POSTs = %d, want 2", got)
	}
}

// TestCancelDuringBackoff: the real sleep ends when the context does.
func TestCancelDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepContext(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepContext(cancelled, 1h) = %v, want context.Canceled", err)
	}
	if err := sleepContext(context.Background(), time.Millisecond); err != nil {
		t.Errorf("sleepContext(1ms) = %v, want nil", err)
	}
}

func TestImageContentAddressed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	png := testPNG(t, 300, 300)
	first, err := e.c.AddImage(ctx, "", png)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.ID) != 128 || first.ID != ContentID(png) || first.AlreadyStored {
		t.Errorf("first upload = %+v, want the 128-character content id, not already stored", first)
	}
	again, err := e.c.AddImage(ctx, "", png)
	if err != nil {
		t.Fatalf("re-upload of the same bytes: %v", err)
	}
	if again.ID != first.ID || !again.AlreadyStored {
		t.Errorf("re-upload = %+v, want the same id, already stored", again)
	}
	// An id of the caller's choice that exists is a real conflict.
	if _, err := e.c.AddImage(ctx, "logo", png); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.AddImage(ctx, "logo", testPNG(t, 300, 400))
	if !errors.Is(err, api.ErrConflict) {
		t.Fatalf("AddImage(logo) again: error = %v, want api.ErrConflict", err)
	}
	want := "An image with id logo already exists; images cannot be replaced, so upload it under a new id."
	if got := UserMessage(err); got != want {
		t.Errorf("UserMessage() = %q, want %q", got, want)
	}
}

// TestImageUploadRetriedAfterLostAnswer: with the content id, a 409 after a
// lost answer is success.
func TestImageUploadRetriedAfterLostAnswer(t *testing.T) {
	e := newEnv(t)
	e.f.inject(drop("POST", "/order-management/v1/images", true))
	png := testPNG(t, 200, 200)
	res, err := e.c.AddImage(context.Background(), "", png)
	if err != nil {
		t.Fatalf("AddImage: %v", err)
	}
	if !res.AlreadyStored || res.ID != ContentID(png) {
		t.Errorf("AddImage = %+v, want the content id, already stored", res)
	}
}

func TestImageCheckedBeforeUpload(t *testing.T) {
	e := newEnv(t)
	_, err := e.c.AddImage(context.Background(), "", testPNG(t, 300, 100))
	var p *api.Problem
	if !errors.As(err, &p) || len(p.InvalidParams) == 0 || p.InvalidParams[0].Code != api.CodeImageTooShort {
		t.Fatalf("AddImage(100 px high) error = %v, want image_too_short", err)
	}
	if n := len(e.f.recordedRequests()); n != 0 {
		t.Errorf("%d requests sent, want 0", n)
	}
}
