package server_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordermgmt/ordermgmt/api"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var traceRE = regexp.MustCompile(`00-[0-9a-f]{32}-[0-9a-f]{16}-00`)

// TestProblemBodiesGolden pins the bodies callers and support staff read;
// review a diff of testdata/*.golden like code.
func TestProblemBodiesGolden(t *testing.T) {
	h := start(t)
	m := h.merchant(msn)
	if res := h.do("POST", "/order-management/v2/ECOM/receipts/g-1", sampleReceipt(), m...); res.status != 201 {
		t.Fatalf("setup receipt = %d", res.status)
	}
	tests := []struct {
		name         string
		method, path string
		body         any
		headers      []string
	}{
		{"receipt-many-problems", "POST", "/order-management/v2/ECOM/receipts/g-2",
			`{"orderLines":[{"name":"","id":"a","totalAmount":100,"totalAmountExcludingTax":80,"totalTaxAmount":10,"taxRate":2500,"discount":-1},` +
				`{"name":"b","id":"b","totalAmount":"5","totalAmountExcludingTax":4.5,"totalTaxAmount":1,"productUrl":"http://x"}],` +
				`"bottomLine":{"currency":"SEK","barcode":{"format":"EAN-13","data":"1234567890123"}}}`, m},
		{"receipt-exists", "POST", "/order-management/v2/ECOM/receipts/g-1", sampleReceipt(), m},
		{"order-not-found", "GET", "/order-management/v2/ECOM/nope", nil, m},
		{"image-too-short", "POST", "/order-management/v1/images", imageBody("small", pngOf(t, 32, 32)), m},
		{"category-bad", "PUT", "/order-management/v2/ECOM/categories/g-1", `{"category":"PARCEL","orderDetailsUrl":"ftp://x","imageId":"missing"}`, m},
		{"missing-token", "GET", "/order-management/v2/ECOM/g-1", nil, []string{api.HeaderSubscriptionKey, "k", api.HeaderMSN, msn}},
		{"wrong-method", "PATCH", "/order-management/v2/ECOM/receipts/g-1", nil, m},
		{"token-missing-credentials", "POST", "/accesstoken/get", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do(tt.method, tt.path, tt.body, tt.headers...)
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, res.body, "", "  "); err != nil {
				t.Fatalf("body %q is not JSON: %v", res.body, err)
			}
			got := traceRE.ReplaceAllString(strings.TrimSpace(pretty.String()), "00-TRACE-SPAN-00")
			got = "HTTP " + res.header.Get("Content-Type") + " " + strconv.Itoa(res.status) + "\n" + got + "\n"
			file := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if d := cmp.Diff(string(want), got); d != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", file, d)
			}
		})
	}
}
