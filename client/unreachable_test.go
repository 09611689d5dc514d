package client

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestUnreachable makes each kind of transport failure for real and checks
// that the cause is told apart and named in the user message.
func TestUnreachable(t *testing.T) {
	// A port that was just free: nothing listens there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(plain.Close)
	hang := make(chan struct{})
	stalled := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); stalled.Close() })
	// Only the stalled server is meant to time out; a resolver on a busy
	// machine may take seconds to say a name does not exist.
	const short, long = 300 * time.Millisecond, 20 * time.Second
	tests := []struct {
		name, base string
		timeout    time.Duration
		cause      NetworkCause
		inMessage  string
	}{
		{"refused", closed, long, CauseRefused, "connection refused by " + strings.TrimPrefix(closed, "http://")},
		{"tls", strings.Replace(plain.URL, "http://", "https://", 1), long, CauseTLS, "does not speak TLS"},
		{"timeout", stalled.URL, short, CauseTimeout, "did not answer in time"},
		{"dns", "http://no-such-host.invalid", long, CauseDNS, "no-such-host.invalid was not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Config{BaseURL: tt.base, ClientID: "a", ClientSecret: "b", SubscriptionKey: "c",
				System: System{Name: "test", Version: "1"},
				Retry:  RetryPolicy{MaxAttempts: 1, AttemptTimeout: tt.timeout}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Token(context.Background())
			cause, ok := Unreachable(err)
			if !ok || cause != tt.cause {
				t.Fatalf("Unreachable(%v) = %q, %v; want %q", err, cause, ok, tt.cause)
			}
			if msg := UserMessage(err); !strings.Contains(msg, tt.inMessage) {
				t.Errorf("UserMessage() = %q, want it to contain %q", msg, tt.inMessage)
			}
		})
	}
	if _, ok := Unreachable(&Error{Status: 500}); ok {
		t.Error("Unreachable(*Error) = true, want false: the service answered")
	}
}
