package main

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// httpClient is the HTTP client of the API commands: with --verbose, one
// that prints every exchange; else nil, the SDK's default.
func (f *apiFlags) httpClient(e *env) *http.Client {
	if !f.verbose {
		return nil
	}
	return &http.Client{Transport: &verboseTransport{next: http.DefaultTransport, w: e.stderr, now: time.Now}}
}

// verboseTransport prints one line per HTTP exchange: method, URL,
// status, duration and trace id. Headers and bodies are never printed:
// they carry the client secret, the subscription key and the token.
type verboseTransport struct {
	next http.RoundTripper
	w    io.Writer
	now  func() time.Time
}

func (t *verboseTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := t.now()
	res, err := t.next.RoundTrip(r)
	d := t.now().Sub(start).Round(100 * time.Microsecond)
	// The answer's traceparent is the one the server logs; a request that
	// got none keeps the id it was sent with.
	trace := r.Header.Get(api.HeaderTraceparent)
	if err != nil {
		fmt.Fprintf(t.w, "> %s %s: %v (%s, trace id %s)\n", r.Method, r.URL.Redacted(), err, d, trace)
		return nil, err
	}
	if tp := res.Header.Get(api.HeaderTraceparent); tp != "" {
		trace = tp
	}
	fmt.Fprintf(t.w, "> %s %s: %s (%s, trace id %s)\n", r.Method, r.URL.Redacted(), res.Status, d, trace)
	return res, nil
}
