package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordermgmt/ordermgmt/api"
)

// TestBenchSmoke runs every scenario briefly against in-process servers
// and checks that the bench works: requests succeed, nothing fails, the
// reports are complete and the JSON parses. It times nothing.
func TestBenchSmoke(t *testing.T) {
	var progress bytes.Buffer
	rep, err := Run(context.Background(), Options{
		Connections: 4,
		Duration:    200 * time.Millisecond,
		Warmup:      -1,
		Seed:        300,
		Preload:     50,
		TempDir:     t.TempDir(),
		Progress:    &progress,
	})
	if err != nil {
		t.Fatalf("Run: %v\nprogress:\n%s", err, progress.String())
	}
	var got []string
	for _, res := range rep.Results {
		got = append(got, res.Scenario)
		if res.Requests == 0 {
			t.Errorf("%s: Requests = 0, want > 0", res.Scenario)
		}
		if res.Errors != 0 {
			t.Errorf("%s: Errors = %d, want 0: %q", res.Scenario, res.Errors, res.ErrorSamples)
		}
		if res.P50ms <= 0 || res.P50ms > res.P99ms {
			t.Errorf("%s: p50 %v ms, p99 %v ms, want 0 < p50 ≤ p99", res.Scenario, res.P50ms, res.P99ms)
		}
		if res.Server != serverReference && res.RatioTo == "" {
			t.Errorf("%s: no ratio to a reference", res.Scenario)
		}
		if strings.HasPrefix(res.Scenario, "image-") && res.BodyMBps <= 0 {
			t.Errorf("%s: BodyMBps = %v, want > 0", res.Scenario, res.BodyMBps)
		}
	}
	want := strings.Split(defaultScenarioList, ",")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scenarios run (-want +got):\n%s", diff)
	}
	if rep.Seed == nil || rep.Seed.Orders != 300 || rep.Seed.ReadySeconds <= 0 {
		t.Errorf("Seed = %+v, want 300 orders and a ready time", rep.Seed)
	}
	if len(rep.Targets) != 8 {
		t.Errorf("len(Targets) = %d, want 8: %+v", len(rep.Targets), rep.Targets)
	}

	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("JSON report does not parse: %v\n%s", err, js.String())
	}
	if diff := cmp.Diff(rep.Results, back.Results); diff != "" {
		t.Errorf("JSON round trip of results (-want +got):\n%s", diff)
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatalf("WriteTable: %v", err)
	}
	for _, name := range want {
		if !strings.Contains(table.String(), name) {
			t.Errorf("table lacks scenario %s:\n%s", name, table.String())
		}
	}
}

func TestOptionsScenarios(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		want    []string
		wantErr string
	}{
		{"default without seed", Options{},
			[]string{"ref-get", "ref-post", "get", "receipt", "category", "mix", "image-200k", "image-2m", "receipt-cpr", "relay-receipt"}, ""},
		{"subset adds its reference", Options{Scenarios: []string{"receipt", "get"}},
			[]string{"ref-get", "ref-post", "get", "receipt"}, ""},
		{"seed adds get-seeded", Options{Scenarios: []string{"get"}, Seed: 10},
			[]string{"ref-get", "get", "get-seeded"}, ""},
		{"target drops receipt-cpr", Options{Target: "http://127.0.0.1:1"},
			[]string{"ref-get", "ref-post", "get", "receipt", "category", "mix", "image-200k", "image-2m"}, ""},
		{"postgres drops receipt-cpr", Options{ServerArgs: []string{"--database", "postgres://x"}},
			[]string{"ref-get", "ref-post", "get", "receipt", "category", "mix", "image-200k", "image-2m", "relay-receipt"}, ""},
		{"relay-receipt with target", Options{Target: "http://127.0.0.1:1", Scenarios: []string{"relay-receipt"}}, nil, "cannot use --target"},
		{"receipt-cpr on postgres", Options{ServerArgs: []string{"--database=postgres://x"}, Scenarios: []string{"receipt-cpr"}}, nil, "PostgreSQL has no such switch"},
		{"unknown scenario", Options{Scenarios: []string{"gett"}}, nil, `unknown scenario "gett"`},
		{"get-seeded without seed", Options{Scenarios: []string{"get-seeded"}}, nil, "needs --seed"},
		{"seed with target", Options{Target: "http://127.0.0.1:1", Seed: 5}, nil, "cannot seed a --target"},
		{"bad target", Options{Target: "127.0.0.1:8080"}, nil, "want an http:// URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			err := o.normalize()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("normalize() = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("normalize() = %v", err)
			}
			if diff := cmp.Diff(tt.want, o.Scenarios); diff != "" {
				t.Errorf("Scenarios (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHistogramQuantiles(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h histogram
	var vals []int64
	for range 100_000 {
		// Latencies from 10 µs to about 100 ms, spread over decades.
		v := int64(10_000 * (1 + r.ExpFloat64()*r.ExpFloat64()*50))
		vals = append(vals, v)
		h.record(time.Duration(v))
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 1} {
		exact := vals[max(int(q*float64(len(vals))+0.999999)-1, 0)]
		got := int64(h.quantile(q))
		// Never below the truth, at most one bucket (1/64) above it.
		if got < exact || float64(got-exact) > float64(exact)/64+1 {
			t.Errorf("quantile(%v) = %d, want within 1/64 above %d", q, got, exact)
		}
	}
	var empty histogram
	if got := empty.quantile(0.5); got != 0 {
		t.Errorf("empty quantile(0.5) = %v, want 0", got)
	}
}

func TestHistogramBuckets(t *testing.T) {
	// Every value lies in a bucket whose upper bound is at or above it and
	// whose predecessor's upper bound is below it.
	for _, v := range []int64{0, 1, 127, 128, 129, 255, 256, 1000, 1 << 20, 123456789, 1<<62 + 5} {
		i := bucketOf(v)
		if up := bucketUpper(i); up < v {
			t.Errorf("bucketUpper(bucketOf(%d)) = %d, want ≥ %d", v, up, v)
		}
		if i > 0 && bucketUpper(i-1) >= v {
			t.Errorf("bucketUpper(bucketOf(%d)-1) = %d, want < %d", v, bucketUpper(i-1), v)
		}
		if i >= histBuckets {
			t.Errorf("bucketOf(%d) = %d, want < %d", v, i, histBuckets)
		}
	}
}

func TestPNGOfSize(t *testing.T) {
	for _, size := range []int{logoSize, image200K, image2M} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			b, err := pngOfSize(size, 7)
			if err != nil {
				t.Fatalf("pngOfSize(%d): %v", size, err)
			}
			if len(b) != size {
				t.Errorf("len(pngOfSize(%d)) = %d, want %d", size, len(b), size)
			}
			// The API accepts it, and a full decode (not just the header)
			// succeeds, so the padding chunk is well-formed.
			info, params := api.CheckImageData(b)
			if len(params) > 0 {
				t.Fatalf("CheckImageData: %v", params)
			}
			if info.Height < api.MinImageHeight {
				t.Errorf("height %d, want ≥ %d", info.Height, api.MinImageHeight)
			}
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("png.Decode: %v", err)
			}
		})
	}
}

func TestReceiptBody(t *testing.T) {
	b := receiptBody()
	if n := len(b); n < 1800 || n > 2300 {
		t.Errorf("len(receiptBody()) = %d, want about 2048", n)
	}
	rc, err := api.DecodeReceipt(b)
	if err != nil {
		t.Fatalf("DecodeReceipt: %v", err)
	}
	if ws := rc.Warnings(); len(ws) > 0 {
		t.Errorf("Warnings() = %v, want none", ws)
	}
	if got := referenceBody(referenceGetSize); len(got) != referenceGetSize || !json.Valid(got) {
		t.Errorf("referenceBody(%d) is %d bytes, valid JSON %v", referenceGetSize, len(got), json.Valid(got))
	}
}

// TestConnFraming checks the load generator's HTTP/1.1 client against
// net/http's server: fixed-length, chunked and closing responses, on one
// connection where keep-alive allows.
func TestConnFraming(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			w.WriteHeader(http.StatusAccepted)
			for i := range 3 {
				fmt.Fprintf(w, "part%d;", i)
				w.(http.Flusher).Flush()
			}
		case "/close":
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		case "/echo":
			var b bytes.Buffer
			b.ReadFrom(r.Body)
			w.Header().Set("Content-Length", fmt.Sprint(b.Len()))
			w.Write(b.Bytes())
		}
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	c := newConn(u, 5*time.Second)
	defer c.close()

	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantBody   string
	}{
		{"chunked", request{method: "GET", path: "/chunked"}, 202, "part0;part1;part2;"},
		{"echo in three parts", request{method: "POST", path: "/echo", body: [3][]byte{[]byte("ab"), []byte("cd"), []byte("ef")}}, 200, "abcdef"},
		{"close", request{method: "GET", path: "/close"}, 200, "bye"},
		{"after close", request{method: "POST", path: "/echo", body: [3][]byte{[]byte("again")}}, 200, "again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.do(&tt.req, 1024)
			if err != nil {
				t.Fatalf("do: %v", err)
			}
			if resp.status != tt.wantStatus || string(resp.body) != tt.wantBody {
				t.Errorf("do(%s %s) = %d %q, want %d %q", tt.req.method, tt.req.path, resp.status, resp.body, tt.wantStatus, tt.wantBody)
			}
		})
	}
	// keep bounds what is kept, not what is read: the next request on the
	// connection still works.
	big := bytes.Repeat([]byte("x"), 100_000)
	resp, err := c.do(&request{method: "POST", path: "/echo", body: [3][]byte{big}}, 10)
	if err != nil || string(resp.body) != "xxxxxxxxxx" {
		t.Errorf("do(100 KB echo, keep 10) = %q, %v, want 10 x", resp.body, err)
	}
	resp, err = c.do(&request{method: "POST", path: "/echo", body: [3][]byte{[]byte("next")}}, 10)
	if err != nil || string(resp.body) != "next" {
		t.Errorf("do after a large body = %q, %v, want \"next\"", resp.body, err)
	}
}

func TestImageSourceIsBase64(t *testing.T) {
	src, err := imageSource(image200K)
	if err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(string(src))
	if err != nil || len(b) != image200K {
		t.Errorf("imageSource(%d) decodes to %d bytes, %v", image200K, len(b), err)
	}
}
