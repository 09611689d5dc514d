package api_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
)

// TestAppendJSONMatchesMarshal checks that Receipt.AppendJSON writes what
// json.Marshal writes, on the accepted receipts of the table tests and on
// receipts with every field set to awkward values.
func TestAppendJSONMatchesMarshal(t *testing.T) {
	receipts := map[string]*api.Receipt{
		"nil lines":   {},
		"empty lines": {OrderLines: []api.OrderLine{}},
		"every field": fullReceipt(t, "a<b>&c \"q\" \\ \n\r\t\b\f\x01\x1f\x7f é \u2028\u2029 \xff\xfe 💳"),
		"plain":       fullReceipt(t, "plain"),
	}
	bodies := map[string][]byte{"base": []byte(baseReceipt), "bench": benchReceipt(t)}
	for _, tc := range receiptCases {
		bodies[tc.name] = edit(t, baseReceipt, tc.changes...)
	}
	for name, body := range bodies {
		if r, err := api.DecodeReceipt(body); err == nil {
			receipts[name] = r
		}
	}
	for name, r := range receipts {
		t.Run(name, func(t *testing.T) {
			checkAppendJSON(t, r)
		})
	}
}

// TestCategoryAppendJSONMatchesMarshal checks Category.AppendJSON against
// json.Marshal, with and without an image and with awkward strings.
func TestCategoryAppendJSONMatchesMarshal(t *testing.T) {
	img := "img-<1>&\u2028"
	for _, c := range []api.Category{
		{},
		{Category: api.CategoryReceipt, OrderDetailsURL: "https://shop.example/o?a=1&b=<2>"},
		{Category: "ORDER_CONFIRMATION", OrderDetailsURL: "https://shop.example/\"é\xff", ImageID: &img},
	} {
		want, err := json.Marshal(&c)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.AppendJSON([]byte("prefix")); !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Errorf("AppendJSON(prefix) = %s, want prefix%s", got, want)
		}
	}
	// A field added to Category must be added to AppendJSON too.
	if n := reflect.TypeFor[api.Category]().NumField(); n != 3 {
		t.Errorf("Category has %d fields, AppendJSON writes 3: add the new one to it and to this test", n)
	}
}

func checkAppendJSON(t *testing.T, r *api.Receipt) {
	t.Helper()
	want, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	got, err := r.AppendJSON([]byte("prefix"))
	if err != nil {
		t.Fatalf("AppendJSON: %v", err)
	}
	if !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Errorf("AppendJSON(prefix) =\n%s\nwant prefix + json.Marshal =\nprefix%s", got, want)
	}
}

// fullReceipt returns a receipt of two lines with every field, at any
// depth, set: strings to s, numbers to distinct values, booleans to true.
// A field added to the types is thus set here without a change.
func fullReceipt(t *testing.T, s string) *api.Receipt {
	t.Helper()
	var r api.Receipt
	n := int64(-3)
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			v.SetString(s)
		case reflect.Int64:
			n = n*7 + 1
			v.SetInt(n)
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
			fill(v.Elem())
		case reflect.Struct:
			for i := range v.NumField() {
				fill(v.Field(i))
			}
		case reflect.Slice:
			if v.Type() == reflect.TypeFor[json.RawMessage]() {
				v.SetBytes([]byte(`{ "note": "<leave> & go", "floors": [1, 2.5e3, null] }`))
				return
			}
			v.Set(reflect.MakeSlice(v.Type(), 2, 2))
			for i := range 2 {
				fill(v.Index(i))
			}
		default:
			t.Fatalf("fullReceipt: no value for a field of kind %s; teach the test and AppendJSON", v.Kind())
		}
	}
	fill(reflect.ValueOf(&r).Elem())
	return &r
}

func BenchmarkReceiptAppendJSON(b *testing.B) {
	r, err := api.DecodeReceipt(benchReceipt(b))
	if err != nil {
		b.Fatal(err)
	}
	// One buffer, reused: the server's buffer is on the heap anyway (its
	// size is the body's), so this measures the encoder, not malloc.
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = r.AppendJSON(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReceiptMarshal(b *testing.B) {
	r, err := api.DecodeReceipt(benchReceipt(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCategoryAppendJSON(b *testing.B) {
	img := "logo-1"
	c := api.Category{Category: api.CategoryDelivery, OrderDetailsURL: "https://shop.example.com/orders/1001", ImageID: &img}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = c.AppendJSON(buf[:0])
	}
}
