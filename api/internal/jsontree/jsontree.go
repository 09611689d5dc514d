// Package jsontree parses request bodies into a flat tree of JSON nodes.
//
// It accepts what encoding/json accepts (RFC 8259, nesting up to 10000
// levels) and one thing more: raw control characters inside strings, so
// that the caller can reject them by the field they are in rather than as
// a syntax error of the whole body. Instead of maps and boxed values it
// builds one slice of nodes over the body text: string values are
// substrings of that text, numbers keep their literal, and lookups compare
// keys in place. That keeps a 2 KB receipt to a handful of allocations.
// Each string node says whether it holds escapes, control characters,
// invalid UTF-8 or an unpaired surrogate escape, so that the common plain
// string costs nothing to read and a bad one is found without a second
// scan. FuzzParse holds the parser to encoding/json.
//
// Once encoding/json/jsontext leaves GOEXPERIMENT=jsonv2 and joins the
// standard library, this package can be replaced by a Decoder walking
// ReadToken/ReadValue: jsontext reports invalid UTF-8 and unpaired
// surrogates itself (with AllowInvalidUTF8(false)), gives byte offsets for
// syntax errors, and yields unescaped strings without reflection. Keep the
// Tree API small so that the swap stays a change of this package only.
package jsontree

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the JSON type of a node.
type Kind uint8

// The JSON types.
const (
	Null Kind = iota
	False
	True
	Number
	String
	Array
	Object
)

// Flags describe what a string node holds beyond plain printable UTF-8.
type Flags uint8

// The flags of a string node.
const (
	Escaped       Flags = 1 << iota // has a backslash escape: use Str, not Text
	Control                         // has a C0 control character (U+0000-U+001F), raw or escaped
	InvalidUTF8                     // has bytes that are not UTF-8
	LoneSurrogate                   // has a \uD800-\uDFFF escape that is not half of a pair

	// Unclean is every flag that makes a string unfit to store as text.
	Unclean = Control | InvalidUTF8 | LoneSurrogate
)

// Node is one JSON value. An object's children are its keys and values,
// alternating; an array's are its elements.
type Node struct {
	Kind  Kind
	Flags Flags // of a string
	Start int32 // a string's first byte after the quote; else the value's first byte
	End   int32 // a string's closing quote; else just past the value
	Next  int32 // the index after this node and all its descendants
}

// Tree is a parsed body: Nodes[0] is the root.
type Tree struct {
	Src   string
	Nodes []Node
}

// MaxDepth is encoding/json's nesting limit.
const MaxDepth = 10000

// SyntaxError says where and why a body is not JSON.
type SyntaxError struct {
	Off int    // byte offset of the problem
	Msg string // as encoding/json words it
	EOF bool   // the body ended too early
}

var nodePool = sync.Pool{New: func() any { s := make([]Node, 0, 256); return &s }}

// Parse parses src as one JSON value. Release the tree when done.
func Parse(src string) (*Tree, *SyntaxError) {
	if int64(len(src)) > 1<<31-1 {
		return nil, &SyntaxError{Msg: "the body is larger than 2 GiB"}
	}
	ns := nodePool.Get().(*[]Node)
	p := parser{s: src, nodes: (*ns)[:0]}
	err := p.value()
	if err == nil {
		p.space()
		if p.i < len(p.s) {
			err = p.fail("after top-level value")
		}
	}
	if err != nil {
		*ns = p.nodes[:0]
		nodePool.Put(ns)
		return nil, err
	}
	return &Tree{Src: src, Nodes: p.nodes}, nil
}

// Release returns the tree's nodes for reuse; strings taken from it stay
// valid.
func (t *Tree) Release() {
	ns := t.Nodes[:0]
	t.Nodes = nil
	if cap(ns) <= 1<<16 { // do not keep a huge slice alive
		nodePool.Put(&ns)
	}
}

// Text is the raw text of node n: a string's content between the quotes,
// still escaped, or a number's literal.
func (t *Tree) Text(n int) string {
	return t.Src[t.Nodes[n].Start:t.Nodes[n].End]
}

// Str is the value of string node n. Invalid UTF-8 and unpaired surrogate
// escapes read as U+FFFD, as with encoding/json; check Flags first where
// that must not happen.
func (t *Tree) Str(n int) string {
	if t.Nodes[n].Flags&(Escaped|InvalidUTF8) == 0 {
		return t.Text(n)
	}
	return unquote(t.Text(n))
}

// KeyIs reports whether string node n equals key.
func (t *Tree) KeyIs(n int, key string) bool {
	nd := &t.Nodes[n]
	if nd.Flags&(Escaped|InvalidUTF8) == 0 {
		return int(nd.End-nd.Start) == len(key) && t.Src[nd.Start:nd.End] == key
	}
	return unquote(t.Text(n)) == key
}

// Elems appends the element nodes of array node a to dst.
func (t *Tree) Elems(a int, dst []int) []int {
	for e := a + 1; e < int(t.Nodes[a].Next); e = int(t.Nodes[e].Next) {
		dst = append(dst, e)
	}
	return dst
}

// Members calls f with the key and value nodes of every member of object
// node o, in order.
func (t *Tree) Members(o int, f func(k, v int)) {
	for k := o + 1; k < int(t.Nodes[o].Next); k = int(t.Nodes[k+1].Next) {
		f(k, k+1)
	}
}

type parser struct {
	s     string
	i     int
	depth int
	nodes []Node
}

func (p *parser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// fail reports the byte at p.i, or the end of the body.
func (p *parser) fail(context string) *SyntaxError {
	if p.i >= len(p.s) {
		return &SyntaxError{Off: len(p.s), Msg: "unexpected end of JSON input", EOF: true}
	}
	return &SyntaxError{Off: p.i, Msg: "invalid character " + quoteChar(p.s[p.i]) + " " + context}
}

// quoteChar formats a byte as encoding/json does in its messages.
func quoteChar(c byte) string {
	switch {
	case c == '\'':
		return `'\''`
	case c == '"':
		return `'"'`
	case c < 0x20 || c >= 0x7f:
		return strconv.Quote(string(rune(c)))
	}
	return "'" + string(c) + "'"
}

func (p *parser) add(k Kind, start, end int) int {
	p.nodes = append(p.nodes, Node{Kind: k, Start: int32(start), End: int32(end), Next: int32(len(p.nodes) + 1)})
	return len(p.nodes) - 1
}

func (p *parser) value() *SyntaxError {
	p.space()
	if p.i >= len(p.s) {
		return p.fail("")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.string()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return p.literal("true", True)
	case c == 'f':
		return p.literal("false", False)
	case c == 'n':
		return p.literal("null", Null)
	}
	return p.fail("looking for beginning of value")
}

func (p *parser) literal(lit string, k Kind) *SyntaxError {
	start := p.i
	for j := 0; j < len(lit); j++ {
		if p.i >= len(p.s) || p.s[p.i] != lit[j] {
			return p.fail("in literal " + lit + " (expecting " + quoteChar(lit[j]) + ")")
		}
		p.i++
	}
	p.add(k, start, p.i)
	return nil
}

func (p *parser) enter() *SyntaxError {
	p.depth++
	if p.depth > MaxDepth {
		return &SyntaxError{Off: p.i, Msg: "exceeded max depth"}
	}
	return nil
}

func (p *parser) object() *SyntaxError {
	if err := p.enter(); err != nil {
		return err
	}
	n := p.add(Object, p.i, 0)
	p.i++ // {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return p.close(n)
	}
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return p.fail("looking for beginning of object key string")
		}
		if err := p.string(); err != nil {
			return err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return p.fail("after object key")
		}
		p.i++
		if err := p.value(); err != nil {
			return err
		}
		p.space()
		if p.i >= len(p.s) {
			return p.fail("")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return p.close(n)
		default:
			return p.fail("after object key:value pair")
		}
	}
}

func (p *parser) array() *SyntaxError {
	if err := p.enter(); err != nil {
		return err
	}
	n := p.add(Array, p.i, 0)
	p.i++ // [
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return p.close(n)
	}
	for {
		if err := p.value(); err != nil {
			return err
		}
		p.space()
		if p.i >= len(p.s) {
			return p.fail("")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return p.close(n)
		default:
			return p.fail("after array element")
		}
	}
}

// close finishes container n at p.i.
func (p *parser) close(n int) *SyntaxError {
	p.depth--
	p.nodes[n].End = int32(p.i)
	p.nodes[n].Next = int32(len(p.nodes))
	return nil
}

func (p *parser) string() *SyntaxError {
	p.i++ // opening quote
	start := p.i
	var fl Flags
	pendingHigh := false // the previous escape was a high surrogate
	for p.i < len(p.s) {
		// Nearly every byte of a string is plain ASCII, which needs no
		// more than a step: a run of them is skipped in one tight loop.
		if plain[p.s[p.i]] {
			i := p.i + 1
			for i < len(p.s) && plain[p.s[i]] {
				i++
			}
			p.i = i
			if pendingHigh {
				fl |= LoneSurrogate
				pendingHigh = false
			}
			continue
		}
		c := p.s[p.i]
		if c != '\\' && pendingHigh {
			fl |= LoneSurrogate
			pendingHigh = false
		}
		switch {
		case c == '"':
			n := p.add(String, start, p.i)
			p.nodes[n].Flags = fl
			p.i++
			return nil
		case c == '\\':
			fl |= Escaped
			p.i++
			if p.i >= len(p.s) {
				return p.fail("")
			}
			e := p.s[p.i]
			if e != 'u' && pendingHigh {
				fl |= LoneSurrogate
				pendingHigh = false
			}
			switch e {
			case '"', '\\', '/':
				p.i++
			case 'b', 'f', 'n', 'r', 't':
				fl |= Control
				p.i++
			case 'u':
				p.i++
				var r rune
				for range 4 {
					if p.i >= len(p.s) || !isHex(p.s[p.i]) {
						return p.fail("in \\u hexadecimal character escape")
					}
					r = r<<4 | hexVal(p.s[p.i])
					p.i++
				}
				high, low := r >= 0xd800 && r < 0xdc00, r >= 0xdc00 && r < 0xe000
				if pendingHigh != low { // a high half not followed by a low one, or a low one alone
					fl |= LoneSurrogate
				}
				if r < 0x20 {
					fl |= Control
				}
				pendingHigh = high
				continue
			default:
				return p.fail("in string escape code")
			}
		case c < 0x20:
			fl |= Control // encoding/json rejects it; the caller names the field
			p.i++
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			if r == utf8.RuneError && size == 1 {
				fl |= InvalidUTF8
			}
			p.i += size
		}
	}
	return p.fail("")
}

// plain marks the bytes a string holds as they are: ASCII from the space
// up, but for the quote and the backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func hexVal(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10)
	}
	return rune(c - 'A' + 10)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *parser) number() *SyntaxError {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i >= len(p.s):
		return p.fail("")
	case p.s[p.i] == '0':
		p.i++
	case isDigit(p.s[p.i]):
		for p.i < len(p.s) && isDigit(p.s[p.i]) {
			p.i++
		}
	default:
		return p.fail("in numeric literal")
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if p.i >= len(p.s) || !isDigit(p.s[p.i]) {
			return p.fail("after decimal point in numeric literal")
		}
		for p.i < len(p.s) && isDigit(p.s[p.i]) {
			p.i++
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if p.i >= len(p.s) || !isDigit(p.s[p.i]) {
			return p.fail("in exponent of numeric literal")
		}
		for p.i < len(p.s) && isDigit(p.s[p.i]) {
			p.i++
		}
	}
	p.add(Number, start, p.i)
	return nil
}

// unquote decodes the escapes of a string the parser accepted, as
// encoding/json does: an unpaired surrogate or invalid UTF-8 becomes
// U+FFFD; raw control characters are kept.
func unquote(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			switch s[i+1] {
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r := hex4(s[i+2:])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if d := utf16.DecodeRune(r, hex4(s[i+2:])); d != utf8.RuneError {
							b.WriteRune(d)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				b.WriteRune(r)
				continue
			default: // " \ /
				b.WriteByte(s[i+1])
			}
			i += 2
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteRune(utf8.RuneError)
			} else {
				b.WriteString(s[i : i+size])
			}
			i += size
		}
	}
	return b.String()
}

// hex4 reads four hex digits the parser has checked.
func hex4(s string) rune {
	var r rune
	for i := 0; i < 4; i++ {
		r = r<<4 | hexVal(s[i])
	}
	return r
}
