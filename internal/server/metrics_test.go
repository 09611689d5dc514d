package server_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ordermgmt/ordermgmt/internal/config"
)

// TestMetrics drives a real app and reads /metrics: every family the
// README lists is there, and the figures follow the requests sent.
func TestMetrics(t *testing.T) {
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.RateLimit, cfg.RateBurst = 1, 3 // the fourth quick request is refused
	h := startWith(t, cfg)
	hdr := h.merchant("123456")
	if res := h.do("POST", "/order-management/v2/ECOM/receipts/m-1", sampleReceipt(), hdr...); res.status != 201 {
		t.Fatalf("receipt: %d %s", res.status, res.body)
	}
	for range 2 {
		h.do("GET", "/order-management/v2/ECOM/m-1", nil, hdr...)
	}
	if res := h.do("GET", "/order-management/v2/ECOM/m-1", nil, hdr...); res.status != 429 {
		t.Fatalf("fourth request: status %d, want 429 from --rate-limit 1 --rate-burst 3", res.status)
	}
	res := h.do("GET", "/metrics", nil)
	if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", res.status, res.header.Get("Content-Type"))
	}
	text := string(res.body)
	value := func(series string) float64 {
		t.Helper()
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
		if m == nil {
			t.Errorf("/metrics lacks %s", series)
			return -1
		}
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		series string
		min    float64
		max    float64
	}{
		{`ordermgmt_http_requests_total{operation="addReceipt",status="201"}`, 1, 1},
		{`ordermgmt_http_requests_total{operation="getOrder",status="200"}`, 2, 2},
		{`ordermgmt_http_requests_total{operation="getOrder",status="429"}`, 1, 1},
		{`ordermgmt_http_requests_total{operation="token",status="200"}`, 1, 1},
		{`ordermgmt_http_request_duration_seconds_count{operation="getOrder"}`, 3, 3},
		{`ordermgmt_http_refused_total{reason="rate_limited"}`, 1, 1},
		{`ordermgmt_http_refused_total{reason="body_too_large"}`, 0, 0},
		{`ordermgmt_http_refused_total{reason="body_timeout"}`, 0, 0},
		{`ordermgmt_http_refused_total{reason="body_memory"}`, 0, 0},
		{`ordermgmt_http_refused_total{reason="connections"}`, 0, 0},
		{`ordermgmt_store_commit_batch_writes_count`, 1, 10},
		{`ordermgmt_store_commit_wait_seconds_count`, 1, 10},
		{`ordermgmt_auth_token_cache_misses_total`, 1, 1},
		{`ordermgmt_auth_token_cache_hits_total`, 2, 3},
		{`go_goroutines`, 1, 1e6},
	}
	for _, tt := range tests {
		if v := value(tt.series); v < tt.min || v > tt.max {
			t.Errorf("%s = %v, want %v to %v", tt.series, v, tt.min, tt.max)
		}
	}
}
