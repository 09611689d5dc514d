package api_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
)

// benchReceipt is a realistic receipt of about 2 KB: six product lines
// (one returned) and a shipping line at two rates, with unit info, product
// links, payment sources and a barcode.
func benchReceipt(t testing.TB) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"orderLines": [`)
	for i := range 6 {
		if i > 0 {
			b.WriteString(",\n")
		}
		n := strconv.Itoa(i)
		b.WriteString(`{"name": "Organic coffee beans 500 g, variant ` + n + `", "id": "SKU-1000` + n +
			`", "totalAmount": 25000, "totalAmountExcludingTax": 20000, "totalTaxAmount": 5000, "taxRate": 2500,` +
			` "discount": 0, "productUrl": "https://shop.example.com/products/` + n + `",` +
			` "unitInfo": {"unitPrice": 12500, "quantity": "2", "quantityUnit": "PCS"}`)
		if i == 3 {
			b.WriteString(`, "isReturn": true`)
		}
		b.WriteString("}")
	}
	b.WriteString(`,
{"name": "Home delivery", "id": "shipping", "totalAmount": 9900, "totalAmountExcludingTax": 8608,
 "totalTaxAmount": 1292, "taxRate": 1500, "isShipping": true}],
"bottomLine": {"currency": "NOK", "tipAmount": 2000, "posId": "store-042-till-3", "receiptNumber": "2024-000123456",
 "paymentSources": {"giftCard": 10000, "card": 114900, "voucher": 0, "cash": 2000},
 "barcode": {"format": "CODE 128", "data": "RCPT-2024-000123456"}}}`)
	return []byte(b.String())
}

func BenchmarkDecodeReceipt(b *testing.B) {
	body := benchReceipt(b)
	if _, err := api.DecodeReceipt(body); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := api.DecodeReceipt(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateReceipt(b *testing.B) {
	r, err := api.DecodeReceipt(benchReceipt(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTotals(b *testing.B) {
	r, err := api.DecodeReceipt(benchReceipt(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if t := r.Totals(); t.Total == 0 {
			b.Fatal("zero total")
		}
	}
}

func BenchmarkWarnings(b *testing.B) {
	r, err := api.DecodeReceipt(benchReceipt(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ws := r.Warnings(); ws != nil {
			b.Fatal(ws)
		}
	}
}

func TestBenchReceiptIsRealistic(t *testing.T) {
	body := benchReceipt(t)
	if n := len(body); n < 1800 || n > 2500 {
		t.Errorf("bench receipt is %d bytes, want about 2 KB", n)
	}
	r, err := api.DecodeReceipt(body)
	if err != nil {
		t.Fatal(err)
	}
	// Five lines of 25000 minus one returned, plus shipping.
	if got, want := r.Totals().Total, int64(4*25000+9900); got != want {
		t.Errorf("Totals().Total = %d, want %d", got, want)
	}
}
