package api_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/ordermgmt/ordermgmt/api"
)

// The fuzz targets check that no input panics, that every rejection is a
// 400 problem with parameters, and that an accepted value survives
// encoding and decoding unchanged. Seeds: testdata/fuzz/<target>/ and the
// bodies of the table tests.

func FuzzDecodeReceipt(f *testing.F) {
	f.Add([]byte(baseReceipt))
	f.Add(benchReceipt(f))
	for _, tc := range receiptCases {
		f.Add(edit(f, baseReceipt, tc.changes...))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := api.DecodeReceipt(body)
		if err != nil {
			checkRejection(t, err)
			if r != nil {
				t.Errorf("DecodeReceipt returned a receipt with error %v", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("Validate() of an accepted receipt = %v", err)
		}
		_ = r.Totals()
		ws := r.Warnings()
		if diff := cmp.Diff(ws, api.ParseWarnings(api.FormatWarnings(ws))); diff != "" {
			t.Errorf("warnings do not round-trip the header (-want +got):\n%s", diff)
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		checkCleanStrings(t, out)
		if got, err := r.AppendJSON(nil); err != nil || !bytes.Equal(got, out) {
			t.Errorf("AppendJSON(nil) = %s, %v, want json.Marshal = %s", got, err, out)
		}
		r2, err := api.DecodeReceipt(out)
		if err != nil {
			t.Fatalf("DecodeReceipt(json.Marshal(accepted)) = %v\nbody: %s", err, out)
		}
		if diff := cmp.Diff(r, r2); diff != "" {
			t.Errorf("receipt changed on re-encoding (-first +second):\n%s", diff)
		}
	})
}

func FuzzDecodeCategory(f *testing.F) {
	f.Add([]byte(baseCategory))
	for _, tc := range categoryCases {
		f.Add(edit(f, baseCategory, tc.changes...))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := api.DecodeCategory(body)
		if err != nil {
			checkRejection(t, err)
			if c != nil {
				t.Errorf("DecodeCategory returned a category with error %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Validate() of an accepted category = %v", err)
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		checkCleanStrings(t, out)
		if got := c.AppendJSON(nil); !bytes.Equal(got, out) {
			t.Errorf("AppendJSON(nil) = %s, want json.Marshal = %s", got, out)
		}
		checkURL(t, c.OrderDetailsURL)
		c2, err := api.DecodeCategory(out)
		if err != nil {
			t.Fatalf("DecodeCategory(json.Marshal(accepted)) = %v", err)
		}
		if diff := cmp.Diff(c, c2); diff != "" {
			t.Errorf("category changed on re-encoding (-first +second):\n%s", diff)
		}
	})
}

func FuzzDecodeImage(f *testing.F) {
	f.Add(imageBody(f, "logo-1", pngOf(f, 2, 167)))
	f.Add(imageBody(f, "logo-2", jpegOf(f, 8, 170)))
	f.Add(imageBody(f, "short", pngOf(f, 2, 3)))
	f.Add([]byte(`{"imageId": "a", "src": "https://example.com/a.png", "type": "base64"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, info, err := api.DecodeImage(body)
		if err != nil {
			checkRejection(t, err)
			if req != nil || info != nil {
				t.Errorf("DecodeImage returned values with error %v", err)
			}
			return
		}
		if info.Height < api.MinImageHeight || len(info.Data) > api.MaxImageBytes ||
			(info.MediaType != api.MediaTypePNG && info.MediaType != api.MediaTypeJPEG) {
			t.Fatalf("DecodeImage accepted %s %d×%d, %d bytes", info.MediaType, info.Width, info.Height, len(info.Data))
		}
		out, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		req2, info2, err := api.DecodeImage(out)
		if err != nil {
			t.Fatalf("DecodeImage(json.Marshal(accepted)) = %v", err)
		}
		if diff := cmp.Diff([]any{req, info}, []any{req2, info2}); diff != "" {
			t.Errorf("image changed on re-encoding (-first +second):\n%s", diff)
		}
	})
}

func FuzzWarningsHeader(f *testing.F) {
	f.Add("orderLines[0].totalTaxAmount", "tax_mismatch", "is 2502, but 25 % of 10000 is 2500.")
	f.Add(`a"\b`, "9 x", "1 × 2\x00\xff")
	f.Fuzz(func(t *testing.T, name, code, reason string) {
		ws := []api.Warning{{Name: name, Code: code, Reason: reason}, {Name: reason, Code: name, Reason: code}}
		h := api.FormatWarnings(ws)
		if diff := cmp.Diff(ws, api.ParseWarnings(h)); diff != "" {
			t.Errorf("ParseWarnings(%q) (-want +got):\n%s", h, diff)
		}
		// Any header parses without panic, and what it yields is stable.
		got := api.ParseWarnings(name)
		if diff := cmp.Diff(got, api.ParseWarnings(api.FormatWarnings(got))); diff != "" {
			t.Errorf("ParseWarnings is not stable on %q (-want +got):\n%s", name, diff)
		}
	})
}

// checkCleanStrings checks that every string (and key) in the JSON
// document is UTF-8 without control characters or U+FFFD, as contract §8
// requires of what is stored.
func checkCleanStrings(t *testing.T, doc []byte) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		if s, ok := tok.(string); ok {
			if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == utf8.RuneError }) {
				t.Fatalf("accepted a body with the string %q", s)
			}
		}
	}
}

// checkURL checks that an accepted URL is one by the rules of contract
// §8, as net/url reads it.
func checkURL(t *testing.T, s string) {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatalf("accepted URL %q that net/url rejects: %v", s, err)
	}
	if !strings.EqualFold(u.Scheme, "https") || u.Host == "" || u.User != nil || u.Opaque != "" || len(s) > api.MaxURLLength {
		t.Fatalf("accepted URL %q: scheme %q, host %q, user %v", s, u.Scheme, u.Host, u.User)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			t.Fatalf("accepted URL %q with port %q", s, p)
		}
	}
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("\"<>`{}|\\^", r) {
			t.Fatalf("accepted URL %q with the character %q", s, r)
		}
	}
}

func FuzzHTTPSURL(f *testing.F) {
	for _, s := range []string{"https://example.com/o?a=1#x", "https://[::1]:8443/", "https://u@x/", "https://x:0/", "http://x/", "https://x/%zz", "https://x/\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := api.Category{Category: api.CategoryReceipt, OrderDetailsURL: s}
		if err := c.Validate(); err != nil {
			checkRejection(t, err)
			return
		}
		checkURL(t, s)
	})
}

func FuzzCheckSystemHeader(f *testing.F) {
	for _, s := range []string{"", "woocommerce", "caf\xe9", "a\tb", "ø"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		ps := api.CheckSystemHeader(api.HeaderSystemName, v)
		ok := utf8.ValidString(v) && utf8.RuneCountInString(v) <= api.MaxSystemHeaderLen &&
			!strings.ContainsFunc(v, func(r rune) bool { return !unicode.IsPrint(r) })
		if ok != (ps == nil) {
			t.Fatalf("CheckSystemHeader(%q) = %v, want ok = %v", v, ps, ok)
		}
		for _, p := range ps {
			if p.Name != api.HeaderSystemName || p.Code == "" || p.Reason == "" {
				t.Fatalf("CheckSystemHeader(%q) problem %+v", v, p)
			}
		}
	})
}

// checkRejection checks that err is a 400 problem naming at least one
// parameter, each with a known code.
func checkRejection(t *testing.T, err error) {
	t.Helper()
	p := api.AsProblem(err)
	if p.Status != 400 || len(p.InvalidParams) == 0 {
		t.Fatalf("rejection %v is not a 400 problem with invalidParams", err)
	}
	for _, ip := range p.InvalidParams {
		if ip.Code == "" || ip.Reason == "" {
			t.Fatalf("invalid param %+v lacks a code or reason", ip)
		}
	}
}

func FuzzCheckImageData(f *testing.F) {
	f.Add(pngOf(f, 2, 167))
	f.Add(jpegOf(f, 8, 170))
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, ps := api.CheckImageData(data)
		if (info == nil) == (ps == nil) {
			t.Fatalf("CheckImageData = %v, %v; want exactly one of them", info, ps)
		}
		if info != nil && (info.Height < api.MinImageHeight || len(info.Data) != len(data)) {
			t.Fatalf("CheckImageData accepted %+v", info)
		}
		for _, p := range ps {
			if p.Name != "src" || p.Code == "" || p.Reason == "" {
				t.Fatalf("CheckImageData problem %+v", p)
			}
		}
	})
}
