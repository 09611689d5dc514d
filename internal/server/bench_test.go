package server

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// benchOrder returns an order with a category and a receipt of about
// 2 KB, as the bench command's GET scenario reads.
func benchOrder(tb testing.TB) *store.Order {
	tb.Helper()
	var lines []string
	for range 7 {
		lines = append(lines, `{"name":"Wool socks, grey, size 42","id":"SKU-1001","totalAmount":25000,`+
			`"totalAmountExcludingTax":20000,"totalTaxAmount":5000,"taxRate":2500,`+
			`"unitInfo":{"unitPrice":12500,"quantity":"2","quantityUnit":"PCS"},"productUrl":"https://shop.example/p/1"}`)
	}
	body := []byte(`{"orderLines":[` + strings.Join(lines, ",") + `],"bottomLine":{"currency":"NOK","receiptNumber":"R-1"}}`)
	if !json.Valid(body) {
		tb.Fatal("bench receipt is not JSON")
	}
	img := "logo-1"
	key := store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: "1001"}
	return &store.Order{
		Key: key,
		Category: &api.Category{
			Category: api.CategoryDelivery, OrderDetailsURL: "https://shop.example/orders/1001", ImageID: &img},
		Receipt: body,
	}
}

// BenchmarkGetOrderEncoding measures building and writing the body of GET
// order from the stored parts: the category encoded, the stored receipt
// copied as it is.
func BenchmarkGetOrderEncoding(b *testing.B) {
	o := benchOrder(b)
	w := httptest.NewRecorder()
	writeOrder(w, o)
	b.SetBytes(int64(w.Body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		w.Body.Reset()
		writeOrder(w, o)
	}
}

// TestGetOrderEncoding checks the body the benchmark encodes, and the
// bodies of orders with one part: valid JSON of exactly Content-Length
// bytes, the receipt byte for byte.
func TestGetOrderEncoding(t *testing.T) {
	full := benchOrder(t)
	onlyCategory, onlyReceipt := *full, *full
	onlyCategory.Receipt, onlyReceipt.Category = nil, nil
	for _, o := range []*store.Order{full, &onlyCategory, &onlyReceipt} {
		w := httptest.NewRecorder()
		writeOrder(w, o)
		got := w.Body.Bytes()
		if cl := w.Header().Get("Content-Length"); cl != strconv.Itoa(len(got)) {
			t.Errorf("Content-Length %s for a body of %d bytes: %s", cl, len(got), got)
		}
		var parsed struct {
			Category *api.Category   `json:"category"`
			Receipt  json.RawMessage `json:"receipt"`
		}
		if err := json.Unmarshal(got, &parsed); err != nil {
			t.Fatalf("writeOrder() = %s: %v", got, err)
		}
		if (parsed.Category == nil) != (o.Category == nil) || (o.Category != nil && parsed.Category.OrderDetailsURL != o.Category.OrderDetailsURL) ||
			string(parsed.Receipt) != string(o.Receipt) {
			t.Errorf("writeOrder() = %s, want the category and the stored receipt as given", got)
		}
	}
}
