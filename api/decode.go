package api

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ordermgmt/ordermgmt/api/internal/jsontree"
)

// The decoders parse a body once into a tree of nodes (internal/jsontree;
// numbers kept as text) and walk it with the body's table (fields.go).
// Walking a tree, rather than unmarshalling into the structs, is what lets
// them tell a missing field from a zero one, name the path of every wrong
// type, and report every problem instead of stopping at the first.

// problems collects the invalid parameters of one request.
type problems struct {
	ps []InvalidParam
}

func (p *problems) add(name, code, reason string) {
	p.ps = append(p.ps, InvalidParam{Name: name, Reason: reason, Code: code})
}

func (p *problems) addAll(ps []InvalidParam) { p.ps = append(p.ps, ps...) }

// err is the 400 problem listing everything found, or nil.
func (p *problems) err() error { return Invalid(p.ps) }

// bodyName is the name of an invalid parameter about the body as a whole.
const bodyName = "body"

// decodeBody parses body as one JSON object and decodes it into v by tb.
// example is shown when the body is empty or not an object.
func decodeBody[T any](body []byte, example string, tb *table[T], v *T) (*checker, error) {
	t, perr := parseBody(body, example)
	if perr != nil {
		return nil, Invalid([]InvalidParam{*perr})
	}
	defer t.Release()
	c := &checker{t: t}
	c.path = c.buf[:0]
	tb.decode(c, 0, v)
	if err := c.p.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// validateValue checks the typed value v by tb.
func validateValue[T any](tb *table[T], v *T) (*checker, error) {
	c := new(checker)
	c.path = c.buf[:0]
	tb.validate(c, v)
	return c, c.p.err()
}

// parseBody parses body as one JSON object. A body that is empty, not JSON,
// or not an object gives the one problem that says so. The caller releases
// the tree.
func parseBody(body []byte, example string) (*jsontree.Tree, *InvalidParam) {
	// A UTF-8 byte order mark, as some Windows tools write, is not JSON
	// but says nothing wrong about the body: skip it, keeping offsets
	// relative to what the client sent.
	full := body
	if bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
		body = body[3:]
	}
	skipped := int64(len(full) - len(body))
	if len(trimJSONSpace(body)) == 0 {
		return nil, &InvalidParam{Name: bodyName, Code: CodeEmptyBody,
			Reason: "is empty: send a JSON object such as " + example + "."}
	}
	// One copy of the body; every string value is a slice of it.
	t, serr := jsontree.Parse(string(body))
	if serr != nil {
		at := position(full, skipped+int64(serr.Off))
		reason := "is not valid JSON: " + serr.Msg + " " + at + "."
		if serr.EOF {
			reason = "is not valid JSON: it ends before the JSON value is complete " + at + "; check for a missing } or ]."
		}
		return nil, &InvalidParam{Name: bodyName, Code: CodeInvalidJSON, Reason: reason}
	}
	if t.Nodes[0].Kind != jsontree.Object {
		kind := kindOf(t, 0)
		t.Release()
		return nil, &InvalidParam{Name: bodyName, Code: CodeWrongType,
			Reason: "must be a JSON object such as " + example + ", got " + kind + "."}
	}
	return t, nil
}

// trimJSONSpace drops the leading whitespace JSON allows (and nothing else).
func trimJSONSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// position describes a byte offset of body as line, column and offset, all
// counted so that an editor can jump there (line and column from 1).
func position(body []byte, off int64) string {
	if off > int64(len(body)) {
		off = int64(len(body))
	}
	before := body[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := off - int64(bytes.LastIndexByte(before, '\n'))
	return "at line " + strconv.Itoa(line) + ", column " + strconv.FormatInt(col, 10) + " (byte offset " + strconv.FormatInt(off, 10) + ")"
}

func (c *checker) kindOf(n int) string { return kindOf(c.t, n) }

// kindOf names the JSON type of node n for a reason.
func kindOf(t *jsontree.Tree, n int) string {
	switch t.Nodes[n].Kind {
	case jsontree.Null:
		return "null"
	case jsontree.String:
		return "a string"
	case jsontree.Number:
		return "the number " + clip(t.Text(n))
	case jsontree.True:
		return "true"
	case jsontree.False:
		return "false"
	case jsontree.Array:
		return "an array"
	}
	return "an object"
}

// clip cuts a caller's text for a reason.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	return s[:40] + "…"
}

// missing reports a required field. Field names are case-sensitive, as the
// contract spells them; a key that differs only in case gets a hint.
func (c *checker) missing(key, help string) {
	reason := requiredReason(help)
	if k := c.foldKey(key); k != "" {
		reason += " Found " + quote(k) + ", but field names are case-sensitive: use " + strconv.Quote(key) + "."
	}
	c.add(key, CodeRequired, reason)
}

// foldKey returns a key of the current object that equals one of keys
// except in letter case, or "". Of several, it returns the first. A typed
// value has no such keys.
func (c *checker) foldKey(keys ...string) string {
	if c.t == nil {
		return ""
	}
	found := ""
	c.t.Members(c.obj, func(kn, _ int) {
		k := c.t.Str(kn)
		for _, key := range keys {
			if found == "" && k != key && strings.EqualFold(k, key) {
				found = k
			}
		}
	})
	return found
}

// requiredReason is the reason for a missing required value; Validate uses
// it too, so both report the same problem.
func requiredReason(help string) string {
	return "is required: " + help + "."
}

// wrongType reports a value of the wrong JSON type.
func (c *checker) wrongType(key, want string, n int) {
	reason := "must be " + want + ", got " + c.kindOf(n) + "."
	if c.t.Nodes[n].Kind == jsontree.String && strings.HasPrefix(want, "a whole number") {
		if s := c.t.Str(n); looksNumeric(s) {
			reason = "must be " + want + ", got the string " + quote(s) + ": send a JSON number, without quotes."
		}
	}
	c.add(key, CodeWrongType, reason)
}

// looksNumeric reports whether s is a JSON number, perhaps with spaces.
func looksNumeric(s string) bool {
	t, err := jsontree.Parse(strings.TrimSpace(s))
	if err != nil {
		return false
	}
	defer t.Release()
	return t.Nodes[0].Kind == jsontree.Number
}

// isObject checks that node n is an object.
func (c *checker) isObject(key, help string, n int, report bool) bool {
	if c.t.Nodes[n].Kind != jsontree.Object {
		if report {
			c.wrongType(key, "an object ("+help+")", n)
		}
		return false
	}
	return true
}

// readText reads string node n. A string that breaks the text rules of
// contract §8 (invalid UTF-8, an unpaired surrogate, a control character)
// is rejected, never repaired; lineBreaks allows CR and LF, for base64
// that is wrapped into lines.
func (c *checker) readText(key, help string, n int, report, lineBreaks bool) (string, bool) {
	nd := &c.t.Nodes[n]
	if nd.Kind != jsontree.String {
		if report {
			c.wrongType(key, "a string ("+help+")", n)
		}
		return "", false
	}
	if nd.Flags&jsontree.Unclean != 0 {
		if s := c.t.Str(n); lineBreaks && nd.Flags&jsontree.Unclean == jsontree.Control {
			if code, _ := textProblem(s, true); code == "" {
				return s, true
			}
		}
		if report {
			code, reason := uncleanReason(c.t, n)
			c.add(key, code, reason)
		}
		return "", false
	}
	return c.t.Str(n), true
}

// cleanText applies the text rules of contract §8 to a typed value's
// string, as readText does to JSON: it reports the problem and returns
// false.
func (c *checker) cleanText(key, s string, lineBreaks bool) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b >= utf8.RuneSelf {
			code, reason := textProblem(s, lineBreaks)
			if code == "" {
				return true
			}
			c.add(key, code, reason)
			return false
		}
	}
	return true
}

// cleanTree checks every string (keys too) under node n by the text rules
// of contract §8, reporting the first that breaks them under its path.
func (c *checker) cleanTree(key string, n int, report bool) bool {
	nodes := c.t.Nodes
	for i := n; i < int(nodes[n].Next); i++ {
		if nodes[i].Kind == jsontree.String && nodes[i].Flags&jsontree.Unclean != 0 {
			if report {
				code, reason := uncleanReason(c.t, i)
				c.add(key+pathTo(c.t, n, i), code, reason)
			}
			return false
		}
	}
	return true
}

// pathTo is the JSON path from container node n down to node target (a key
// names its member), such as ".method" or "[2].name".
func pathTo(t *jsontree.Tree, n, target int) string {
	var b strings.Builder
	for n != target {
		nodes := t.Nodes
		from := n
		switch nodes[n].Kind {
		case jsontree.Object:
			for k := n + 1; k < int(nodes[n].Next); k = int(nodes[k+1].Next) {
				if target == k || target >= k+1 && target < int(nodes[k+1].Next) {
					b.WriteString("." + t.Str(k))
					if target == k {
						return b.String()
					}
					n = k + 1
					break
				}
			}
		case jsontree.Array:
			i := 0
			for e := n + 1; e < int(nodes[n].Next); e = int(nodes[e].Next) {
				if target >= e && target < int(nodes[e].Next) {
					b.WriteString("[" + strconv.Itoa(i) + "]")
					n = e
					break
				}
				i++
			}
		}
		if n == from { // target is not below n
			return b.String()
		}
	}
	return b.String()
}

// uncleanReason says which text rule string node n breaks, and where.
func uncleanReason(t *jsontree.Tree, n int) (code, reason string) {
	switch fl := t.Nodes[n].Flags; {
	case fl&jsontree.InvalidUTF8 != 0:
		return textProblem(t.Text(n), false)
	case fl&jsontree.LoneSurrogate != 0:
		return CodeLoneSurrogate, "must be Unicode text, but has a \\u escape of half a surrogate pair (such as \\ud800) without its other half; escape a character outside the BMP as both halves, or send it as UTF-8."
	}
	return textProblem(t.Str(n), false)
}

// textProblem says which text rule of contract §8 s breaks, or returns
// "": invalid UTF-8, or a control character (but CR and LF when lineBreaks
// is set).
func textProblem(s string, lineBreaks bool) (code, reason string) {
	if !utf8.ValidString(s) {
		i := 0
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		return CodeInvalidUTF8, "must be UTF-8 text, but has the byte 0x" + strconv.FormatUint(uint64(s[i]), 16) +
			" at byte " + strconv.Itoa(i+1) + " of the string, which is not UTF-8; send the text in UTF-8 (JSON must be UTF-8)."
	}
	pos := 0
	for _, r := range s {
		pos++
		if r < 0x20 && !(lineBreaks && (r == '\n' || r == '\r')) {
			return CodeControlChar, "must not contain control characters, but has " + controlName(r) + " at character " + strconv.Itoa(pos) +
				"; remove it (or replace it with a space)."
		}
	}
	return "", ""
}

// controlName names a C0 control character for a reason.
func controlName(r rune) string {
	u := "U+" + strings.ToUpper(strconv.FormatInt(int64(r)+0x10000, 16)[1:])
	switch r {
	case '\n':
		return "a line break (" + u + ")"
	case '\r':
		return "a carriage return (" + u + ")"
	case '\t':
		return "a tab (" + u + ")"
	case 0:
		return "a NUL character (" + u + ")"
	}
	return "the control character " + u
}

// readInt reads an integer: a JSON number written without fraction or
// exponent that fits in 64 bits.
func (c *checker) readInt(key, help string, n int, report bool) (int64, bool) {
	if c.t.Nodes[n].Kind != jsontree.Number {
		if report {
			c.wrongType(key, "a whole number ("+help+")", n)
		}
		return 0, false
	}
	s := c.t.Text(n)
	i, ok := parseInt64(s)
	if !ok && report {
		if strings.ContainsAny(s, ".eE") {
			c.add(key, CodeNotInteger, "must be a whole number without fraction or exponent ("+help+"), got "+clip(s)+".")
		} else {
			c.add(key, CodeIntOverflow, "must fit in a 64-bit integer (-9223372036854775808 to 9223372036854775807), got "+clip(s)+".")
		}
	}
	return i, ok
}

// parseInt64 reads a JSON integer literal (-?digits) that fits in 64 bits.
func parseInt64(s string) (int64, bool) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	if s == "" || len(s) > 19 {
		return 0, false
	}
	var u uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0') // 19 digits cannot overflow a uint64
	}
	switch {
	case neg && u <= 1<<63:
		return int64(-u), true
	case !neg && u < 1<<63:
		return int64(u), true
	}
	return 0, false
}
