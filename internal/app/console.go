package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/auth"
	"github.com/ordermgmt/ordermgmt/internal/buildinfo"
	"github.com/ordermgmt/ordermgmt/internal/console"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// consoleClientID is the client id of the console's own requests, as the
// server's logs and journal show them.
const consoleClientID = "ordermgmt-console"

// newConsole builds the support console mounted at /console/. It calls the
// API through the SDK like any integration, but in-process: its requests
// go straight to the server's handler, with tokens the server's issuer
// mints for exactly the merchant the signed-in user acts for. The console
// decides who may act for which merchant before a request is made.
//
// key is the subscription key of the console's tokens, random per process;
// consoleTokens lets tokens bound to it past the sales-unit check.
func newConsole(api http.Handler, issuer *auth.Issuer, st store.Store, fc *auth.FileConfig, addr, key string, sandbox, relay bool, log *slog.Logger) (*console.Console, error) {
	opts := console.Options{
		Open:     fc == nil,
		Sandbox:  sandbox,
		Relay:    relay,
		Images:   st,
		Loopback: console.LoopbackAddr(addr),
		Logger:   log,
	}
	sl, ok := st.(store.SupportLog)
	if !ok {
		return nil, fmt.Errorf("console: the %T store keeps no record of support actions", st)
	}
	opts.Actions = sl
	if fc != nil && fc.Console != nil {
		opts.Users, opts.Markets, opts.AppNames = fc.Console.Users, fc.Console.Markets, fc.Console.AppNames
	}
	t := &inProcess{handler: api, issuer: issuer, key: key}
	opts.Client = clientCache(func(msn string) (*client.Client, error) {
		return client.New(client.Config{
			BaseURL:  "http://ordermgmt.in-process",
			ClientID: consoleClientID, ClientSecret: "in-process", SubscriptionKey: t.key,
			MSN: msn,
			// All four headers, as the checklist asks of every client: the
			// console's own requests are in the sandbox journal too.
			System: client.System{Name: "ordermgmt-console", Version: buildinfo.Version(),
				PluginName: "ordermgmt-console", PluginVersion: buildinfo.Version()},
			HTTPClient: &http.Client{Transport: t},
			// Retries as a good integration does (with backoff, within
			// Retry-After), so that the console's own requests never count
			// against the merchant in the sandbox's checklist; short, as a
			// person waits for the page.
			Retry: client.RetryPolicy{MaxAttempts: 3, MinBackoff: 200 * time.Millisecond, MaxBackoff: time.Second, MaxRetryAfter: 2 * time.Second},
		})
	})
	return console.New(opts)
}

// consoleTokens is an authenticator that also admits the console's own
// tokens: a configured node checks every token against its sales units,
// and the console is none. Its tokens are minted in process, never by the
// token endpoint, for a subscription key only this process knows.
type consoleTokens struct {
	auth.Authenticator
	key string
}

// CheckToken implements auth.TokenChecker.
func (c consoleTokens) CheckToken(cl *auth.Claims, msn string) error {
	if cl.ClientID == consoleClientID && cl.MatchesSubscriptionKey(c.key) {
		return nil
	}
	if tc, ok := c.Authenticator.(auth.TokenChecker); ok {
		return tc.CheckToken(cl, msn)
	}
	return nil
}

// clientCache keeps one client per merchant, so each keeps its token.
func clientCache(newClient func(msn string) (*client.Client, error)) func(string) (*client.Client, error) {
	var mu sync.Mutex
	m := map[string]*client.Client{}
	return func(msn string) (*client.Client, error) {
		mu.Lock()
		defer mu.Unlock()
		if c, ok := m[msn]; ok {
			return c, nil
		}
		c, err := newClient(msn)
		if err != nil {
			return nil, err
		}
		m[msn] = c
		return c, nil
	}
}

// inProcess is an http.RoundTripper that serves requests with the API
// handler in the same process. A token request is answered with a token
// minted for the one merchant the request names; every other request goes
// through the server's handler, middleware and checks included.
type inProcess struct {
	handler http.Handler
	issuer  *auth.Issuer
	key     string // subscription key of the console's tokens, random per process
}

func (t *inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil {
		r.Body = http.NoBody
	}
	if strings.EqualFold(r.URL.Path, "/accesstoken/get") {
		r.Body.Close()
		return t.token(r)
	}
	in := r.Clone(r.Context())
	in.RequestURI = r.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	in.URL.Scheme, in.URL.Host = "", ""
	rec := &recorder{header: http.Header{}}
	t.handler.ServeHTTP(rec, in)
	return rec.response(r), nil
}

func (t *inProcess) token(r *http.Request) (*http.Response, error) {
	msn := r.Header.Get(api.HeaderMSN)
	rec := &recorder{header: http.Header{}}
	if !auth.ValidMSN(msn) {
		rec.header.Set("Content-Type", "application/json")
		rec.WriteHeader(http.StatusBadRequest)
		rec.Write([]byte(`{"error":"invalid_request","error_description":"The console names no valid Merchant-Serial-Number."}`))
		return rec.response(r), nil
	}
	tok, c, err := t.issuer.Mint(auth.Grant{ClientID: consoleClientID, SubscriptionKey: t.key, MSNs: []string{msn}})
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(t.issuer.TokenResponse(tok, c))
	if err != nil {
		return nil, err
	}
	rec.header.Set("Content-Type", "application/json")
	rec.header.Set("Cache-Control", "no-store")
	rec.WriteHeader(http.StatusOK)
	rec.Write(b)
	return rec.response(r), nil
}

// recorder collects a handler's answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }
func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}
func (w *recorder) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

func (w *recorder) response(r *http.Request) *http.Response {
	w.WriteHeader(http.StatusOK)
	return &http.Response{
		Status:        http.StatusText(w.status),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(bytes.NewReader(w.body.Bytes())),
		ContentLength: int64(w.body.Len()),
		Request:       r,
	}
}
