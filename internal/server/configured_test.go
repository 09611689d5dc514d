package server_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/auth"
	"github.com/ordermgmt/ordermgmt/internal/config"
)

// TestConfiguredMode runs the server with a sales units file: only the
// listed credentials get tokens, and only for their merchants.
func TestConfiguredMode(t *testing.T) {
	hash, err := auth.HashSecret("right-secret")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "units.json")
	units := auth.FileConfig{SalesUnits: []auth.SalesUnit{{
		Name: "Acme Oslo", ClientID: "acme", SecretHash: hash, SubscriptionKey: "acme-key", MSNs: []string{"123456", "7654321"},
	}}}
	b, _ := json.Marshal(units)
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.ConfigFile = "127.0.0.1:0", filepath.Join(dir, "data"), file
	h := startWith(t, cfg)

	tests := []struct {
		name, id, secret, key, msn string
		status                     int
		code                       string
	}{
		{"right", "acme", "right-secret", "acme-key", "123456", 200, ""},
		{"right, no MSN", "acme", "right-secret", "acme-key", "", 200, ""},
		{"wrong secret", "acme", "wrong", "acme-key", "123456", 401, "invalid_client"},
		{"unknown client", "other", "right-secret", "acme-key", "", 401, "invalid_client"},
		{"wrong subscription key", "acme", "right-secret", "other-key", "", 401, "invalid_client"},
		{"MSN not the unit's", "acme", "right-secret", "acme-key", "111111", 403, "msn_not_allowed"},
		{"missing secret", "acme", "", "acme-key", "", 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := []string{"client_id", tt.id, "client_secret", tt.secret, api.HeaderSubscriptionKey, tt.key}
			if tt.msn != "" {
				hdr = append(hdr, api.HeaderMSN, tt.msn)
			}
			res := h.do("POST", "/accesstoken/get", nil, hdr...)
			var body struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			_ = json.Unmarshal(res.body, &body)
			if res.status != tt.status || body.Error != tt.code {
				t.Errorf("token = %d %s, want %d %q", res.status, res.body, tt.status, tt.code)
			}
			if tt.status != 200 && body.Description == "" {
				t.Errorf("token error %s has no error_description", res.body)
			}
		})
	}

	// A token without an MSN acts for every merchant of the unit, and no other.
	res := h.do("POST", "/accesstoken/get", nil, "client_id", "acme", "client_secret", "right-secret", api.HeaderSubscriptionKey, "acme-key")
	var tr api.TokenResponse
	if err := json.Unmarshal(res.body, &tr); err != nil {
		t.Fatal(err)
	}
	for msn, want := range map[string]int{"7654321": 404, "111111": 403} {
		res := h.do("GET", "/order-management/v2/ECOM/o-1", nil, "Authorization", "Bearer "+tr.AccessToken, api.HeaderSubscriptionKey, "acme-key", api.HeaderMSN, msn)
		if res.status != want {
			t.Errorf("GET as %s = %d %s, want %d", msn, res.status, res.body, want)
		}
	}
}
