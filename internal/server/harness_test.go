package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/app"
	"github.com/ordermgmt/ordermgmt/internal/config"
	_ "github.com/ordermgmt/ordermgmt/internal/store/postgres"
	"github.com/ordermgmt/ordermgmt/internal/store/postgres/pgtest"
)

// harness is a real server on 127.0.0.1:0 with an SQLite store in a
// temporary folder, driven over HTTP.
type harness struct {
	t    *testing.T
	cfg  config.Config
	app  *app.App
	logs *syncBuffer
}

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

func start(t *testing.T) *harness {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	return startWith(t, cfg)
}

func startWith(t *testing.T, cfg config.Config) *harness {
	t.Helper()
	h := &harness{t: t, cfg: cfg, logs: &syncBuffer{}}
	log := slog.New(slog.NewJSONHandler(h.logs, nil))
	a, err := app.Start(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("app.Start: %v", err)
	}
	h.app = a
	t.Cleanup(func() { h.stop() })
	return h
}

// stop shuts the server down; calling it twice is harmless.
func (h *harness) stop() {
	if h.app == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.app.Shutdown(ctx); err != nil {
		h.t.Errorf("Shutdown: %v", err)
	}
	h.app = nil
}

// restart stops the server and starts a new one on the same data folder.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	a, err := app.Start(context.Background(), h.cfg, slog.New(slog.NewJSONHandler(h.logs, nil)))
	if err != nil {
		h.t.Fatalf("restart: %v", err)
	}
	h.app = a
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) problem(t *testing.T) api.Problem {
	t.Helper()
	var p api.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("problem body %q: %v", r.body, err)
	}
	return p
}

// do sends a request; headers are name, value pairs.
func (h *harness) do(method, path string, body any, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.app.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// token gets a sandbox token bound to msn (or to any MSN when msn is "").
func (h *harness) token(msn string) string {
	h.t.Helper()
	hdr := []string{"client_id", "demo-client", "client_secret", "s3cret", api.HeaderSubscriptionKey, "sub-key"}
	if msn != "" {
		hdr = append(hdr, api.HeaderMSN, msn)
	}
	res := h.do("POST", "/accesstoken/get", nil, hdr...)
	if res.status != 200 {
		h.t.Fatalf("token: status %d body %s", res.status, res.body)
	}
	var tr api.TokenResponse
	if err := json.Unmarshal(res.body, &tr); err != nil {
		h.t.Fatal(err)
	}
	return tr.AccessToken
}

// merchant returns the headers of an order-management call for msn.
func (h *harness) merchant(msn string) []string {
	h.t.Helper()
	return []string{
		"Authorization", "Bearer " + h.token(msn),
		api.HeaderSubscriptionKey, "sub-key",
		api.HeaderMSN, msn,
		api.HeaderSystemName, "acme-shop",
		api.HeaderSystemVersion, "4.2.0",
		api.HeaderSystemPluginName, "acme-plugin",
		api.HeaderSystemPluginVersion, "1.0.3",
	}
}

// pngOf makes a w×h PNG.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func imageBody(id string, data []byte) map[string]string {
	return map[string]string{"imageId": id, "src": base64.StdEncoding.EncodeToString(data), "type": "base64"}
}

func i64(v int64) *int64 { return &v }

// sampleReceipt is a valid two-line receipt at 25 % VAT.
func sampleReceipt() api.Receipt {
	return api.Receipt{
		OrderLines: []api.OrderLine{
			{Name: "Socks", ID: "sku-1", TotalAmount: 12500, TotalAmountExcludingTax: 10000, TotalTaxAmount: 2500, TaxRate: i64(2500)},
			{Name: "Shipping", ID: "ship", TotalAmount: 4900, TotalAmountExcludingTax: 3920, TotalTaxAmount: 980, TaxRate: i64(2500), IsShipping: true},
		},
		BottomLine: api.BottomLine{Currency: "NOK", ReceiptNumber: "R-1001"},
	}
}

// hasParam reports whether p names name with code.
func hasParam(p api.Problem, name, code string) bool {
	for _, ip := range p.InvalidParams {
		if ip.Name == name && (code == "" || ip.Code == code) {
			return true
		}
	}
	return false
}

// postgresURL is a fresh PostgreSQL schema's URL; the test skips when
// PostgreSQL is not configured (see pgtest).
func postgresURL(t *testing.T) string {
	t.Helper()
	return pgtest.New(t).URL
}

// startApp starts a server that the caller shuts down.
func startApp(cfg config.Config) (*app.App, error) {
	return app.Start(context.Background(), cfg, slog.New(slog.DiscardHandler))
}
