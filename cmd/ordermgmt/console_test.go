package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/client/clienttest"
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

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	environ := map[string]string{envClientSecret: testSecret}
	e := &env{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, getenv: func(k string) string { return environ[k] }}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"console", "--base-url", srv.URL, "--addr", "127.0.0.1:0", "--data", t.TempDir(),
			"--client-id", "support", "--subscription-key", testSubKey}, e)
	}()
	urlRE := regexp.MustCompile(`listening on (http://\S+)/console/`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("no URL in banner; stdout %q stderr %q", stdout.String(), stderr.String())
	}
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

func TestConsoleCommandRefusesOpenNonLoopback(t *testing.T) {
	r := runCLI(t, []string{"console", "--addr", "0.0.0.0:0", "--client-id", "a", "--subscription-key", "k"},
		"", map[string]string{envClientSecret: "s"})
	if r.code != 2 || !strings.Contains(r.stderr, "loopback") {
		t.Errorf("open console on 0.0.0.0: exit %d, stderr %q; want 2 naming loopback", r.code, r.stderr)
	}
}
