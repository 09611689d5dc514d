package api

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The rules shared by the tables: each checks one value and reports under
// the member's key in the current object.

// maxChars limits a text to max characters.
func maxChars(max int) textRule {
	return func(c *checker, key, s string) {
		if len(s) <= max {
			return // no more characters than bytes
		}
		if n := utf8.RuneCountInString(s); n > max {
			c.add(key, CodeTooLong, "must be at most "+strconv.Itoa(max)+" characters, got "+strconv.Itoa(n)+".")
		}
	}
}

// enum checks that a text is one of values, spelled exactly so.
func enum(values ...string) textRule {
	return func(c *checker, key, s string) { checkEnum(c, key, s, values) }
}

// checkEnum checks that v is one of values, spelled exactly so.
func checkEnum(c *checker, key, v string, values []string) bool {
	for _, s := range values {
		if v == s {
			return true
		}
	}
	reason := "must be one of " + strings.Join(values, ", ") + ", got " + quote(v) + "."
	for _, s := range values {
		if strings.EqualFold(v, s) {
			reason = "must be one of " + strings.Join(values, ", ") + " (in upper case), got " + quote(v) + "; use " + quote(s) + "."
			break
		}
	}
	c.add(key, CodeUnknownValue, reason)
	return false
}

// imageID applies the rule of image ids (contract §4).
func imageID(c *checker, key, s string) {
	c.addParams(checkID(c.name(key), s, helpImageID))
}

// orderID applies the rule of order ids (contract §1).
func orderID(c *checker, key, s string) {
	c.addParams(checkID(c.name(key), s, helpOrderID))
}

// paymentType applies the rule of payment types (contract §1): ECOM or
// RECURRING in any letter case.
func paymentType(c *checker, key, s string) {
	if _, ps := ParsePaymentType(s); ps != nil {
		for _, p := range ps {
			c.add(key, p.Code, p.Reason)
		}
	}
}

// hintReturn is why a line amount cannot be negative.
const hintReturn = " (amounts are positive even on a return line: mark the line with isReturn instead)"

// nonNegative rejects an amount below 0; hint, if any, follows the rule.
func nonNegative(hint string) intRule {
	return func(c *checker, key string, v int64) {
		if v < 0 {
			c.add(key, CodeNegative, "must be 0 or more"+hint+", got "+itoa(v)+".")
		}
	}
}

// between checks lo <= v <= hi; what says what the unit is.
func between(lo, hi int64, what string) intRule {
	return func(c *checker, key string, v int64) {
		if v < lo || v > hi {
			c.add(key, CodeOutOfRange, "must be between "+itoa(lo)+" and "+itoa(hi)+" ("+what+"), got "+itoa(v)+".")
		}
	}
}

// httpsURL applies the URL rules of contract §8 to orderDetailsUrl, url
// and productUrl: an absolute https URL with a host, of RFC 3986
// characters only (anything else percent-encoded), no user info, a port,
// if any, from 1 to 65535, and at most MaxURLLength characters.
func httpsURL(c *checker, key, s string) {
	if len(s) > MaxURLLength { // else no more characters than bytes
		if n := utf8.RuneCountInString(s); n > MaxURLLength {
			c.add(key, CodeTooLong, "must be at most "+strconv.Itoa(MaxURLLength)+" characters, got "+strconv.Itoa(n)+".")
		}
	}
	if reason := urlReason(s); reason != "" {
		c.add(key, CodeInvalidURL, reason)
		return
	}
	scheme, _, _ := strings.Cut(s, ":")
	if !strings.EqualFold(scheme, "https") {
		c.add(key, CodeNotHTTPS, "must use https (the app opens only secure links), got "+quote(s)+"; use "+
			quote("https"+s[len(scheme):])+" if the site serves it.")
	}
}

// urlExample follows "must be an absolute https URL" in reasons.
const urlExample = " such as https://example.com/orders/123"

// urlReason says why s is not an absolute URL by the rules of contract §8,
// or returns "". The scheme is left to the caller.
func urlReason(s string) string {
	const want = "must be an absolute https URL" + urlExample
	pos := 0
	for i := 0; i < len(s); {
		pos++
		b := s[i]
		if uriBytes[b] && b != '%' {
			i++
			continue
		}
		if b >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			what := "the character " + strconv.QuoteRune(r)
			switch {
			case r == utf8.RuneError && size == 1:
				what = "a byte that is not UTF-8"
			case isBidiControl(r):
				what = "the bidirectional control character " + strconv.QuoteRuneToASCII(r)
			}
			return want + ", of RFC 3986 characters only, but has " + what + " at position " + strconv.Itoa(pos) +
				"; percent-encode it as UTF-8 (ø is %C3%B8)."
		}
		switch {
		case b == '%':
			if i+2 >= len(s) || !isHexDigit(s[i+1]) || !isHexDigit(s[i+2]) {
				return want + ", but has a % at position " + strconv.Itoa(pos) + " that is not followed by two hex digits; write a % itself as %25."
			}
			i += 3
			pos += 2
			continue
		case !isURIByte(b):
			what := "the character " + strconv.QuoteRune(rune(b))
			switch {
			case b == ' ':
				what = "a space"
			case b < 0x20 || b == 0x7f:
				what = "the control character " + strconv.QuoteRuneToASCII(rune(b))
			}
			return want + ", of RFC 3986 characters only, but has " + what + " at position " + strconv.Itoa(pos) +
				"; percent-encode it (a space is %20, \" is %22, < is %3C)."
		}
		i++
	}
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || !isScheme(scheme) || !strings.HasPrefix(rest, "//") {
		return want + ", with scheme and host, got " + quote(s) + "."
	}
	authority := rest[2:]
	for i := 0; i < len(authority); i++ {
		if c := authority[i]; c == '/' || c == '?' || c == '#' {
			authority = authority[:i]
			break
		}
	}
	if strings.Contains(authority, "@") {
		return want + ", without user info (user:password@) before the host, got " + quote(s) + "."
	}
	host, port := authority, ""
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 || !isIPv6(host[1:end]) {
			return want + ", but its host " + quote(host) + " is not a valid IPv6 address in brackets."
		}
		host, port = host[:end+1], host[end+1:]
		if port != "" && port[0] != ':' {
			return want + ", but has " + quote(port) + " after its IPv6 host; a port follows a colon."
		}
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host, port = host[:i], host[i:]
	}
	if host == "" || host == "[]" {
		return want + ", with scheme and host, got " + quote(s) + "."
	}
	if host[0] != '[' {
		switch {
		case strings.IndexByte(host, ':') >= 0:
			return want + ", but its host " + quote(host) + " has a colon; write an IPv6 address in brackets, as https://[::1]:8443/."
		case strings.ContainsAny(host, "[]"):
			return want + ", but its host " + quote(host) + " has a bracket outside an IPv6 address."
		}
	}
	// Browsers and net/url read few percent-encodings in a host name.
	if strings.IndexByte(host, '%') >= 0 {
		return want + ", but its host " + quote(host) + " is percent-encoded; write a host name as it is, in its xn-- (punycode) form if it has letters beyond ASCII."
	}
	if port != "" {
		p := port[1:]
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 || strings.Trim(p, "0123456789") != "" {
			return want + ", with a port from 1 to 65535 if any, got port " + quote(p) + "."
		}
	}
	return ""
}

// isIPv6 reports whether s is an IPv6 address without a zone.
func isIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && a.Zone() == ""
}

// isURIByte reports whether b is an ASCII character RFC 3986 allows in a
// URI: unreserved, reserved, or % of a percent-encoding.
func isURIByte(b byte) bool { return uriBytes[b] }

// uriBytes is isURIByte as a table: URLs are checked on every receipt line.
var uriBytes = func() (t [256]bool) {
	for _, c := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&'()*+,;=%" {
		t[c] = true
	}
	return t
}()

// isScheme reports whether s is an RFC 3986 scheme.
func isScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// isBidiControl reports whether r is one of Unicode's bidirectional
// formatting characters, which can make a link read as another.
func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// CheckSystemHeader checks the value of a header the server records with
// every request (the Vipps-System-* headers of contract §2): valid UTF-8,
// printable characters only (no control or formatting characters), at
// most MaxSystemHeaderLen characters. An empty value is fine. It returns
// nil when the value is fine, else the invalid parameter naming header.
func CheckSystemHeader(header, value string) []InvalidParam {
	if !utf8.ValidString(value) {
		return []InvalidParam{{Name: header, Code: CodeInvalidUTF8,
			Reason: "must be UTF-8 text, but has bytes that are not UTF-8; send the value in UTF-8 (or ASCII)."}}
	}
	pos := 0
	for _, r := range value {
		pos++
		if !unicode.IsPrint(r) {
			return []InvalidParam{{Name: header, Code: CodeNotPrintable,
				Reason: "must be printable text, but has the character " + strconv.QuoteRuneToASCII(r) + " at position " + strconv.Itoa(pos) + "."}}
		}
	}
	if pos > MaxSystemHeaderLen {
		return []InvalidParam{{Name: header, Code: CodeTooLong,
			Reason: "must be at most " + strconv.Itoa(MaxSystemHeaderLen) + " characters, got " + strconv.Itoa(pos) +
				" (keep it within " + strconv.Itoa(RecommendedSystemHeaderLen) + ")."}}
	}
	return nil
}

// addInt64 adds with an overflow check.
func addInt64(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
