package main

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordermgmt/ordermgmt/client/clienttest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the actual output")

// The credentials of the CLI tests; no output may contain the secrets.
const (
	testSecret = "cli-secret-Zq81"
	testSubKey = "cli-subkey-Wm27"
)

// cliRun is one run of the program: what it printed and its exit status.
type cliRun struct {
	stdout, stderr string
	code           int
}

// runCLI runs the real program with args, stdin and environment, as main
// would, and returns what it printed and its exit status.
func runCLI(t *testing.T, args []string, stdin string, environ map[string]string) cliRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return environ[k] }}
	err := run(context.Background(), args, e)
	code := exitCode(err, &stderr)
	return cliRun{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// normalizers replace what differs between runs: the server's port,
// UUIDs, trace ids, tokens and their times.
var normalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`http://127\.0\.0\.1:\d+`), "http://127.0.0.1:PORT"},
	{regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), "<UUID>"},
	{regexp.MustCompile(`\b00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}\b`), "<TRACE>"},
	{regexp.MustCompile(`eyJ[\w-]*\.[\w-]+\.[\w-]+`), "<JWT>"},
	{regexp.MustCompile(`("(?:expires_on|not_before)": )"\d+"`), `$1"<UNIX>"`},
}

func normalize(s string) string {
	for _, n := range normalizers {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return s
}

// TestCLIGolden runs every API subcommand against a real server, in an
// order that builds up one merchant's data, and compares what it prints
// with testdata/<name>.golden. Run `go test ./cmd/ordermgmt -run CLI -update`
// to rewrite the files, and review their diffs like code.
func TestCLIGolden(t *testing.T) {
	srv := clienttest.NewServer(t)
	base := map[string]string{
		envBaseURL:         srv.URL,
		envClientID:        "cli-test",
		envClientSecret:    testSecret,
		envSubscriptionKey: testSubKey,
		envMSN:             "123456",
	}
	const (
		logo    = "../../examples/logo.png"
		receipt = "../../examples/receipt.json"
	)
	tests := []struct {
		name  string
		args  []string
		stdin string            // a file whose content is standard input
		env   map[string]string // changes to base; "" unsets
		code  int
	}{
		{name: "token", args: []string{"token"}},
		{name: "token-json", args: []string{"token", "--json"}},
		{name: "image-add", args: []string{"image", "add", logo}},
		{name: "image-add-again", args: []string{"image", "add", logo}},
		{name: "image-add-id-json", args: []string{"image", "add", logo, "--id", "logo-1", "--json"}},
		{name: "image-add-id-conflict", args: []string{"image", "add", "--id", "logo-1", logo}, code: 1},
		{name: "image-add-not-image", args: []string{"image", "add", receipt}, code: 1},
		{name: "category-set", args: []string{"category", "set", "1001", "--type", "delivery", "--url", "https://shop.example/orders/1001", "--image", "logo-1"}},
		{name: "category-set-json", args: []string{"category", "set", "2001", "--payment-type", "recurring", "--type", "TICKET", "--url", "https://shop.example/tickets/2001", "--json"}},
		{name: "category-set-unknown-image", args: []string{"category", "set", "1002", "--type", "RECEIPT", "--url", "https://shop.example/r/1002", "--image", "no-such-image"}, code: 1},
		{name: "category-set-bad-flags", args: []string{"category", "set", "1002", "--type", "PARCEL", "--url", "http://shop.example/r/1002"}, code: 2},
		{name: "category-set-missing-flags", args: []string{"category", "set", "1002"}, code: 2},
		{name: "receipt-add", args: []string{"receipt", "add", "1001", "--file", receipt}},
		{name: "receipt-add-stdin-json", args: []string{"receipt", "add", "1003", "--json"}, stdin: "testdata/receipt-warnings.json"},
		{name: "receipt-add-warnings", args: []string{"receipt", "add", "1004", "--file", "-", "--payment-type", "RECURRING"}, stdin: "testdata/receipt-warnings.json"},
		{name: "receipt-add-full", args: []string{"receipt", "add", "1005", "--file", "testdata/receipt-full.json"}},
		{name: "receipt-add-duplicate", args: []string{"receipt", "add", "1001", "--file", receipt}, code: 1},
		{name: "receipt-add-invalid", args: []string{"receipt", "add", "1006", "--file", "testdata/receipt-invalid.json"}, code: 1},
		{name: "receipt-lint-good", args: []string{"receipt", "lint", receipt}},
		{name: "receipt-lint-good-json", args: []string{"receipt", "lint", "--json", receipt}},
		{name: "receipt-lint-warnings", args: []string{"receipt", "lint", "-"}, stdin: "testdata/receipt-warnings.json"},
		{name: "receipt-lint-bad", args: []string{"receipt", "lint", "testdata/receipt-invalid.json"}, code: 1},
		{name: "receipt-lint-bad-json", args: []string{"receipt", "lint", "testdata/receipt-invalid.json", "--json"}, code: 1},
		{name: "order-get", args: []string{"order", "get", "1001"}},
		{name: "order-get-full", args: []string{"order", "get", "1005"}},
		{name: "order-get-category-only", args: []string{"order", "get", "2001", "--payment-type", "recurring"}},
		{name: "order-get-json", args: []string{"order", "get", "1001", "--json"}},
		{name: "order-get-not-found", args: []string{"order", "get", "9999"}, code: 1},
		{name: "usage-missing-order", args: []string{"receipt", "add"}, code: 2},
		{name: "usage-unknown-subcommand", args: []string{"receipt", "send", "1001"}, code: 2},
		{name: "usage-payment-type", args: []string{"order", "get", "1001", "--payment-type", "card"}, code: 2},
		{name: "usage-no-credentials", args: []string{"order", "get", "1001"},
			env: map[string]string{envClientID: "", envClientSecret: "", envSubscriptionKey: "", envMSN: ""}, code: 2},
		{name: "usage-bad-base", args: []string{"token", "--base-url", "ftp://x", "--env", "staging"}, code: 2},
		{name: "usage-bad-msn", args: []string{"order", "get", "1001", "--msn", "12"}, code: 2},
		{name: "unreachable", args: []string{"token"}, env: map[string]string{envBaseURL: "http://127.0.0.1:1"}, code: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			environ := map[string]string{}
			for k, v := range base {
				environ[k] = v
			}
			for k, v := range tt.env {
				environ[k] = v
			}
			var stdin string
			if tt.stdin != "" {
				b, err := os.ReadFile(tt.stdin)
				if err != nil {
					t.Fatal(err)
				}
				stdin = string(b)
			}
			got := runCLI(t, tt.args, stdin, environ)
			if got.code != tt.code {
				t.Errorf("ordermgmt %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(tt.args, " "), got.code, tt.code, got.stdout, got.stderr)
			}
			for _, secret := range []string{testSecret, testSubKey} {
				if strings.Contains(got.stdout+got.stderr, secret) {
					t.Errorf("ordermgmt %s printed a secret", strings.Join(tt.args, " "))
				}
			}
			var b strings.Builder
			b.WriteString("$ ordermgmt " + strings.Join(tt.args, " "))
			if tt.stdin != "" {
				b.WriteString(" < " + tt.stdin)
			}
			b.WriteString("\n-- stdout --\n" + got.stdout + "-- stderr --\n" + got.stderr)
			checkGolden(t, filepath.Join("testdata", tt.name+".golden"), normalize(b.String()))
		})
	}
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/ordermgmt -run CLI -update to create it)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, d)
	}
}

// TestCLIHelpHidesSecrets: -h lists the flags with their defaults, which
// must not include secrets from the environment.
func TestCLIHelpHidesSecrets(t *testing.T) {
	environ := map[string]string{envClientSecret: testSecret, envSubscriptionKey: testSubKey}
	for _, args := range [][]string{{"token", "-h"}, {"receipt", "add", "-h"}, {"order", "get", "--help"}} {
		got := runCLI(t, args, "", environ)
		if got.code != 0 {
			t.Errorf("ordermgmt %s: exit %d, want 0", strings.Join(args, " "), got.code)
		}
		out := got.stdout + got.stderr
		if !strings.Contains(out, "-client-secret") {
			t.Errorf("ordermgmt %s printed no flag list:\n%s", strings.Join(args, " "), out)
		}
		if strings.Contains(out, testSecret) || strings.Contains(out, testSubKey) {
			t.Errorf("ordermgmt %s printed a secret:\n%s", strings.Join(args, " "), out)
		}
	}
}

func TestResolveBaseURL(t *testing.T) {
	tests := []struct {
		flagURL, envName, envVar string
		want                     string
		wantErr                  bool
	}{
		{want: defaultBaseURL},
		{envVar: "http://10.0.0.1:9000/", want: "http://10.0.0.1:9000"},
		{envVar: "test", want: "https://apitest.vipps.no"},
		{envName: "production", envVar: "http://10.0.0.1:9000", want: "https://api.vipps.no"},
		{envName: "TEST", want: "https://apitest.vipps.no"},
		{flagURL: "https://sandbox.example", envVar: "test", want: "https://sandbox.example"},
		{flagURL: "https://a.example", envName: "test", wantErr: true},
		{envName: "staging", wantErr: true},
		{flagURL: "ftp://x", wantErr: true},
		{envVar: "not a url", wantErr: true},
	}
	for _, tt := range tests {
		got, err := resolveBaseURL(tt.flagURL, tt.envName, func(k string) string {
			if k == envBaseURL {
				return tt.envVar
			}
			return ""
		})
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("resolveBaseURL(%q, %q, %s=%q) = %q, %v; want %q, error %v", tt.flagURL, tt.envName, envBaseURL, tt.envVar, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args     []string
		wantPos  []string
		wantFile string
	}{
		{[]string{"1001", "--file", "r.json"}, []string{"1001"}, "r.json"},
		{[]string{"--file", "r.json", "1001"}, []string{"1001"}, "r.json"},
		{[]string{"--file", "-", "a", "b"}, []string{"a", "b"}, "-"},
		{[]string{"--file", "r.json", "--", "-x", "--file"}, []string{"-x", "--file"}, "r.json"},
		{nil, nil, ""},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		file := fs.String("file", "", "")
		pos, err := parseArgs(fs, tt.args)
		if err != nil || !cmp.Equal(pos, tt.wantPos) || *file != tt.wantFile {
			t.Errorf("parseArgs(%q) = %q, --file %q, %v; want %q, %q", tt.args, pos, *file, err, tt.wantPos, tt.wantFile)
		}
	}
}

// TestCLISystemHeaders checks what the CLI sends: its own name and version
// in the Vipps-System-* headers and the credentials from the environment.
func TestCLISystemHeaders(t *testing.T) {
	srv := clienttest.NewServer(t)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []http.Header
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)

	got := runCLI(t, []string{"order", "get", "1001", "--base-url", front.URL, "--msn", "654321"}, "", map[string]string{
		envClientID: "cli-test", envClientSecret: testSecret, envSubscriptionKey: testSubKey, envMSN: "123456",
	})
	if got.code != 1 || !strings.Contains(got.stderr, "no category or receipt for order 1001") {
		t.Fatalf("order get = exit %d, stderr %q; want exit 1 and not found", got.code, got.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Fatalf("requests = %d, want 2 (token, order)", len(seen))
	}
	for i, h := range seen {
		if h.Get("Vipps-System-Name") != cliSystemName || h.Get("Vipps-System-Version") == "" {
			t.Errorf("request %d: Vipps-System-Name %q, Version %q; want %q and a version", i, h.Get("Vipps-System-Name"), h.Get("Vipps-System-Version"), cliSystemName)
		}
		// The --msn flag wins over VIPPS_MSN.
		if h.Get("Merchant-Serial-Number") != "654321" || h.Get("Ocp-Apim-Subscription-Key") != testSubKey {
			t.Errorf("request %d: MSN %q, subscription key %q; want 654321 and the key from the environment", i, h.Get("Merchant-Serial-Number"), h.Get("Ocp-Apim-Subscription-Key"))
		}
	}
	if seen[0].Get("client_id") != "cli-test" || seen[0].Get("client_secret") != testSecret {
		t.Errorf("token request credentials = %q/%q, want those of the environment", seen[0].Get("client_id"), seen[0].Get("client_secret"))
	}
}
