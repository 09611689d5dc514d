package console

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Sign-in throttling: after maxFailures failed sign-ins within
// failureWindow, for one name or from one address, sign-in is refused
// until the window has passed, so passwords cannot be guessed at speed.
const (
	maxFailures   = 5
	failureWindow = 15 * time.Minute
	maxTracked    = 10000
)

type throttle struct {
	mu   sync.Mutex
	now  func() time.Time
	fail map[string][]time.Time
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, fail: map[string][]time.Time{}}
}

// keys are what a sign-in attempt is counted against.
func throttleKeys(r *http.Request, name string) []string {
	ip := r.RemoteAddr
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	return []string{"name:" + name, "ip:" + ip}
}

// blocked reports whether any key has too many recent failures.
func (t *throttle) blocked(keys []string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, k := range keys {
		if len(t.recentLocked(k, now)) >= maxFailures {
			return true
		}
	}
	return false
}

// failed counts a failed sign-in against every key.
func (t *throttle) failed(keys []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.fail) >= maxTracked {
		for k := range t.fail {
			if len(t.recentLocked(k, now)) == 0 {
				delete(t.fail, k)
			}
		}
	}
	for _, k := range keys {
		if len(t.fail) < maxTracked || t.fail[k] != nil {
			t.fail[k] = append(t.recentLocked(k, now), now)
		}
	}
}

func (t *throttle) recentLocked(k string, now time.Time) []time.Time {
	ts := t.fail[k]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > failureWindow {
		i++
	}
	if i == len(ts) {
		delete(t.fail, k)
		return nil
	}
	t.fail[k] = ts[i:]
	return ts[i:]
}
