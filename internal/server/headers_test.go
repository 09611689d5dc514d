package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestToleratedHeaders checks what real clients send that must not cause
// errors: a random Idempotency-Key on every call, no Content-Type, a JSON
// type with parameters, empty Vipps-System-* values.
func TestToleratedHeaders(t *testing.T) {
	h := start(t)
	m := h.merchant(msn)
	body := mustJSON(sampleReceipt())
	tests := []struct {
		name    string
		headers map[string]string
	}{
		{"idempotency key", map[string]string{"Idempotency-Key": "3f1b6a54-7a4c-4c3e-9b1a-1d2e3f4a5b6c", "Content-Type": "application/json"}},
		{"no content type", map[string]string{}},
		{"json with charset", map[string]string{"Content-Type": "application/json; charset=utf-8"}},
		{"empty system headers", map[string]string{"Content-Type": "application/json", "Vipps-System-Name": "", "Vipps-System-Plugin-Name": ""}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", h.app.URL+"/order-management/v2/ECOM/receipts/tol-"+string(rune('a'+i)), strings.NewReader(body))
			for j := 0; j < len(m); j += 2 {
				req.Header.Set(m[j], m[j+1])
			}
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			if _, ok := tt.headers["Content-Type"]; !ok {
				req.Header.Del("Content-Type")
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 201 {
				t.Errorf("receipt with %v = %d, want 201", tt.headers, res.StatusCode)
			}
		})
	}
}
