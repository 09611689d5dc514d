package client

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
)

func TestResolveBaseURL(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"production", ProductionURL, true},
		{"Test", TestURL, true},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080", true},
		{"https://sandbox.example.com/om", "https://sandbox.example.com/om", true},
		{"", "", false},
		{"staging", "", false},
		{"ftp://example.com", "", false},
		{"https://example.com/?x=1", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ResolveBaseURL(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("ResolveBaseURL(%q) = %q, %v, want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func validConfig() Config {
	return Config{
		BaseURL: "test", ClientID: "id", ClientSecret: "secret", SubscriptionKey: "key", MSN: "123456",
		System: System{Name: "acme", Version: "1.0"},
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want []string // every fragment must appear in the error
	}{
		{"no system name", func(c *Config) { c.System.Name = "" }, []string{"Config.System.Name is required"}},
		{"no system version", func(c *Config) { c.System.Version = " " }, []string{"Config.System.Version is required"}},
		{"no name nor version", func(c *Config) { c.System = System{} },
			[]string{"Config.System.Name is required", "Config.System.Version is required"}},
		{"no credentials", func(c *Config) { c.ClientID, c.ClientSecret, c.SubscriptionKey = "", "", "" },
			[]string{"Config.ClientID", "Config.ClientSecret", "Config.SubscriptionKey"}},
		{"bad base URL", func(c *Config) { c.BaseURL = "staging" }, []string{"Config.BaseURL"}},
		{"bad MSN", func(c *Config) { c.MSN = "12ab" }, []string{"Config.MSN", "4 to 7 digits"}},
		{"system value over 100", func(c *Config) { c.System.PluginName = strings.Repeat("x", 101) },
			[]string{"Config.System.PluginName is 101 characters"}},
		{"negative retry", func(c *Config) { c.Retry.MaxAttempts = -1 }, []string{"Config.Retry"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			tt.edit(&cfg)
			c, err := New(cfg)
			if err == nil {
				t.Fatalf("New() = %v, nil, want an error", c)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("New() error %T, want *ConfigError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("New() error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestNewWarnsOnLongSystemValues(t *testing.T) {
	var buf bytes.Buffer
	cfg := validConfig()
	cfg.System.Name = strings.Repeat("n", 31)
	cfg.System.PluginVersion = strings.Repeat("v", 30) // at the limit: no warning
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	if _, err := New(cfg); err != nil {
		t.Fatalf("New: %v", err)
	}
	logs := buf.String()
	if !strings.Contains(logs, "header=Vipps-System-Name") || !strings.Contains(logs, "length=31") {
		t.Errorf("log = %q, want a warning about Vipps-System-Name of length 31", logs)
	}
	if strings.Contains(logs, "Plugin-Version") {
		t.Errorf("log = %q, want no warning for a 30-character value", logs)
	}
}

// TestHeadersOnEveryRequest checks the checklist's headers on every kind of
// request, the token request included.
func TestHeadersOnEveryRequest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.c.SetCategory(ctx, "ecom", "o-1", api.Category{Category: api.CategoryReceipt, OrderDetailsURL: "https://example.com/o/1"}); err != nil {
		t.Fatal(err)
	}
	r := mustBuild(t, NewReceipt("NOK").AddLine(LineSpec{Name: "Socks", ID: "s", UnitPrice: 9900, TaxRate: 2500}))
	if _, err := e.c.AddReceipt(ctx, "ecom", "o-1", r); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.GetOrder(ctx, "ECOM", "o-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.AddImage(ctx, "", testPNG(t, 200, 200)); err != nil {
		t.Fatal(err)
	}
	reqs := e.f.recordedRequests()
	if len(reqs) != 5 {
		t.Fatalf("%d requests, want 5 (token, category, receipt, order, image)", len(reqs))
	}
	want := map[string]string{
		api.HeaderSubscriptionKey:     "sub-1",
		api.HeaderMSN:                 "123456",
		api.HeaderSystemName:          "acme",
		api.HeaderSystemVersion:       "1.2.3",
		api.HeaderSystemPluginName:    "ordermgmt-go",
		api.HeaderSystemPluginVersion: "0.1.0",
	}
	for _, r := range reqs {
		for h, v := range want {
			if got := r.Header.Get(h); got != v {
				t.Errorf("%s %s: header %s = %q, want %q", r.Method, r.Path, h, got, v)
			}
		}
		if tp := r.Header.Get(api.HeaderTraceparent); len(tp) != 55 {
			t.Errorf("%s %s: traceparent = %q, want a W3C traceparent", r.Method, r.Path, tp)
		}
		isToken := r.Path == "/accesstoken/get"
		if got := r.Header.Get(api.HeaderClientID) != ""; got != isToken {
			t.Errorf("%s %s: client_id sent = %v, want %v", r.Method, r.Path, got, isToken)
		}
		if got := r.Header.Get("Authorization"); (got == "Bearer tok-1") == isToken {
			t.Errorf("%s %s: Authorization = %q", r.Method, r.Path, got)
		}
		if len(r.Body) > 0 && r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: Content-Type = %q, want application/json", r.Method, r.Path, r.Header.Get("Content-Type"))
		}
	}
	if reqs[0].Path != "/accesstoken/get" || len(reqs[0].Body) != 0 {
		t.Errorf("first request = %s with %d body bytes, want the token request with an empty body", reqs[0].Path, len(reqs[0].Body))
	}
}

// TestPathParamsCheckedBeforeSending: a bad payment type or order id never
// becomes part of a URL.
func TestPathParamsCheckedBeforeSending(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		pt      api.PaymentType
		orderID string
		param   string
	}{
		{"card", "o-1", "paymentType"},
		{"", "o-1", "paymentType"},
		{"ecom", "../../accesstoken/get", "orderId"},
		{"ecom", "", "orderId"},
		{"ecom", strings.Repeat("a", 129), "orderId"},
	}
	for _, tt := range tests {
		t.Run(string(tt.pt)+"/"+tt.orderID, func(t *testing.T) {
			_, err := e.c.GetOrder(context.Background(), tt.pt, tt.orderID)
			var p *api.Problem
			if !errors.As(err, &p) || len(p.InvalidParams) == 0 || p.InvalidParams[0].Name != tt.param {
				t.Fatalf("GetOrder(%q, %q) error = %v, want a problem naming %s", tt.pt, tt.orderID, err, tt.param)
			}
			if !errors.Is(err, api.ErrInvalid) {
				t.Errorf("errors.Is(%v, api.ErrInvalid) = false, want true", err)
			}
		})
	}
	if n := len(e.f.recordedRequests()); n != 0 {
		t.Errorf("%d requests sent, want 0", n)
	}
}

func TestMSNRequiredForOrderCalls(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MSN = "" })
	_, err := e.c.GetOrder(context.Background(), "ecom", "o-1")
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "Config.MSN is required") {
		t.Fatalf("GetOrder without MSN: error = %v, want a ConfigError about Config.MSN", err)
	}
	// The token needs no MSN, and then goes without the header.
	if _, err := e.c.Token(context.Background()); err != nil {
		t.Fatalf("Token without MSN: %v", err)
	}
	if h := e.f.recordedRequests()[0].Header; h.Get(api.HeaderMSN) != "" {
		t.Errorf("token request sent %s = %q, want none", api.HeaderMSN, h.Get(api.HeaderMSN))
	}
}

// TestErrorsAreLoggedWithTraceID: every failed call leaves a log line with
// the trace id support needs.
func TestErrorsAreLoggedWithTraceID(t *testing.T) {
	var buf bytes.Buffer
	e := newEnv(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&buf, nil)) })
	_, err := e.c.GetOrder(context.Background(), "ecom", "missing")
	var ae *Error
	if !errors.As(err, &ae) || ae.TraceID == "" {
		t.Fatalf("GetOrder(missing) error = %v, want an *Error with a trace id", err)
	}
	if !strings.Contains(buf.String(), "trace_id="+ae.TraceID) {
		t.Errorf("log = %q, want it to contain trace_id=%s", buf.String(), ae.TraceID)
	}
}

func TestBaseURLWithPathPrefix(t *testing.T) {
	e := newEnv(t)
	var seen string
	e.c.base += "/prefix"
	e.c.hc = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = r.URL.Path
		return nil, errors.New("stop")
	})}
	e.c.retry.MaxAttempts = 1
	e.c.Token(context.Background())
	if seen != "/prefix/accesstoken/get" {
		t.Errorf("token path = %q, want /prefix/accesstoken/get", seen)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
