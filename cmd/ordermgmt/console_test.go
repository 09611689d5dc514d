package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/client/clienttest"
	"github.com/ordermgmt/ordermgmt/internal/auth"
)

// TestConsoleCommand runs `ordermgmt console --base-url` against our
// server and reads an order through it, as a support agent would.
func TestConsoleCommand(t *testing.T) {
	srv := clienttest.NewServer(t)
	c, err := client.New(client.Config{BaseURL: srv.URL, ClientID: "a", ClientSecret: "b", SubscriptionKey: "c",
		MSN: "123456", System: client.System{Name: "t", Version: "1"}})
	if err != nil {
		t.Fatal(err)
	}
	one := int64(2500)
	if _, err := c.AddReceipt(context.Background(), api.PaymentTypeECOM, "c-1", &api.Receipt{
		OrderLines: []api.OrderLine{{Name: "Lamp", ID: "L1", TotalAmount: 12500, TotalAmountExcludingTax: 10000, TotalTaxAmount: 2500, TaxRate: &one}},
		BottomLine: api.BottomLine{Currency: "NOK"},
	}); err != nil {
		t.Fatal(err)
	}

	base, stdout, stderr, stop := startConsole(t, "--base-url", srv.URL, "--addr", "127.0.0.1:0", "--data", t.TempDir(),
		"--client-id", "support", "--subscription-key", testSubKey)
	res, err := http.Get(base + "/console/m/123456/orders/ECOM/c-1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{"Lamp", `id="total">125.00 NOK<`, "Order Management API: " + srv.URL, "Support actions on this order"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("order page through the standalone console lacks %q (status %d)", want, res.StatusCode)
		}
	}
	if strings.Contains(string(b)+stdout.String()+stderr.String(), testSecret) {
		t.Error("the client secret is in a page or the output")
	}
	stop()
}

// startConsole runs `ordermgmt console` with args until the test ends or
// stop is called, and returns its URL.
func startConsole(t *testing.T, args ...string) (base string, stdout, stderr *lockedBuffer, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &lockedBuffer{}, &lockedBuffer{}
	environ := map[string]string{envClientSecret: testSecret}
	e := &env{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, getenv: func(k string) string { return environ[k] }}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"console"}, args...), e) }()
	urlRE := regexp.MustCompile(`listening on (http://\S+)/console/`)
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("no URL in banner; stdout %q stderr %q", stdout.String(), stderr.String())
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("console after cancel = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("console did not stop")
		}
	}
	t.Cleanup(stop)
	return base, stdout, stderr, stop
}

// TestConsoleCommandConfigured: with --config, people sign in.
func TestConsoleCommandConfigured(t *testing.T) {
	srv := clienttest.NewServer(t)
	h, err := auth.HashSecret("kari-password")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "console.json")
	os.WriteFile(cfg, []byte(`{"console": {"users": [{"name": "kari", "passwordHash": "`+h+`", "msns": ["123456"]}]}}`), 0o600)
	base, _, _, _ := startConsole(t, "--base-url", srv.URL, "--addr", "127.0.0.1:0", "--data", t.TempDir(),
		"--client-id", "support", "--subscription-key", testSubKey, "--config", cfg)
	nc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := nc.Get(base + "/console/m/123456/orders/ECOM/c-1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("order page signed out: status %d, want 303 to the sign-in", res.StatusCode)
	}
	res, err = nc.Get(base + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), `name="password"`) {
		t.Error("the start page of a configured console is not the sign-in form")
	}
}

func TestConsoleCommandRefusesOpenNonLoopback(t *testing.T) {
	r := runCLI(t, []string{"console", "--addr", "0.0.0.0:0", "--client-id", "a", "--subscription-key", "k"},
		"", map[string]string{envClientSecret: "s"})
	if r.code != 2 || !strings.Contains(r.stderr, "loopback") {
		t.Errorf("open console on 0.0.0.0: exit %d, stderr %q; want 2 naming loopback", r.code, r.stderr)
	}
}
