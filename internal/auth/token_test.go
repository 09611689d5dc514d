package auth

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ordermgmt/ordermgmt/api"
)

// t0 is the time tokens are minted at in tests.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// testKey returns a deterministic signing key named by seed.
func testKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed
	}
	return ed25519.NewKeyFromSeed(s)
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

// newTestIssuer returns an issuer of keys on clk, with deterministic ids.
func newTestIssuer(t testing.TB, keys *KeySet, clk *clock, cacheSize int) *Issuer {
	t.Helper()
	return NewIssuer(IssuerConfig{
		Keys: keys, Issuer: "ordermgmt", TTL: time.Hour, Now: clk.Now,
		Rand: rand.NewChaCha8([32]byte{1}), CacheSize: cacheSize,
	})
}

var testGrant = Grant{ClientID: "client-1", SubscriptionKey: "sub-key-1", MSNs: []string{"123456"}}

// mint mints testGrant's token at t0 with key A.
func mint(t testing.TB, iss *Issuer) (string, *Claims) {
	t.Helper()
	tok, c, err := iss.Mint(testGrant)
	if err != nil {
		t.Fatalf("Mint(%+v) error: %v", testGrant, err)
	}
	return tok, c
}

// wantProblem checks that err is a 401 problem with code, or that err is
// nil when code is "".
func wantProblem(t *testing.T, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("Verify error: %v, want none", err)
		}
		return
	}
	var p *api.Problem
	if !errors.As(err, &p) {
		t.Fatalf("Verify error = %v (%T), want *api.Problem with code %s", err, err, code)
	}
	if !errors.Is(err, api.ErrUnauthenticated) || p.Code != code {
		t.Fatalf("Verify error = status %d code %q (%v), want 401 code %q", p.Status, p.Code, p, code)
	}
	if p.Detail == "" {
		t.Errorf("Verify error %v has no detail", p)
	}
}

func TestMintVerifyTimes(t *testing.T) {
	tests := []struct {
		name string
		at   time.Time
		code string
	}{
		{"at issue", t0, ""},
		{"one second before expiry", t0.Add(time.Hour - time.Second), ""},
		{"at expiry", t0.Add(time.Hour), api.CodeExpiredToken},
		{"a day later", t0.Add(24 * time.Hour), api.CodeExpiredToken},
		{"within leeway before nbf", t0.Add(-Leeway), ""},
		{"beyond leeway before nbf", t0.Add(-Leeway - time.Second), api.CodeInvalidToken},
	}
	for _, tt := range tests {
		// Run each case on a fresh issuer and on one that has the token
		// cached: the cache must apply the same time rules.
		for _, cached := range []bool{false, true} {
			name := tt.name + "/cold"
			if cached {
				name = tt.name + "/cached"
			}
			t.Run(name, func(t *testing.T) {
				clk := &clock{t0}
				iss := newTestIssuer(t, NewKeySet(testKey(1)), clk, 0)
				tok, minted := mint(t, iss)
				if cached {
					if _, err := iss.Verify(tok); err != nil {
						t.Fatalf("Verify at mint time: %v", err)
					}
					if n := iss.cache.len(); n != 1 {
						t.Fatalf("cache holds %d tokens after Verify, want 1", n)
					}
				}
				clk.now = tt.at
				got, err := iss.Verify(tok)
				wantProblem(t, err, tt.code)
				if err == nil {
					if diff := cmp.Diff(minted, got, cmpopts.IgnoreUnexported(Claims{})); diff != "" {
						t.Errorf("Verify(Mint()) claims differ (-minted +verified):\n%s", diff)
					}
				}
			})
		}
	}
}

func TestMintClaims(t *testing.T) {
	clk := &clock{t0.Add(400 * time.Millisecond)}
	iss := newTestIssuer(t, NewKeySet(testKey(1)), clk, 0)
	tok, c := mint(t, iss)
	want := &Claims{
		ID:              c.ID,
		ClientID:        "client-1",
		SubscriptionKey: hashKey("sub-key-1"),
		MSNs:            []string{"123456"},
		IssuedAt:        t0, NotBefore: t0, Expiry: t0.Add(time.Hour),
	}
	if diff := cmp.Diff(want, c, cmpopts.IgnoreUnexported(Claims{})); diff != "" {
		t.Errorf("Mint claims differ (-want +got):\n%s", diff)
	}
	if len(c.ID) < 20 {
		t.Errorf("Mint ID = %q, want at least 128 random bits", c.ID)
	}
	// The token is readable by anyone, so it must not carry the key itself.
	payload := decodeSegment(t, tok, 1)
	if strings.Contains(string(payload), testGrant.SubscriptionKey) {
		t.Errorf("token payload %s contains the subscription key", payload)
	}
	var hdr map[string]any
	if err := json.Unmarshal(decodeSegment(t, tok, 0), &hdr); err != nil {
		t.Fatal(err)
	}
	wantHdr := map[string]any{"alg": "EdDSA", "kid": KeyID(pub(testKey(1))), "typ": "JWT"}
	if diff := cmp.Diff(wantHdr, hdr); diff != "" {
		t.Errorf("token header differs (-want +got):\n%s", diff)
	}
	_, c2 := mint(t, iss)
	if c2.ID == c.ID {
		t.Errorf("two Mint calls gave the same ID %q", c.ID)
	}
}

func TestMintErrors(t *testing.T) {
	clk := &clock{t0}
	tests := []struct {
		name string
		iss  *Issuer
		g    Grant
	}{
		{"no client id", newTestIssuer(t, NewKeySet(testKey(1)), clk, 0), Grant{SubscriptionKey: "k"}},
		{"no subscription key", newTestIssuer(t, NewKeySet(testKey(1)), clk, 0), Grant{ClientID: "c"}},
		{"verify-only key set", newTestIssuer(t, NewKeySet(nil, pub(testKey(1))), clk, 0), testGrant},
		{"random source fails", NewIssuer(IssuerConfig{Keys: NewKeySet(testKey(1)), Rand: strings.NewReader("short")}), testGrant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, c, err := tt.iss.Mint(tt.g)
			if err == nil {
				t.Errorf("Mint(%+v) = %q, %+v, want error", tt.g, tok, c)
			}
		})
	}
}

// decodeSegment returns segment i of a compact JWS, decoded.
func decodeSegment(t *testing.T, tok string, i int) []byte {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d segments, want 3", tok, len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatalf("decode segment %d of %q: %v", i, tok, err)
	}
	return b
}

// signRaw signs payload with alg and key, with header kid.
func signRaw(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, payload any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatalf("NewSigner(%s): %v", alg, err)
	}
	tok, err := jwt.Signed(s).Claims(payload).Serialize()
	if err != nil {
		t.Fatalf("sign %s token: %v", alg, err)
	}
	return tok
}

// validPayload returns the payload of a valid token minted at t0.
func validPayload() map[string]any {
	return map[string]any{
		"iss": "ordermgmt", "sub": "client-1", "jti": "id-1",
		"iat": t0.Unix(), "nbf": t0.Unix(), "exp": t0.Add(time.Hour).Unix(),
		"msns": []string{"123456"}, "sub_key_sha256": hashKey("sub-key-1"),
	}
}

// with returns validPayload with key set to v, or removed when v is nil.
func with(key string, v any) map[string]any {
	p := validPayload()
	if v == nil {
		delete(p, key)
	} else {
		p[key] = v
	}
	return p
}

// unsigned builds a compact JWS from a raw header and payload and signature.
func unsigned(header, payload string, sig []byte) string {
	e := base64.RawURLEncoding.EncodeToString
	return e([]byte(header)) + "." + e([]byte(payload)) + "." + e(sig)
}

func TestVerifyRejects(t *testing.T) {
	keyA, keyB := testKey(1), testKey(2)
	kidA := KeyID(pub(keyA))
	clk := &clock{t0}
	good, _ := mint(t, newTestIssuer(t, NewKeySet(keyA), clk, 0))
	payloadJSON, _ := json.Marshal(validPayload())

	// A payload changed after signing: the client id swapped.
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(
		[]byte(strings.Replace(string(decodeSegment(t, good, 1)), "client-1", "client-2", 1))) + "." + parts[2]

	// HS256 keyed with the public key: the classic algorithm confusion.
	hsInput := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","kid":"`+kidA+`","typ":"JWT"}`)) +
		"." + base64.RawURLEncoding.EncodeToString(payloadJSON)
	mac := hmac.New(sha256.New, pub(keyA))
	mac.Write([]byte(hsInput))
	hs256 := hsInput + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))

	tests := []struct {
		name  string
		token string
		code  string
	}{
		{"valid control", good, ""},
		{"valid hand-made control", signRaw(t, jose.EdDSA, keyA, kidA, validPayload()), ""},
		{"empty", "", api.CodeInvalidToken},
		{"garbage", "not.a.jwt", api.CodeInvalidToken},
		{"two segments", parts[0] + "." + parts[1], api.CodeInvalidToken},
		{"forged signature: key B under A's kid", signRaw(t, jose.EdDSA, keyB, kidA, validPayload()), api.CodeInvalidToken},
		{"unknown kid", signRaw(t, jose.EdDSA, keyB, KeyID(pub(keyB)), validPayload()), api.CodeInvalidToken},
		{"no kid", signRaw(t, jose.EdDSA, keyA, "", validPayload()), api.CodeInvalidToken},
		{"tampered payload", tampered, api.CodeInvalidToken},
		{"signature of another token", parts[0] + "." + parts[1] + "." + strings.Split(signRaw(t, jose.EdDSA, keyA, kidA, validPayload()), ".")[2], api.CodeInvalidToken},
		{"alg none", unsigned(`{"alg":"none","kid":"`+kidA+`"}`, string(payloadJSON), nil), api.CodeInvalidToken},
		{"alg none with A's signature", unsigned(`{"alg":"none","kid":"`+kidA+`"}`, string(payloadJSON), decodeSegment(t, good, 2)), api.CodeInvalidToken},
		{"HS256 keyed with the public key", hs256, api.CodeInvalidToken},
		{"HS256 by go-jose", signRaw(t, jose.HS256, []byte(pub(keyA)), kidA, validPayload()), api.CodeInvalidToken},
		{"other issuer", signRaw(t, jose.EdDSA, keyA, kidA, with("iss", "elsewhere")), api.CodeInvalidToken},
		{"no subject", signRaw(t, jose.EdDSA, keyA, kidA, with("sub", nil)), api.CodeInvalidToken},
		{"no expiry", signRaw(t, jose.EdDSA, keyA, kidA, with("exp", nil)), api.CodeInvalidToken},
		{"no subscription key binding", signRaw(t, jose.EdDSA, keyA, kidA, with("sub_key_sha256", nil)), api.CodeInvalidToken},
		{"raw subscription key instead of hash", signRaw(t, jose.EdDSA, keyA, kidA, with("sub_key_sha256", "sub-key-1")), api.CodeInvalidToken},
		{"issued in the future", signRaw(t, jose.EdDSA, keyA, kidA, with("iat", t0.Add(time.Hour).Unix())), api.CodeInvalidToken},
		{"expired", signRaw(t, jose.EdDSA, keyA, kidA, with("exp", t0.Unix())), api.CodeExpiredToken},
		{"exp not a number", signRaw(t, jose.EdDSA, keyA, kidA, with("exp", "tomorrow")), api.CodeInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := newTestIssuer(t, NewKeySet(keyA), clk, 0)
			c, err := iss.Verify(tt.token)
			wantProblem(t, err, tt.code)
			if err != nil {
				if c != nil {
					t.Errorf("Verify returned claims %+v with error", c)
				}
				if n := iss.cache.len(); n != 0 {
					t.Errorf("cache holds %d tokens after a failed Verify, want 0", n)
				}
			}
		})
	}
}

func TestVerifyRotation(t *testing.T) {
	keyA, keyB := testKey(1), testKey(2)
	clk := &clock{t0}
	tokA, _ := mint(t, newTestIssuer(t, NewKeySet(keyA), clk, 0))
	tokB, _ := mint(t, newTestIssuer(t, NewKeySet(keyB), clk, 0))

	tests := []struct {
		name         string
		keys         *KeySet
		codeA, codeB string
	}{
		{"signs with B, verifies A too", NewKeySet(keyB, pub(keyA)), "", ""},
		{"verify-only A and B", NewKeySet(nil, pub(keyA), pub(keyB)), "", ""},
		{"A only", NewKeySet(keyA), "", api.CodeInvalidToken},
		{"A retired", NewKeySet(keyB), api.CodeInvalidToken, ""},
		{"duplicate keys", NewKeySet(keyA, pub(keyA), pub(keyA)), "", api.CodeInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := newTestIssuer(t, tt.keys, clk, 0)
			_, err := iss.Verify(tokA)
			wantProblem(t, err, tt.codeA)
			_, err = iss.Verify(tokB)
			wantProblem(t, err, tt.codeB)
		})
	}
}

func TestJWKS(t *testing.T) {
	keyA, keyB := testKey(1), testKey(2)
	ks := NewKeySet(keyB, pub(keyA), pub(keyB))
	raw := ks.JWKS()

	var fields struct{ Keys []map[string]any }
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatalf("JWKS() = %s: %v", raw, err)
	}
	if len(fields.Keys) != 2 {
		t.Fatalf("JWKS() has %d keys, want 2 (signing key once, plus A): %s", len(fields.Keys), raw)
	}
	for i, k := range fields.Keys {
		for _, f := range []string{"d"} {
			if _, ok := k[f]; ok {
				t.Errorf("JWKS() key %d has private field %q", i, f)
			}
		}
		want := map[string]any{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": k["kid"], "x": k["x"]}
		if diff := cmp.Diff(want, k); diff != "" {
			t.Errorf("JWKS() key %d differs (-want +got):\n%s", i, diff)
		}
	}

	// Any verifier can check our tokens with the published set alone.
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatalf("parse JWKS with go-jose: %v", err)
	}
	clk := &clock{t0}
	for _, key := range []ed25519.PrivateKey{keyA, keyB} {
		tok, _ := mint(t, newTestIssuer(t, NewKeySet(key), clk, 0))
		parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.EdDSA})
		if err != nil {
			t.Fatal(err)
		}
		kid := parsed.Headers[0].KeyID
		keys := set.Key(kid)
		if len(keys) != 1 {
			t.Fatalf("JWKS has %d keys with kid %q, want 1", len(keys), kid)
		}
		var c jwt.Claims
		if err := parsed.Claims(keys[0].Key, &c); err != nil {
			t.Fatalf("verify token with JWKS key: %v", err)
		}
		if c.Subject != testGrant.ClientID {
			t.Errorf("token sub = %q, want %q", c.Subject, testGrant.ClientID)
		}
	}

	// Callers may not change the set through the returned slice.
	raw[0] = 'X'
	if ks.JWKS()[0] != '{' {
		t.Errorf("JWKS() shares its buffer with callers")
	}
}

func TestKeyIDThumbprint(t *testing.T) {
	// RFC 8037 appendix A.1 and A.3: the example key and its thumbprint.
	d, _ := base64.RawURLEncoding.DecodeString("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
	k := ed25519.NewKeyFromSeed(d)
	if got, want := KeyID(pub(k)), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"; got != want {
		t.Errorf("KeyID(RFC 8037 key) = %q, want %q", got, want)
	}
	if got, want := NewKeySet(k).SigningKeyID(), KeyID(pub(k)); got != want {
		t.Errorf("SigningKeyID() = %q, want %q", got, want)
	}
}

func TestVerifyCache(t *testing.T) {
	t.Run("returned claims are the caller's", func(t *testing.T) {
		iss := newTestIssuer(t, NewKeySet(testKey(1)), &clock{t0}, 0)
		tok, minted := mint(t, iss)
		c1, err := iss.Verify(tok)
		if err != nil {
			t.Fatal(err)
		}
		c1.ClientID = "changed"
		c2, err := iss.Verify(tok)
		if err != nil {
			t.Fatal(err)
		}
		if c2.ClientID != minted.ClientID {
			t.Errorf("Verify (cached).ClientID = %q after caller changed an earlier result, want %q", c2.ClientID, minted.ClientID)
		}
	})
	t.Run("bounded", func(t *testing.T) {
		const max = 10
		clk := &clock{t0}
		iss := newTestIssuer(t, NewKeySet(testKey(1)), clk, max)
		var toks []string
		for i := range 3 * max {
			clk.now = t0.Add(time.Duration(i) * time.Second)
			tok, _ := mint(t, iss)
			toks = append(toks, tok)
			if _, err := iss.Verify(tok); err != nil {
				t.Fatalf("Verify token %d: %v", i, err)
			}
			if n := iss.cache.len(); n > max {
				t.Fatalf("cache holds %d tokens, want at most %d", n, max)
			}
		}
		// Evicted tokens still verify, the slow way.
		for i, tok := range toks {
			if _, err := iss.Verify(tok); err != nil {
				t.Errorf("Verify token %d after eviction: %v", i, err)
			}
		}
	})
	t.Run("expired entries go first", func(t *testing.T) {
		const max = 10
		clk := &clock{t0}
		iss := newTestIssuer(t, NewKeySet(testKey(1)), clk, max)
		want := make(map[string]bool) // token → still cached
		verify := func(at time.Time, cached bool) {
			clk.now = at
			tok, _ := mint(t, iss)
			if _, err := iss.Verify(tok); err != nil {
				t.Fatal(err)
			}
			want[tok] = cached
		}
		for i := range max / 2 {
			verify(t0.Add(time.Duration(i)*time.Second), false) // expired by the end
		}
		for i := range max / 2 {
			verify(t0.Add(50*time.Minute+time.Duration(i)*time.Second), true)
		}
		verify(t0.Add(70*time.Minute), true) // overflows the cache
		for tok, want := range want {
			if _, got := iss.cache.get(tok); got != want {
				t.Errorf("cached(token minted at %v) = %v, want %v", tokenIAT(t, tok), got, want)
			}
		}
		if n := iss.cache.len(); n != max/2+1 {
			t.Errorf("cache holds %d tokens, want %d", n, max/2+1)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		iss := newTestIssuer(t, NewKeySet(testKey(1)), &clock{t0}, -1)
		tok, _ := mint(t, iss)
		if _, err := iss.Verify(tok); err != nil {
			t.Fatal(err)
		}
		if iss.cache != nil {
			t.Errorf("CacheSize -1 gave a cache")
		}
	})
}

func tokenIAT(t *testing.T, tok string) time.Time {
	t.Helper()
	var c struct{ Iat int64 }
	json.Unmarshal(decodeSegment(t, tok, 1), &c)
	return time.Unix(c.Iat, 0).UTC()
}

func TestAllowsMSN(t *testing.T) {
	tests := []struct {
		msns []string
		msn  string
		want bool
	}{
		{nil, "123456", true},
		{nil, "", false},
		{[]string{"123456"}, "123456", true},
		{[]string{"123456"}, "654321", false},
		{[]string{"123456"}, "12345", false},
		{[]string{"1111", "2222"}, "2222", true},
		{[]string{"1111"}, "", false},
	}
	for _, tt := range tests {
		c := &Claims{MSNs: tt.msns}
		if got := c.AllowsMSN(tt.msn); got != tt.want {
			t.Errorf("Claims{MSNs: %q}.AllowsMSN(%q) = %v, want %v", tt.msns, tt.msn, got, tt.want)
		}
	}
}

func TestMatchesSubscriptionKey(t *testing.T) {
	iss := newTestIssuer(t, NewKeySet(testKey(1)), &clock{t0}, 0)
	tok, _ := mint(t, iss)
	c, err := iss.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		claims *Claims
		key    string
		want   bool
	}{
		{c, "sub-key-1", true},
		{c, "sub-key-2", false},
		{c, "SUB-KEY-1", false},
		{c, "", false},
		{c, c.SubscriptionKey, false}, // the hash is not the key
		{&Claims{}, "", false},
		{&Claims{}, "sub-key-1", false},
	}
	// Twice: the second round runs with the key already seen to match.
	for range 2 {
		for _, tt := range tests {
			if got := tt.claims.MatchesSubscriptionKey(tt.key); got != tt.want {
				t.Errorf("Claims{SubscriptionKey: %q}.MatchesSubscriptionKey(%q) = %v, want %v", tt.claims.SubscriptionKey, tt.key, got, tt.want)
			}
		}
	}
	// The claims of the same token verified again (from the cache) share
	// the seen key, and a wrong key never takes its place.
	again, err := iss.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"sub-key-2", "sub-key-1"} {
		if got, want := again.MatchesSubscriptionKey(key), key == "sub-key-1"; got != want {
			t.Errorf("verified again: MatchesSubscriptionKey(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestTokenResponse(t *testing.T) {
	iss := newTestIssuer(t, NewKeySet(testKey(1)), &clock{t0}, 0)
	tok, c := mint(t, iss)
	want := api.TokenResponse{
		TokenType: "Bearer", ExpiresIn: "3600", ExtExpiresIn: "0",
		ExpiresOn: "1740834000", NotBefore: "1740830400",
		Resource: Resource, AccessToken: tok,
	}
	if diff := cmp.Diff(want, iss.TokenResponse(tok, c)); diff != "" {
		t.Errorf("TokenResponse differs (-want +got):\n%s", diff)
	}
}

func TestIssuerDefaults(t *testing.T) {
	iss := NewIssuer(IssuerConfig{Keys: NewKeySet(testKey(1))})
	if iss.TTL() != DefaultTTL {
		t.Errorf("TTL() = %v, want %v", iss.TTL(), DefaultTTL)
	}
	before := time.Now().Add(-time.Second)
	tok, c, err := iss.Mint(testGrant)
	if err != nil {
		t.Fatal(err)
	}
	if c.IssuedAt.Before(before) || c.Expiry.Sub(c.IssuedAt) != time.Hour {
		t.Errorf("Mint with defaults: iat %v exp %v, want now and now+1h", c.IssuedAt, c.Expiry)
	}
	if _, err := iss.Verify(tok); err != nil {
		t.Errorf("Verify with defaults: %v", err)
	}
}

func FuzzVerify(f *testing.F) {
	clk := &clock{t0}
	iss := newTestIssuer(f, NewKeySet(testKey(1)), clk, -1)
	good, _ := mint(f, iss)
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Add(`{"payload":"e30","signatures":[]}`)
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := iss.Verify(tok)
		if err == nil {
			if c == nil || c.ClientID == "" || !clk.now.Before(c.Expiry) {
				t.Errorf("Verify(%q) accepted claims %+v", tok, c)
			}
			return
		}
		if !errors.Is(err, api.ErrUnauthenticated) {
			t.Errorf("Verify(%q) error %v is not ErrUnauthenticated", tok, err)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	for _, bc := range []struct {
		name      string
		cacheSize int
	}{{"cold", -1}, {"cached", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			iss := newTestIssuer(b, NewKeySet(testKey(1)), &clock{t0}, bc.cacheSize)
			tok, _ := mint(b, iss)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := iss.Verify(tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("cached-parallel", func(b *testing.B) {
		iss := newTestIssuer(b, NewKeySet(testKey(1)), &clock{t0}, 0)
		tok, _ := mint(b, iss)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := iss.Verify(tok); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func BenchmarkMint(b *testing.B) {
	iss := newTestIssuer(b, NewKeySet(testKey(1)), &clock{t0}, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := iss.Mint(testGrant); err != nil {
			b.Fatal(err)
		}
	}
}

func TestVerifyConcurrent(t *testing.T) {
	// Run with -race: goroutines verifying, inserting and evicting at once.
	const max = 8
	clk := &clock{t0}
	iss := newTestIssuer(t, NewKeySet(testKey(1)), clk, max)
	var toks []string
	for range 4 * max {
		tok, _ := mint(t, iss)
		toks = append(toks, tok)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(toks))
	for g := range 4 {
		wg.Go(func() {
			for i := range toks {
				tok := toks[(i+g*7)%len(toks)]
				if c, err := iss.Verify(tok); err != nil {
					errs <- err
				} else if c.ClientID != testGrant.ClientID {
					errs <- fmt.Errorf("Verify ClientID = %q, want %q", c.ClientID, testGrant.ClientID)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := iss.cache.len(); n > max+4 {
		t.Errorf("cache holds %d tokens, want at most %d (+1 per goroutine)", n, max)
	}
}
