package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"golang.org/x/crypto/bcrypt"
)

// SalesUnit is one merchant's API credentials in configured mode.
type SalesUnit struct {
	// Name is for people: it appears in error messages and logs.
	Name     string `json:"name"`
	ClientID string `json:"clientId"`
	// SecretHash is the bcrypt hash of the client secret (HashSecret, or
	// `ordermgmt hash-secret`); the secret itself is never stored.
	SecretHash      string   `json:"secretHash"`
	SubscriptionKey string   `json:"subscriptionKey"`
	MSNs            []string `json:"msns"`
}

// FileConfig is the credentials file of configured mode:
//
//	{"salesUnits": [{"name": "Shop", "clientId": "...", "secretHash": "$2a$10$...",
//	                 "subscriptionKey": "...", "msns": ["123456"]}]}
type FileConfig struct {
	SalesUnits []SalesUnit `json:"salesUnits"`
	// Console lists the people who may sign in to the support console.
	Console *ConsoleConfig `json:"console,omitempty"`
}

// LoadConfig reads and validates a credentials file. Unknown fields are
// errors, since a misspelt field would otherwise silently go missing.
func LoadConfig(path string) (*FileConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read credentials file: %w", err)
	}
	cfg, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("credentials file %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig decodes and validates the bytes of a credentials file.
func ParseConfig(b []byte) (*FileConfig, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var cfg FileConfig
	if err := dec.Decode(&cfg); err != nil {
		return nil, atPosition(b, err)
	}
	if dec.More() {
		return nil, errors.New("data after the JSON object")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// Validate reports every problem of the configuration, each naming the
// entry and field, such as `salesUnits[1] "Shop B": secretHash: ...`.
func (c *FileConfig) Validate() error {
	if len(c.SalesUnits) == 0 {
		return errors.New("salesUnits: list at least one sales unit")
	}
	var errs []error
	seen := make(map[string]int)
	for i, su := range c.SalesUnits {
		where := fmt.Sprintf("salesUnits[%d]", i)
		if su.Name != "" {
			where += fmt.Sprintf(" %q", su.Name)
		}
		bad := func(field, format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s: %s: %s", where, field, fmt.Sprintf(format, args...)))
		}
		switch j, dup := seen[su.ClientID]; {
		case su.ClientID == "":
			bad("clientId", "is empty; give the client_id the sales unit sends")
		case dup:
			bad("clientId", "%q is also the clientId of salesUnits[%d]; client ids must be unique", su.ClientID, j)
		default:
			seen[su.ClientID] = i
		}
		if su.SecretHash == "" {
			bad("secretHash", "is empty; make one with `ordermgmt hash-secret`")
		} else if _, err := bcrypt.Cost([]byte(su.SecretHash)); err != nil {
			bad("secretHash", "is not a bcrypt hash (%v); make one with `ordermgmt hash-secret`", err)
		}
		if su.SubscriptionKey == "" {
			bad("subscriptionKey", "is empty; give the Ocp-Apim-Subscription-Key the sales unit sends")
		}
		if len(su.MSNs) == 0 {
			bad("msns", "is empty; list at least one Merchant-Serial-Number")
		}
		for k, msn := range su.MSNs {
			if !ValidMSN(msn) {
				bad(fmt.Sprintf("msns[%d]", k), "%q is not a Merchant-Serial-Number; use 4 to 7 digits", msn)
			}
		}
	}
	if c.Console != nil {
		errs = append(errs, c.Console.Validate())
	}
	return errors.Join(errs...)
}
