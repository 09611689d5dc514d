package server

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/ordermgmt/ordermgmt/api"
)

// Limits bounds what requests may take from the server (contract §8). A
// zero field takes its value from DefaultLimits; a negative rate turns
// that rate limit off.
type Limits struct {
	// MaxConns bounds the open connections.
	MaxConns int
	// BodyMemory bounds the bytes of request bodies held in memory at once.
	BodyMemory int64
	// LoadWait is how long a connection or a body waits for room under
	// MaxConns or BodyMemory before it gets 503 with Retry-After.
	LoadWait time.Duration
	// BodyTimeout is how long a request may take to arrive, headers and
	// body; a body still arriving then is answered 408. The caller's
	// http.Server enforces it (app sets ReadTimeout from it).
	BodyTimeout time.Duration
	// DrainBytes and DrainTimeout bound how much of a body over its limit
	// is read and discarded, so that a client that sends it all before
	// reading (no Expect: 100-continue) reads the 413 instead of a reset.
	DrainBytes   int64
	DrainTimeout time.Duration
	// RateLimit is the sustained requests per second of one client and
	// merchant on the order-management operations, RateBurst its bucket.
	RateLimit float64
	RateBurst int
	// TokenRateLimit and TokenRateBurst are the same for token requests,
	// per client_id and merchant: in configured mode each costs a bcrypt
	// comparison.
	TokenRateLimit float64
	TokenRateBurst int
}

// DefaultLimits are sized for a small machine (2 cores, a few GiB): a
// connection waiting for its body holds about 19 KiB (measured with 1,500),
// so 10,000 take some 190 MiB, and 256 MiB of bodies is about 85 images of
// the largest size at once. The rate limits are above what one node serves
// on 2 cores, so they never refuse a well-behaved integration; an operator
// lowers them to keep one merchant from starving the others.
func DefaultLimits() Limits {
	return Limits{
		MaxConns:       10000,
		BodyMemory:     256 << 20,
		LoadWait:       time.Second,
		BodyTimeout:    60 * time.Second,
		DrainBytes:     8 << 20,
		DrainTimeout:   10 * time.Second,
		RateLimit:      50000,
		RateBurst:      100000,
		TokenRateLimit: 100,
		TokenRateBurst: 200,
	}
}

// withDefaults fills the zero fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	set := func(v *int64, def int64) {
		if *v == 0 {
			*v = def
		}
	}
	if l.MaxConns == 0 {
		l.MaxConns = d.MaxConns
	}
	set(&l.BodyMemory, d.BodyMemory)
	set(&l.DrainBytes, d.DrainBytes)
	for _, p := range []struct{ v, def *time.Duration }{{&l.LoadWait, &d.LoadWait}, {&l.BodyTimeout, &d.BodyTimeout}, {&l.DrainTimeout, &d.DrainTimeout}} {
		if *p.v == 0 {
			*p.v = *p.def
		}
	}
	if l.RateLimit == 0 {
		l.RateLimit, l.RateBurst = d.RateLimit, max(l.RateBurst, d.RateBurst)
	}
	if l.RateBurst <= 0 {
		l.RateBurst = max(1, int(l.RateLimit))
	}
	if l.TokenRateLimit == 0 {
		l.TokenRateLimit, l.TokenRateBurst = d.TokenRateLimit, max(l.TokenRateBurst, d.TokenRateBurst)
	}
	if l.TokenRateBurst <= 0 {
		l.TokenRateBurst = max(1, int(l.TokenRateLimit))
	}
	return l
}

// Refusals counts the requests and connections the limits refused. The
// counters only grow; metrics read them (a counter each, such as
// ordermgmt_http_refused_total{reason="rate_limited"}).
type Refusals struct {
	// RateLimited counts 429 answers.
	RateLimited atomic.Int64
	// BodyMemory counts 503 answers for want of body memory.
	BodyMemory atomic.Int64
	// Connections counts connections answered 503 for want of a slot.
	Connections atomic.Int64
	// BodyTimeout counts 408 answers.
	BodyTimeout atomic.Int64
	// TooLarge counts 413 answers.
	TooLarge atomic.Int64
}

// bodyBudget is the server-wide bound on request body bytes in memory.
type bodyBudget struct {
	max  int64
	wait time.Duration
	used atomic.Int64
}

// acquire takes n bytes, waiting up to b.wait for room. The common case is
// one atomic add; waiting polls, since it only happens under overload.
func (b *bodyBudget) acquire(ctx context.Context, n int64) bool {
	if b.used.Add(n) <= b.max {
		return true
	}
	b.used.Add(-n)
	deadline := time.Now().Add(b.wait)
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case now := <-t.C:
			if b.used.Add(n) <= b.max {
				return true
			}
			b.used.Add(-n)
			if now.After(deadline) {
				return false
			}
		}
	}
}

func (b *bodyBudget) release(n int64) { b.used.Add(-n) }

// firstBodyBuf is the buffer a body starts with before its bytes arrive:
// a receipt fits, and a silent connection declaring megabytes holds no
// more than this.
const firstBodyBuf = 4 << 10

// errBodyTooLarge is returned by readBody for a body over the limit.
var errBodyTooLarge = errors.New("body too large")

// readBody reads r's body of at most limit bytes into memory as it
// arrives: the buffer starts small and doubles only when it is full, so
// memory follows the bytes received, never the declared Content-Length.
// The bytes held are taken from the server's body budget; the caller
// releases reserved when it is done with the body.
func (s *Server) readBody(r *http.Request, limit int64) (body []byte, reserved int64, err error) {
	cl := r.ContentLength
	if cl == 0 {
		return []byte{}, 0, nil
	}
	// bound is the most the buffer must hold: the declared length, or one
	// byte over the limit to tell a body that is too large.
	bound := limit + 1
	if cl > 0 {
		bound = cl
	}
	n := min(int64(firstBodyBuf), bound)
	if !s.bodies.acquire(r.Context(), n) {
		return nil, 0, errNoBodyMemory
	}
	reserved = n
	buf := make([]byte, 0, n)
	for {
		if int64(len(buf)) == bound {
			if cl > 0 {
				return buf, reserved, nil
			}
			return buf, reserved, errBodyTooLarge
		}
		if len(buf) == cap(buf) {
			grown := min(2*int64(cap(buf)), bound)
			if !s.bodies.acquire(r.Context(), grown-int64(cap(buf))) {
				return nil, reserved, errNoBodyMemory
			}
			reserved += grown - int64(cap(buf))
			nb := make([]byte, len(buf), grown)
			copy(nb, buf)
			buf = nb
		}
		m, rerr := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		switch {
		case rerr == io.EOF:
			if int64(len(buf)) > limit {
				return buf, reserved, errBodyTooLarge
			}
			return buf, reserved, nil
		case rerr != nil:
			return nil, reserved, rerr
		}
	}
}

var errNoBodyMemory = errors.New("no body memory")

// bodyError maps a failed body read to its answer.
func (s *Server) bodyError(w http.ResponseWriter, r *http.Request, limit int64, err error) error {
	switch {
	case errors.Is(err, errBodyTooLarge):
		return s.refuseTooLarge(w, r, limit)
	case errors.Is(err, errNoBodyMemory):
		s.refusals.BodyMemory.Add(1)
		w.Header().Set("Connection", "close")
		return overloaded("The server holds as many request bodies as it may; retry after Retry-After.")
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.refusals.BodyTimeout.Add(1)
		w.Header().Set("Connection", "close")
		return api.NewProblem(api.ErrTimeout, api.CodeBodyTimeout,
			"The request body did not arrive within "+s.limits.BodyTimeout.String()+"; send it faster or in smaller parts.")
	}
	return api.NewProblem(api.ErrInvalid, api.CodeInvalidRequest, "The request body could not be read: "+err.Error())
}

// refuseTooLarge answers 413 so that every client can read it (contract
// §8): the rest of the body, within DrainBytes and DrainTimeout, is read
// and discarded first, since a client that sends its whole body before it
// reads (Python's urllib) sees a reset when the server closes on unread
// bytes. A client that asked with Expect: 100-continue has sent nothing
// and is answered at once.
func (s *Server) refuseTooLarge(w http.ResponseWriter, r *http.Request, limit int64) error {
	s.refusals.TooLarge.Add(1)
	if r.Header.Get("Expect") != "" && r.ContentLength > limit {
		w.Header().Set("Connection", "close")
		return tooLarge(limit)
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.limits.DrainTimeout))
	if _, err := io.CopyN(io.Discard, r.Body, s.limits.DrainBytes); err != io.EOF {
		w.Header().Set("Connection", "close")
	}
	return tooLarge(limit)
}

func tooLarge(limit int64) error {
	return api.NewProblem(api.ErrTooLarge, api.CodeBodyTooLarge,
		"The body is larger than this operation's limit of "+strconv.FormatInt(limit>>20, 10)+" MiB ("+strconv.FormatInt(limit, 10)+" bytes).")
}

// overloaded is the 503 of a bound on load; writeError adds Retry-After.
func overloaded(detail string) error {
	return api.NewProblem(api.ErrUnavailable, api.CodeOverloaded, detail)
}

// rateLimiter keeps a token bucket per client and merchant.
type rateLimiter struct {
	limit rate.Limit
	burst int
	mu    sync.RWMutex
	m     map[rateKey]*rate.Limiter
	// swept is when idle buckets were last removed (Unix nanoseconds).
	swept atomic.Int64
}

// rateKey is a struct, not a joined string, so a lookup allocates nothing.
type rateKey struct{ client, msn string }

// maxRateKeys bounds the buckets kept: in sandbox mode anyone may name new
// clients. Past it, new keys share one bucket.
const maxRateKeys = 1 << 20

func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	if perSecond < 0 {
		return nil
	}
	return &rateLimiter{limit: rate.Limit(perSecond), burst: burst, m: make(map[rateKey]*rate.Limiter)}
}

// allow takes a token from the bucket of (client, msn). When the bucket is
// empty it returns false and how long until a token is there.
func (l *rateLimiter) allow(client, msn string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	k := rateKey{client, msn}
	l.mu.RLock()
	lim := l.m[k]
	l.mu.RUnlock()
	now := time.Now()
	if lim == nil {
		lim = l.bucket(k, now)
	}
	if lim.AllowN(now, 1) {
		return true, 0
	}
	wait := time.Duration((1 - lim.TokensAt(now)) / float64(l.limit) * float64(time.Second))
	return false, wait
}

// bucket finds or adds the bucket of k, first removing idle (full)
// buckets when there are many and a minute has passed since the last time.
func (l *rateLimiter) bucket(k rateKey, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lim := l.m[k]; lim != nil {
		return lim
	}
	if len(l.m) >= 10000 && now.UnixNano()-l.swept.Load() > int64(time.Minute) {
		l.swept.Store(now.UnixNano())
		for key, lim := range l.m {
			if lim.TokensAt(now) >= float64(l.burst) {
				delete(l.m, key)
			}
		}
	}
	if len(l.m) >= maxRateKeys {
		k = rateKey{"\x00overflow", ""}
		if lim := l.m[k]; lim != nil {
			return lim
		}
	}
	lim := rate.NewLimiter(l.limit, l.burst)
	l.m[k] = lim
	return lim
}

// rateLimited is the 429 of a rate limit, in the gateway's shape.
func (s *Server) rateLimited(wait time.Duration) error {
	s.refusals.RateLimited.Add(1)
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return &gatewayError{StatusCode: http.StatusTooManyRequests, Code: api.CodeRateLimited, retryAfter: secs,
		Message: "Rate limit is exceeded. Try again in " + strconv.Itoa(secs) + " seconds."}
}
