package server_test

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/auth"
	"github.com/ordermgmt/ordermgmt/internal/config"
	"github.com/ordermgmt/ordermgmt/internal/server"
)

// matrixNode is a configured node with its signing key at hand, so tests
// can mint the tokens an attacker or another node would.
type matrixNode struct {
	*harness
	key       ed25519.PrivateKey
	unitsFile string
}

// matrixUnits are the sales units of the matrix: acme and beta stay,
// gone is removed and rekeyed has its subscription key changed once the
// tokens are minted.
func matrixUnits(t *testing.T, removed bool) auth.FileConfig {
	hash, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	units := []auth.SalesUnit{
		{Name: "Acme", ClientID: "acme", SecretHash: string(hash), SubscriptionKey: "acme-key", MSNs: []string{"123456"}},
		{Name: "Beta", ClientID: "beta", SecretHash: string(hash), SubscriptionKey: "beta-key", MSNs: []string{"654321"}},
		{Name: "Rekeyed", ClientID: "rekeyed", SecretHash: string(hash), SubscriptionKey: "old-key", MSNs: []string{"333333"}},
	}
	if removed {
		units[2].SubscriptionKey = "new-key"
	} else {
		units = append(units, auth.SalesUnit{Name: "Gone", ClientID: "gone", SecretHash: string(hash), SubscriptionKey: "gone-key", MSNs: []string{"777777"}})
	}
	return auth.FileConfig{SalesUnits: units}
}

func writeUnits(t *testing.T, path string, fc auth.FileConfig) {
	t.Helper()
	b, _ := json.Marshal(fc)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func startMatrixNode(t *testing.T) *matrixNode {
	t.Helper()
	dir := t.TempDir()
	key, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, _ := auth.EncodeKeyPEM(key)
	keyFile := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	units := filepath.Join(dir, "units.json")
	writeUnits(t, units, matrixUnits(t, false))
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.ConfigFile, cfg.SigningKeyFile = "127.0.0.1:0", filepath.Join(dir, "data"), units, keyFile
	return &matrixNode{harness: startWith(t, cfg), key: key, unitsFile: units}
}

// configuredToken gets a token from the node for a sales unit.
func (n *matrixNode) configuredToken(client, subKey, msn string) string {
	n.t.Helper()
	res := n.do("POST", "/accesstoken/get", nil, "client_id", client, "client_secret", "secret",
		api.HeaderSubscriptionKey, subKey, api.HeaderMSN, msn)
	if res.status != 200 {
		n.t.Fatalf("token for %s: %d %s", client, res.status, res.body)
	}
	var tr api.TokenResponse
	_ = json.Unmarshal(res.body, &tr)
	return tr.AccessToken
}

// mint signs a token with the node's key as another issuer would.
func (n *matrixNode) mint(cfg auth.IssuerConfig, g auth.Grant) string {
	n.t.Helper()
	cfg.Keys, cfg.Issuer = auth.NewKeySet(n.key), "ordermgmt"
	tok, _, err := auth.NewIssuer(cfg).Mint(g)
	if err != nil {
		n.t.Fatal(err)
	}
	return tok
}

// forge returns tok with its header replaced and, for HS256, an HMAC of
// the public key as its signature: the classic algorithm confusion.
func forge(tok, alg string, pub ed25519.PublicKey) string {
	parts := strings.Split(tok, ".")
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","typ":"JWT"}`))
	switch alg {
	case "none":
		return head + "." + parts[1] + "."
	default:
		m := hmac.New(sha256.New, pub)
		m.Write([]byte(head + "." + parts[1]))
		return head + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
}

// requestFor fills a route's path parameters and gives it a valid body,
// so that a request that passes authentication is not refused for want
// of one (operations the table adds later get an empty object).
func requestFor(rt server.RouteInfo, t *testing.T) (string, any) {
	params := map[string]string{"paymentType": "ECOM", "orderId": "o-1", "categoryId": "0b7e5c8e-1c1a-4c1e-9c1e-1c1a4c1e9c1e"}
	path := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllStringFunc(rt.Path, func(p string) string {
		if v, ok := params[strings.Trim(p, "{}")]; ok {
			return v
		}
		return "x"
	})
	if rt.Limit == 0 {
		return path, nil
	}
	switch rt.Operation {
	case server.OpAddImage:
		return path, imageBody("img-1", pngOf(t, 200, 200))
	case server.OpPutCategory:
		return path, map[string]any{"category": "GENERAL", "orderDetailsUrl": "https://example.com/o/1"}
	case server.OpAddReceipt:
		return path, sampleReceipt()
	case server.OpAddCategory:
		return path, map[string]any{"orderId": "o-1", "paymentType": "ECOM", "type": "GENERAL", "url": "https://example.com/o/1"}
	}
	return path, map[string]any{}
}

// TestAuthenticationMatrix holds every authenticated operation of the
// route table against every way a credential can be wrong (contract §7,
// §8), on a configured node: each case gets its status in its shape, and
// the right credentials pass.
func TestAuthenticationMatrix(t *testing.T) {
	n := startMatrixNode(t)
	dep := n.app.Deployment.ID
	acme := n.configuredToken("acme", "acme-key", "123456")
	gone := n.configuredToken("gone", "gone-key", "777777")
	rekeyed := n.configuredToken("rekeyed", "old-key", "333333")
	acmeGrant := auth.Grant{ClientID: "acme", SubscriptionKey: "acme-key", MSNs: []string{"123456"}}
	expired := n.mint(auth.IssuerConfig{Mode: auth.ModeConfigured, Deployment: dep, TTL: time.Hour,
		Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }}, acmeGrant)
	otherDeployment := n.mint(auth.IssuerConfig{Mode: auth.ModeConfigured, Deployment: "another-deployment"}, acmeGrant)
	sandbox := n.mint(auth.IssuerConfig{Mode: auth.ModeSandbox, Deployment: dep}, acmeGrant)
	pub := n.key.Public().(ed25519.PublicKey)

	// The units file changes under the node: gone is removed, rekeyed
	// gets a new subscription key.
	writeUnits(t, n.unitsFile, matrixUnits(t, true))
	if err := n.app.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}

	const (
		gatewayShape = "gateway"
		problemShape = "problem"
	)
	type hdrs = map[string]string
	std := func(tok, key, msn string) hdrs {
		h := hdrs{"Authorization": "Bearer " + tok, api.HeaderSubscriptionKey: key, api.HeaderMSN: msn}
		return h
	}
	without := func(h hdrs, name string) hdrs { delete(h, name); return h }
	cases := []struct {
		name    string
		headers hdrs
		status  int
		shape   string
		code    string
	}{
		{"no Authorization", without(std(acme, "acme-key", "123456"), "Authorization"), 401, gatewayShape, api.CodeMissingToken},
		{"malformed Authorization", hdrs{"Authorization": "Basic YWNtZTpzZWNyZXQ=", api.HeaderSubscriptionKey: "acme-key", api.HeaderMSN: "123456"}, 401, gatewayShape, api.CodeInvalidToken},
		{"garbage token", std("garbage.garbage.garbage", "acme-key", "123456"), 401, gatewayShape, api.CodeInvalidToken},
		{"expired token", std(expired, "acme-key", "123456"), 401, gatewayShape, api.CodeExpiredToken},
		{"forged: alg none", std(forge(acme, "none", pub), "acme-key", "123456"), 401, gatewayShape, api.CodeInvalidToken},
		{"forged: HS256 with the public key", std(forge(acme, "HS256", pub), "acme-key", "123456"), 401, gatewayShape, api.CodeInvalidToken},
		{"forged: tampered payload", std(tamper(acme), "acme-key", "123456"), 401, gatewayShape, api.CodeInvalidToken},
		{"another deployment's token", std(otherDeployment, "acme-key", "123456"), 401, gatewayShape, api.CodeInvalidToken},
		{"sandbox token on a configured node", std(sandbox, "acme-key", "123456"), 401, gatewayShape, api.CodeInvalidToken},
		{"no subscription key", without(std(acme, "acme-key", "123456"), api.HeaderSubscriptionKey), 401, gatewayShape, api.CodeSubscriptionKey},
		{"another client's subscription key", std(acme, "beta-key", "123456"), 401, gatewayShape, api.CodeSubscriptionKey},
		{"no MSN", without(std(acme, "acme-key", "123456"), api.HeaderMSN), 400, problemShape, api.CodeInvalidRequest},
		{"MSN not allowed", std(acme, "acme-key", "654321"), 403, gatewayShape, api.CodeMSNNotAllowed},
		{"removed sales unit", std(gone, "gone-key", "777777"), 401, gatewayShape, api.CodeInvalidToken},
		{"changed subscription key, old key", std(rekeyed, "old-key", "333333"), 401, gatewayShape, api.CodeInvalidToken},
		{"changed subscription key, new key", std(rekeyed, "new-key", "333333"), 401, gatewayShape, api.CodeSubscriptionKey},
	}

	ops := 0
	for _, rt := range server.RouteTable() {
		// The official operations; the /_sandbox/ tools do not exist on
		// a configured node.
		if !rt.Auth || rt.Operation == "" {
			continue
		}
		ops++
		path, body := requestFor(rt, t)
		t.Run(rt.Operation, func(t *testing.T) {
			for _, tc := range cases {
				var hdr []string
				for k, v := range tc.headers {
					hdr = append(hdr, k, v)
				}
				res := n.do(rt.Method, path, body, hdr...)
				if res.status != tc.status {
					t.Errorf("%s %s, %s: status %d, want %d; body %s", rt.Method, path, tc.name, res.status, tc.status, res.body)
					continue
				}
				ct := res.header.Get("Content-Type")
				switch tc.shape {
				case gatewayShape:
					var gw struct {
						StatusCode int    `json:"statusCode"`
						Message    string `json:"message"`
						Code       string `json:"code"`
					}
					if err := json.Unmarshal(res.body, &gw); err != nil || ct != "application/json" ||
						gw.StatusCode != tc.status || gw.Message == "" || gw.Code != tc.code {
						t.Errorf("%s: %s %s, want the gateway shape with statusCode %d, code %s", tc.name, ct, res.body, tc.status, tc.code)
					}
				case problemShape:
					p := res.problem(t)
					if ct != "application/problem+json" || p.Status != tc.status || p.Code != tc.code || !hasParam(p, api.HeaderMSN, "") {
						t.Errorf("%s: %s %s, want a problem naming %s", tc.name, ct, res.body, api.HeaderMSN)
					}
				}
			}
			// The right credentials pass authentication.
			hdr := []string{"Authorization", "Bearer " + acme, api.HeaderSubscriptionKey, "acme-key", api.HeaderMSN, "123456"}
			if res := n.do(rt.Method, path, body, hdr...); res.status == 401 || res.status == 403 || res.status >= 500 {
				t.Errorf("%s %s with the right credentials: status %d; body %s", rt.Method, path, res.status, res.body)
			}
		})
	}
	if ops < 4 {
		t.Errorf("the route table has %d authenticated operations, want at least the 4 of contract §1", ops)
	}

	// The token operation, in its own error shape.
	t.Run(server.OpToken, func(t *testing.T) {
		for _, tc := range []struct {
			name                string
			client, secret, key string
			msn                 string
			status              int
			code                string
		}{
			{"no credentials", "", "", "", "", 400, "invalid_request"},
			{"garbage secret", "acme", "garbage", "acme-key", "", 401, "invalid_client"},
			{"unknown client", "mallory", "secret", "acme-key", "", 401, "invalid_client"},
			{"another client's subscription key", "acme", "secret", "beta-key", "", 401, "invalid_client"},
			{"no subscription key", "acme", "secret", "", "", 400, "invalid_request"},
			{"malformed MSN", "acme", "secret", "acme-key", "12", 400, "invalid_request"},
			{"MSN not allowed", "acme", "secret", "acme-key", "654321", 403, "msn_not_allowed"},
			{"removed sales unit", "gone", "secret", "gone-key", "", 401, "invalid_client"},
			{"changed subscription key, old key", "rekeyed", "secret", "old-key", "", 401, "invalid_client"},
		} {
			hdr := []string{"client_id", tc.client, "client_secret", tc.secret, api.HeaderSubscriptionKey, tc.key}
			if tc.msn != "" {
				hdr = append(hdr, api.HeaderMSN, tc.msn)
			}
			res := n.do("POST", "/accesstoken/get", nil, hdr...)
			var te struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			if err := json.Unmarshal(res.body, &te); err != nil || res.status != tc.status || te.Error != tc.code || te.Description == "" {
				t.Errorf("%s: %d %s, want %d with error %s", tc.name, res.status, res.body, tc.status, tc.code)
			}
		}
		if res := n.do("POST", "/accesstoken/get", nil, "client_id", "rekeyed", "client_secret", "secret", api.HeaderSubscriptionKey, "new-key"); res.status != 200 {
			t.Errorf("changed subscription key, new key: %d %s, want 200", res.status, res.body)
		}
	})
}

// TestNodeRefusesDatabaseOfAnotherMode: a database records the mode of
// its deployment, and a node in the other mode refuses to start on it, on
// either store. A sandbox node on a configured deployment's database
// minted tokens for any credentials, which the configured nodes took.
func TestNodeRefusesDatabaseOfAnotherMode(t *testing.T) {
	for name, database := range map[string]func(t *testing.T) string{
		"sqlite":   func(*testing.T) string { return "" },
		"postgres": postgresURL,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			units := filepath.Join(dir, "units.json")
			writeUnits(t, units, matrixUnits(t, false))
			cfg := config.Default()
			cfg.Addr, cfg.DataDir, cfg.DatabaseURL, cfg.ConfigFile = "127.0.0.1:0", filepath.Join(dir, "data"), database(t), units
			h := startWith(t, cfg)
			first := h.app.Deployment
			h.stop()

			sandbox := cfg
			sandbox.ConfigFile = ""
			if a, err := startApp(sandbox); err == nil {
				a.Shutdown(t.Context())
				t.Fatal("a sandbox node started on a configured deployment's database")
			} else if !strings.Contains(err.Error(), "configured mode") {
				t.Errorf("error = %v, want it to name the database's mode", err)
			}
			// The configured node comes back to the same deployment.
			h.restart()
			if h.app.Deployment.ID != first.ID || h.app.Deployment.Mode != auth.ModeConfigured {
				t.Errorf("after a restart the deployment is %+v, want %+v", h.app.Deployment, first)
			}
		})
	}
}
