// Package clienttest runs an ordermgmt sandbox server inside a test, so
// that code built on the client package can be tested against the real
// API surface instead of a mock: the same routes, validation, status codes
// and error bodies as `ordermgmt serve`, on a temporary SQLite store.
//
//	func TestCheckout(t *testing.T) {
//		srv := clienttest.NewServer(t) // stopped when the test ends
//		c := srv.Client(t, "123456")   // a ready client for merchant 123456
//		... // run your code with c, then read back with c.GetOrder
//	}
//
// Every server is private to its test: a fresh store, a free port on
// 127.0.0.1, sandbox mode (any credentials get a token).
package clienttest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/app"
	"github.com/ordermgmt/ordermgmt/internal/config"
)

// The sandbox credentials Server.Client uses. In sandbox mode any values
// get a token; these are fixed so that a test's requests are easy to find
// in the server's log.
const (
	ClientID        = "clienttest"
	ClientSecret    = "clienttest-secret"
	SubscriptionKey = "clienttest-subscription-key"
)

// System is what Server.Client sends in the Vipps-System-* headers.
var System = client.System{Name: "clienttest", Version: "1.0.0"}

// Retry is the retry policy of Server.Client: the default one with short
// waits, so that a test that injects failures stays quick.
var Retry = client.RetryPolicy{MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}

// Server is a running sandbox server.
type Server struct {
	// URL is the server's base URL, such as http://127.0.0.1:41234; give
	// it to client.Config.BaseURL.
	URL string

	app       *app.App
	closeOnce sync.Once
	closeErr  error
}

// NewServer starts a server on a free port of 127.0.0.1 with a store in
// t.TempDir(), and stops it when the test and its subtests end. It fails
// the test if the server cannot start.
func NewServer(t testing.TB) *Server {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	a, err := app.Start(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("clienttest: start server: %v", err)
	}
	s := &Server{URL: a.URL, app: a}
	// Registered after TempDir, so it runs before the folder is removed.
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("clienttest: stop server: %v", err)
		}
	})
	return s
}

// Close stops the server and closes its store. NewServer arranges for it
// to run when the test ends; call it earlier to test what your code does
// when the service is gone. Calling it again does nothing.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.closeErr = s.app.Shutdown(ctx)
	})
	return s.closeErr
}

// Option changes the configuration Server.Client builds, before the
// client is made: for example to send requests through a proxy
// (BaseURL), set a Logger or another retry policy.
type Option func(*client.Config)

// Client returns a client of the server acting for the merchant serial
// number msn (4 to 7 digits), with the sandbox credentials, System in the
// Vipps-System-* headers and the Retry policy. It fails the test if the
// configuration is invalid, for example a malformed msn.
func (s *Server) Client(t testing.TB, msn string, opts ...Option) *client.Client {
	t.Helper()
	cfg := client.Config{
		BaseURL:         s.URL,
		ClientID:        ClientID,
		ClientSecret:    ClientSecret,
		SubscriptionKey: SubscriptionKey,
		MSN:             msn,
		System:          System,
		Retry:           Retry,
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatalf("clienttest: %v", err)
	}
	return c
}
