package server

import (
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
)

// FuzzPathReason: a path the check calls clean is what path.Clean makes
// of it (keeping one trailing slash), so ServeMux never redirects it; an
// unclean one is refused with a reason.
func FuzzPathReason(f *testing.F) {
	for _, s := range []string{"/", "/a/", "/a/../b", "//x", "/./a", "/a/.", "/a/..", "/order-management/v2/ECOM/receipts/o-1", "a", "", "/a//", "/a/.b/..c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		reason := pathReason(p)
		if !strings.HasPrefix(p, "/") {
			if reason == "" {
				t.Fatalf("pathReason(%q) = \"\", want a reason for a relative path", p)
			}
			return
		}
		c := path.Clean(p)
		if strings.HasSuffix(p, "/") && c != "/" {
			c += "/"
		}
		if clean := c == p; clean != (reason == "") {
			t.Fatalf("pathReason(%q) = %q, but path.Clean gives %q", p, reason, c)
		}
	})
}

// FuzzPercentProblem: the check refuses exactly what url.PathUnescape
// cannot decode.
func FuzzPercentProblem(f *testing.F) {
	for _, s := range []string{"", "%", "%4", "%41", "%ZZ", "a%2Fb", "x=%G0&y=1", "%%41"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := url.PathUnescape(s)
		if got := percentProblem(s); (got == "") != (err == nil) {
			t.Fatalf("percentProblem(%q) = %q, url.PathUnescape error %v", s, got, err)
		}
	})
}

// FuzzBadRequestProblem: whatever bytes net/http failed to parse, the
// answer is a 400 problem, naming the path when it has a bad escape.
func FuzzBadRequestProblem(f *testing.F) {
	for _, s := range []string{"GET /a%ZZ HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\r\n", "garbage", "", "POST /x%4 HTTP/1.0"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := badRequestProblem(b)
		if p.Status != 400 || p.Detail == "" {
			t.Fatalf("badRequestProblem(%q) = %+v, want a 400 with a detail", b, p)
		}
		if len(p.InvalidParams) > 0 && p.InvalidParams[0].Name != "path" {
			t.Fatalf("badRequestProblem(%q) names %q, want path", b, p.InvalidParams[0].Name)
		}
		if raw := rawProblem(400, p, ""); !strings.HasPrefix(string(raw), "HTTP/1.1 400 Bad Request\r\n") {
			t.Fatalf("rawProblem = %q", raw)
		}
	})
}

// FuzzCheckSystemHeaders: the server's check, with its ASCII fast path,
// gives what api.CheckSystemHeader gives for each recorded header.
func FuzzCheckSystemHeaders(f *testing.F) {
	for _, s := range []string{"woocommerce", "caf\xe9", "café", "1.0\u0085", "plug\u200ein", "\x7f", strings.Repeat("a", 101), strings.Repeat("é", 60)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h[http.CanonicalHeaderKey(api.HeaderSystemName)] = []string{v}
		got := checkSystemHeaders(h)
		var want []api.InvalidParam
		if v != "" {
			want = api.CheckSystemHeader(api.HeaderSystemName, v)
		}
		if len(got) != len(want) || len(got) > 0 && got[0] != want[0] {
			t.Fatalf("checkSystemHeaders(%q) = %v, api.CheckSystemHeader = %v", v, got, want)
		}
	})
}
