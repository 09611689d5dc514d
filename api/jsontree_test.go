package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// toAny converts node n to the value encoding/json (with UseNumber) would
// decode, so the two parsers can be compared.
func (t *tree) toAny(n int) any {
	switch t.nodes[n].kind {
	case kNull:
		return nil
	case kTrue:
		return true
	case kFalse:
		return false
	case kNumber:
		return json.Number(t.text(n))
	case kString:
		return t.str(n)
	case kArray:
		a := []any{}
		for _, e := range t.elems(n, nil) {
			a = append(a, t.toAny(e))
		}
		return a
	}
	m := map[string]any{}
	o := jobj{t: t, n: n}
	o.each(func(k, v int) { m[t.str(k)] = t.toAny(v) })
	return m
}

// checkLikeEncodingJSON checks that parseTree accepts exactly what
// encoding/json accepts and reads the same value.
func checkLikeEncodingJSON(t *testing.T, data []byte) {
	t.Helper()
	tr, serr := parseTree(string(data))
	valid := json.Valid(data)
	if (serr == nil) != valid {
		t.Fatalf("parseTree(%q) error %v, but json.Valid = %v", data, serr, valid)
	}
	if !valid {
		if serr.off < 0 || serr.off > len(data) || serr.msg == "" {
			t.Fatalf("parseTree(%q) error %+v has no place or message", data, serr)
		}
		return
	}
	defer tr.release()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var want any
	if err := dec.Decode(&want); err != nil {
		t.Fatalf("json decode of valid %q: %v", data, err)
	}
	if got := tr.toAny(0); !reflect.DeepEqual(got, want) {
		t.Fatalf("parseTree(%q) = %#v, encoding/json = %#v", data, got, want)
	}
	if next := int(tr.nodes[0].next); next != len(tr.nodes) {
		t.Fatalf("parseTree(%q): root ends at node %d of %d", data, next, len(tr.nodes))
	}
}

var jsonSamples = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e+10`, `1E-2`, `true`, `false`, `null`, ` {"a" : [1, {"b": null}] } `,
	`{"a": 1, "a": 2}`, `{"a": {"x": 1}, "a": [2]}`,
	`"\u00e9\n\t\"\\\/\b\f\r"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`, `"\ude00\ud83d"`, `"\ud83d\u0041"`,
	"\"\xff\xfe\"", "\"a\xc3\"", "\"\xed\xa0\x80\"", `"\u0000"`, "\"\u2028\"", `{"\u0061": 1, "a": 2}`,
	// Invalid.
	``, ` `, `{`, `}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a: 1}`, `{'a': 1}`, `01`, `-`, `1.`, `.5`, `1e`, `1e+`,
	`+1`, `tru`, `truex`, `nul`, `"abc`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"a\x01\"", `{} {}`, `[1] x`, `{"a":}`,
	`[1 2]`, `{"a":1 "b":2}`, `NaN`, `Infinity`, "\xef\xbb\xbf{}", `{"a":[}`, `"\`,
}

func TestParseTreeLikeEncodingJSON(t *testing.T) {
	for _, s := range jsonSamples {
		checkLikeEncodingJSON(t, []byte(s))
	}
	// encoding/json allows 10000 levels of nesting and no more.
	for _, depth := range []int{9999, 10000, 10001} {
		checkLikeEncodingJSON(t, []byte(strings.Repeat("[", depth)+strings.Repeat("]", depth)))
		checkLikeEncodingJSON(t, []byte(strings.Repeat(`{"a":`, depth)+"1"+strings.Repeat("}", depth)))
	}
}

func FuzzJSONTree(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkLikeEncodingJSON(t, data)
	})
}

func TestParseInt64(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"-0", 0, true}, {"42", 42, true}, {"-42", -42, true},
		{"9223372036854775807", 9223372036854775807, true}, {"9223372036854775808", 0, false},
		{"-9223372036854775808", -9223372036854775808, true}, {"-9223372036854775809", 0, false},
		{"99999999999999999999", 0, false}, {"1.0", 0, false}, {"1e3", 0, false}, {"", 0, false}, {"-", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseInt64(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseInt64(%q) = %d, %v, want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
