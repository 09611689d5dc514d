package config

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestLoadPrecedence(t *testing.T) {
	env := map[string]string{Env.Addr: "127.0.0.1:9000", Env.Data: "/env/data", Env.TokenTTL: "30m"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name     string
		args     []string
		wantAddr string
		wantData string
		wantTTL  time.Duration
	}{
		{"env over default", nil, "127.0.0.1:9000", "/env/data", 30 * time.Minute},
		{"flag over env", []string{"--addr", "127.0.0.1:0", "--data", "/flag/data", "--token-ttl", "2h"}, "127.0.0.1:0", "/flag/data", 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, getenv, io.Discard)
			if err != nil {
				t.Fatalf("Load(%q) error: %v", tt.args, err)
			}
			if c.Addr != tt.wantAddr || c.DataDir != tt.wantData || c.TokenTTL != tt.wantTTL {
				t.Errorf("Load(%q) = addr %q data %q ttl %s, want %q %q %s", tt.args, c.Addr, c.DataDir, c.TokenTTL, tt.wantAddr, tt.wantData, tt.wantTTL)
			}
		})
	}
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c != Default() {
		t.Errorf("Load(nil) = %+v, want Default() %+v", c, Default())
	}
	if !strings.HasPrefix(c.Mode(), "sandbox") {
		t.Errorf("Mode() = %q, want sandbox", c.Mode())
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--log-format", "xml"}, nil, "--log-format"},
		{[]string{"--token-ttl", "1s"}, nil, "--token-ttl"},
		{[]string{"--database", "mysql://x"}, nil, "--database"},
		{[]string{"--log-level", "loud"}, nil, "--log-level"},
		{[]string{"extra"}, nil, "unexpected argument"},
		{[]string{"--nope"}, nil, "nope"},
		{nil, map[string]string{Env.TokenTTL: "soon"}, Env.TokenTTL},
	}
	for _, tt := range tests {
		_, err := Load(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
		if err == nil || !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%q, %v) error = %v, want a usage error mentioning %q", tt.args, tt.env, err, tt.want)
		}
	}
}

// TestHelpHidesEnvironment checks that -h shows built-in defaults, never a
// value (such as a database password) taken from the environment.
func TestHelpHidesEnvironment(t *testing.T) {
	var out strings.Builder
	getenv := func(k string) string {
		if k == Env.Database {
			return "postgres://app:s3cret@db.example/ordermgmt"
		}
		return ""
	}
	_, err := Load([]string{"-h"}, getenv, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("Load(-h) error = %v, want flag.ErrHelp", err)
	}
	if strings.Contains(out.String(), "s3cret") || !strings.Contains(out.String(), "-database") {
		t.Errorf("help output shows the environment's database URL or lacks -database:\n%s", out.String())
	}
}
