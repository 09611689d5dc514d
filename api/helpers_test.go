package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
)

// baseReceipt is a valid receipt that uses most fields; cases edit it.
const baseReceipt = `{
  "orderLines": [
    {"name": "Coffee", "id": "sku-1", "totalAmount": 12500, "totalAmountExcludingTax": 10000,
     "totalTaxAmount": 2500, "taxRate": 2500, "discount": 0, "productUrl": "https://example.com/p/1",
     "unitInfo": {"unitPrice": 6250, "quantity": "2", "quantityUnit": "PCS"}},
    {"name": "Bread", "id": "sku-2", "totalAmount": 3450, "totalAmountExcludingTax": 3000,
     "totalTaxAmount": 450, "taxPercentage": 15}
  ],
  "bottomLine": {"currency": "NOK", "tipAmount": 1000, "posId": "pos-1", "receiptNumber": "r-1",
    "paymentSources": {"card": 15950, "cash": 1000},
    "barcode": {"format": "EAN-13", "data": "5901234123457"}}
}`

// baseCategory is a valid category body.
const baseCategory = `{"category": "RECEIPT", "orderDetailsUrl": "https://example.com/orders/1", "imageId": "logo-1"}`

// remove, as a change's value, deletes the key.
var remove = &struct{ remove bool }{true}

// change sets path (such as orderLines[0].unitInfo.quantity) to value;
// json.RawMessage values are written as they are.
type change struct {
	path  string
	value any
}

// set is shorthand for a change.
func set(path string, value any) change { return change{path, value} }

// raw is shorthand for a change to literal JSON text.
func raw(path, text string) change { return change{path, json.RawMessage(text)} }

// del is shorthand for removing a key.
func del(path string) change { return change{path, remove} }

// edit applies changes to a JSON object body and returns the new body.
func edit(t testing.TB, body string, changes ...change) []byte {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		t.Fatalf("edit: base body: %v", err)
	}
	for _, c := range changes {
		root = setPath(t, root, splitPath(c.path), c.value)
	}
	b, err := json.Marshal(root)
	if err != nil {
		t.Fatalf("edit: %v", err)
	}
	return b
}

// splitPath splits a.b[1].c into a, b, [1], c.
func splitPath(p string) []string {
	var parts []string
	for _, seg := range strings.Split(p, ".") {
		for {
			i := strings.IndexByte(seg, '[')
			if i < 0 {
				break
			}
			if i > 0 {
				parts = append(parts, seg[:i])
			}
			j := strings.IndexByte(seg, ']')
			parts = append(parts, seg[i:j+1])
			seg = seg[j+1:]
		}
		if seg != "" {
			parts = append(parts, seg)
		}
	}
	return parts
}

func setPath(t testing.TB, node any, parts []string, value any) any {
	t.Helper()
	if len(parts) == 0 {
		return value
	}
	head := parts[0]
	if strings.HasPrefix(head, "[") {
		i, _ := strconv.Atoi(head[1 : len(head)-1])
		a, ok := node.([]any)
		if !ok || i >= len(a) {
			t.Fatalf("edit: no element %s", head)
		}
		if value == remove && len(parts) == 1 {
			return slices.Delete(a, i, i+1)
		}
		a[i] = setPath(t, a[i], parts[1:], value)
		return a
	}
	m, ok := node.(map[string]any)
	if !ok {
		t.Fatalf("edit: %s is not in an object", head)
	}
	if len(parts) == 1 && value == remove {
		delete(m, head)
		return m
	}
	m[head] = setPath(t, m[head], parts[1:], value)
	return m
}

// np is the name and code of an invalid parameter or warning.
type np struct{ Name, Code string }

// problemParams checks that err is a 400 *Problem whose every parameter has
// a known code and a reason that is a sentence, and returns the names and
// codes. A nil err gives nil.
func problemParams(t testing.TB, err error) []np {
	t.Helper()
	if err == nil {
		return nil
	}
	var p *api.Problem
	if !errors.As(err, &p) {
		t.Fatalf("error %T %v, want *api.Problem", err, err)
	}
	if p.Status != 400 || !errors.Is(err, api.ErrInvalid) || p.Code != api.CodeInvalidRequest {
		t.Errorf("problem status %d code %q, want 400 %q", p.Status, p.Code, api.CodeInvalidRequest)
	}
	if len(p.InvalidParams) == 0 {
		t.Errorf("problem has no invalidParams")
	}
	var got []np
	for _, ip := range p.InvalidParams {
		if !slices.Contains(api.ParamCodes, ip.Code) {
			t.Errorf("param %s has code %q, which is not in ParamCodes", ip.Name, ip.Code)
		}
		if ip.Reason == "" || !strings.HasSuffix(ip.Reason, ".") {
			t.Errorf("param %s reason %q, want a sentence ending in a period", ip.Name, ip.Reason)
		}
		got = append(got, np{ip.Name, ip.Code})
	}
	return got
}

// pngOf encodes a gray PNG of the given size.
func pngOf(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jpegOf encodes a JPEG of the given size.
func jpegOf(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 100, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// imageBody is an upload body for data.
func imageBody(t testing.TB, id string, data []byte) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]string{"imageId": id, "src": base64.StdEncoding.EncodeToString(data), "type": "base64"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ptr[T any](v T) *T { return &v }
