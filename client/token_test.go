package client

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// TestConcurrentCallsFetchOneToken: 50 calls that start together, before
// any token exists, share one token request.
func TestConcurrentCallsFetchOneToken(t *testing.T) {
	e := newEnv(t)
	const n = 50
	var ready sync.WaitGroup
	ready.Add(n)
	// The token answer waits until every call has started, so the calls
	// really overlap the fetch.
	e.f.tokenGate = ready.Wait
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ready.Done()
			_, errs[i] = e.c.GetOrder(context.Background(), "ecom", "missing")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, api.ErrNotFound) {
			t.Errorf("call %d: error = %v, want not found (after a successful token)", i, err)
		}
	}
	if got := e.f.tokens(); got != 1 {
		t.Errorf("tokens fetched = %d, want 1", got)
	}
	if got := e.f.count("GET", "/order-management/"); got != n {
		t.Errorf("order requests = %d, want %d", got, n)
	}
}

// TestTokenCachedUntilShortlyBeforeExpiry uses the injected clock: a
// one-hour token is reused for 55 minutes and renewed after.
func TestTokenCachedUntilShortlyBeforeExpiry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	steps := []struct {
		advance time.Duration
		want    string
	}{
		{0, "tok-1"},
		{30 * time.Minute, "tok-1"},
		{24*time.Minute + 59*time.Second, "tok-1"}, // 54:59 of 60:00
		{time.Second, "tok-2"},                     // 55:00: within the 5-minute margin
		{10 * time.Minute, "tok-2"},
	}
	for _, s := range steps {
		e.clock.advance(s.advance)
		tok, err := e.c.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if tok.AccessToken != s.want {
			t.Errorf("after +%v: Token() = %q, want %q", s.advance, tok.AccessToken, s.want)
		}
	}
	if got := e.f.tokens(); got != 2 {
		t.Errorf("tokens fetched = %d, want 2", got)
	}
	tok, _ := e.c.Token(ctx)
	if want := e.clock.Now().Add(-10 * time.Minute).Add(time.Hour); !tok.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", tok.ExpiresAt, want)
	}
}

func TestTokenExpiryFields(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name, expiresIn, expiresOn string
		want                       time.Time
	}{
		{"expires_in", "3600", "1700000100", now.Add(time.Hour)},
		{"expires_on when expires_in is missing", "", "1700000600", time.Unix(1_700_000_600, 0)},
		{"neither", "", "", now.Add(fallbackLifetime)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.Now = func() time.Time { return now } })
			// Replace the fake's token answer with one carrying these fields.
			e.f.inject(statusFault("POST", "/accesstoken/get", false, 200, nil,
				`{"token_type":"Bearer","expires_in":"`+tt.expiresIn+`","expires_on":"`+tt.expiresOn+`","access_token":"abc"}`))
			tok, err := e.c.Token(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !tok.ExpiresAt.Equal(tt.want) {
				t.Errorf("ExpiresAt = %v, want %v", tok.ExpiresAt, tt.want)
			}
		})
	}
}

func TestTokenNumbersAccepted(t *testing.T) {
	e := newEnv(t)
	e.f.inject(statusFault("POST", "/accesstoken/get", false, 200, nil,
		`{"token_type":"Bearer","expires_in":3600,"access_token":"abc"}`))
	tok, err := e.c.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Response.ExpiresIn != "3600" || tok.AccessToken != "abc" {
		t.Errorf("Token() = %+v, want expires_in 3600 and access_token abc", tok.Response)
	}
}

func TestTokenWithoutAccessTokenIsAnError(t *testing.T) {
	e := newEnv(t)
	e.f.inject(statusFault("POST", "/accesstoken/get", false, 200, nil, `{"token_type":"Bearer"}`))
	if _, err := e.c.Token(context.Background()); err == nil {
		t.Fatal("Token() with no access_token in the answer: error = nil, want an error")
	}
}

// TestRevokedTokenRefetchedOnce: a 401 drops the token and the call is
// repeated once with a new one.
func TestRevokedTokenRefetchedOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.c.Token(ctx); err != nil {
		t.Fatal(err)
	}
	e.f.revoke("tok-1")
	if _, err := e.c.SetCategory(ctx, "ecom", "o-1", api.Category{Category: api.CategoryGeneral, OrderDetailsURL: "https://x.example"}); err != nil {
		t.Fatalf("SetCategory after revocation: %v", err)
	}
	if got := e.f.tokens(); got != 2 {
		t.Errorf("tokens fetched = %d, want 2", got)
	}
	if got := e.f.count("PUT", "/order-management/"); got != 2 {
		t.Errorf("category requests = %d, want 2 (one rejected, one with the new token)", got)
	}
	if got := e.sleeps.all(); len(got) != 0 {
		t.Errorf("backoff waits = %v, want none: a 401 refetch is not a retry", got)
	}
}

// TestPersistent401RefetchesOnlyOnce: when the new token is rejected too,
// the call fails instead of fetching tokens in a loop.
func TestPersistent401RefetchesOnlyOnce(t *testing.T) {
	e := newEnv(t)
	e.f.rejectAll = true
	_, err := e.c.GetOrder(context.Background(), "ecom", "o-1")
	if !errors.Is(err, api.ErrUnauthenticated) {
		t.Fatalf("GetOrder error = %v, want api.ErrUnauthenticated", err)
	}
	var ae *Error
	if !errors.As(err, &ae) || ae.Message != "Invalid or expired token." {
		t.Errorf("error = %#v, want the gateway message", err)
	}
	if got := e.f.tokens(); got != 2 {
		t.Errorf("tokens fetched = %d, want 2 (the first and one refetch)", got)
	}
	if got := e.f.count("GET", "/order-management/"); got != 2 {
		t.Errorf("order requests = %d, want 2", got)
	}
}

// TestTokenRequestErrors: the token endpoint's own errors are not retried
// and come back in its shape.
func TestTokenRequestErrors(t *testing.T) {
	e := newEnv(t)
	e.f.inject(statusFault("POST", "/accesstoken/get", false, 401, nil,
		`{"error":"invalid_client","error_description":"Wrong client secret."}`))
	_, err := e.c.GetOrder(context.Background(), "ecom", "o-1")
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want *Error", err)
	}
	if ae.Op != OpToken || ae.Code != "invalid_client" || ae.Message != "Wrong client secret." || ae.Attempts != 1 {
		t.Errorf("error = %+v, want the token op, code invalid_client, the description, 1 attempt", ae)
	}
	if got := e.f.count("GET", "/order-management/"); got != 0 {
		t.Errorf("order requests = %d, want 0", got)
	}
}

// TestWaiterOutlivesCancelledFetcher: when the call that fetches the token
// is cancelled, a waiting call with time left fetches a token itself.
func TestWaiterOutlivesCancelledFetcher(t *testing.T) {
	e := newEnv(t)
	first := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	e.f.tokenGate = func() {
		once.Do(func() {
			close(first)
			<-release
		})
	}
	ctx1, cancel1 := context.WithCancel(context.Background())
	done1 := make(chan error, 1)
	go func() {
		_, err := e.c.Token(ctx1)
		done1 <- err
	}()
	<-first // the first fetch is in flight
	done2 := make(chan error, 1)
	go func() {
		_, err := e.c.Token(context.Background())
		done2 <- err
	}()
	cancel1()
	if err := <-done1; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: error = %v, want context.Canceled", err)
	}
	close(release)
	if err := <-done2; err != nil {
		t.Errorf("waiting caller: error = %v, want a token", err)
	}
}

// TestWrongSubscriptionKeyNoRefetch: a 401 for the subscription key is not
// mended by a new token, so none is fetched.
func TestWrongSubscriptionKeyNoRefetch(t *testing.T) {
	e := newEnv(t)
	e.f.inject(statusFault("GET", "/order-management/", false, 401, nil,
		`{"statusCode":401,"message":"Access denied due to invalid subscription key.","code":"invalid_subscription_key"}`))
	_, err := e.c.GetOrder(context.Background(), "ecom", "o-1")
	if !errors.Is(err, api.ErrUnauthenticated) {
		t.Fatalf("GetOrder error = %v, want api.ErrUnauthenticated", err)
	}
	if got := e.f.tokens(); got != 1 {
		t.Errorf("tokens fetched = %d, want 1", got)
	}
	if got := e.f.count("GET", "/order-management/"); got != 1 {
		t.Errorf("order requests = %d, want 1", got)
	}
}
