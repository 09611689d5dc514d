package console

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	th := newThrottle(func() time.Time { return now })
	r := httptest.NewRequest("POST", "/console/signin", nil)
	r.RemoteAddr = "192.0.2.1:5555"
	kari := throttleKeys(r, "kari")
	for i := 0; i < maxFailures; i++ {
		if th.blocked(kari) {
			t.Fatalf("blocked after %d failures, want after %d", i, maxFailures)
		}
		th.failed(kari)
	}
	if !th.blocked(kari) {
		t.Error("not blocked after the limit")
	}
	// The same address with another name is blocked too; another address
	// with another name is not.
	if !th.blocked(throttleKeys(r, "ola")) {
		t.Error("the address is not blocked for another name")
	}
	r2 := httptest.NewRequest("POST", "/console/signin", nil)
	r2.RemoteAddr = "192.0.2.2:5555"
	if th.blocked(throttleKeys(r2, "ola")) {
		t.Error("another address and name are blocked")
	}
	if !th.blocked(throttleKeys(r2, "kari")) {
		t.Error("the name is not blocked from another address")
	}
	now = now.Add(failureWindow + time.Second)
	if th.blocked(kari) {
		t.Error("still blocked after the window")
	}
}
