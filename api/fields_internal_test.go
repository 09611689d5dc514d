package api

import (
	"reflect"
	"strings"
	"testing"
)

// checkTable holds a table to its Go struct: one row per field, in the
// struct's order, keyed by the field's JSON name, omitted from the
// encoding exactly when the field is omitempty. With it, a field added to
// the struct without its row (or the other way round) fails here, and
// TestAppendJSONMatchesMarshal shows the table encodes what json.Marshal
// encodes.
func checkTable[T any](t *testing.T, tb *table[T]) {
	t.Helper()
	typ := reflect.TypeFor[T]()
	var keys []string
	var omitempty []bool
	for i := range typ.NumField() {
		name, opts, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		keys = append(keys, name)
		omitempty = append(omitempty, strings.Contains(opts, "omitempty"))
	}
	if !reflect.DeepEqual(tb.keys, keys) {
		t.Fatalf("table of %s has rows %q, the struct has fields %q", typ, tb.keys, keys)
	}
	for i, r := range tb.rows {
		if got := r.omitEmpty; got != omitempty[i] {
			t.Errorf("%s.%s: row omits when empty = %v, struct tag omitempty = %v", typ, r.key, got, omitempty[i])
		}
		if r.required && omitempty[i] {
			t.Errorf("%s.%s: a required row for an omitempty field", typ, r.key)
		}
		if r.help == "" {
			t.Errorf("%s.%s: row has no help text", typ, r.key)
		}
	}
}

func TestTables(t *testing.T) {
	checkTable(t, receiptFields)
	checkTable(t, lineFields)
	checkTable(t, unitInfoFields)
	checkTable(t, bottomLineFields)
	checkTable(t, paymentSourcesFields)
	checkTable(t, barcodeFields)
	checkTable(t, categoryFields)
	checkTable(t, addCategoryFields)
	checkTable(t, imageFields)
}
