package auth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestCheckPassword(t *testing.T) {
	bc, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	a2 := HashArgon2id("s3cret", []byte("0123456789abcdef"))
	for _, tc := range []struct {
		hash, pw string
		want     bool
	}{
		{string(bc), "s3cret", true},
		{string(bc), "s3cret ", false},
		{a2, "s3cret", true},
		{a2, "S3cret", false},
		{"$argon2id$v=19$m=65536,t=3,p=4$bad$bad", "s3cret", false},
		{"plain", "plain", false},
		{"", "", false},
	} {
		if got := CheckPassword(tc.hash, tc.pw); got != tc.want {
			t.Errorf("CheckPassword(%.20q, %q) = %v, want %v", tc.hash, tc.pw, got, tc.want)
		}
	}
}

func TestConsoleConfigValidate(t *testing.T) {
	bc, _ := bcrypt.GenerateFromPassword([]byte("x"), bcrypt.MinCost)
	good := ConsoleUser{Name: "kari", PasswordHash: string(bc), MSNs: []string{"123456"}}
	cfg := ConsoleConfig{
		Users: []ConsoleUser{
			good,
			{Name: "kari", PasswordHash: "nope", MSNs: []string{"12"}},
			{Name: " ", PasswordHash: HashArgon2id("x", []byte("saltsalt")), MSNs: nil},
		},
		Markets:  map[string]string{"123456": "US"},
		AppNames: map[string]string{"DK": ""},
	}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("Validate accepted a broken console section")
	}
	for _, want := range []string{
		`console.users[1]: name: "kari" is also`, "console.users[1]: passwordHash:", `console.users[1]: msns[0]: "12"`,
		"console.users[2]: name: is empty", "console.users[2]: msns: is empty",
		`console.markets["123456"]: "US"`, `console.appNames["DK"] is empty`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v\nwant it to contain %q", err, want)
		}
	}
	if err := (&ConsoleConfig{Users: []ConsoleUser{good}, Markets: map[string]string{"123456": "DK"}}).Validate(); err != nil {
		t.Errorf("Validate(good) = %v", err)
	}
}

func TestLoadConsoleConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	bc, _ := bcrypt.GenerateFromPassword([]byte("x"), bcrypt.MinCost)
	ok := write("ok.json", `{"console": {"users": [{"name": "kari", "passwordHash": "`+string(bc)+`", "msns": ["123456"]}]}}`)
	cfg, err := LoadConsoleConfig(ok)
	if err != nil || len(cfg.Users) != 1 || cfg.Users[0].Name != "kari" {
		t.Fatalf("LoadConsoleConfig = %+v, %v", cfg, err)
	}
	if _, err := LoadConsoleConfig(write("none.json", `{"salesUnits": []}`)); err == nil || !strings.Contains(err.Error(), "console.users") {
		t.Errorf("a file without console users: %v", err)
	}
	if _, err := LoadConsoleConfig(write("typo.json", `{"consol": {}}`)); err == nil {
		t.Error("a misspelt section was accepted")
	}
	// The server's loader accepts the console section beside sales units.
	full := write("full.json", `{"salesUnits": [{"name": "S", "clientId": "c", "secretHash": "`+string(bc)+`", "subscriptionKey": "k", "msns": ["123456"]}],
		"console": {"users": [{"name": "kari", "passwordHash": "`+string(bc)+`", "msns": ["123456"]}]}}`)
	if fc, err := LoadConfig(full); err != nil || fc.Console == nil || len(fc.Console.Users) != 1 {
		t.Errorf("LoadConfig with a console section = %+v, %v", fc, err)
	}
}
