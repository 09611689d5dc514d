package relay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
)

// Credentials are a sales unit's upstream API keys, from the merchant portal.
type Credentials struct {
	// Name is for people: logs and the status API name it.
	Name            string   `json:"name"`
	ClientID        string   `json:"clientId"`
	ClientSecret    string   `json:"clientSecret"`
	SubscriptionKey string   `json:"subscriptionKey"`
	MSNs            []string `json:"msns"`
}

// CredentialsFile is the relay's upstream credentials file:
//
//	{"salesUnits": [{"name": "Shop", "clientId": "...", "clientSecret": "...",
//	                 "subscriptionKey": "...", "msns": ["123456"]}]}
type CredentialsFile struct {
	SalesUnits []Credentials `json:"salesUnits"`
}

// LoadCredentials reads and checks a credentials file. Unknown fields are
// errors, since a misspelt field would otherwise silently go missing.
func LoadCredentials(path string) (map[string]Credentials, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read upstream credentials: %w", err)
	}
	var f CredentialsFile
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&f); err != nil {
		return nil, fmt.Errorf("upstream credentials %s: %w", path, err)
	}
	byMSN := map[string]Credentials{}
	var errs []error
	for i, c := range f.SalesUnits {
		where := fmt.Sprintf("salesUnits[%d]", i)
		if c.ClientID == "" || c.ClientSecret == "" || c.SubscriptionKey == "" {
			errs = append(errs, fmt.Errorf("%s: clientId, clientSecret and subscriptionKey are required", where))
		}
		if len(c.MSNs) == 0 {
			errs = append(errs, fmt.Errorf("%s: msns must list at least one Merchant-Serial-Number", where))
		}
		for _, m := range c.MSNs {
			if ps := api.CheckMSN(m); len(ps) > 0 {
				errs = append(errs, fmt.Errorf("%s: msn %q: %s", where, m, ps[0].Reason))
			}
			if _, dup := byMSN[m]; dup {
				errs = append(errs, fmt.Errorf("%s: msn %s is listed twice", where, m))
			}
			byMSN[m] = c
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("upstream credentials %s: %w", path, errors.Join(errs...))
	}
	return byMSN, nil
}

// Config is what a Relay is built from. Zero durations take the defaults.
type Config struct {
	// Upstream is "production", "test" or a base URL.
	Upstream string
	// Credentials are the upstream keys by MSN. A write for an MSN without
	// keys is accepted and waits, failed, until keys are configured and
	// support retries it.
	Credentials map[string]Credentials
	// System names the relay upstream (Vipps-System-* headers).
	System client.System
	// Node names this relay among the nodes sharing a database; its leases
	// carry the name, and a node released its own leases when it starts.
	Node string
	// Workers is how many deliveries run at once; default 4.
	Workers int
	// Deadline is how long a delivery is retried before it is failed;
	// default 72 h.
	Deadline time.Duration
	// Lease is how long a claimed delivery is held for one node; it must
	// outlast an attempt. Default 2 minutes.
	Lease time.Duration
	// AttemptTimeout ends an upstream call that gets no answer; default 30 s.
	AttemptTimeout time.Duration
	// ReadTimeout bounds a read forwarded upstream before the local answer
	// is given; default 5 s.
	ReadTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between attempts (doubling,
	// with jitter); default 1 s and 10 minutes.
	MinBackoff, MaxBackoff time.Duration
	// Poll is how often an idle worker looks for deliveries that came due;
	// default 1 s. A local write wakes a worker at once.
	Poll time.Duration
	// DeliveredRetention is how long a delivered delivery stays in the
	// outbox (the status API and the console show it) before it is pruned;
	// zero keeps delivered deliveries forever. Other states are never
	// pruned. ordermgmt relay defaults it to DefaultDeliveredRetention.
	DeliveredRetention time.Duration
	// HTTPClient sends upstream requests; nil means a default client.
	HTTPClient *http.Client
	// Now and Rand (in [0, 1)) are injected so tests are deterministic.
	Now  func() time.Time
	Rand func() float64
}

// Defaults of the zero Config fields.
const (
	DefaultWorkers        = 4
	DefaultDeadline       = 72 * time.Hour
	DefaultLease          = 2 * time.Minute
	DefaultAttemptTimeout = 30 * time.Second
	DefaultReadTimeout    = 5 * time.Second
	DefaultMinBackoff     = time.Second
	DefaultMaxBackoff     = 10 * time.Minute
	DefaultPoll           = time.Second
	// DefaultDeliveredRetention is ordermgmt relay's --delivered-retention.
	DefaultDeliveredRetention = 7 * 24 * time.Hour
)

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	def(&c.Deadline, DefaultDeadline)
	def(&c.Lease, DefaultLease)
	def(&c.AttemptTimeout, DefaultAttemptTimeout)
	def(&c.ReadTimeout, DefaultReadTimeout)
	def(&c.MinBackoff, DefaultMinBackoff)
	def(&c.MaxBackoff, DefaultMaxBackoff)
	def(&c.Poll, DefaultPoll)
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = c.MinBackoff
	}
	if c.System.Name == "" {
		c.System = client.System{Name: "ordermgmt-relay", Version: "1"}
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	return c
}
