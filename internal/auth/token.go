package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/ordermgmt/ordermgmt/api"
)

// Defaults of IssuerConfig.
const (
	DefaultTTL       = time.Hour
	DefaultCacheSize = 10000
	// Leeway is how far a token's not-before (and issued-at) may lie in the
	// future, for nodes whose clocks disagree a little. Expiry gets none:
	// a token is never accepted after it expires.
	Leeway = 30 * time.Second
	// Resource is the fixed "resource" of token responses; the real service
	// sends this id too.
	Resource = "00000002-0000-0000-c000-000000000000"
)

// Claims are the verified facts of an access token.
type Claims struct {
	ID       string // jti: unique per token
	ClientID string // sub
	// SubscriptionKey is the lower-case hex SHA-256 of the subscription key
	// the token is bound to, never the key itself: anyone holding a token
	// can read its claims. Compare with MatchesSubscriptionKey.
	SubscriptionKey string
	// MSNs are the merchants the client may act for; empty means any (a
	// sandbox token requested without a Merchant-Serial-Number).
	MSNs                        []string
	IssuedAt, NotBefore, Expiry time.Time
	// Mode and Deployment name the node that minted the token: its mode
	// (ModeSandbox or ModeConfigured) and the id of its database.
	Mode, Deployment string

	// seenKey is the subscription key last found to match, shared by the
	// copies of one verified token's claims, so that the clients that send
	// a token many times pay for its hash once. Nil for claims not read
	// from a token.
	seenKey *atomic.Pointer[string]
}

// The modes a node runs in (contract §3, §8).
const (
	// ModeSandbox: any credentials get a token.
	ModeSandbox = "sandbox"
	// ModeConfigured: only the configured sales units get tokens.
	ModeConfigured = "configured"
)

// AllowsMSN reports whether the token may act for merchant msn. An empty
// msn is never allowed: every request must name its merchant.
func (c *Claims) AllowsMSN(msn string) bool {
	if msn == "" {
		return false
	}
	return len(c.MSNs) == 0 || slices.Contains(c.MSNs, msn)
}

// MatchesSubscriptionKey reports, in constant time, whether key is the
// subscription key the token is bound to.
func (c *Claims) MatchesSubscriptionKey(key string) bool {
	if key == "" || len(c.SubscriptionKey) != sha256.Size*2 {
		return false
	}
	if c.seenKey != nil {
		if seen := c.seenKey.Load(); seen != nil && subtle.ConstantTimeCompare([]byte(*seen), []byte(key)) == 1 {
			return true
		}
	}
	h := hashKey(key)
	if subtle.ConstantTimeCompare([]byte(h), []byte(c.SubscriptionKey)) != 1 {
		return false
	}
	if c.seenKey != nil {
		// A copy, so that key itself does not escape on every call.
		seen := key
		c.seenKey.Store(&seen)
	}
	return true
}

// hashKey returns the lower-case hex SHA-256 of a subscription key.
func hashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// wireClaims is the JWT payload.
type wireClaims struct {
	jwt.Claims
	// MSNs are omitted for "any merchant".
	MSNs []string `json:"msns,omitempty"`
	// SubKeySHA256 binds the token to a subscription key (hashed).
	SubKeySHA256 string `json:"sub_key_sha256"`
	// Mode and Deployment bind the token to the mode and deployment that
	// minted it: a configured node never takes a sandbox token, even one
	// signed with a key it shares.
	Mode       string `json:"mode"`
	Deployment string `json:"deployment"`
}

// IssuerConfig configures an Issuer. Keys is required; zero values of the
// other fields take their defaults.
type IssuerConfig struct {
	Keys *KeySet
	// Issuer is the "iss" of minted tokens, such as the server's base URL
	// or "ordermgmt". Verify rejects tokens of another issuer, so every
	// node of a cluster must use the same value.
	Issuer string
	// Mode and Deployment are written into minted tokens, and Verify
	// rejects a token of another mode or deployment. Deployment is the id
	// the store records, shared by every node on one database.
	Mode, Deployment string
	// TTL is the lifetime of a token; default DefaultTTL.
	TTL time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Rand is the source of token ids; default crypto/rand.Reader.
	Rand io.Reader
	// CacheSize bounds the cache of verified tokens; 0 means
	// DefaultCacheSize, a negative value disables the cache.
	CacheSize int
}

// Issuer mints and verifies access tokens. It is safe for concurrent use.
type Issuer struct {
	keys   *KeySet
	iss    string
	mode   string
	dep    string
	ttl    time.Duration
	now    func() time.Time
	rand   io.Reader
	cache  *tokenCache // nil when disabled
	parser []jose.SignatureAlgorithm
	// cacheHits and cacheMisses count Verify's lookups, for metrics.
	cacheHits, cacheMisses atomic.Int64
}

// NewIssuer returns an issuer for cfg. It panics if cfg.Keys is nil: that
// is a programming error, not a runtime condition.
func NewIssuer(cfg IssuerConfig) *Issuer {
	if cfg.Keys == nil {
		panic("auth: NewIssuer needs a KeySet")
	}
	i := &Issuer{
		keys: cfg.Keys, iss: cfg.Issuer, mode: cfg.Mode, dep: cfg.Deployment, ttl: cfg.TTL, now: cfg.Now, rand: cfg.Rand,
		parser: []jose.SignatureAlgorithm{jose.EdDSA},
	}
	if i.ttl <= 0 {
		i.ttl = DefaultTTL
	}
	if i.now == nil {
		i.now = time.Now
	}
	if i.rand == nil {
		i.rand = rand.Reader
	}
	switch {
	case cfg.CacheSize == 0:
		i.cache = newTokenCache(DefaultCacheSize)
	case cfg.CacheSize > 0:
		i.cache = newTokenCache(cfg.CacheSize)
	}
	return i
}

// TTL returns the lifetime of minted tokens.
func (i *Issuer) TTL() time.Duration { return i.ttl }

// Mint signs a token for a grant, valid from now for the issuer's TTL.
func (i *Issuer) Mint(g Grant) (token string, c *Claims, err error) {
	if i.keys.signer == nil {
		return "", nil, errors.New("mint token: the key set has no signing key")
	}
	if g.ClientID == "" || g.SubscriptionKey == "" {
		return "", nil, errors.New("mint token: grant needs a client id and a subscription key")
	}
	var id [16]byte
	if _, err := io.ReadFull(i.rand, id[:]); err != nil {
		return "", nil, fmt.Errorf("mint token: token id: %w", err)
	}
	// NumericDates have whole seconds; truncating first makes the returned
	// claims equal to what Verify will read back.
	now := time.Unix(i.now().Unix(), 0).UTC()
	c = &Claims{
		ID:              b64(id[:]),
		ClientID:        g.ClientID,
		SubscriptionKey: hashKey(g.SubscriptionKey),
		MSNs:            slices.Clone(g.MSNs),
		IssuedAt:        now,
		NotBefore:       now,
		Expiry:          now.Add(i.ttl.Truncate(time.Second)),
		Mode:            i.mode,
		Deployment:      i.dep,
	}
	if len(c.MSNs) == 0 {
		c.MSNs = nil
	}
	wc := wireClaims{
		Claims: jwt.Claims{
			Issuer:    i.iss,
			Subject:   c.ClientID,
			ID:        c.ID,
			IssuedAt:  jwt.NewNumericDate(c.IssuedAt),
			NotBefore: jwt.NewNumericDate(c.NotBefore),
			Expiry:    jwt.NewNumericDate(c.Expiry),
		},
		MSNs:         c.MSNs,
		SubKeySHA256: c.SubscriptionKey,
		Mode:         c.Mode,
		Deployment:   c.Deployment,
	}
	token, err = jwt.Signed(i.keys.signer).Claims(wc).Serialize()
	if err != nil {
		return "", nil, fmt.Errorf("mint token: %w", err)
	}
	return token, c, nil
}

// Verify checks a token's signature and claims and returns the claims. It
// accepts only EdDSA tokens signed by a key of the issuer's KeySet, issued
// by this issuer, not expired and not before their not-before time (with
// Leeway). Failures are *api.Problem of kind api.ErrUnauthenticated, code
// api.CodeExpiredToken for an expired token and api.CodeInvalidToken for
// anything else.
//
// Verified tokens are cached until they expire, so a repeated token skips
// parsing and the signature check. The returned claims are the caller's
// own, but the MSNs slice may be shared: do not modify its elements.
func (i *Issuer) Verify(token string) (*Claims, error) {
	now := i.now()
	if i.cache != nil {
		c, ok := i.cache.get(token)
		if !ok {
			i.cacheMisses.Add(1)
		} else {
			i.cacheHits.Add(1)
			if err := checkTimes(c, now); err != nil {
				return nil, err
			}
			cc := *c
			return &cc, nil
		}
	}
	c, err := i.verify(token)
	if err != nil {
		return nil, err
	}
	if err := checkTimes(c, now); err != nil {
		return nil, err
	}
	if i.cache != nil {
		i.cache.put(token, c, now)
	}
	cc := *c
	return &cc, nil
}

// verify parses token and checks its signature and every claim but times.
func (i *Issuer) verify(token string) (*Claims, error) {
	// Restricting the algorithms at parse time rejects "none", HS256 (the
	// classic public-key-as-HMAC-secret attack) and everything else.
	tok, err := jwt.ParseSigned(token, i.parser)
	if err != nil {
		return nil, invalidToken("The access token is not a JWT signed with EdDSA; get a new token from /accesstoken/get.")
	}
	if len(tok.Headers) != 1 {
		return nil, invalidToken("The access token must carry exactly one signature.")
	}
	pub, ok := i.keys.key(tok.Headers[0].KeyID)
	if !ok {
		return nil, invalidToken("The access token was signed by an unknown key; get a new token from /accesstoken/get.")
	}
	var wc wireClaims
	if err := tok.Claims(pub, &wc); err != nil {
		return nil, invalidToken("The access token's signature is not valid.")
	}
	switch {
	case wc.Issuer != i.iss:
		return nil, invalidToken(fmt.Sprintf("The access token was issued by %q, not by this server.", wc.Issuer))
	case wc.Subject == "":
		return nil, invalidToken("The access token names no client (sub).")
	case wc.Expiry == nil:
		return nil, invalidToken("The access token has no expiry (exp).")
	case len(wc.SubKeySHA256) != sha256.Size*2:
		return nil, invalidToken("The access token is not bound to a subscription key.")
	case wc.Mode != i.mode:
		return nil, invalidToken(fmt.Sprintf("The access token was minted in %s mode; this server runs in %s mode. Get a token from this server.", orUnknown(wc.Mode), orUnknown(i.mode)))
	case wc.Deployment != i.dep:
		return nil, invalidToken("The access token was issued by another deployment (another database); get a token from this server.")
	}
	c := &Claims{
		ID:              wc.ID,
		ClientID:        wc.Subject,
		SubscriptionKey: wc.SubKeySHA256,
		MSNs:            slices.Clip(wc.MSNs),
		Expiry:          wc.Expiry.Time().UTC(),
		Mode:            wc.Mode,
		Deployment:      wc.Deployment,
		seenKey:         new(atomic.Pointer[string]),
	}
	if len(c.MSNs) == 0 {
		c.MSNs = nil
	}
	if wc.IssuedAt != nil {
		c.IssuedAt = wc.IssuedAt.Time().UTC()
	}
	if wc.NotBefore != nil {
		c.NotBefore = wc.NotBefore.Time().UTC()
	}
	return c, nil
}

// checkTimes reports whether claims c are valid at now. Tokens expire at
// their exp exactly (RFC 7519: "on or after which the JWT MUST NOT be
// accepted"); nbf and iat get Leeway.
func checkTimes(c *Claims, now time.Time) error {
	if !now.Before(c.Expiry) {
		return api.NewProblem(api.ErrUnauthenticated, api.CodeExpiredToken,
			fmt.Sprintf("The access token expired at %s; get a new token from /accesstoken/get.", c.Expiry.Format(time.RFC3339)))
	}
	late := now.Add(Leeway)
	if late.Before(c.NotBefore) {
		return invalidToken(fmt.Sprintf("The access token is not valid before %s.", c.NotBefore.Format(time.RFC3339)))
	}
	if late.Before(c.IssuedAt) {
		return invalidToken(fmt.Sprintf("The access token claims to be issued in the future (%s).", c.IssuedAt.Format(time.RFC3339)))
	}
	return nil
}

func orUnknown(mode string) string {
	if mode == "" {
		return "an unnamed"
	}
	return mode
}

func invalidToken(detail string) error {
	return api.NewProblem(api.ErrUnauthenticated, api.CodeInvalidToken, detail)
}

// TokenResponse returns the body of a token response for a token minted by
// Mint. Every value is a string, as the real service sends them.
func (i *Issuer) TokenResponse(token string, c *Claims) api.TokenResponse {
	unix := func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
	return api.TokenResponse{
		TokenType:    "Bearer",
		ExpiresIn:    strconv.FormatInt(int64(c.Expiry.Sub(c.IssuedAt)/time.Second), 10),
		ExtExpiresIn: "0",
		ExpiresOn:    unix(c.Expiry),
		NotBefore:    unix(c.NotBefore),
		Resource:     Resource,
		AccessToken:  token,
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
