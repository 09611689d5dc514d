package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"
)

// wantTokenError checks err against a token error of status and code, or
// no error when status is 0.
func wantTokenError(t *testing.T, err error, status int, code string) {
	t.Helper()
	if status == 0 {
		if err != nil {
			t.Fatalf("Authenticate error: %v, want none", err)
		}
		return
	}
	var te *TokenError
	if !errors.As(err, &te) {
		t.Fatalf("Authenticate error = %v (%T), want *TokenError %d %s", err, err, status, code)
	}
	if te.Status != status || te.Code != code {
		t.Fatalf("Authenticate error = %d %s (%q), want %d %s", te.Status, te.Code, te.Description, status, code)
	}
	if te.Description == "" {
		t.Errorf("TokenError %+v has no description", te)
	}
}

type authCase struct {
	name                          string
	clientID, secret, subKey, msn string
	want                          Grant
	status                        int
	code, descContains            string
}

func runAuthCases(t *testing.T, a Authenticator, tests []authCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := a.Authenticate(context.Background(), tt.clientID, tt.secret, tt.subKey, tt.msn)
			wantTokenError(t, err, tt.status, tt.code)
			if err != nil {
				if tt.descContains != "" && !strings.Contains(err.Error(), tt.descContains) {
					t.Errorf("Authenticate error = %q, want it to contain %q", err, tt.descContains)
				}
				return
			}
			if diff := cmp.Diff(tt.want, g); diff != "" {
				t.Errorf("Authenticate(%q, %q, %q, %q) grant differs (-want +got):\n%s", tt.clientID, tt.secret, tt.subKey, tt.msn, diff)
			}
		})
	}
}

func TestSandbox(t *testing.T) {
	runAuthCases(t, Sandbox(), []authCase{
		{name: "any credentials, no MSN: any merchant", clientID: "c", secret: "s", subKey: "k",
			want: Grant{ClientID: "c", SubscriptionKey: "k"}},
		{name: "with MSN: that merchant only", clientID: "c", secret: "s", subKey: "k", msn: "123456",
			want: Grant{ClientID: "c", SubscriptionKey: "k", MSNs: []string{"123456"}}},
		{name: "missing client_id", secret: "s", subKey: "k",
			status: http.StatusBadRequest, code: CodeInvalidRequest, descContains: "client_id"},
		{name: "missing client_secret", clientID: "c", subKey: "k",
			status: http.StatusBadRequest, code: CodeInvalidRequest, descContains: "client_secret"},
		{name: "missing subscription key", clientID: "c", secret: "s",
			status: http.StatusBadRequest, code: CodeInvalidRequest, descContains: "Ocp-Apim-Subscription-Key"},
		{name: "missing everything lists all", status: http.StatusBadRequest, code: CodeInvalidRequest,
			descContains: "client_id, client_secret, Ocp-Apim-Subscription-Key"},
		{name: "MSN not digits", clientID: "c", secret: "s", subKey: "k", msn: "12ab56",
			status: http.StatusBadRequest, code: CodeInvalidRequest, descContains: "Merchant-Serial-Number"},
		{name: "MSN too short", clientID: "c", secret: "s", subKey: "k", msn: "123",
			status: http.StatusBadRequest, code: CodeInvalidRequest},
		{name: "MSN too long", clientID: "c", secret: "s", subKey: "k", msn: "12345678",
			status: http.StatusBadRequest, code: CodeInvalidRequest},
	})
}

// testConfig has two sales units whose secrets are hashed at the lowest
// bcrypt cost, to keep the tests fast.
func testConfig(t *testing.T) *FileConfig {
	t.Helper()
	hash := func(s string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(s), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	return &FileConfig{SalesUnits: []SalesUnit{
		{Name: "Shop A", ClientID: "client-a", SecretHash: hash("secret-a"), SubscriptionKey: "key-a", MSNs: []string{"111111", "222222"}},
		{Name: "Shop B", ClientID: "client-b", SecretHash: hash("secret-b"), SubscriptionKey: "key-b", MSNs: []string{"333333"}},
	}}
}

func TestConfigured(t *testing.T) {
	cfg := testConfig(t)
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config invalid: %v", err)
	}
	a := Configured(cfg)
	runAuthCases(t, a, []authCase{
		{name: "right credentials, no MSN: all the unit's MSNs", clientID: "client-a", secret: "secret-a", subKey: "key-a",
			want: Grant{ClientID: "client-a", SubscriptionKey: "key-a", MSNs: []string{"111111", "222222"}}},
		{name: "right credentials, own MSN: that MSN", clientID: "client-a", secret: "secret-a", subKey: "key-a", msn: "222222",
			want: Grant{ClientID: "client-a", SubscriptionKey: "key-a", MSNs: []string{"222222"}}},
		{name: "other unit", clientID: "client-b", secret: "secret-b", subKey: "key-b",
			want: Grant{ClientID: "client-b", SubscriptionKey: "key-b", MSNs: []string{"333333"}}},
		{name: "MSN of another unit", clientID: "client-a", secret: "secret-a", subKey: "key-a", msn: "333333",
			status: http.StatusForbidden, code: CodeMSNNotAllowed, descContains: "333333"},
		{name: "wrong secret", clientID: "client-a", secret: "secret-b", subKey: "key-a",
			status: http.StatusUnauthorized, code: CodeInvalidClient},
		{name: "secret of another unit's client", clientID: "client-b", secret: "secret-a", subKey: "key-b",
			status: http.StatusUnauthorized, code: CodeInvalidClient},
		{name: "wrong subscription key", clientID: "client-a", secret: "secret-a", subKey: "key-b",
			status: http.StatusUnauthorized, code: CodeInvalidClient},
		{name: "unknown client", clientID: "client-x", secret: "secret-a", subKey: "key-a",
			status: http.StatusUnauthorized, code: CodeInvalidClient},
		{name: "wrong credentials and foreign MSN: 401, not 403", clientID: "client-a", secret: "nope", subKey: "key-a", msn: "333333",
			status: http.StatusUnauthorized, code: CodeInvalidClient},
		{name: "missing secret", clientID: "client-a", subKey: "key-a",
			status: http.StatusBadRequest, code: CodeInvalidRequest, descContains: "client_secret"},
		{name: "malformed MSN", clientID: "client-a", secret: "secret-a", subKey: "key-a", msn: "abc",
			status: http.StatusBadRequest, code: CodeInvalidRequest},
	})

	t.Run("grants do not share the unit's MSNs", func(t *testing.T) {
		g, err := a.Authenticate(context.Background(), "client-a", "secret-a", "key-a", "")
		if err != nil {
			t.Fatal(err)
		}
		g.MSNs[0] = "999999"
		g2, err := a.Authenticate(context.Background(), "client-a", "secret-a", "key-a", "111111")
		if err != nil {
			t.Errorf("Authenticate after a caller changed a grant: %v", err)
		} else if g2.MSNs[0] != "111111" {
			t.Errorf("Authenticate MSNs = %q, want [111111]", g2.MSNs)
		}
	})

	t.Run("unknown clients pay for bcrypt at the units' cost", func(t *testing.T) {
		cost, err := bcrypt.Cost(a.(*configured).dummyHash)
		if err != nil || cost != bcrypt.MinCost {
			t.Errorf("dummy hash cost = %d, %v; want %d", cost, err, bcrypt.MinCost)
		}
	})
}

func TestAuthenticateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, a := range map[string]Authenticator{"sandbox": Sandbox(), "configured": Configured(testConfig(t))} {
		if _, err := a.Authenticate(ctx, "client-a", "secret-a", "key-a", ""); !errors.Is(err, context.Canceled) {
			t.Errorf("%s Authenticate(cancelled) error = %v, want context.Canceled", name, err)
		}
	}
}

func TestHashSecret(t *testing.T) {
	h, err := HashSecret("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(h), []byte("s3cret")); err != nil {
		t.Errorf("HashSecret(s3cret) = %q does not match s3cret: %v", h, err)
	}
	if cost, _ := bcrypt.Cost([]byte(h)); cost != bcrypt.DefaultCost {
		t.Errorf("HashSecret cost = %d, want %d", cost, bcrypt.DefaultCost)
	}
	if h2, _ := HashSecret("s3cret"); h2 == h {
		t.Errorf("HashSecret twice gave the same hash: no salt")
	}
	for _, bad := range []string{"", strings.Repeat("x", 73)} {
		if h, err := HashSecret(bad); err == nil {
			t.Errorf("HashSecret(%d bytes) = %q, want error", len(bad), h)
		}
	}
}

func TestTokenErrorError(t *testing.T) {
	e := &TokenError{Status: 401, Code: CodeInvalidClient, Description: "Wrong client."}
	if got, want := e.Error(), "invalid_client: Wrong client."; got != want {
		t.Errorf("TokenError.Error() = %q, want %q", got, want)
	}
}

func TestValidMSN(t *testing.T) {
	for msn, want := range map[string]bool{
		"1234": true, "1234567": true, "123456": true,
		"": false, "123": false, "12345678": false, "12a4": false, " 1234": false, "１２３４": false,
	} {
		if got := ValidMSN(msn); got != want {
			t.Errorf("ValidMSN(%q) = %v, want %v", msn, got, want)
		}
	}
}
