package server

import (
	"net/http"
	"strconv"

	"github.com/ordermgmt/ordermgmt/api"
)

// hygiene refuses a request whose path is not clean or whose query has
// malformed percent-encoding, with a 400 problem naming it (contract §8).
// http.ServeMux would redirect an unclean path instead, and a redirected
// POST stores a receipt under another order.
func (s *Server) hygiene(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if reason := pathReason(r.URL.Path); reason != "" {
			s.writeProblem(w, r, pathProblem(r.URL.EscapedPath(), reason))
			return
		}
		if r.URL.RawQuery != "" {
			if reason := percentProblem(r.URL.RawQuery); reason != "" {
				s.writeProblem(w, r, pathProblem(r.URL.RequestURI(), reason))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// pathReason says why an absolute path is not clean: an empty segment
// (//), or a segment "." or "..". One trailing slash is clean. It returns
// "" for a clean path.
func pathReason(p string) string {
	if p == "" || p[0] != '/' {
		return "the path must begin with /"
	}
	start := 1
	for i := 1; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			continue
		}
		switch seg := p[start:i]; {
		case seg == "" && i < len(p):
			return "it has an empty segment (//)"
		case seg == ".", seg == "..":
			return "it has a segment " + strconv.Quote(seg)
		}
		start = i + 1
	}
	return ""
}

// percentProblem says what is wrong with the percent-encoding of s, or ""
// when every % is followed by two hex digits.
func percentProblem(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			end := min(i+3, len(s))
			return "it has malformed percent-encoding " + strconv.Quote(s[i:end]) + "; a % must be followed by two hex digits"
		}
	}
	return ""
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// pathProblem is the 400 of a path: an invalid parameter named "path".
func pathProblem(path, reason string) *api.Problem {
	p := api.NewProblem(api.ErrInvalid, api.CodeInvalidRequest, "The request's path is not acceptable; see invalidParams.")
	p.InvalidParams = []api.InvalidParam{{Name: "path", Code: api.CodeInvalidPath,
		Reason: "The path " + strconv.Quote(path) + " is not acceptable: " + reason + ". Send the clean path of the operation."}}
	return p
}

var systemHeaders = [...]string{api.HeaderSystemName, api.HeaderSystemVersion, api.HeaderSystemPluginName, api.HeaderSystemPluginVersion}

// checkSystemHeaders lists what is wrong with the Vipps-System-* headers,
// which are recorded with every write (contract §2, §8); the rule is
// api.CheckSystemHeader's.
func checkSystemHeaders(h http.Header) []api.InvalidParam {
	var params []api.InvalidParam
	for _, name := range systemHeaders {
		if v := headerValue(h, name); v != "" && !printableASCII(v) {
			params = append(params, api.CheckSystemHeader(name, v)...)
		}
	}
	return params
}

// printableASCII reports whether v passes api.CheckSystemHeader for
// certain: short printable ASCII, as nearly every client sends. It spares
// every request the rune-by-rune check; FuzzCheckSystemHeaders holds the
// two to the same answer.
func printableASCII(v string) bool {
	if len(v) > api.MaxSystemHeaderLen {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
