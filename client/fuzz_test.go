package client

import (
	"net/http"
	"testing"
)

// FuzzParseError: any body, however broken, becomes an *Error that keeps
// the status and the raw body and can be printed.
func FuzzParseError(f *testing.F) {
	for _, seed := range []string{
		`{"type":"/problems/conflict","title":"Conflict","status":409,"code":"receipt_exists","instance":"00-a-b-00"}`,
		`{"type":"/problems/invalid-request","title":"t","status":400,"invalidParams":[{"name":"a","reason":"b","code":"c"}]}`,
		`{"statusCode":401,"message":"Access denied"}`,
		`{"error":"invalid_client","error_description":"nope"}`,
		`{"error":{"code":1,"message":"m"}}`,
		`[{"errorGroup":"g","errorCode":"81","errorMessage":"m","contextId":"c"}]`,
		`{"errors":[{"errorCode":"X","errorMessage":"m","field":"f"}]}`,
		`{"title":"t","errors":{"F":["m1","m2"]}}`,
		`{"status":"400","code":400}`,
		`<html>Bad Gateway</html>`,
		``,
		`null`,
		`[1,2,3]`,
	} {
		f.Add(502, "application/json", seed)
	}
	f.Fuzz(func(t *testing.T, status int, contentType, body string) {
		h := http.Header{"Content-Type": {contentType}}
		e := parseError(status, h, []byte(body))
		if e.Status != status || string(e.Body) != body {
			t.Fatalf("parseError lost the status or body: %d %q", e.Status, e.Body)
		}
		if e.Problem != nil && e.Problem.Status == 0 && status != 0 {
			t.Fatalf("problem without a status: %+v", e.Problem)
		}
		_ = e.Error()
		if msg := e.UserMessage(); msg == "" {
			t.Fatalf("UserMessage() = %q", msg)
		}
	})
}

// FuzzLineSpec: whatever a caller passes, the builder either names a
// problem or makes a line whose total is net + tax exactly and that the
// service does not warn about.
func FuzzLineSpec(f *testing.F) {
	f.Add(int64(3333), "3", int64(0), int64(2500))
	f.Add(int64(2990), "1.5", int64(100), int64(1500))
	f.Add(int64(1), "0.00000001", int64(0), int64(0))
	f.Add(int64(-1), "1,5", int64(-1), int64(10001))
	f.Add(int64(9_223_372_036_854_775_807), "9999999999", int64(0), int64(10000))
	f.Fuzz(func(t *testing.T, unit int64, quantity string, discount, rate int64) {
		spec := LineSpec{Name: "x", ID: "y", UnitPrice: unit, Quantity: quantity, Discount: discount, TaxRate: rate}
		r, err := NewReceipt("NOK").AddLine(spec).Build()
		if err != nil {
			return
		}
		l := r.OrderLines[0]
		if l.TotalAmount != l.TotalAmountExcludingTax+l.TotalTaxAmount || l.TotalAmount < 0 || l.TotalTaxAmount < 0 {
			t.Fatalf("%+v: total %d, net %d, tax %d", spec, l.TotalAmount, l.TotalAmountExcludingTax, l.TotalTaxAmount)
		}
		if ws := r.Warnings(); len(ws) != 0 {
			t.Fatalf("%+v: warnings %v", spec, ws)
		}
	})
}
