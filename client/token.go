package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// Token is an access token as the client caches it.
type Token struct {
	AccessToken string
	TokenType   string
	// ExpiresAt is when the token expires, on the client's clock.
	ExpiresAt time.Time
	// Response is the token body as the service sent it.
	Response api.TokenResponse
}

// tokenCache holds the current token and the fetch in flight, if any.
type tokenCache struct {
	mu        sync.Mutex
	cur       *Token
	refreshAt time.Time
	inflight  *tokenFetch
}

// tokenFetch is one token request that concurrent callers share.
type tokenFetch struct {
	done chan struct{}
	tok  *Token
	err  error
}

// Token returns a valid access token: the cached one, or a new one when
// none is cached or the cached one is about to expire. However many calls
// need a token at the same time, one request fetches it.
func (cl *Client) Token(ctx context.Context) (Token, error) {
	t, err := cl.token(ctx)
	if err != nil {
		return Token{}, err
	}
	return *t, nil
}

func (cl *Client) token(ctx context.Context) (*Token, error) {
	tc := &cl.tokens
	for {
		tc.mu.Lock()
		if tc.cur != nil && cl.now().Before(tc.refreshAt) {
			t := tc.cur
			tc.mu.Unlock()
			return t, nil
		}
		f := tc.inflight
		if f == nil {
			// This caller fetches; the others wait for it.
			f = &tokenFetch{done: make(chan struct{})}
			tc.inflight = f
			tc.mu.Unlock()
			f.tok, f.err = cl.fetchToken(ctx)
			tc.mu.Lock()
			if f.err == nil {
				tc.cur = f.tok
				tc.refreshAt = refreshTime(cl.now(), f.tok.ExpiresAt)
			}
			tc.inflight = nil
			tc.mu.Unlock()
			close(f.done)
			return f.tok, f.err
		}
		tc.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("ordermgmt: %s: %w", OpToken, ctx.Err())
		}
		if f.err == nil {
			return f.tok, nil
		}
		// A fetch that ended because its own caller gave up says nothing
		// about this caller, which starts a fetch of its own.
		if (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) && ctx.Err() == nil {
			continue
		}
		return nil, f.err
	}
}

// invalidate forgets the cached token if it is still the rejected one; a
// newer token that another call fetched meanwhile is kept.
func (tc *tokenCache) invalidate(rejected string) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.cur != nil && tc.cur.AccessToken == rejected {
		tc.cur = nil
	}
}

// refreshTime is when a token that expires at exp should be replaced:
// a tenth of its remaining life early, at most 5 minutes, so that a token
// never expires between the check and the request it goes with.
func refreshTime(now, exp time.Time) time.Time {
	margin := min(exp.Sub(now)/10, 5*time.Minute)
	return exp.Add(-margin)
}

// fallbackLifetime is how long a token without any expiry field is used;
// a 401 renews it early if the service disagrees.
const fallbackLifetime = time.Minute

// fetchToken asks the service for a new token.
func (cl *Client) fetchToken(ctx context.Context) (*Token, error) {
	res, err := cl.do(ctx, call{op: OpToken, method: "POST", path: "/accesstoken/get", credentials: true})
	if err != nil {
		return nil, err
	}
	var w struct {
		TokenType    flexString `json:"token_type"`
		ExpiresIn    flexString `json:"expires_in"`
		ExtExpiresIn flexString `json:"ext_expires_in"`
		ExpiresOn    flexString `json:"expires_on"`
		NotBefore    flexString `json:"not_before"`
		Resource     flexString `json:"resource"`
		AccessToken  flexString `json:"access_token"`
	}
	if err := json.Unmarshal(res.body, &w); err != nil || w.AccessToken == "" {
		return nil, cl.fail(call{op: OpToken}, fmt.Errorf("ordermgmt: %s: the answer has no access_token (trace %s): %.200q",
			OpToken, res.traceID, res.body))
	}
	t := &Token{
		AccessToken: string(w.AccessToken),
		TokenType:   string(w.TokenType),
		Response: api.TokenResponse{
			TokenType: string(w.TokenType), ExpiresIn: string(w.ExpiresIn),
			ExtExpiresIn: string(w.ExtExpiresIn), ExpiresOn: string(w.ExpiresOn),
			NotBefore: string(w.NotBefore), Resource: string(w.Resource),
			AccessToken: string(w.AccessToken),
		},
	}
	// expires_in counts from now on our own clock, so it is right even when
	// the clocks disagree; expires_on is the fallback.
	now := cl.now()
	if s, err := strconv.ParseInt(string(w.ExpiresIn), 10, 64); err == nil && s > 0 {
		t.ExpiresAt = now.Add(time.Duration(s) * time.Second)
	} else if s, err := strconv.ParseInt(string(w.ExpiresOn), 10, 64); err == nil && s > 0 {
		t.ExpiresAt = time.Unix(s, 0)
	} else {
		t.ExpiresAt = now.Add(fallbackLifetime)
	}
	return t, nil
}

// flexString accepts a JSON string or number: the service sends strings,
// but a tolerant reader costs nothing.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	*f = flexString(strings.TrimSpace(string(b)))
	return nil
}
