package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/client/sandbox"
	"github.com/ordermgmt/ordermgmt/internal/app"
	"github.com/ordermgmt/ordermgmt/internal/config"
	"github.com/ordermgmt/ordermgmt/internal/relay"
)

// TestRelayStatus: a receipt upstream refuses with 400 is failed at once,
// and `relay status` prints the counts and the failed delivery with
// upstream's problem.
func TestRelayStatus(t *testing.T) {
	const msn = "1234567"
	ucfg := config.Default()
	ucfg.Addr, ucfg.DataDir = "127.0.0.1:0", t.TempDir()
	up, err := app.Start(context.Background(), ucfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer up.Shutdown(context.Background())
	newClient := func(base string) *client.Client {
		c, err := client.New(client.Config{BaseURL: base, ClientID: "shop", ClientSecret: "s", SubscriptionKey: "k", MSN: msn,
			System: client.System{Name: "relaytest", Version: "1"}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if _, err := sandbox.New(newClient(up.URL)).AddFault(context.Background(), api.FaultRule{Operation: "addReceipt", Status: 400}); err != nil {
		t.Fatal(err)
	}

	cfg := config.Default()
	cfg.Addr, cfg.DataDir = "127.0.0.1:0", t.TempDir()
	r, err := relay.Start(context.Background(), cfg, relay.Config{
		Upstream:    up.URL,
		Credentials: map[string]relay.Credentials{msn: {ClientID: "relay", ClientSecret: "s", SubscriptionKey: "k", MSNs: []string{msn}}},
		Node:        "test", Poll: 10 * time.Millisecond,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Shutdown(context.Background())
	rec, err := client.NewReceipt("NOK").AddLine(client.LineSpec{Name: "Coffee", ID: "c1", UnitPrice: 5000, TaxRate: 2500}).Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newClient(r.URL).AddReceipt(context.Background(), "ECOM", "order-77", rec); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{envClientID: "shop", envClientSecret: testSecret, envSubscriptionKey: "k", envMSN: msn}
	var out cliRun
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		out = runCLI(t, []string{"relay", "status", "--base-url", r.URL}, "", env)
		if strings.Contains(out.stdout, "failed 1") {
			break
		}
	}
	for _, want := range []string{"queued 0  retrying 0  delivered 0  failed 1  conflict 0", "addReceipt order order-77 (ECOM): failed after 1 attempts",
		"upstream HTTP 400", "sandbox_fault", "retry: POST /_relay/deliveries/1/retry"} {
		if !strings.Contains(out.stdout, want) {
			t.Errorf("relay status lacks %q:\n%s\nstderr: %s", want, out.stdout, out.stderr)
		}
	}
	if out.code != 0 {
		t.Errorf("relay status exit %d, want 0", out.code)
	}
}
