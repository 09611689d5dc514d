package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client/clienttest"
)

var faultIDRE = regexp.MustCompile(`Fault rule added: (\S+)`)

// TestSandboxCommands drives every sandbox command against a real server.
func TestSandboxCommands(t *testing.T) {
	srv := clienttest.NewServer(t)
	environ := map[string]string{envBaseURL: srv.URL, envClientID: "cli-test", envClientSecret: testSecret,
		envSubscriptionKey: testSubKey, envMSN: "123456"}
	cli := func(code int, args ...string) string {
		t.Helper()
		got := runCLI(t, args, "", environ)
		if got.code != code {
			t.Fatalf("ordermgmt %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), got.code, code, got.stdout, got.stderr)
		}
		return got.stdout
	}

	out := cli(0, "sandbox", "fault", "add", "--operation", "addReceipt", "--order", "10*", "--status", "502", "--count", "1")
	m := faultIDRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("fault add printed %q, want the rule's id", out)
	}
	id := m[1]
	cli(0, "sandbox", "fault", "add", "--operation", "getOrder", "--status", "429", "--retry-after", "2", "--probability", "0", "--seed", "3")
	if out := cli(0, "sandbox", "fault", "list"); !strings.Contains(out, id+"  addReceipt of 10*, before storing: answer 502\n  fired 0 of 1") ||
		!strings.Contains(out, "probability 0 (seed 3)") {
		t.Errorf("fault list =\n%s", out)
	}
	var fl api.FaultList
	if err := json.Unmarshal([]byte(cli(0, "sandbox", "fault", "list", "--json")), &fl); err != nil || len(fl.Faults) != 2 {
		t.Errorf("fault list --json = %+v, %v", fl, err)
	}
	if got := runCLI(t, []string{"sandbox", "fault", "add", "--operation", "addReceipt"}, "", environ); got.code != 1 || !strings.Contains(got.stderr, "status") {
		t.Errorf("fault add without an effect: exit %d, stderr %q; want 1 naming status", got.code, got.stderr)
	}
	if got := runCLI(t, []string{"sandbox", "fault", "add", "--status", "502"}, "", environ); got.code != 2 {
		t.Errorf("fault add without --operation: exit %d, want 2", got.code)
	}

	cli(0, "receipt", "add", "1001", "--file", "testdata/receipt-full.json")
	out = cli(0, "sandbox", "requests", "--order", "1001")
	if !regexp.MustCompile(`(?s)  502  POST   /order-management/v2/ECOM/receipts/1001  addReceipt .*\n    fault ` + id + ` \(before\); sandbox_fault: .*\n.*  201  POST   /order-management/v2/ECOM/receipts/1001`).MatchString(out) {
		t.Errorf("requests --order 1001 =\n%s\nwant the 502 by %s, then the 201", out, id)
	}
	var jl api.JournalList
	if err := json.Unmarshal([]byte(cli(0, "sandbox", "requests", "--status", "5xx", "--json")), &jl); err != nil || len(jl.Requests) != 1 || jl.Requests[0].FaultID != id {
		t.Errorf("requests --status 5xx --json = %+v, %v", jl, err)
	}

	out = cli(0, "sandbox", "checklist")
	for _, want := range []string{"Integration checklist of merchant 123456: not yet", "  [pass]    Add receipt", "  [not yet] Add image", "  [pass]    After a 5xx"} {
		if !strings.Contains(out, want) {
			t.Errorf("checklist lacks %q:\n%s", want, out)
		}
	}
	var cl api.Checklist
	if err := json.Unmarshal([]byte(cli(0, "sandbox", "checklist", "--json")), &cl); err != nil || cl.Result != api.ResultNotYet {
		t.Errorf("checklist --json = %+v, %v", cl, err)
	}

	// Sending the same receipt again after a 400 fails the checklist: exit 1.
	cli(0, "sandbox", "fault", "add", "--operation", "addReceipt", "--order", "2002", "--status", "400", "--count", "1")
	cli(1, "receipt", "add", "2002", "--file", "testdata/receipt-full.json")
	cli(0, "receipt", "add", "2002", "--file", "testdata/receipt-full.json")
	if got := runCLI(t, []string{"sandbox", "checklist"}, "", environ); got.code != 1 || !strings.Contains(got.stdout, "[fail]    A request answered 400") ||
		!strings.Contains(got.stderr, "sandbox checklist: 1 of 11 items fail") {
		t.Errorf("checklist after a repeated 400: exit %d\nstdout:\n%s\nstderr:\n%s", got.code, got.stdout, got.stderr)
	}

	if out := cli(0, "sandbox", "fault", "rm", id); out != "Fault rule "+id+" removed.\n" {
		t.Errorf("fault rm = %q", out)
	}
	if got := runCLI(t, []string{"sandbox", "fault", "rm", id}, "", environ); got.code != 1 {
		t.Errorf("fault rm again: exit %d, want 1", got.code)
	}
	if out := cli(0, "sandbox", "fault", "clear"); out != "2 fault rules removed.\n" {
		t.Errorf("fault clear = %q", out)
	}
	if out := cli(0, "sandbox", "reset"); !strings.HasPrefix(out, "Deleted 2 orders (0 categories, 2 receipts), 0 images, ") {
		t.Errorf("reset = %q", out)
	}
	if out := cli(0, "sandbox", "requests"); !strings.Contains(out, "/accesstoken/get") || strings.Contains(out, "receipts/1001") {
		t.Errorf("requests after reset =\n%s\nwant only the token calls since", out)
	}
}

// syncWriter is a buffer that a command writes while the test reads.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestSandboxRequestsFollow: --follow prints requests as they come, each
// once, until interrupted.
func TestSandboxRequestsFollow(t *testing.T) {
	defer func(d time.Duration) { followInterval = d }(followInterval)
	followInterval = 5 * time.Millisecond
	srv := clienttest.NewServer(t)
	environ := map[string]string{envBaseURL: srv.URL, envClientID: "cli-test", envClientSecret: testSecret,
		envSubscriptionKey: testSubKey, envMSN: "123456"}
	var stdout, stderr syncWriter
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return environ[k] }}
		done <- run(ctx, []string{"sandbox", "requests", "--follow", "--order", "f-1"}, e)
	}()
	c := srv.Client(t, "123456")
	for range 2 {
		c.GetOrder(t.Context(), api.PaymentTypeECOM, "f-1")
	}
	// Wait until both GETs are printed; the test's own deadline bounds it.
	for strings.Count(stdout.String(), "/order-management/v2/ECOM/f-1") < 2 {
		select {
		case err := <-done:
			t.Fatalf("requests --follow ended early: %v\n%s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("requests --follow after interrupt = %v, want nil", err)
	}
	if n := strings.Count(stdout.String(), "/order-management/v2/ECOM/f-1"); n != 2 {
		t.Errorf("requests --follow printed %d GETs, want each of the 2 once:\n%s", n, stdout.String())
	}
}
