package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// maxResponseBytes bounds what the client reads of any answer; an order
// with many long lines stays far below it.
const maxResponseBytes = 32 << 20

// call describes one logical request; do sends it, with retries.
type call struct {
	op     Op
	method string
	path   string // escaped, relative to the base URL
	body   []byte // nil: no body
	// auth sends the access token (every call but the token request);
	// credentials sends client_id and client_secret (the token request).
	auth, credentials bool
	// What the call is about, for error messages.
	orderID     string
	paymentType api.PaymentType
	imageID     string
	categoryID  string
	// settle, if set, runs before each retry that follows an ambiguous
	// failure (a network error or a 5xx): a non-nil result means the
	// earlier attempt's effect is found and stands as the call's answer.
	settle func(ctx context.Context) (*result, error)
}

// result is a 2xx answer.
type result struct {
	status  int
	header  http.Header
	body    []byte
	traceID string
}

// do sends c with retries: network errors, 5xx and 429 are retried with
// backoff, bounded by the policy and ctx; a 401 on a call with a token
// fetches a new token once. Every non-2xx answer comes back as *Error.
func (cl *Client) do(ctx context.Context, c call) (*result, error) {
	pol := cl.retry
	// The trace id of the whole call: every attempt sends it in
	// traceparent, so the server's logs tie the attempts together.
	trace := newTraceID()
	var (
		lastErr   error
		ambiguous bool // an earlier attempt may have been stored
		refreshed bool // the one token refetch after a 401 is used
	)
	for attempt := 1; ; attempt++ {
		var tok string
		if c.auth {
			t, err := cl.token(ctx)
			if err != nil {
				return nil, err
			}
			tok = t.AccessToken
		}
		res, retryAfter, err := cl.attempt(ctx, c, tok, trace)
		var retryable bool
		switch e := err.(type) {
		case nil:
			return res, nil
		case *Error:
			e.Ambiguous = ambiguous
			e.Attempts = attempt
			if e.Status == http.StatusUnauthorized && c.auth && !refreshed && e.Code != api.CodeSubscriptionKey {
				// The token may have expired, been revoked or the server's
				// keys rotated: drop it and try once more with a fresh one
				// (a new token cannot mend a wrong subscription key). This
				// attempt does not count against the retry budget.
				refreshed = true
				cl.tokens.invalidate(tok)
				cl.log.Info("ordermgmt: token rejected; fetching a new one",
					"op", c.op, "trace_id", e.TraceID)
				attempt--
				continue
			}
			lastErr = e
			switch {
			case e.Status == http.StatusTooManyRequests:
				retryable = true
			case e.Status >= 500:
				retryable, ambiguous = true, true
			}
		default:
			if ctx.Err() != nil {
				// The caller gave up; say so, with what went wrong before.
				return nil, cl.fail(c, giveUp(c.op, ctx.Err(), lastErr))
			}
			lastErr = fmt.Errorf("ordermgmt: %s: %w", c.op, err)
			retryable, ambiguous = true, true
		}
		if !retryable || attempt >= pol.MaxAttempts {
			return nil, cl.fail(c, lastErr)
		}
		delay := cl.backoff(attempt)
		if retryAfter >= 0 {
			if retryAfter > pol.MaxRetryAfter {
				return nil, cl.fail(c, lastErr)
			}
			delay = retryAfter
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
			// Waiting would outlast the caller: give up now, with the
			// answer that made us want to wait.
			return nil, cl.fail(c, giveUp(c.op, context.DeadlineExceeded, lastErr))
		}
		cl.log.Info("ordermgmt: retrying", "op", c.op, "attempt", attempt, "delay", delay,
			"error", lastErr.Error(), "trace_id", traceOf(lastErr, trace))
		if err := cl.sleep(ctx, delay); err != nil {
			return nil, cl.fail(c, giveUp(c.op, err, lastErr))
		}
		if ambiguous && c.settle != nil {
			res, err := c.settle(ctx)
			if err != nil {
				return nil, cl.fail(c, fmt.Errorf("%w (checking whether an earlier attempt took effect failed: %w)", lastErr, err))
			}
			if res != nil {
				return res, nil
			}
		}
	}
}

// attempt sends one request. It returns the 2xx result, or an *Error for
// any other status with the Retry-After wait (-1 when there is none), or a
// transport error.
func (cl *Client) attempt(ctx context.Context, c call, token, trace string) (*result, time.Duration, error) {
	if cl.retry.AttemptTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cl.retry.AttemptTimeout)
		defer cancel()
	}
	// A new reader for every attempt: the body of a failed attempt may be
	// partly consumed.
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, cl.base+c.path, body)
	if err != nil {
		return nil, -1, err
	}
	if c.body != nil {
		b := c.body
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.Header.Set("Content-Type", "application/json")
	}
	cl.setHeaders(req.Header, c, token, trace)
	resp, err := cl.hc.Do(req)
	if err != nil {
		return nil, -1, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, -1, fmt.Errorf("reading the answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if len(data) > maxResponseBytes {
		return nil, -1, fmt.Errorf("the answer (HTTP %d) is larger than %d bytes", resp.StatusCode, maxResponseBytes)
	}
	traceID := resp.Header.Get(api.HeaderTraceparent)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return &result{status: resp.StatusCode, header: resp.Header, body: data, traceID: traceID}, -1, nil
	}
	e := parseError(resp.StatusCode, resp.Header, data)
	e.Op, e.OrderID, e.PaymentType, e.ImageID, e.CategoryID, e.MSN = c.op, c.orderID, c.paymentType, c.imageID, c.categoryID, cl.cfg.MSN
	wait := time.Duration(-1)
	// Retry-After is honoured wherever the client retries: a 429 and any 5xx.
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), cl.now()); ok {
			wait, e.RetryAfter = d, d
		}
	}
	return nil, wait, e
}

// setHeaders puts the standard headers on every request, the token request
// included: the checklist asks for them on all calls.
func (cl *Client) setHeaders(h http.Header, c call, token, trace string) {
	h.Set("Accept", "application/json, application/problem+json")
	h.Set("User-Agent", userAgent)
	h.Set(api.HeaderSubscriptionKey, cl.cfg.SubscriptionKey)
	if cl.cfg.MSN != "" {
		h.Set(api.HeaderMSN, cl.cfg.MSN)
	}
	for _, sh := range cl.cfg.systemHeaders() {
		if sh.value != "" {
			h.Set(sh.header, sh.value)
		}
	}
	if c.credentials {
		h.Set(api.HeaderClientID, cl.cfg.ClientID)
		h.Set(api.HeaderClientSecret, cl.cfg.ClientSecret)
	}
	if c.auth {
		h.Set(api.HeaderAuthorization, "Bearer "+token)
	}
	h.Set(api.HeaderTraceparent, "00-"+trace+"-"+newSpanID()+"-01")
}

// userAgent names the SDK; the Vipps-System-* headers name the caller.
const userAgent = "ordermgmt-go-client"

// fail logs a call's final error with its trace id and returns it.
func (cl *Client) fail(c call, err error) error {
	var e *Error
	if errors.As(err, &e) {
		cl.log.Warn("ordermgmt: request failed", "op", c.op, "status", e.Status, "code", e.Code,
			"order_id", c.orderID, "attempts", e.Attempts, "trace_id", e.TraceID, "error", err.Error())
	} else {
		cl.log.Warn("ordermgmt: request failed", "op", c.op, "order_id", c.orderID, "error", err.Error())
	}
	return err
}

// giveUp is the error of a call that stopped retrying because of its
// context: the last failure, which says most about the service, wrapped
// with the context's error, so that both errors.As(*Error) and
// errors.Is(context.DeadlineExceeded) hold.
func giveUp(op Op, cause, last error) error {
	if last == nil {
		return fmt.Errorf("ordermgmt: %s: %w", op, cause)
	}
	return fmt.Errorf("%w (gave up retrying: %w)", last, cause)
}

// traceOf returns the trace id of err if it is an *Error, else fallback.
func traceOf(err error, fallback string) string {
	var e *Error
	if errors.As(err, &e) && e.TraceID != "" {
		return e.TraceID
	}
	return fallback
}

// backoff is the wait before retry n (n ≥ 1): exponential from MinBackoff,
// capped at MaxBackoff, with "equal jitter" (half fixed, half random) so
// that clients that failed together do not retry together, yet every wait
// is at least half the nominal one.
func (cl *Client) backoff(n int) time.Duration {
	d := cl.retry.MinBackoff
	for i := 1; i < n && d < cl.retry.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, cl.retry.MaxBackoff)
	half := d / 2
	return half + time.Duration(cl.random()*float64(d-half))
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		if s > int64(24*time.Hour/time.Second) {
			s = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(s) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// newTraceID returns 32 random hex digits, a W3C trace id.
func newTraceID() string { return randomHex(16) }

// newSpanID returns 16 random hex digits, a W3C parent id.
func newSpanID() string { return randomHex(8) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
