package auth

import (
	"encoding/json"
	"errors"
	"golang.org/x/crypto/bcrypt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeFile writes content to a new file in a test directory.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadConfig(t *testing.T) {
	want := testConfig(t)
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := LoadConfig(writeFile(t, string(b)))
	if err != nil {
		t.Fatalf("LoadConfig(valid) error: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LoadConfig differs (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(b), `"salesUnits":[{"name":"Shop A","clientId":"client-a","secretHash":"$2a$04$`) {
		t.Errorf("config JSON field names changed: %s", b)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	hash := testConfig(t).SalesUnits[0].SecretHash
	unit := func(name, id, h, key, msns string) string {
		return `{"name":"` + name + `","clientId":"` + id + `","secretHash":"` + h + `","subscriptionKey":"` + key + `","msns":` + msns + `}`
	}
	file := func(units ...string) string { return `{"salesUnits":[` + strings.Join(units, ",") + `]}` }
	tests := []struct {
		name    string
		content string
		want    []string // every one must appear in the error
	}{
		{"not JSON", "salesUnits:", []string{"credentials.json"}},
		{"unknown field", `{"salesUnits":[],"secrets":[]}`, []string{`unknown field "secrets"`}},
		{"misspelt unit field", `{"salesUnits":[{"client_id":"x"}]}`, []string{`unknown field "client_id"`}},
		{"trailing data", `{"salesUnits":[]} {}`, []string{"after the JSON object"}},
		{"no units", `{"salesUnits":[]}`, []string{"salesUnits: list at least one sales unit"}},
		{"empty object", `{}`, []string{"salesUnits: list at least one sales unit"}},
		{"duplicate client id", file(unit("A", "c1", hash, "k", `["1234"]`), unit("B", "c1", hash, "k", `["1234"]`)),
			[]string{`salesUnits[1] "B": clientId: "c1" is also the clientId of salesUnits[0]`}},
		{"empty client id", file(unit("A", "", hash, "k", `["1234"]`)), []string{`salesUnits[0] "A": clientId: is empty`}},
		{"unnamed entry", file(unit("", "", hash, "k", `["1234"]`)), []string{`salesUnits[0]: clientId: is empty`}},
		{"plain secret", file(unit("A", "c1", "hunter2", "k", `["1234"]`)),
			[]string{`salesUnits[0] "A": secretHash: is not a bcrypt hash`, "ordermgmt hash-secret"}},
		{"no secret hash", file(unit("A", "c1", "", "k", `["1234"]`)), []string{`salesUnits[0] "A": secretHash: is empty`}},
		{"no subscription key", file(unit("A", "c1", hash, "", `["1234"]`)), []string{`salesUnits[0] "A": subscriptionKey: is empty`}},
		{"no MSNs", file(unit("A", "c1", hash, "k", `[]`)), []string{`salesUnits[0] "A": msns: is empty`}},
		{"MSNs missing", file(`{"name":"A","clientId":"c1","secretHash":"` + hash + `","subscriptionKey":"k"}`), []string{`salesUnits[0] "A": msns: is empty`}},
		{"bad MSNs", file(unit("A", "c1", hash, "k", `["1234","123","12345678","12x4"]`)),
			[]string{`salesUnits[0] "A": msns[1]: "123" is not`, `msns[2]: "12345678"`, `msns[3]: "12x4"`}},
		{"MSN not a string", file(unit("A", "c1", hash, "k", `[1234]`)), []string{"credentials.json", "string"}},
		{"every problem reported", file(unit("A", "", "x", "", `[]`), unit("B", "c2", hash, "k", `["1"]`)),
			[]string{`"A": clientId`, `"A": secretHash`, `"A": subscriptionKey`, `"A": msns`, `salesUnits[1] "B": msns[0]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(writeFile(t, tt.content))
			if err == nil {
				t.Fatalf("LoadConfig(%s) = %+v, want error", tt.content, cfg)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("LoadConfig(%s) error =\n%v\nwant it to contain %q", tt.content, err, w)
				}
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		if _, err := LoadConfig(filepath.Join(t.TempDir(), "none.json")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("LoadConfig(missing) error = %v, want fs.ErrNotExist", err)
		}
	})
}

// FuzzParseConfig: any bytes decode to a valid configuration or an error,
// and a configuration that parses builds an authenticator whose checks
// hold for its own units.
func FuzzParseConfig(f *testing.F) {
	hash := "$2a$04$e0MYzXyjpJS7Pd0RVvHwHeFUpfO/9nlSaZxHvP3E8tMFqz6Xw7nG."
	f.Add([]byte(`{"salesUnits":[{"name":"Shop","clientId":"c","secretHash":"` + hash + `","subscriptionKey":"k","msns":["123456"]}]}`))
	f.Add([]byte(`{"salesUnits":[]}`))
	f.Add([]byte(`{"salesUnits":[{"clientId":"c"}],"x":1}`))
	f.Add([]byte(`{} {}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := ParseConfig(b)
		if err != nil {
			return
		}
		if cfg.Validate() != nil {
			t.Fatalf("ParseConfig(%q) returned a configuration that does not validate", b)
		}
		for _, su := range cfg.SalesUnits {
			// Configured hashes at the units' cost; a mutated cost of 20
			// would take minutes.
			if c, _ := bcrypt.Cost([]byte(su.SecretHash)); c > 6 {
				return
			}
		}
		tc := Configured(cfg).(TokenChecker)
		for _, su := range cfg.SalesUnits {
			c := &Claims{ClientID: su.ClientID, SubscriptionKey: hashKey(su.SubscriptionKey)}
			if err := tc.CheckToken(c, su.MSNs[0]); err != nil && su.ClientID != "" {
				// A later unit may share the client id only when
				// Validate refused it; the map keeps the last.
				t.Fatalf("CheckToken of unit %q's own token: %v", su.ClientID, err)
			}
		}
	})
}
