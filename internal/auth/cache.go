package auth

import (
	"sync"
	"sync/atomic"
	"time"
)

// tokenCache remembers verified tokens so that a client sending the same
// token on every request pays for the signature check once. Only tokens
// that passed every check enter it; a hit still checks the times, so a
// cached token is never accepted after its expiry. Keys are the token
// strings: a map lookup hashes them faster than SHA-256 would.
//
// A sync.Map rather than a map under a RWMutex: lookups, the hot path,
// then share no written memory between CPUs.
type tokenCache struct {
	max     int64
	n       atomic.Int64 // entries in m
	m       sync.Map     // token string → *Claims
	evictMu sync.Mutex   // one eviction sweep at a time
}

func newTokenCache(max int) *tokenCache {
	return &tokenCache{max: int64(max)}
}

func (tc *tokenCache) get(token string) (*Claims, bool) {
	v, ok := tc.m.Load(token)
	if !ok {
		return nil, false
	}
	return v.(*Claims), true
}

// put adds a verified token. When the cache overflows it drops expired
// entries, then arbitrary ones until at most nine tenths of the bound are
// left, so that a full cache costs one sweep per many insertions rather
// than one per insertion. Concurrent insertions may pass
// the bound by one entry each, briefly.
func (tc *tokenCache) put(token string, c *Claims, now time.Time) {
	if _, loaded := tc.m.LoadOrStore(token, c); loaded {
		return
	}
	if tc.n.Add(1) <= tc.max {
		return
	}
	tc.evictMu.Lock()
	defer tc.evictMu.Unlock()
	if tc.n.Load() <= tc.max {
		return // another insertion swept meanwhile
	}
	tc.m.Range(func(k, v any) bool {
		if !now.Before(v.(*Claims).Expiry) {
			tc.delete(k)
		}
		return true
	})
	keep := tc.max * 9 / 10
	tc.m.Range(func(k, _ any) bool {
		if tc.n.Load() <= keep {
			return false
		}
		tc.delete(k)
		return true
	})
}

func (tc *tokenCache) delete(k any) {
	if _, ok := tc.m.LoadAndDelete(k); ok {
		tc.n.Add(-1)
	}
}

// len returns the number of cached tokens.
func (tc *tokenCache) len() int { return int(tc.n.Load()) }
