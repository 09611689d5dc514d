package auth

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// ConsoleUser is a person who may sign in to the support console in
// configured mode, and the merchants they may act for.
type ConsoleUser struct {
	// Name is the sign-in name; it is also what the record of support
	// actions names as who did what.
	Name string `json:"name"`
	// PasswordHash is a bcrypt hash (`ordermgmt hash-secret`) or an
	// argon2id hash in PHC form ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
	PasswordHash string   `json:"passwordHash"`
	MSNs         []string `json:"msns"`
}

// ConsoleConfig is the "console" section of the configuration file:
//
//	"console": {"users": [{"name": "kari", "passwordHash": "$2a$10$...", "msns": ["123456"]}],
//	            "markets": {"123456": "DK"}, "appNames": {"DK": "MobilePay"}}
type ConsoleConfig struct {
	Users []ConsoleUser `json:"users"`
	// Markets gives the market (NO, SE, DK, FI) of a merchant, which
	// decides the app name the customer view shows.
	Markets map[string]string `json:"markets,omitempty"`
	// AppNames overrides the app name of a market.
	AppNames map[string]string `json:"appNames,omitempty"`
}

// consoleMarkets are the markets the console knows an app name for.
var consoleMarkets = []string{"NO", "SE", "DK", "FI"}

// Validate reports every problem of the console section.
func (c *ConsoleConfig) Validate() error {
	var errs []error
	seen := map[string]int{}
	for i, u := range c.Users {
		where := fmt.Sprintf("console.users[%d]", i)
		bad := func(field, format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s: %s: %s", where, field, fmt.Sprintf(format, args...)))
		}
		switch j, dup := seen[u.Name]; {
		case strings.TrimSpace(u.Name) == "":
			bad("name", "is empty; give the name the person signs in with")
		case dup:
			bad("name", "%q is also the name of console.users[%d]; names must be unique", u.Name, j)
		default:
			seen[u.Name] = i
		}
		if err := checkPasswordHash(u.PasswordHash); err != nil {
			bad("passwordHash", "%v; make one with `ordermgmt hash-secret`", err)
		}
		if len(u.MSNs) == 0 {
			bad("msns", "is empty; list the Merchant-Serial-Numbers this person may act for")
		}
		for k, msn := range u.MSNs {
			if !ValidMSN(msn) {
				bad(fmt.Sprintf("msns[%d]", k), "%q is not a Merchant-Serial-Number; use 4 to 7 digits", msn)
			}
		}
	}
	for msn, m := range c.Markets {
		if !ValidMSN(msn) {
			errs = append(errs, fmt.Errorf("console.markets: %q is not a Merchant-Serial-Number", msn))
		}
		if !knownMarket(m) {
			errs = append(errs, fmt.Errorf("console.markets[%q]: %q is not a market; use NO, SE, DK or FI", msn, m))
		}
	}
	for m, name := range c.AppNames {
		if !knownMarket(m) {
			errs = append(errs, fmt.Errorf("console.appNames: %q is not a market; use NO, SE, DK or FI", m))
		}
		if strings.TrimSpace(name) == "" {
			errs = append(errs, fmt.Errorf("console.appNames[%q] is empty", m))
		}
	}
	return errors.Join(errs...)
}

func knownMarket(m string) bool {
	for _, k := range consoleMarkets {
		if m == k {
			return true
		}
	}
	return false
}

// LoadConsoleConfig reads the console section of a configuration file for
// the standalone console, which needs no sales units. A file without a
// console section is an error: the standalone console would have no users.
func LoadConsoleConfig(path string) (*ConsoleConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var cfg FileConfig
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("configuration file %s: %w", path, atPosition(b, err))
	}
	if cfg.Console == nil || len(cfg.Console.Users) == 0 {
		return nil, fmt.Errorf("configuration file %s: console.users: list at least one console user", path)
	}
	if err := cfg.Console.Validate(); err != nil {
		return nil, fmt.Errorf("configuration file %s: %w", path, err)
	}
	return cfg.Console, nil
}

// checkPasswordHash reports whether h is a hash CheckPassword can verify.
func checkPasswordHash(h string) error {
	switch {
	case h == "":
		return errors.New("is empty")
	case strings.HasPrefix(h, "$argon2id$"):
		_, err := parseArgon2id(h)
		return err
	default:
		if _, err := bcrypt.Cost([]byte(h)); err != nil {
			return fmt.Errorf("is neither a bcrypt nor an argon2id hash (%v)", err)
		}
	}
	return nil
}

// CheckPassword reports whether password matches a bcrypt or argon2id hash.
func CheckPassword(hash, password string) bool {
	if strings.HasPrefix(hash, "$argon2id$") {
		a, err := parseArgon2id(hash)
		if err != nil {
			return false
		}
		got := argon2.IDKey([]byte(password), a.salt, a.time, a.memory, a.threads, uint32(len(a.key)))
		return subtle.ConstantTimeCompare(got, a.key) == 1
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

type argon2Params struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parseArgon2id reads $argon2id$v=19$m=65536,t=3,p=4$<salt>$<key>, salt and
// key in unpadded standard base64, as the reference implementation writes.
func parseArgon2id(h string) (*argon2Params, error) {
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return nil, errors.New("is not an argon2id hash of the form $argon2id$v=19$m=...,t=...,p=...$salt$hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return nil, fmt.Errorf("argon2id version %q: want v=%d", parts[2], argon2.Version)
	}
	a := &argon2Params{}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &a.memory, &a.time, &a.threads); err != nil {
		return nil, fmt.Errorf("argon2id parameters %q: want m=...,t=...,p=...", parts[3])
	}
	if a.memory < 8*uint32(a.threads) || a.time < 1 || a.threads < 1 || a.memory > 4<<20 {
		return nil, fmt.Errorf("argon2id parameters %q are out of range", parts[3])
	}
	var err error
	enc := base64.RawStdEncoding
	if a.salt, err = enc.DecodeString(parts[4]); err != nil || len(a.salt) < 8 {
		return nil, errors.New("argon2id salt is not base64 of at least 8 bytes")
	}
	if a.key, err = enc.DecodeString(parts[5]); err != nil || len(a.key) < 16 {
		return nil, errors.New("argon2id hash is not base64 of at least 16 bytes")
	}
	return a, nil
}

// HashArgon2id returns the argon2id hash of a password in PHC form, with
// the RFC 9106 second recommended parameters (64 MiB, 3 passes).
func HashArgon2id(password string, salt []byte) string {
	const memory, passes, threads = 64 << 10, 3, 4
	key := argon2.IDKey([]byte(password), salt, passes, memory, threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memory, passes, threads,
		enc.EncodeToString(salt), enc.EncodeToString(key))
}
