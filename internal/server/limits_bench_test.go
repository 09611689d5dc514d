package server

import (
	"net/http"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
)

// BenchmarkRequestChecks measures what the limits and hygiene add to
// every order-management request: the path check, the rate limiter and
// the recorded headers' check.
func BenchmarkRequestChecks(b *testing.B) {
	rl := newRateLimiter(1e9, 1e9)
	h := http.Header{}
	h.Set(api.HeaderSystemName, "woocommerce")
	h.Set(api.HeaderSystemVersion, "8.2.1")
	h.Set(api.HeaderSystemPluginName, "vipps-mobilepay")
	h.Set(api.HeaderSystemPluginVersion, "2.0.3")
	const p = "/order-management/v2/ECOM/receipts/order-10042"
	b.Run("path", func(b *testing.B) {
		for b.Loop() {
			if pathReason(p) != "" {
				b.Fatal("unclean")
			}
		}
	})
	b.Run("rate", func(b *testing.B) {
		for b.Loop() {
			if ok, _ := rl.allow("client", "123456"); !ok {
				b.Fatal("limited")
			}
		}
	})
	// What the length check before these rules cost: the header lookups.
	b.Run("headers-lookup", func(b *testing.B) {
		for b.Loop() {
			for _, name := range systemHeaders {
				if len(h.Get(name)) > api.MaxSystemHeaderLen {
					b.Fatal("long")
				}
			}
		}
	})
	b.Run("headers", func(b *testing.B) {
		for b.Loop() {
			if len(checkSystemHeaders(h)) != 0 {
				b.Fatal("headers")
			}
		}
	})
}
