package jsontree

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// toAny converts node n to the value encoding/json (with UseNumber) would
// decode, so the two parsers can be compared.
func (t *Tree) toAny(n int) any {
	switch t.Nodes[n].Kind {
	case Null:
		return nil
	case True:
		return true
	case False:
		return false
	case Number:
		return json.Number(t.Text(n))
	case String:
		return t.Str(n)
	case Array:
		a := []any{}
		for _, e := range t.Elems(n, nil) {
			a = append(a, t.toAny(e))
		}
		return a
	}
	m := map[string]any{}
	t.Members(n, func(k, v int) { m[t.Str(k)] = t.toAny(v) })
	return m
}

// escapeRawControls writes the raw control characters inside strings as
// \u00XX escapes, making text that Parse accepts acceptable to
// encoding/json too.
func escapeRawControls(data []byte) []byte {
	var out []byte
	in, esc := false, false
	for _, c := range data {
		switch {
		case !in:
			in = c == '"'
		case esc:
			esc = false
		case c == '\\':
			esc = true
		case c == '"':
			in = false
		case c < 0x20:
			out = fmt.Appendf(out, `\u%04x`, c)
			continue
		}
		out = append(out, c)
	}
	return out
}

// checkLikeEncodingJSON checks that Parse accepts exactly what
// encoding/json accepts once raw control characters in strings are
// escaped, reads the same values, and flags every string correctly.
func checkLikeEncodingJSON(t *testing.T, data []byte) {
	t.Helper()
	tr, serr := Parse(string(data))
	std := escapeRawControls(data)
	valid := json.Valid(std)
	if (serr == nil) != valid {
		t.Fatalf("Parse(%q) error %v, but json.Valid(%q) = %v", data, serr, std, valid)
	}
	if !valid {
		if serr.Off < 0 || serr.Off > len(data) || serr.Msg == "" {
			t.Fatalf("Parse(%q) error %+v has no place or message", data, serr)
		}
		return
	}
	defer tr.Release()
	dec := json.NewDecoder(bytes.NewReader(std))
	dec.UseNumber()
	var want any
	if err := dec.Decode(&want); err != nil {
		t.Fatalf("json decode of valid %q: %v", std, err)
	}
	if got := tr.toAny(0); !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse(%q) = %#v, encoding/json = %#v", data, got, want)
	}
	if next := int(tr.Nodes[0].Next); next != len(tr.Nodes) {
		t.Fatalf("Parse(%q): root ends at node %d of %d", data, next, len(tr.Nodes))
	}
	for i, nd := range tr.Nodes {
		if nd.Kind != String {
			continue
		}
		text, val := tr.Text(i), tr.Str(i)
		if got, want := nd.Flags&Escaped != 0, strings.Contains(text, `\`); got != want {
			t.Errorf("Parse(%q): string %q Escaped = %v, want %v", data, text, got, want)
		}
		if got, want := nd.Flags&InvalidUTF8 != 0, !utf8.ValidString(text); got != want {
			t.Errorf("Parse(%q): string %q InvalidUTF8 = %v, want %v", data, text, got, want)
		}
		if got, want := nd.Flags&Control != 0, strings.ContainsFunc(val, func(r rune) bool { return r < 0x20 }); got != want {
			t.Errorf("Parse(%q): string %q Control = %v, want %v", data, text, got, want)
		}
		// Without invalid UTF-8 (which also reads as U+FFFD), an unpaired
		// surrogate is what puts a U+FFFD into the value that the text does
		// not spell.
		if nd.Flags&InvalidUTF8 == 0 {
			spelt := strings.Count(text, "\ufffd") + strings.Count(strings.ToLower(text), `\ufffd`)
			got, want := nd.Flags&LoneSurrogate != 0, strings.Count(val, "\ufffd") > spelt
			if got != want {
				t.Errorf("Parse(%q): string %q LoneSurrogate = %v, want %v", data, text, got, want)
			}
		}
	}
}

var jsonSamples = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e+10`, `1E-2`, `true`, `false`, `null`, ` {"a" : [1, {"b": null}] } `,
	`{"a": 1, "a": 2}`, `{"a": {"x": 1}, "a": [2]}`,
	`"\u00e9\n\t\"\\\/\b\f\r"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`, `"\ude00\ud83d"`, `"\ud83d\u0041"`,
	`"\ud83d\ud83d\ude00"`, `"\ud83d\n"`, `"\ufffd"`, `"\uFFFD\ud800"`,
	"\"\xff\xfe\"", "\"a\xc3\"", "\"\xed\xa0\x80\"", `"\u0000"`, `"\u001f \u0020"`, "\"\u2028\"", `{"\u0061": 1, "a": 2}`,
	"\"a\x01\"", "\"tab\there\"", "{\"a\x00\": \"\x1f\"}",
	// Invalid.
	``, ` `, `{`, `}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a: 1}`, `{'a': 1}`, `01`, `-`, `1.`, `.5`, `1e`, `1e+`,
	`+1`, `tru`, `truex`, `nul`, `"abc`, `"\x"`, `"\u12"`, `"\u12g4"`, `{} {}`, `[1] x`, `{"a":}`,
	`[1 2]`, `{"a":1 "b":2}`, `NaN`, `Infinity`, "\xef\xbb\xbf{}", `{"a":[}`, `"\`, "[\x01]",
}

func TestParseLikeEncodingJSON(t *testing.T) {
	for _, s := range jsonSamples {
		checkLikeEncodingJSON(t, []byte(s))
	}
	// encoding/json allows 10000 levels of nesting and no more.
	for _, depth := range []int{9999, 10000, 10001} {
		checkLikeEncodingJSON(t, []byte(strings.Repeat("[", depth)+strings.Repeat("]", depth)))
		checkLikeEncodingJSON(t, []byte(strings.Repeat(`{"a":`, depth)+"1"+strings.Repeat("}", depth)))
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		in   string
		want Flags
	}{
		{`"plain ø"`, 0},
		{`"a\/b"`, Escaped},
		{`"\u00e9"`, Escaped},
		{`"\n"`, Escaped | Control},
		{`"\u0000"`, Escaped | Control},
		{`"\u001F"`, Escaped | Control},
		{"\"raw\x01\"", Control},
		{"\"tab\t\"", Control},
		{"\"caf\xe9\"", InvalidUTF8},
		{"\"\xed\xa0\x80\"", InvalidUTF8}, // a surrogate written in UTF-8 is not UTF-8
		{`"\ud800"`, Escaped | LoneSurrogate},
		{`"\udc00\ud800"`, Escaped | LoneSurrogate},
		{`"\ud83d\ude00"`, Escaped},
		{`"\ud83dx"`, Escaped | LoneSurrogate},
		{`"ab\ud83dcd ef"`, Escaped | LoneSurrogate},
		{"\"a\\ud83d\x7f\"", Escaped | LoneSurrogate},
		{"\"plain\x7f~\"", 0},
		{`"\ud83d\u0041"`, Escaped | LoneSurrogate},
		{`"\ud83d\\"`, Escaped | LoneSurrogate},
		{`"\ud83d\ud83d\ude00"`, Escaped | LoneSurrogate},
		{`"\ud800\u0000"`, Escaped | LoneSurrogate | Control},
		{`"\ud800\n"`, Escaped | LoneSurrogate | Control},
	}
	for _, tc := range tests {
		tr, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q) = %v", tc.in, err)
			continue
		}
		if got := tr.Nodes[0].Flags; got != tc.want {
			t.Errorf("Parse(%q) flags = %04b, want %04b", tc.in, got, tc.want)
		}
		tr.Release()
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkLikeEncodingJSON(t, data)
	})
}
