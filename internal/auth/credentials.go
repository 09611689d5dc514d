package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/ordermgmt/ordermgmt/api"
)

// Token error codes of the token endpoint (RFC 6749 §5.2, plus the MSN
// code of package api).
const (
	CodeInvalidRequest = "invalid_request"
	CodeInvalidClient  = api.CodeInvalidClient
	CodeMSNNotAllowed  = api.CodeMSNNotAllowed
)

// TokenError is a failed token request, sent as
// {"error": Code, "error_description": Description} with Status (contract §7).
type TokenError struct {
	Status      int
	Code        string
	Description string
}

// Error implements error.
func (e *TokenError) Error() string { return e.Code + ": " + e.Description }

// Grant is what a successful credential check allows: a token for a
// client, bound to its subscription key and to MSNs (empty: any merchant).
type Grant struct {
	ClientID, SubscriptionKey string
	MSNs                      []string
}

// Authenticator decides whether a token request's credentials earn a token.
type Authenticator interface {
	// Authenticate checks a token request's credentials; msn is the
	// optional Merchant-Serial-Number header. Failures are *TokenError,
	// or ctx's error when ctx is done.
	Authenticate(ctx context.Context, clientID, clientSecret, subscriptionKey, msn string) (Grant, error)
}

// checkRequest rejects a token request that lacks a header or names a
// malformed MSN, with 400 invalid_request: both modes ask for the same
// headers, so a client that works against the sandbox works in production.
func checkRequest(clientID, clientSecret, subscriptionKey, msn string) error {
	var missing []string
	if clientID == "" {
		missing = append(missing, api.HeaderClientID)
	}
	if clientSecret == "" {
		missing = append(missing, api.HeaderClientSecret)
	}
	if subscriptionKey == "" {
		missing = append(missing, api.HeaderSubscriptionKey)
	}
	if len(missing) > 0 {
		return &TokenError{Status: http.StatusBadRequest, Code: CodeInvalidRequest,
			Description: "Missing header(s) " + strings.Join(missing, ", ") + "; send the client_id, client_secret and Ocp-Apim-Subscription-Key of your sales unit."}
	}
	if msn != "" && !ValidMSN(msn) {
		return &TokenError{Status: http.StatusBadRequest, Code: CodeInvalidRequest,
			Description: fmt.Sprintf("Merchant-Serial-Number %q must be 4 to 7 digits.", msn)}
	}
	return nil
}

// ValidMSN reports whether s has the form of a Merchant-Serial-Number: 4 to 7
// ASCII digits (contract §2).
func ValidMSN(s string) bool {
	if len(s) < 4 || len(s) > 7 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// TokenChecker is an Authenticator that withdraws tokens it granted when
// the grant no longer holds: a configured node checks every request's
// token against the sales units it has now (contract §8).
type TokenChecker interface {
	// CheckToken reports whether a verified token's client may still act
	// for msn: nil, or an *api.Problem of kind api.ErrUnauthenticated (the
	// sales unit is gone or its subscription key changed) or
	// api.ErrForbidden (the unit no longer has msn).
	CheckToken(c *Claims, msn string) error
}

type sandbox struct{}

// Sandbox returns the authenticator of sandbox mode (contract §3): any
// client_id, client_secret and subscription key are accepted, but all three
// must be present (else 400 invalid_request), as the real service requires.
// The grant is bound to the client id and subscription key, and to the
// Merchant-Serial-Number when one is given (else to any merchant, as a
// partner's token is). A malformed MSN is 400 invalid_request.
func Sandbox() Authenticator { return sandbox{} }

func (sandbox) Authenticate(ctx context.Context, clientID, clientSecret, subscriptionKey, msn string) (Grant, error) {
	if err := ctx.Err(); err != nil {
		return Grant{}, err
	}
	if err := checkRequest(clientID, clientSecret, subscriptionKey, msn); err != nil {
		return Grant{}, err
	}
	g := Grant{ClientID: clientID, SubscriptionKey: subscriptionKey}
	if msn != "" {
		g.MSNs = []string{msn}
	}
	return g, nil
}

type configured struct {
	units map[string]*unit
	// dummyHash is compared against when the client id is unknown, so an
	// unknown client costs as much time as a known one with a wrong secret.
	dummyHash []byte
}

type unit struct {
	SalesUnit
	hash   []byte
	keySum [sha256.Size]byte
	// keyHex is keySum as tokens carry it.
	keyHex string
}

// Configured returns the authenticator of configured mode: only the sales
// units of cfg, which must have passed FileConfig.Validate, get tokens.
//
//   - a missing header or malformed MSN: 400 invalid_request;
//   - an unknown client id, wrong secret or wrong subscription key: 401
//     invalid_client, without saying which (every check runs, bcrypt
//     included, so the response time does not tell either);
//   - an MSN the unit does not have: 403 msn_not_allowed.
//
// The grant is bound to the requested MSN, or without one to all the
// unit's MSNs.
func Configured(cfg *FileConfig) Authenticator {
	a := &configured{units: make(map[string]*unit)}
	cost := bcrypt.DefaultCost
	for _, su := range cfg.SalesUnits {
		u := &unit{SalesUnit: su, hash: []byte(su.SecretHash), keySum: sha256.Sum256([]byte(su.SubscriptionKey))}
		u.keyHex = hex.EncodeToString(u.keySum[:])
		u.MSNs = slices.Clone(su.MSNs)
		a.units[su.ClientID] = u
		if c, err := bcrypt.Cost(u.hash); err == nil {
			cost = c
		}
	}
	// A hash of the units' cost makes an unknown client as slow as a known
	// one. GenerateFromPassword fails only for a cost out of range, which
	// Cost above never returns.
	a.dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no such client"), cost)
	return a
}

func (a *configured) Authenticate(ctx context.Context, clientID, clientSecret, subscriptionKey, msn string) (Grant, error) {
	if err := ctx.Err(); err != nil {
		return Grant{}, err
	}
	if err := checkRequest(clientID, clientSecret, subscriptionKey, msn); err != nil {
		return Grant{}, err
	}
	u, known := a.units[clientID]
	hash, keySum := a.dummyHash, [sha256.Size]byte{}
	if known {
		hash, keySum = u.hash, u.keySum
	}
	secretOK := bcrypt.CompareHashAndPassword(hash, []byte(clientSecret)) == nil
	// Comparing digests keeps the comparison constant-time whatever the
	// lengths of the keys.
	sum := sha256.Sum256([]byte(subscriptionKey))
	keyOK := subtle.ConstantTimeCompare(sum[:], keySum[:]) == 1
	if !known || !secretOK || !keyOK {
		return Grant{}, &TokenError{Status: http.StatusUnauthorized, Code: CodeInvalidClient,
			Description: "Wrong client_id, client_secret or Ocp-Apim-Subscription-Key."}
	}
	g := Grant{ClientID: clientID, SubscriptionKey: subscriptionKey, MSNs: slices.Clone(u.MSNs)}
	if msn != "" {
		if !slices.Contains(u.MSNs, msn) {
			return Grant{}, &TokenError{Status: http.StatusForbidden, Code: CodeMSNNotAllowed,
				Description: fmt.Sprintf("Client %q may not act for Merchant-Serial-Number %s.", clientID, msn)}
		}
		g.MSNs = []string{msn}
	}
	return g, nil
}

// CheckToken implements TokenChecker: the token's sales unit must still be
// configured with the subscription key the token was minted for, and
// still have msn.
func (a *configured) CheckToken(c *Claims, msn string) error {
	u, ok := a.units[c.ClientID]
	switch {
	case !ok:
		return invalidToken("The sales unit of this access token is no longer configured.")
	case u.keyHex != c.SubscriptionKey:
		return invalidToken("The subscription key of this sales unit has changed since the access token was issued; get a new token.")
	case !slices.Contains(u.MSNs, msn):
		return api.NewProblem(api.ErrForbidden, api.CodeMSNNotAllowed,
			fmt.Sprintf("Client %q may no longer act for Merchant-Serial-Number %s.", c.ClientID, msn))
	}
	return nil
}

// HashSecret returns the bcrypt hash of a client secret, for the secretHash
// of a sales unit in the configuration file.
func HashSecret(secret string) (string, error) {
	if secret == "" {
		return "", errors.New("hash secret: the secret is empty")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(secret), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash secret: %w", err)
	}
	return string(h), nil
}
