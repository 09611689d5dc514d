// Package crashtest runs the real ordermgmt binary under concurrent
// writes, kills it with SIGKILL at random moments, restarts it and checks
// that every write it acknowledged is there, byte for byte.
//
// It runs when ORDERMGMT_CRASH_TEST is set (CI sets it), on SQLite, and on
// PostgreSQL too when ORDERMGMT_TEST_POSTGRES_URL is set:
//
//	ORDERMGMT_CRASH_TEST=1 go test -count=1 -v ./internal/crashtest/
//
// ORDERMGMT_CRASH_KILLS sets the number of kills (default 20).
package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
	"github.com/ordermgmt/ordermgmt/internal/store/postgres"
	"github.com/ordermgmt/ordermgmt/internal/store/postgres/pgtest"
	"github.com/ordermgmt/ordermgmt/internal/store/sqlite"
)

const (
	envRun   = "ORDERMGMT_CRASH_TEST"
	envKills = "ORDERMGMT_CRASH_KILLS"
	msn      = "123456"
	writers  = 6
)

// binary builds ordermgmt once per test run.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ordermgmt-crash-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "ordermgmt")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/ordermgmt/ordermgmt/cmd/ordermgmt").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v: %s", err, out)
	}
	return bin, nil
})

// node is one run of the binary.
type node struct {
	cmd *exec.Cmd
	url string
	log *syncBuffer
}

// syncBuffer is the process's stderr, read while it is written.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startNode runs `ordermgmt serve` with args and waits for its URL.
func startNode(t *testing.T, args ...string) *node {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}, args...)...)
	cmd.Env = append(os.Environ(), "ORDERMGMT_DATABASE_URL=", "ORDERMGMT_CONFIG=")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	n := &node{cmd: cmd, log: &syncBuffer{}}
	cmd.Stderr = n.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case n.url = <-urls:
	case <-time.After(60 * time.Second):
		n.kill()
		t.Fatalf("the server printed no URL within 60 s; log:\n%s", n.log)
	}
	return n
}

// kill ends the process with SIGKILL and reaps it.
func (n *node) kill() {
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	_ = n.cmd.Wait()
}

// write is one acknowledged write and what must be read back.
type write struct {
	kind string // receipt, category, image
	key  string // order id or image id
	// want is the receipt's canonical JSON, the category's URL or the
	// image's SHA-512.
	want string
}

// client is the HTTP side: a token per node and the requests.
type client struct {
	url, token string
	http       *http.Client
}

func newClient(t *testing.T, url string) *client {
	t.Helper()
	c := &client{url: url, http: &http.Client{Timeout: 30 * time.Second}}
	req, _ := http.NewRequest("POST", url+"/accesstoken/get", nil)
	req.Header.Set("client_id", "crash")
	req.Header.Set("client_secret", "crash")
	req.Header.Set(api.HeaderSubscriptionKey, "crash-key")
	req.Header.Set(api.HeaderMSN, msn)
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	defer res.Body.Close()
	var tr api.TokenResponse
	if err := json.NewDecoder(res.Body).Decode(&tr); err != nil || res.StatusCode != 200 {
		t.Fatalf("token: %d %v", res.StatusCode, err)
	}
	c.token = tr.AccessToken
	return c
}

func (c *client) do(method, path string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, _ := http.NewRequest(method, c.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set(api.HeaderSubscriptionKey, "crash-key")
	req.Header.Set(api.HeaderMSN, msn)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// load writes receipts, categories and images from several goroutines
// until stop is closed or the server goes away, and returns the writes
// answered 2xx. first is closed when the first write is acknowledged.
func load(c *client, cycle int, stop <-chan struct{}, first chan<- struct{}) []write {
	var (
		mu    sync.Mutex
		acked []write
		wg    sync.WaitGroup
		once  sync.Once
	)
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("c%d-w%d-%d", cycle, w, i)
				var (
					wr     write
					method string
					path   string
					body   []byte
				)
				switch i % 3 {
				case 0:
					rc := receipt(i)
					body, _ = json.Marshal(rc)
					canon, _ := rc.AppendJSON(nil)
					wr = write{kind: "receipt", key: key, want: string(canon)}
					method, path = "POST", "/order-management/v2/ECOM/receipts/"+key
				case 1:
					u := "https://shop.example/orders/" + key
					body, _ = json.Marshal(map[string]any{"category": "RECEIPT", "orderDetailsUrl": u})
					wr = write{kind: "category", key: key, want: u}
					method, path = "PUT", "/order-management/v2/ECOM/categories/"+key
				default:
					data := noisePNG(40, 170)
					sum := sha512.Sum512(data)
					body, _ = json.Marshal(map[string]string{"imageId": key, "src": base64.StdEncoding.EncodeToString(data), "type": "base64"})
					wr = write{kind: "image", key: key, want: hex.EncodeToString(sum[:])}
					method, path = "POST", "/order-management/v1/images"
				}
				status, _, err := c.do(method, path, body)
				if err != nil {
					return // the server was killed
				}
				if status/100 == 2 {
					mu.Lock()
					acked = append(acked, wr)
					mu.Unlock()
					once.Do(func() { close(first) })
				}
			}
		})
	}
	wg.Wait()
	return acked
}

func receipt(i int) api.Receipt {
	rate := int64(2500)
	amount := int64(1000 + i)
	return api.Receipt{
		OrderLines: []api.OrderLine{{Name: "Item " + strconv.Itoa(i), ID: "sku-" + strconv.Itoa(i),
			TotalAmount: amount * 5 / 4, TotalAmountExcludingTax: amount, TotalTaxAmount: amount*5/4 - amount, TaxRate: &rate}},
		BottomLine: api.BottomLine{Currency: "NOK", ReceiptNumber: "R-" + strconv.Itoa(i)},
	}
}

func noisePNG(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(rand.Uint32())
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// checkHTTP reads back receipts and categories through the API.
func checkHTTP(t *testing.T, c *client, ws []write) {
	t.Helper()
	for _, w := range ws {
		if w.kind == "image" {
			continue
		}
		status, body, err := c.do("GET", "/order-management/v2/ECOM/"+w.key, nil)
		if err != nil || status != 200 {
			t.Errorf("acknowledged %s %s: GET = %d %v %s, want 200", w.kind, w.key, status, err, body)
			continue
		}
		var o struct {
			Category *struct {
				URL string `json:"orderDetailsUrl"`
			} `json:"category"`
			Receipt json.RawMessage `json:"receipt"`
		}
		if err := json.Unmarshal(body, &o); err != nil {
			t.Errorf("%s %s: %v", w.kind, w.key, err)
			continue
		}
		switch {
		case w.kind == "receipt" && string(o.Receipt) != w.want:
			t.Errorf("acknowledged receipt %s reads back as %s, want %s", w.key, o.Receipt, w.want)
		case w.kind == "category" && (o.Category == nil || o.Category.URL != w.want):
			t.Errorf("acknowledged category %s reads back as %s, want URL %s", w.key, body, w.want)
		}
	}
}

// imageStore opens the store the server used, to read images back (the
// API has no operation that returns one).
type imageStore interface {
	GetImage(ctx context.Context, msn, id string) (*store.Image, error)
	Close() error
}

func checkImages(t *testing.T, st imageStore, ws []write) {
	t.Helper()
	for _, w := range ws {
		if w.kind != "image" {
			continue
		}
		img, err := st.GetImage(context.Background(), msn, w.key)
		if err != nil {
			t.Errorf("acknowledged image %s: %v", w.key, err)
			continue
		}
		sum := sha512.Sum512(img.Data)
		if got := hex.EncodeToString(sum[:]); got != w.want || img.SHA512 != w.want {
			t.Errorf("acknowledged image %s has SHA-512 %s (recorded %s), want %s", w.key, got, img.SHA512, w.want)
		}
	}
}

// TestCrash kills the server under load again and again; every
// acknowledged write must survive.
func TestCrash(t *testing.T) {
	if os.Getenv(envRun) == "" {
		t.Skipf("set %s=1 to run the crash test (CI does)", envRun)
	}
	kills := 20
	if v := os.Getenv(envKills); v != "" {
		var err error
		if kills, err = strconv.Atoi(v); err != nil || kills < 1 {
			t.Fatalf("%s=%q: want a positive number", envKills, v)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		crash(t, kills, []string{"--data", dir}, func() (imageStore, error) {
			return sqlite.Open(context.Background(), filepath.Join(dir, "ordermgmt.db"), sqlite.Options{})
		})
	})
	t.Run("postgres", func(t *testing.T) {
		u := pgtest.New(t).URL
		crash(t, kills, []string{"--data", t.TempDir(), "--database", u}, func() (imageStore, error) {
			return postgres.Open(context.Background(), u, postgres.Options{})
		})
	})
}

func crash(t *testing.T, kills int, args []string, open func() (imageStore, error)) {
	var all []write
	counts := map[string]int{}
	for cycle := range kills {
		n := startNode(t, args...)
		c := newClient(t, n.url)
		stop, first := make(chan struct{}), make(chan struct{})
		done := make(chan []write, 1)
		go func() { done <- load(c, cycle, stop, first) }()
		select {
		case <-first:
		case <-time.After(60 * time.Second):
			n.kill()
			t.Fatalf("cycle %d: no write was acknowledged within 60 s; log:\n%s", cycle, n.log)
		}
		// A random moment once writes flow: writes are in flight at any
		// point of their way.
		time.Sleep(time.Duration(rand.IntN(600)) * time.Millisecond)
		n.kill()
		close(stop)
		acked := <-done
		all = append(all, acked...)
		for _, w := range acked {
			counts[w.kind]++
		}
		// The restarted server has this cycle's writes.
		n = startNode(t, args...)
		checkHTTP(t, newClient(t, n.url), acked)
		n.kill()
		if t.Failed() {
			t.FailNow()
		}
	}
	// At the end, every acknowledged write of every cycle.
	n := startNode(t, args...)
	checkHTTP(t, newClient(t, n.url), all)
	n.cmd.Process.Signal(syscall.SIGTERM)
	n.cmd.Wait()
	st, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkImages(t, st, all)
	t.Logf("%d SIGKILLs under load; acknowledged and read back intact: %d receipts, %d categories, %d images (%d writes)",
		kills, counts["receipt"], counts["category"], counts["image"], len(all))
}
