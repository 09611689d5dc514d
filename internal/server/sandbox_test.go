package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/auth"
	"github.com/ordermgmt/ordermgmt/internal/config"
	"github.com/ordermgmt/ordermgmt/internal/sandbox"
	_ "github.com/ordermgmt/ordermgmt/internal/store/postgres" // registers postgres:// for app.Start
	"github.com/ordermgmt/ordermgmt/internal/store/postgres/pgtest"
)

// eachStore runs fn on a sandbox server on SQLite and, when
// ORDERMGMT_TEST_POSTGRES_URL is set, on PostgreSQL.
func eachStore(t *testing.T, fn func(t *testing.T, cfg config.Config)) {
	t.Run("sqlite", func(t *testing.T) {
		cfg := config.Default()
		cfg.Addr, cfg.DataDir = "127.0.0.1:0", t.TempDir()
		fn(t, cfg)
	})
	t.Run("postgres", func(t *testing.T) {
		schema := pgtest.New(t)
		cfg := config.Default()
		cfg.Addr, cfg.DataDir, cfg.DatabaseURL = "127.0.0.1:0", t.TempDir(), schema.URL
		fn(t, cfg)
	})
}

// addFault posts a rule and returns its id.
func (h *harness) addFault(hdr []string, rule map[string]any) string {
	h.t.Helper()
	res := h.do("POST", "/_sandbox/faults", rule, hdr...)
	if res.status != 201 {
		h.t.Fatalf("POST /_sandbox/faults %v = %d %s, want 201", rule, res.status, res.body)
	}
	var c api.FaultCreated
	if err := json.Unmarshal(res.body, &c); err != nil || c.FaultID == "" {
		h.t.Fatalf("POST /_sandbox/faults body %s: %v", res.body, err)
	}
	if loc := res.header.Get("Location"); loc != "/_sandbox/faults/"+c.FaultID {
		h.t.Errorf("Location = %q, want /_sandbox/faults/%s", loc, c.FaultID)
	}
	return c.FaultID
}

// faults lists the merchant's rules.
func (h *harness) faults(hdr []string) []api.Fault {
	h.t.Helper()
	res := h.do("GET", "/_sandbox/faults", nil, hdr...)
	var fl api.FaultList
	if res.status != 200 || json.Unmarshal(res.body, &fl) != nil {
		h.t.Fatalf("GET /_sandbox/faults = %d %s", res.status, res.body)
	}
	return fl.Faults
}

// journal reads the merchant's journal with a query.
func (h *harness) journal(hdr []string, query string) []api.JournalEntry {
	h.t.Helper()
	res := h.do("GET", "/_sandbox/requests"+query, nil, hdr...)
	var jl api.JournalList
	if res.status != 200 || json.Unmarshal(res.body, &jl) != nil {
		h.t.Fatalf("GET /_sandbox/requests%s = %d %s", query, res.status, res.body)
	}
	return jl.Requests
}

// send sends a request with a raw client, reporting a transport error
// instead of failing, for dropped connections.
func (h *harness) send(method, path string, body any, hdr ...string) (response, error) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, h.app.URL+path, rd)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}, err
}

func gatewayBody(t *testing.T, res response) (status int, code string) {
	t.Helper()
	var g struct {
		StatusCode int    `json:"statusCode"`
		Message    string `json:"message"`
		Code       string `json:"code"`
	}
	if err := json.Unmarshal(res.body, &g); err != nil || g.Message == "" {
		t.Fatalf("body %s is not the gateway shape: %v", res.body, err)
	}
	return g.StatusCode, g.Code
}

func TestSandboxFaults(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg config.Config) {
		h := startWith(t, cfg)
		hdr := h.merchant("123456")
		other := h.merchant("654321")
		receipt := sampleReceipt()
		post := func(order string) response {
			return h.do("POST", "/order-management/v2/ECOM/receipts/"+order, receipt, hdr...)
		}
		get := func(order string) int { return h.do("GET", "/order-management/v2/ECOM/"+order, nil, hdr...).status }

		t.Run("before, glob, count", func(t *testing.T) {
			id := h.addFault(hdr, map[string]any{"operation": "addReceipt", "orderId": "glob-1*", "status": 502, "count": 1})
			res := post("glob-10")
			if res.status != 502 || res.header.Get(api.HeaderSandboxFault) != id {
				t.Fatalf("POST matched = %d (Sandbox-Fault %q), want 502 by %s", res.status, res.header.Get(api.HeaderSandboxFault), id)
			}
			if s, code := gatewayBody(t, res); s != 502 || code != api.CodeSandboxFault {
				t.Errorf("502 body = %d %s, want the gateway shape with code sandbox_fault", s, code)
			}
			if got := get("glob-10"); got != 404 {
				t.Errorf("GET after a refused receipt = %d, want 404: nothing stored", got)
			}
			if res := post("glob-2"); res.status != 201 || res.header.Get(api.HeaderSandboxFault) != "" {
				t.Errorf("POST of an order the glob does not match = %d %q, want 201 unshaped", res.status, res.header.Get(api.HeaderSandboxFault))
			}
			if res := post("glob-10"); res.status != 201 {
				t.Errorf("POST after the rule is spent = %d %s, want 201", res.status, res.body)
			}
			if fs := h.faults(hdr); len(fs) != 1 || fs[0].Fired != 1 {
				t.Errorf("faults = %+v, want one rule fired once", fs)
			}
			clearFaults(t, h, hdr)
		})

		t.Run("after stores, then replaces", func(t *testing.T) {
			id := h.addFault(hdr, map[string]any{"operation": "addReceipt", "orderId": "after-1", "when": "after", "status": 503, "retryAfter": 7})
			res := post("after-1")
			if res.status != 503 || res.header.Get("Retry-After") != "7" || res.header.Get(api.HeaderSandboxFault) != id {
				t.Fatalf("POST = %d Retry-After %q, want 503 with Retry-After 7", res.status, res.header.Get("Retry-After"))
			}
			if got := get("after-1"); got != 200 {
				t.Errorf("GET after the answer was replaced = %d, want 200: the receipt is stored", got)
			}
			clearFaults(t, h, hdr)
			if res := post("after-1"); res.status != 409 {
				t.Errorf("second POST = %d, want 409", res.status)
			}
		})

		t.Run("drop", func(t *testing.T) {
			for _, when := range []string{"before", "after"} {
				order := "drop-" + when
				h.addFault(hdr, map[string]any{"operation": "addReceipt", "orderId": order, "when": when, "drop": true})
				if res, err := h.send("POST", "/order-management/v2/ECOM/receipts/"+order, receipt, hdr...); err == nil {
					t.Errorf("drop %s: POST = %d, want the connection closed without an answer", when, res.status)
				}
				want := map[string]int{"before": 404, "after": 200}[when]
				if got := get(order); got != want {
					t.Errorf("drop %s: GET = %d, want %d", when, got, want)
				}
			}
			es := h.journal(hdr, "?status=0")
			if len(es) != 2 || !es[0].Dropped || es[0].Status != 0 {
				t.Errorf("journal of dropped requests = %+v, want 2 dropped", es)
			}
			clearFaults(t, h, hdr)
		})

		t.Run("shapes", func(t *testing.T) {
			for _, tc := range []struct {
				status int
				ct     string
			}{{400, "application/problem+json"}, {404, "application/problem+json"}, {409, "application/problem+json"}, {429, "application/json"}, {500, "application/json"}} {
				id := h.addFault(hdr, map[string]any{"operation": "getOrder", "orderId": "shape", "status": tc.status, "count": 1})
				res := h.do("GET", "/order-management/v2/ECOM/shape", nil, hdr...)
				if res.status != tc.status || res.header.Get("Content-Type") != tc.ct || res.header.Get(api.HeaderSandboxFault) != id {
					t.Errorf("fault %d: answer %d %s, want %d %s", tc.status, res.status, res.header.Get("Content-Type"), tc.status, tc.ct)
					continue
				}
				if tc.ct == "application/problem+json" {
					p := res.problem(t)
					if p.Code != api.CodeSandboxFault || p.Instance == "" || (tc.status == 400 && len(p.InvalidParams) == 0) {
						t.Errorf("fault %d: problem %+v, want code sandbox_fault, an instance and (400) invalidParams", tc.status, p)
					}
				} else if s, _ := gatewayBody(t, res); s != tc.status {
					t.Errorf("fault %d: statusCode %d", tc.status, s)
				}
			}
			h.addFault(hdr, map[string]any{"operation": "token", "status": 401, "count": 1})
			res := h.do("POST", "/accesstoken/get", nil, "client_id", "c", "client_secret", "s", api.HeaderSubscriptionKey, "k", api.HeaderMSN, "123456")
			var te struct{ Error, ErrorDescription string }
			if res.status != 401 || json.Unmarshal(res.body, &te) != nil || te.Error != "invalid_client" {
				t.Errorf("token fault = %d %s, want 401 in the token error shape", res.status, res.body)
			}
			clearFaults(t, h, hdr)
		})

		t.Run("delay and retryAfter alone", func(t *testing.T) {
			id := h.addFault(hdr, map[string]any{"operation": "getOrder", "orderId": "glob-2", "delayMs": 20, "retryAfter": 3})
			res := h.do("GET", "/order-management/v2/ECOM/glob-2", nil, hdr...)
			if res.status != 200 || res.header.Get(api.HeaderSandboxFault) != id || res.header.Get("Retry-After") != "3" {
				t.Errorf("GET = %d, Sandbox-Fault %q, Retry-After %q; want the real 200 shaped by %s", res.status,
					res.header.Get(api.HeaderSandboxFault), res.header.Get("Retry-After"), id)
			}
			clearFaults(t, h, hdr)
		})

		t.Run("probability with a seed", func(t *testing.T) {
			id := h.addFault(hdr, map[string]any{"operation": "getOrder", "orderId": "glob-2", "status": 500, "probability": 0.5, "seed": 42})
			var got, want []bool
			fired := 0
			for n := int64(1); n <= 24; n++ {
				got = append(got, h.do("GET", "/order-management/v2/ECOM/glob-2", nil, hdr...).status == 500)
				w := sandbox.SeededDraw(42, n) < 0.5
				want = append(want, w)
				if w {
					fired++
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("faulted GETs = %v, want the seed's sequence %v", got, want)
			}
			if fired == 0 || fired == 24 {
				t.Errorf("the seed's sequence fires %d of 24 times; pick a seed that shows the draw", fired)
			}
			fs := h.faults(hdr)
			if len(fs) != 1 || fs[0].FaultID != id || fs[0].Fired != int64(fired) || fs[0].Matched != 24 {
				t.Errorf("faults = %+v, want fired %d, matched 24", fs, fired)
			}
			clearFaults(t, h, hdr)
		})

		t.Run("per merchant", func(t *testing.T) {
			h.addFault(hdr, map[string]any{"operation": "*", "status": 500})
			if res := h.do("GET", "/order-management/v2/ECOM/glob-2", nil, other...); res.status != 404 {
				t.Errorf("other merchant's GET = %d, want 404 (no rule of its own)", res.status)
			}
			if fs := h.faults(other); len(fs) != 0 {
				t.Errorf("other merchant's faults = %v, want none", fs)
			}
			if res := h.do("DELETE", "/_sandbox/faults/"+h.faults(hdr)[0].FaultID, nil, other...); res.status != 404 {
				t.Errorf("DELETE of another merchant's rule = %d, want 404", res.status)
			}
			fs := h.faults(hdr)
			if res := h.do("DELETE", "/_sandbox/faults/"+fs[0].FaultID, nil, hdr...); res.status != 204 {
				t.Errorf("DELETE rule = %d %s, want 204", res.status, res.body)
			}
			if res := h.do("GET", "/order-management/v2/ECOM/glob-2", nil, hdr...); res.status != 200 {
				t.Errorf("GET after the rule is deleted = %d, want 200", res.status)
			}
		})

		t.Run("invalid rules", func(t *testing.T) {
			res := h.do("POST", "/_sandbox/faults", `{"operation":"nope","when":"later","status":200,"probability":2,"colour":"red","count":-1}`, hdr...)
			if res.status != 400 {
				t.Fatalf("POST bad rule = %d %s, want 400", res.status, res.body)
			}
			p := res.problem(t)
			for _, name := range []string{"colour", "operation", "when", "status", "probability", "count"} {
				if !hasParam(p, name, "") {
					t.Errorf("problem %s does not name %s", res.body, name)
				}
			}
			res = h.do("POST", "/_sandbox/faults", `{"operation":"getOrder"}`, hdr...)
			if p := res.problem(t); res.status != 400 || !hasParam(p, "status", api.CodeRequired) {
				t.Errorf("rule without an effect = %d %s, want 400 naming status", res.status, res.body)
			}
			res = h.do("POST", "/_sandbox/faults", `{"operation":"getOrder","drop":true,"status":502}`, hdr...)
			if p := res.problem(t); res.status != 400 || !hasParam(p, "drop", "") {
				t.Errorf("drop with status = %d %s, want 400 naming drop", res.status, res.body)
			}
		})

		t.Run("needs the API's headers", func(t *testing.T) {
			if res := h.do("GET", "/_sandbox/faults", nil); res.status != 401 {
				t.Errorf("GET /_sandbox/faults without headers = %d, want 401", res.status)
			}
		})

		t.Run("rules survive a restart", func(t *testing.T) {
			id := h.addFault(hdr, map[string]any{"operation": "getOrder", "status": 502})
			h.restart()
			hdr := h.merchant("123456")
			if res := h.do("GET", "/order-management/v2/ECOM/glob-2", nil, hdr...); res.status != 502 || res.header.Get(api.HeaderSandboxFault) != id {
				t.Errorf("GET after restart = %d, want 502 by %s", res.status, id)
			}
			clearFaults(t, h, hdr)
		})
	})
}

func clearFaults(t *testing.T, h *harness, hdr []string) {
	t.Helper()
	if res := h.do("DELETE", "/_sandbox/faults", nil, hdr...); res.status != 200 {
		t.Fatalf("DELETE /_sandbox/faults = %d %s", res.status, res.body)
	}
}

func TestSandboxJournal(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg config.Config) {
		cfg.JournalSize = 6
		h := startWith(t, cfg)
		hdr := h.merchant("123456")
		token := strings.TrimPrefix(hdr[1], "Bearer ")
		h.do("POST", "/order-management/v2/ECOM/receipts/j-1", sampleReceipt(), append(hdr, api.HeaderIdempotencyKey, "idem-1")...)
		h.do("GET", "/order-management/v2/ecom/j-1", nil, hdr...)
		h.do("GET", "/order-management/v2/ECOM/j-2", nil, hdr...)
		h.do("POST", "/order-management/v2/ECOM/receipts/j-1", sampleReceipt(), hdr...)
		h.do("GET", "/order-management/v2/ECOM/j-1", nil, h.merchant("654321")...)

		all := h.journal(hdr, "")
		// The two tokens of h.merchant carry the MSN, so they are recorded too.
		var ops []string
		for _, e := range all {
			ops = append(ops, e.Operation+" "+e.OrderID+fmt.Sprint(" ", e.Status))
		}
		want := []string{"addReceipt j-1 409", "getOrder j-2 404", "getOrder j-1 200", "addReceipt j-1 201", "token  200"}
		if !slices.Equal(ops, want) {
			t.Errorf("journal = %q, want newest first %q", ops, want)
		}
		first := all[len(all)-2]
		if first.SubscriptionKey != "…-key" || first.IdempotencyKey != "idem-1" || first.SystemName != "acme-shop" ||
			first.SystemPluginVersion != "1.0.3" || first.PaymentType != "ECOM" || first.TraceID == "" || first.BodyHash == "" || first.Method != "POST" {
			t.Errorf("entry = %+v, want masked key, idempotency key, system headers, payment type, trace id, body hash", first)
		}
		if e := all[0]; e.Code != api.CodeReceiptExists || e.Detail == "" {
			t.Errorf("409 entry code %q detail %q, want the problem's code and detail", e.Code, e.Detail)
		}
		res := h.do("GET", "/_sandbox/requests", nil, hdr...)
		if strings.Contains(string(res.body), token) || strings.Contains(string(res.body), "sub-key") || strings.Contains(string(res.body), "Bearer") {
			t.Errorf("journal body holds a credential: %s", res.body)
		}

		for _, tc := range []struct {
			query string
			want  int
		}{
			{"?orderId=j-1", 3}, {"?operation=getOrder", 2}, {"?status=404", 1}, {"?status=4xx", 2},
			{"?limit=2", 2}, {"?before=" + all[1].Time.Format("2006-01-02T15:04:05.999999999Z07:00"), 3},
		} {
			if got := h.journal(hdr, tc.query); len(got) != tc.want {
				t.Errorf("journal%s = %d entries, want %d", tc.query, len(got), tc.want)
			}
		}
		res = h.do("GET", "/_sandbox/requests?limit=0&status=abc&operation=x&before=yesterday", nil, hdr...)
		if p := res.problem(t); res.status != 400 || len(p.InvalidParams) != 4 {
			t.Errorf("bad query = %d %s, want 400 naming 4 parameters", res.status, res.body)
		}
		if got := h.journal(h.merchant("654321"), ""); len(got) != 3 {
			t.Errorf("other merchant's journal = %d entries, want its two token calls and its GET", len(got))
		}

		// The ring keeps the newest 6.
		for range 4 {
			h.do("GET", "/order-management/v2/ECOM/j-3", nil, hdr...)
		}
		if got := h.journal(hdr, "?limit=100"); len(got) != 6 || got[0].OrderID != "j-3" {
			t.Errorf("journal after 10 requests = %d entries, want the newest 6", len(got))
		}
		h.restart()
		// The new token call pushes the oldest GET out of the ring.
		if got := h.journal(h.merchant("123456"), "?operation=getOrder"); len(got) != 4 {
			t.Errorf("journal after restart = %d GETs, want the 4 of j-3", len(got))
		}
	})
}

func TestSandboxJournalOff(t *testing.T) {
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.JournalSize = "127.0.0.1:0", t.TempDir(), 0
	h := startWith(t, cfg)
	hdr := h.merchant("123456")
	h.do("GET", "/order-management/v2/ECOM/o-1", nil, hdr...)
	if got := h.journal(hdr, ""); len(got) != 0 {
		t.Errorf("journal with --journal-size 0 = %d entries, want none", len(got))
	}
}

func TestSandboxReset(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg config.Config) {
		h := startWith(t, cfg)
		a, b := h.merchant("123456"), h.merchant("654321")
		for _, hdr := range [][]string{a, b} {
			h.do("POST", "/order-management/v1/images", imageBody("logo", pngOf(t, 200, 200)), hdr...)
			h.do("PUT", "/order-management/v2/ECOM/categories/r-1", api.Category{Category: api.CategoryGeneral, OrderDetailsURL: "https://example.com/1", ImageID: strPtr("logo")}, hdr...)
			h.do("POST", "/order-management/v2/ECOM/receipts/r-1", sampleReceipt(), hdr...)
			h.do("POST", "/order-management/v2/RECURRING/receipts/r-2", sampleReceipt(), hdr...)
			h.addFault(hdr, map[string]any{"operation": "getOrder", "orderId": "none", "status": 500})
		}
		res := h.do("DELETE", "/_sandbox/data", nil, a...)
		var got api.SandboxReset
		if res.status != 200 || json.Unmarshal(res.body, &got) != nil {
			t.Fatalf("DELETE /_sandbox/data = %d %s", res.status, res.body)
		}
		// The journal held the token call and the four writes.
		want := api.SandboxReset{Orders: 2, Categories: 1, Receipts: 2, Images: 1, Requests: 5, Faults: 1}
		if got != want {
			t.Errorf("reset = %+v, want %+v", got, want)
		}
		if s := h.do("GET", "/order-management/v2/ECOM/r-1", nil, a...).status; s != 404 {
			t.Errorf("GET after reset = %d, want 404", s)
		}
		if res := h.do("POST", "/order-management/v1/images", imageBody("logo", pngOf(t, 200, 200)), a...); res.status != 200 {
			t.Errorf("image upload again after reset = %d, want 200", res.status)
		}
		if s := h.do("GET", "/order-management/v2/ECOM/r-1", nil, b...).status; s != 200 {
			t.Errorf("other merchant's GET after reset = %d, want 200", s)
		}
		if fs := h.faults(b); len(fs) != 1 {
			t.Errorf("other merchant's faults after reset = %d, want 1", len(fs))
		}
	})
}

func strPtr(s string) *string { return &s }

// TestSandboxConfiguredMode: in configured mode the tools do not exist.
func TestSandboxConfiguredMode(t *testing.T) {
	hash, err := auth.HashSecret("right-secret")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "units.json")
	b, _ := json.Marshal(auth.FileConfig{SalesUnits: []auth.SalesUnit{{Name: "Acme", ClientID: "acme", SecretHash: hash, SubscriptionKey: "acme-key", MSNs: []string{"123456"}}}})
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.ConfigFile = "127.0.0.1:0", filepath.Join(dir, "data"), file
	h := startWith(t, cfg)
	if h.app.Sandbox() != nil {
		t.Errorf("app.Sandbox() in configured mode is not nil")
	}
	res := h.do("POST", "/accesstoken/get", nil, "client_id", "acme", "client_secret", "right-secret", api.HeaderSubscriptionKey, "acme-key", api.HeaderMSN, "123456")
	var tr api.TokenResponse
	if err := json.Unmarshal(res.body, &tr); err != nil {
		t.Fatal(err)
	}
	hdr := []string{"Authorization", "Bearer " + tr.AccessToken, api.HeaderSubscriptionKey, "acme-key", api.HeaderMSN, "123456"}
	for _, rt := range [][2]string{{"GET", "/_sandbox/faults"}, {"POST", "/_sandbox/faults"}, {"DELETE", "/_sandbox/data"}, {"GET", "/_sandbox/requests"}, {"GET", "/_sandbox/checklist"}, {"GET", "/_sandbox/"}} {
		res := h.do(rt[0], rt[1], nil, hdr...)
		if res.status != 404 || res.problem(t).Code != api.CodeRouteNotFound {
			t.Errorf("%s %s in configured mode = %d %s, want 404 route_not_found", rt[0], rt[1], res.status, res.body)
		}
	}
}

// TestSandboxChecklistBadClient: a client that sends no Vipps-System-*
// headers and sends a 400 again unchanged fails both items, with the
// trace ids of the requests that failed them.
func TestSandboxChecklistBadClient(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg config.Config) {
		h := startWith(t, cfg)
		hdr := h.merchant("123456")[:6] // token, key and MSN only
		h.addFault(hdr, map[string]any{"operation": "addReceipt", "status": 400, "count": 1})
		var traces []string
		for range 2 {
			res := h.do("POST", "/order-management/v2/ECOM/receipts/bad-1", sampleReceipt(), hdr...)
			traces = append(traces, strings.Split(res.header.Get("traceparent"), "-")[1])
		}
		res := h.do("GET", "/_sandbox/checklist", nil, hdr...)
		var cl api.Checklist
		if res.status != 200 || json.Unmarshal(res.body, &cl) != nil {
			t.Fatalf("GET /_sandbox/checklist = %d %s", res.status, res.body)
		}
		items := map[string]api.ChecklistItem{}
		for _, it := range cl.Items {
			items[it.ID] = it
		}
		if it := items["headers.system"]; it.Result != api.ResultFail || !slices.Contains(it.Evidence, traces[0]) {
			t.Errorf("headers item = %+v, want fail with trace %s", it, traces[0])
		}
		if it := items["errors.no400Retry"]; it.Result != api.ResultFail || !slices.Equal(it.Evidence, traces[1:]) {
			t.Errorf("400 item = %+v, want fail with the repeat's trace %s", it, traces[1])
		}
		if it := items["endpoint.addReceipt"]; it.Result != api.ResultPass || it.Endpoint.Calls != 2 || it.Endpoint.Successes != 1 {
			t.Errorf("add receipt item = %+v, want pass, 2 calls, 1 success", it)
		}
		if it := items["endpoint.addImage"]; it.Result != api.ResultNotYet {
			t.Errorf("add image item = %+v, want not yet", it)
		}
		if cl.Result != api.ResultFail {
			t.Errorf("checklist result = %s, want fail", cl.Result)
		}
	})
}
