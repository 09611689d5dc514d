// Package console is the support console: server-rendered pages where a
// support agent answers "what did this customer get, and what went wrong?"
// for one order, sees what the customer sees in the app, and acts on the
// order (category, image, receipt), every action recorded.
//
// The console reaches the Order Management API only through the Go SDK
// (package client), so it works the same mounted in our server and run
// alone against any implementation of the API, the real one included.
// Pages are html/template with embedded templates and styles and need no
// JavaScript; every form carries a per-session CSRF token and the whole
// handler sits behind net/http's cross-origin protection.
package console

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/auth"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// Prefix is where the console is mounted.
const Prefix = "/console"

// ImageReader reads an uploaded image with its bytes. The Order Management
// API has no operation that returns an image, so only a console inside our
// server, reading the store, can show one; a standalone console shows the
// image id.
type ImageReader interface {
	GetImage(ctx context.Context, msn, id string) (*store.Image, error)
}

// Options are what a Console is built from.
type Options struct {
	// Client returns the SDK client that acts for a merchant.
	Client func(msn string) (*client.Client, error)
	// Open lets anyone use the console without signing in, for any
	// merchant, as the sandbox API is open to any credentials. Otherwise
	// Users sign in and see only their MSNs.
	Open  bool
	Users []auth.ConsoleUser
	// Markets and AppNames decide the app name per merchant (see AppName).
	Markets  map[string]string
	AppNames map[string]string
	// Images reads images for display; nil shows image ids only.
	Images ImageReader
	// Actions keeps the record of support actions.
	Actions store.SupportLog
	// Sandbox shows the sandbox's tools (checklist, fault rules, journal)
	// and each order's request history; the API must offer /_sandbox/.
	Sandbox bool
	// Relay shows each order's deliveries upstream and a page of late and
	// failed ones; the API must be a relay's (/_relay/deliveries).
	Relay bool
	// Loopback is true when the console listens on a loopback address
	// only; an open console on any other address says so on every page.
	Loopback bool
	// Where names the API the console acts on, for the page header.
	Where string
	// Now and Rand replace the clock and the randomness of session ids.
	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger
}

// Console serves the console's pages under Prefix.
type Console struct {
	opts     Options
	users    map[string]auth.ConsoleUser
	sessions *sessions
	throttle *throttle
	pages    *pages
	handler  http.Handler
	// dummyHash is checked for an unknown sign-in name.
	dummyHash string
	log       *slog.Logger
	now       func() time.Time
}

// New builds a Console.
func New(opts Options) (*Console, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	c := &Console{
		opts:     opts,
		users:    make(map[string]auth.ConsoleUser),
		sessions: newSessions(opts.Now, opts.Rand),
		throttle: newThrottle(opts.Now),
		pages:    p,
		log:      opts.Logger,
		now:      opts.Now,
	}
	if c.dummyHash, err = auth.HashSecret(rand.Text()); err != nil {
		return nil, err
	}
	for _, u := range opts.Users {
		c.users[u.Name] = u
	}
	mux := http.NewServeMux()
	c.routes(mux)
	cop := http.NewCrossOriginProtection()
	c.handler = securityHeaders(cop.Handler(mux))
	return c, nil
}

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }

// csp allows the console's own styles and images (and the barcode, drawn
// as a data: URL) and nothing else: no script at all, no frames, forms
// only to the console itself.
const csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// allowed reports whether the session may see merchant msn.
func (c *Console) allowed(s *session, msn string) bool {
	if len(api.CheckMSN(msn)) > 0 {
		return false
	}
	if c.opts.Open {
		return true
	}
	for _, m := range s.msns {
		if m == msn {
			return true
		}
	}
	return false
}

// LoopbackAddr reports whether a listen address (host:port) accepts
// loopback connections only.
func LoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && host != "" && isLoopbackHost(host)
}

// isLoopbackHost reports whether a Host header names a loopback address.
func isLoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
