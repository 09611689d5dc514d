package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// Named environments that Config.BaseURL accepts besides a URL.
const (
	EnvProduction = "production"
	EnvTest       = "test"
)

// Base URLs of the named environments.
const (
	ProductionURL = "https://api.vipps.no"
	TestURL       = "https://apitest.vipps.no"
)

// ResolveBaseURL turns an environment name (production, test) or an
// absolute http(s) URL into a base URL without a trailing slash.
func ResolveBaseURL(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case EnvProduction:
		return ProductionURL, nil
	case EnvTest:
		return TestURL, nil
	case "":
		return "", errors.New(`base URL is empty; use "production", "test" or a URL such as http://127.0.0.1:8080`)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf(`base URL %q is neither "production", "test" nor an absolute http(s) URL`, s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("base URL %q must not have a query or fragment", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// System names the software that calls the API. The values travel in the
// Vipps-System-* headers of every request so that support can tell which
// integration sent what. Keep each at most 30 characters, names as one
// lower-case word (for example "acme-shop", "woocommerce").
type System struct {
	Name    string // required, e.g. "acme-shop"
	Version string // required, e.g. "2.3.1"
	// PluginName and PluginVersion name the integration between the
	// system and the API. When both are empty the client sends its own,
	// "ordermgmt-go" and its module version: the checklist asks for all
	// four headers on every call.
	PluginName    string // optional, e.g. "ordermgmt-go"
	PluginVersion string // optional
}

// SDKName is the Vipps-System-Plugin-Name the client sends when
// System.PluginName and PluginVersion are empty.
const SDKName = "ordermgmt-go"

// sdkVersion is the version of this module in the program's build, or
// "dev" for a build from a work tree.
func sdkVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	const path = "github.com/ordermgmt/ordermgmt"
	for _, m := range append([]*debug.Module{&bi.Main}, bi.Deps...) {
		if m.Path == path && m.Version != "" && m.Version != "(devel)" {
			return m.Version
		}
	}
	return "dev"
}

// RetryPolicy bounds the retries of one call. Zero fields take the
// defaults; the caller's context bounds everything in addition.
type RetryPolicy struct {
	// MaxAttempts counts every attempt, the first included; 1 disables
	// retries. Default 4.
	MaxAttempts int
	// MinBackoff is the wait before the first retry; each later wait
	// doubles, up to MaxBackoff. Default 250ms and 8s.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits for; a 429
	// that asks for more is returned to the caller. Default 1 minute.
	MaxRetryAfter time.Duration
	// AttemptTimeout ends an attempt that gets no answer (a stalled
	// connection), so that it can be retried. Default 30s; negative
	// means no limit beyond the context and the HTTP client.
	AttemptTimeout time.Duration
}

// DefaultRetryPolicy is the policy that zero fields of RetryPolicy take.
var DefaultRetryPolicy = RetryPolicy{
	MaxAttempts:    4,
	MinBackoff:     250 * time.Millisecond,
	MaxBackoff:     8 * time.Second,
	MaxRetryAfter:  time.Minute,
	AttemptTimeout: 30 * time.Second,
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	if p.MaxAttempts > 0 {
		d.MaxAttempts = p.MaxAttempts
	}
	if p.MinBackoff > 0 {
		d.MinBackoff = p.MinBackoff
	}
	if p.MaxBackoff > 0 {
		d.MaxBackoff = p.MaxBackoff
	}
	if d.MaxBackoff < d.MinBackoff {
		d.MaxBackoff = d.MinBackoff
	}
	if p.MaxRetryAfter > 0 {
		d.MaxRetryAfter = p.MaxRetryAfter
	}
	if p.AttemptTimeout != 0 {
		d.AttemptTimeout = p.AttemptTimeout
	}
	return d
}

// Config configures a Client.
type Config struct {
	// BaseURL is "production", "test" or any absolute URL, such as the
	// address of an ordermgmt sandbox server.
	BaseURL string

	// Credentials of the sales unit, from the merchant portal (or any
	// values for a sandbox server in its default mode).
	ClientID        string
	ClientSecret    string
	SubscriptionKey string
	// MSN is the Merchant-Serial-Number, 4 to 7 digits. It is required for
	// the order-management calls and optional for the token.
	MSN string

	// System is sent in the Vipps-System-* headers; Name and Version are
	// required.
	System System

	// HTTPClient sends the requests; nil means a client without a timeout
	// of its own (RetryPolicy.AttemptTimeout and the context bound calls).
	HTTPClient *http.Client
	// Retry bounds retries; zero fields take DefaultRetryPolicy's values.
	Retry RetryPolicy
	// Logger receives every failed request with its trace id, and every
	// retry; nil discards.
	Logger *slog.Logger

	// Now, Sleep and Rand replace the clock, the backoff wait and the
	// jitter source, so that tests are deterministic; nil means the real
	// ones. Rand returns a number in [0, 1).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	Rand  func() float64
}

// Client calls the Order Management API. It is safe for concurrent use; one
// Client per set of credentials shares one cached token.
type Client struct {
	base   string
	cfg    Config
	hc     *http.Client
	retry  RetryPolicy
	log    *slog.Logger
	now    func() time.Time
	sleep  func(context.Context, time.Duration) error
	random func() float64
	tokens tokenCache
}

// New checks cfg and returns a client. It rejects a config without base URL,
// credentials, system name or version, and an invalid MSN, naming every
// problem at once; it logs a warning for a Vipps-System-* value over 30
// characters, which the checklist asks clients to avoid.
func New(cfg Config) (*Client, error) {
	var errs []error
	base, err := ResolveBaseURL(cfg.BaseURL)
	if err != nil {
		errs = append(errs, fmt.Errorf("Config.BaseURL: %w", err))
	}
	for _, f := range []struct{ name, value, why string }{
		{"ClientID", cfg.ClientID, "the client_id of the sales unit"},
		{"ClientSecret", cfg.ClientSecret, "the client_secret of the sales unit"},
		{"SubscriptionKey", cfg.SubscriptionKey, "the Ocp-Apim-Subscription-Key of the sales unit"},
		{"System.Name", cfg.System.Name, "a lower-case word naming your system, sent as Vipps-System-Name"},
		{"System.Version", cfg.System.Version, "the version of your system, sent as Vipps-System-Version"},
	} {
		if strings.TrimSpace(f.value) == "" {
			errs = append(errs, fmt.Errorf("Config.%s is required: %s", f.name, f.why))
		}
	}
	if cfg.MSN != "" {
		for _, p := range api.CheckMSN(cfg.MSN) {
			errs = append(errs, fmt.Errorf("Config.MSN: %s", p.Reason))
		}
	}
	if cfg.Retry.MaxAttempts < 0 || cfg.Retry.MinBackoff < 0 || cfg.Retry.MaxBackoff < 0 || cfg.Retry.MaxRetryAfter < 0 {
		errs = append(errs, errors.New("Config.Retry: attempts and durations must not be negative"))
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, h := range cfg.systemHeaders() {
		switch n := len([]rune(h.value)); {
		case n > api.MaxSystemHeaderLen:
			errs = append(errs, fmt.Errorf("%s is %d characters; the service accepts at most %d (keep it within %d)",
				h.field, n, api.MaxSystemHeaderLen, api.RecommendedSystemHeaderLen))
		case n > api.RecommendedSystemHeaderLen:
			log.Warn("ordermgmt: system header value is over the recommended length",
				"field", h.field, "header", h.header, "length", n, "max", api.RecommendedSystemHeaderLen)
		}
	}
	if len(errs) > 0 {
		return nil, &ConfigError{Errs: errs}
	}
	if cfg.System.PluginName == "" && cfg.System.PluginVersion == "" {
		cfg.System.PluginName, cfg.System.PluginVersion = SDKName, sdkVersion()
	}
	c := &Client{
		base:   base,
		cfg:    cfg,
		hc:     cfg.HTTPClient,
		retry:  cfg.Retry.withDefaults(),
		log:    log,
		now:    cfg.Now,
		sleep:  cfg.Sleep,
		random: cfg.Rand,
	}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleepContext
	}
	if c.random == nil {
		c.random = rand.Float64
	}
	return c, nil
}

// BaseURL returns the resolved base URL the client sends requests to.
func (c *Client) BaseURL() string { return c.base }

// MSN returns the merchant serial number the client acts for.
func (c *Client) MSN() string { return c.cfg.MSN }

// ConfigError lists every problem New found in a Config.
type ConfigError struct {
	Errs []error
}

// Error lists the problems in one line.
func (e *ConfigError) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		msgs[i] = err.Error()
	}
	return "ordermgmt: invalid client config: " + strings.Join(msgs, "; ")
}

// Unwrap returns the individual problems.
func (e *ConfigError) Unwrap() []error { return e.Errs }

type systemHeader struct{ field, header, value string }

func (cfg *Config) systemHeaders() []systemHeader {
	return []systemHeader{
		{"Config.System.Name", api.HeaderSystemName, cfg.System.Name},
		{"Config.System.Version", api.HeaderSystemVersion, cfg.System.Version},
		{"Config.System.PluginName", api.HeaderSystemPluginName, cfg.System.PluginName},
		{"Config.System.PluginVersion", api.HeaderSystemPluginVersion, cfg.System.PluginVersion},
	}
}

// sleepContext waits d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
