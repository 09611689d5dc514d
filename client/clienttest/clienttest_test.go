package clienttest_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/client/clienttest"
)

// TestExample runs the package example's test for real.
func TestExample(t *testing.T) { testSendReceipt(t) }

func TestClientGetsToken(t *testing.T) {
	srv := clienttest.NewServer(t)
	if u, err := url.Parse(srv.URL); err != nil || u.Hostname() != "127.0.0.1" || u.Port() == "" || u.Port() == "0" {
		t.Fatalf("URL = %q, want http://127.0.0.1:<port>", srv.URL)
	}
	c := srv.Client(t, "123456")
	if got := c.MSN(); got != "123456" {
		t.Errorf("MSN() = %q, want 123456", got)
	}
	tok, err := c.Token(t.Context())
	if err != nil {
		t.Fatalf("Token = %v", err)
	}
	if tok.TokenType != "Bearer" || strings.Count(tok.AccessToken, ".") != 2 {
		t.Errorf("Token = %q %q, want a Bearer JWT", tok.TokenType, tok.AccessToken)
	}
}

// TestServersArePrivate checks that two servers share no data.
func TestServersArePrivate(t *testing.T) {
	a, b := clienttest.NewServer(t), clienttest.NewServer(t)
	if a.URL == b.URL {
		t.Fatalf("both servers listen on %s", a.URL)
	}
	cat := api.Category{Category: api.CategoryGeneral, OrderDetailsURL: "https://shop.example/o/1"}
	if _, err := a.Client(t, "123456").SetCategory(t.Context(), api.PaymentTypeECOM, "o-1", cat); err != nil {
		t.Fatal(err)
	}
	_, err := b.Client(t, "123456").GetOrder(t.Context(), api.PaymentTypeECOM, "o-1")
	if !errors.Is(err, api.ErrNotFound) {
		t.Errorf("GetOrder on the other server = %v, want not found", err)
	}
}

func TestOptionAndClose(t *testing.T) {
	srv := clienttest.NewServer(t)
	var seen string
	c := srv.Client(t, "123456", func(cfg *client.Config) {
		seen = cfg.BaseURL
		cfg.Retry.MaxAttempts = 1
	})
	if seen != srv.URL {
		t.Errorf("option saw BaseURL %q, want %q", seen, srv.URL)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	// With the server gone, a call fails with a network error, not an
	// answer of the service.
	_, err := c.Token(t.Context())
	var e *client.Error
	if err == nil || errors.As(err, &e) {
		t.Errorf("Token after Close = %v, want a network error", err)
	}
}
