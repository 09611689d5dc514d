package postgres_test

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
	"github.com/ordermgmt/ordermgmt/internal/store/postgres"
	"github.com/ordermgmt/ordermgmt/internal/store/postgres/pgtest"
)

// proxy forwards TCP connections to the database and can cut them all, and
// refuse new ones, to stand for a database that went away: a fault that the
// real server cannot be made to show on demand without disturbing others.
type proxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]bool
	// flow is closed while bytes may pass; freeze replaces it with an open
	// channel, which holds every copy until thaw.
	flow chan struct{}
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]bool{}, flow: make(chan struct{})}
	close(p.flow)
	t.Cleanup(func() {
		ln.Close()
		p.thaw()
		p.cut()
	})
	go p.serve()
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		if !down {
			p.conns[c] = true
		}
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		go p.forward(c)
	}
}

func (p *proxy) forward(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[s] = true
	p.mu.Unlock()
	go func() { p.copy(s, c); s.Close() }()
	p.copy(c, s)
	c.Close()
}

// copy copies src to dst, holding each chunk while the proxy is frozen.
func (p *proxy) copy(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			flow := p.flow
			p.mu.Unlock()
			<-flow
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// freeze stops all traffic without closing anything, as a network
// partition does: calls neither succeed nor fail until they time out.
func (p *proxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flow = make(chan struct{})
}

func (p *proxy) thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.flow:
	default:
		close(p.flow)
	}
}

// cut closes every connection and refuses new ones until restore.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *proxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// viaProxy returns rawURL with its host replaced by the proxy's address.
func viaProxy(t *testing.T, rawURL string) (*proxy, string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "5432")
	}
	p := newProxy(t, target)
	u.Host = p.ln.Addr().String()
	return p, u.String()
}

// TestOutage: while the database cannot be reached every call fails with
// api.ErrUnavailable, promptly rather than hanging; once it is back the
// same store serves again, and nothing acknowledged before is lost.
func TestOutage(t *testing.T) {
	schema := pgtest.New(t)
	p, proxied := viaProxy(t, schema.URL)
	db := open(t, proxied, postgres.Options{MaxConns: 4})
	ctx := t.Context()
	key := func(i int) store.OrderKey {
		return store.OrderKey{MSN: "654321", PaymentType: api.PaymentTypeRECURRING, OrderID: orderID(0, i)}
	}
	receipt := func(i int) *store.Receipt {
		return &store.Receipt{Key: key(i), ID: "r-" + key(i).OrderID, Body: []byte(`{"n":` + strconv.Itoa(i) + `}`)}
	}
	if err := db.AddReceipt(ctx, receipt(0)); err != nil {
		t.Fatalf("AddReceipt(before the outage) = %v, want nil", err)
	}

	p.cut()
	calls := map[string]func() error{
		"Ping":       func() error { return db.Ping(ctx) },
		"AddReceipt": func() error { return db.AddReceipt(ctx, receipt(1)) },
		"GetOrder":   func() error { _, err := db.GetOrder(ctx, key(0)); return err },
		"PutCategory": func() error {
			return db.PutCategory(ctx, &store.Category{Key: key(1), ID: "c1", Category: api.Category{Category: api.CategoryGeneral}})
		},
		"GetImage":    func() error { _, err := db.GetImage(ctx, "654321", "img"); return err },
		"GetCategory": func() error { _, err := db.GetCategory(ctx, "654321", "c0"); return err },
		"SigningKeys": func() error { _, err := db.SigningKeys(ctx); return err },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		if !errors.Is(err, api.ErrUnavailable) {
			t.Errorf("%s() during the outage = %v, want api.ErrUnavailable", name, err)
		}
		t.Logf("%s() during the outage failed after %v: %v", name, time.Since(start).Round(time.Millisecond), err)
	}

	p.restore()
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping() after the outage = %v, want nil", err)
	}
	if err := db.AddReceipt(ctx, receipt(1)); err != nil {
		t.Errorf("AddReceipt() after the outage = %v, want nil", err)
	}
	for i := range 2 {
		o, err := db.GetOrder(ctx, key(i))
		if err != nil || string(o.Receipt) != string(receipt(i).Body) {
			t.Errorf("GetOrder(%d) after the outage = %+v, %v; want receipt %s", i, o, err, receipt(i).Body)
		}
	}
}

// TestStalledDatabase: a database that stops answering without closing
// anything (a network partition) fails calls with api.ErrUnavailable once
// Options.Timeout runs out, instead of holding them; when traffic flows
// again the store serves without a reopen.
func TestStalledDatabase(t *testing.T) {
	schema := pgtest.New(t)
	p, proxied := viaProxy(t, schema.URL)
	const timeout = 500 * time.Millisecond
	db := open(t, proxied, postgres.Options{MaxConns: 2, Timeout: timeout})
	ctx := t.Context()
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping() before the stall = %v, want nil", err)
	}

	p.freeze()
	for _, name := range []string{"Ping", "GetOrder"} {
		start := time.Now()
		var err error
		if name == "Ping" {
			err = db.Ping(ctx)
		} else {
			_, err = db.GetOrder(ctx, store.OrderKey{MSN: "654321", PaymentType: api.PaymentTypeECOM, OrderID: "x"})
		}
		if !errors.Is(err, api.ErrUnavailable) {
			t.Errorf("%s() while the database is stalled = %v, want api.ErrUnavailable", name, err)
		}
		t.Logf("%s() while stalled failed after %v (timeout %v): %v", name, time.Since(start).Round(time.Millisecond), timeout, err)
	}

	p.thaw()
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping() after the stall = %v, want nil", err)
	}
}
