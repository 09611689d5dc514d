package server

import (
	"encoding/json"
	"net/http/httptest"
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
	b.SetBytes(int64(len(orderJSON(o))))
	b.ReportAllocs()
	for b.Loop() {
		w.Body.Reset()
		writeRaw(w, 200, "application/json", orderJSON(o))
	}
}

// TestGetOrderEncoding checks the body the benchmark encodes: valid JSON
// with both parts, the receipt byte for byte.
func TestGetOrderEncoding(t *testing.T) {
	o := benchOrder(t)
	got := orderJSON(o)
	var parsed struct {
		Category api.Category    `json:"category"`
		Receipt  json.RawMessage `json:"receipt"`
	}
	if err := json.Unmarshal(got, &parsed); err != nil {
		t.Fatalf("orderJSON() = %s: %v", got, err)
	}
	if parsed.Category.OrderDetailsURL != o.Category.OrderDetailsURL || string(parsed.Receipt) != string(o.Receipt) {
		t.Errorf("orderJSON() = %s, want the category and the stored receipt", got)
	}
}
