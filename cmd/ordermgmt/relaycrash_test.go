package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/client/sandbox"
	"github.com/ordermgmt/ordermgmt/internal/app"
	"github.com/ordermgmt/ordermgmt/internal/config"
	"github.com/ordermgmt/ordermgmt/internal/relay"
	"github.com/ordermgmt/ordermgmt/internal/server"
	"github.com/ordermgmt/ordermgmt/internal/store"
	"github.com/ordermgmt/ordermgmt/internal/store/postgres/pgtest"
)

// envRelayCrash turns the crash test on; .ci/run sets it.
const envRelayCrash = "ORDERMGMT_TEST_RELAY_CRASH"

// countingStore records every write upstream's store committed: what
// arrived upstream, whatever answer the relay then got.
type countingStore struct {
	store.Store
	mu       sync.Mutex
	receipts map[string]int // by order id
	cats     map[string]int // by order id and URL
}

func (s *countingStore) AddReceipt(ctx context.Context, r *store.Receipt) error {
	err := s.Store.AddReceipt(ctx, r)
	if err == nil {
		s.mu.Lock()
		s.receipts[r.Key.OrderID]++
		s.mu.Unlock()
	}
	return err
}

func (s *countingStore) PutCategory(ctx context.Context, c *store.Category) error {
	err := s.Store.PutCategory(ctx, c)
	if err == nil {
		s.mu.Lock()
		s.cats[c.Key.OrderID+" "+c.Category.OrderDetailsURL]++
		s.mu.Unlock()
	}
	return err
}

// TestRelayCrash runs the relay as a real process (two on PostgreSQL,
// sharing one database), SIGKILLs one at random moments while shops send
// categories and receipts and upstream answers with 502s and loses answers
// after storing, restarts it, and checks that every write a relay
// acknowledged arrived upstream exactly once, and none more than once.
func TestRelayCrash(t *testing.T) {
	if os.Getenv(envRelayCrash) != "1" {
		t.Skipf("set %s=1 to run the relay crash test (.ci/run does)", envRelayCrash)
	}
	t.Run("sqlite", func(t *testing.T) { relayCrash(t, "", 1) })
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(pgtest.EnvURL) == "" {
			t.Skipf("%s is not set", pgtest.EnvURL)
		}
		relayCrash(t, pgtest.New(t).URL, 2)
	})
}

func relayCrash(t *testing.T, databaseURL string, nodes int) {
	const msn, kills = "7654321", 20
	seed := time.Now().UnixNano()
	rnd := rand.New(rand.NewPCG(uint64(seed), 1))
	t.Logf("seed %d", seed)

	// Upstream: our server in sandbox mode, its store counted.
	counts := &countingStore{receipts: map[string]int{}, cats: map[string]int{}}
	ucfg := config.Default()
	ucfg.Addr, ucfg.DataDir = "127.0.0.1:0", t.TempDir()
	up, err := app.StartWith(context.Background(), ucfg, nil, app.Extension{
		Setup: func(st store.Store) (store.Store, []server.Route, func(http.Handler) http.Handler, error) {
			counts.Store = st
			return counts, nil, nil, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer up.Shutdown(context.Background())
	uc, err := client.New(client.Config{BaseURL: up.URL, ClientID: "relay", ClientSecret: "s", SubscriptionKey: "k", MSN: msn,
		System: client.System{Name: "crashtest", Version: "1"}})
	if err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(uc)
	p := func(v float64) *float64 { return &v }
	s := func(v int64) *int64 { return &v }
	for _, r := range []api.FaultRule{
		{Operation: "*", Status: 502, Probability: p(0.15), Seed: s(seed)},
		{Operation: "addReceipt", When: "after", Drop: true, Probability: p(0.15), Seed: s(seed + 1)},
		{Operation: "putCategory", When: "after", Status: 504, Probability: p(0.15), Seed: s(seed + 2)},
	} {
		if _, err := sb.AddFault(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}

	dir := t.TempDir()
	creds := filepath.Join(dir, "upstream.json")
	if err := os.WriteFile(creds, []byte(`{"salesUnits": [{"name": "Crash shop", "clientId": "relay", "clientSecret": "s", "subscriptionKey": "k", "msns": ["`+msn+`"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	type node struct {
		name, addr string
		cmd        *exec.Cmd
		log        *os.File
	}
	ns := make([]*node, nodes)
	for i := range ns {
		ns[i] = &node{name: fmt.Sprintf("relay-%c", 'a'+i), addr: freeAddr(t)}
	}
	start := func(n *node) {
		args := []string{"relay", "--upstream", up.URL, "--upstream-credentials", creds, "--addr", n.addr, "--node", n.name,
			"--min-backoff", "20ms", "--max-backoff", "200ms", "--poll", "20ms", "--attempt-timeout", "2s", "--lease", "5s",
			"--log-level", "warn"}
		if databaseURL != "" {
			args = append(args, "--database", databaseURL)
		} else {
			args = append(args, "--data", filepath.Join(dir, "data"))
		}
		cmd := exec.Command(exe, args...)
		cmd.Env = append(os.Environ(), "ORDERMGMT_TEST_MAIN=1")
		var err error
		if n.log, err = os.OpenFile(filepath.Join(dir, n.name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = n.log, n.log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		n.cmd = cmd
	}
	kill := func(n *node) {
		n.cmd.Process.Signal(syscall.SIGKILL)
		n.cmd.Wait()
		n.log.Close()
	}
	for _, n := range ns {
		start(n)
	}
	defer func() {
		for _, n := range ns {
			kill(n)
		}
		if t.Failed() {
			for _, n := range ns {
				b, _ := os.ReadFile(filepath.Join(dir, n.name+".log"))
				t.Logf("log of %s (last 4000 bytes):\n%s", n.name, tail(b, 4000))
			}
		}
	}()
	hc := &http.Client{Timeout: 5 * time.Second}
	var token string
	for deadline := time.Now().Add(30 * time.Second); token == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		token, _ = relayToken(hc, "http://"+ns[0].addr, msn)
	}
	if token == "" {
		t.Fatal("the relay gave no token")
	}
	send := func(method, path, body string) (int, error) {
		n := ns[rnd.IntN(len(ns))]
		req, _ := http.NewRequest(method, "http://"+n.addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Ocp-Apim-Subscription-Key", "k")
		req.Header.Set("Merchant-Serial-Number", msn)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}

	// The shops: each order gets a category and then a receipt. A category
	// whose answer is lost is sent again with another URL, so that each
	// acknowledged one can be told apart upstream; a receipt is sent again
	// as it was until it is answered 201, or 409 (stored by an attempt
	// whose answer was lost).
	var (
		mu        sync.Mutex
		ackedCats = map[string]bool{} // order id and URL
		lostCats  = map[string]bool{}
		receipts  = map[string]bool{} // order id: true once acknowledged (201 or 409)
		lastCat   = map[string]string{}
		stop      = make(chan struct{})
		wg        sync.WaitGroup
	)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				orderID := fmt.Sprintf("crash-%d-%d", g, i)
				for try := 0; ; try++ {
					select {
					case <-stop:
						return
					default:
					}
					url := fmt.Sprintf("https://shop.example/%s/%d", orderID, try)
					st, err := send("PUT", "/order-management/v2/ECOM/categories/"+orderID, `{"category": "RECEIPT", "orderDetailsUrl": "`+url+`"}`)
					mu.Lock()
					if err == nil && st == 200 {
						ackedCats[orderID+" "+url], lastCat[orderID] = true, url
						mu.Unlock()
						break
					}
					lostCats[orderID+" "+url] = true
					mu.Unlock()
					time.Sleep(20 * time.Millisecond)
				}
				for {
					st, err := send("POST", "/order-management/v2/ECOM/receipts/"+orderID, receiptJSON(orderID))
					if err == nil && (st == 201 || st == 409) {
						mu.Lock()
						receipts[orderID] = true
						mu.Unlock()
						break
					}
					select {
					case <-stop:
						mu.Lock()
						if _, ok := receipts[orderID]; !ok {
							receipts[orderID] = false
						}
						mu.Unlock()
						return
					case <-time.After(20 * time.Millisecond):
					}
				}
			}
		}()
	}

	for k := 0; k < kills; k++ {
		time.Sleep(time.Duration(100+rnd.IntN(400)) * time.Millisecond)
		n := ns[rnd.IntN(len(ns))]
		kill(n)
		start(n)
	}
	close(stop)
	wg.Wait()

	// Upstream's faults stay on; every delivery must still end delivered.
	var st relay.StatusJSON
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st = relayStatus(t, hc, "http://"+ns[0].addr, token, msn)
		if st.Counts["queued"]+st.Counts["retrying"] == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st.Counts["queued"]+st.Counts["retrying"] != 0 || st.Counts["failed"] != 0 || st.Counts["conflict"] != 0 {
		for _, state := range []string{"failed", "conflict"} {
			for _, d := range relayStatusQuery(t, hc, "http://"+ns[0].addr, token, msn, "?state="+state).Deliveries {
				t.Logf("%s: %+v", state, d)
			}
		}
		t.Fatalf("deliveries after the crashes: %v, want all delivered", st.Counts)
	}

	mu.Lock()
	defer mu.Unlock()
	counts.mu.Lock()
	defer counts.mu.Unlock()
	acked := 0
	for key := range ackedCats {
		acked++
		if n := counts.cats[key]; n != 1 {
			t.Errorf("acknowledged category %s arrived upstream %d times, want 1", key, n)
		}
	}
	for key := range lostCats {
		if n := counts.cats[key]; n > 1 {
			t.Errorf("unacknowledged category %s arrived upstream %d times, want at most 1", key, n)
		}
	}
	for orderID, ok := range receipts {
		n := counts.receipts[orderID]
		switch {
		case ok && n != 1:
			t.Errorf("acknowledged receipt of %s arrived upstream %d times, want 1", orderID, n)
		case !ok && n > 1:
			t.Errorf("unacknowledged receipt of %s arrived upstream %d times, want at most 1", orderID, n)
		}
		if ok {
			acked++
		}
	}
	// Causal order: upstream's category of each order is the last one
	// acknowledged, never an earlier one delivered late.
	for orderID, url := range lastCat {
		o, err := uc.GetOrder(context.Background(), "ECOM", orderID)
		for try := 0; err != nil && try < 20; try++ { // the fault rules answer some reads with 502
			o, err = uc.GetOrder(context.Background(), "ECOM", orderID)
		}
		if err != nil {
			t.Errorf("upstream order %s: %v", orderID, err)
			continue
		}
		if o.Category == nil || o.Category.OrderDetailsURL != url {
			t.Errorf("upstream category of %s = %+v, want the last acknowledged %s", orderID, o.Category, url)
		}
	}
	t.Logf("%d kills of %d node(s); %d acknowledged writes, %d deliveries delivered", kills, nodes, acked, st.Counts["delivered"])
	if acked < 50 {
		t.Errorf("only %d writes acknowledged under load; the test did too little to show anything", acked)
	}
}

func receiptJSON(orderID string) string {
	return `{"orderLines": [{"name": "Item ` + orderID + `", "id": "p1", "totalAmount": 1250, "totalAmountExcludingTax": 1000, "totalTaxAmount": 250, "taxRate": 2500}],
		"bottomLine": {"currency": "NOK"}}`
}

// freeAddr returns a loopback address with a port free now, for a process
// that is to listen on the same port across restarts.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func relayToken(hc *http.Client, base, msn string) (string, error) {
	req, _ := http.NewRequest("POST", base+"/accesstoken/get", nil)
	req.Header.Set("client_id", "shop")
	req.Header.Set("client_secret", "x")
	req.Header.Set("Ocp-Apim-Subscription-Key", "k")
	req.Header.Set("Merchant-Serial-Number", msn)
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	return tok.AccessToken, err
}

func relayStatus(t *testing.T, hc *http.Client, base, token, msn string) relay.StatusJSON {
	t.Helper()
	return relayStatusQuery(t, hc, base, token, msn, "?limit=1")
}

func relayStatusQuery(t *testing.T, hc *http.Client, base, token, msn, query string) relay.StatusJSON {
	t.Helper()
	var st relay.StatusJSON
	for try := 0; try < 100; try++ {
		req, _ := http.NewRequest("GET", base+"/_relay/deliveries"+query, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Ocp-Apim-Subscription-Key", "k")
		req.Header.Set("Merchant-Serial-Number", msn)
		resp, err := hc.Do(req)
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if err == nil && resp.StatusCode == 200 {
				return st
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the relay's status API does not answer")
	return st
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
