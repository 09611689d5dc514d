package api

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON parser for request bodies. It accepts exactly what
// encoding/json accepts (RFC 8259, nesting up to 10000 levels, invalid
// UTF-8 in strings read as U+FFFD) and yields the same values, but builds a
// flat list of nodes over one string copy of the body instead of maps and
// boxed values: string values are substrings of that copy, numbers keep
// their text, and lookups compare keys in place. That keeps a 2 KB
// receipt to a handful of allocations. FuzzJSONTree holds it to
// encoding/json.

// nodeKind is the JSON type of a node.
type nodeKind uint8

const (
	kNull nodeKind = iota
	kFalse
	kTrue
	kNumber
	kString
	kArray
	kObject
)

// node is one JSON value. An object's children are its keys and values,
// alternating; an array's are its elements.
type node struct {
	kind  nodeKind
	esc   bool  // a string with escapes or invalid UTF-8: unquote it
	start int32 // a string's first byte after the quote; else the value's first byte
	end   int32 // a string's closing quote; else just past the value
	next  int32 // the index after this node and all its descendants
}

// tree is a parsed body.
type tree struct {
	src   string
	nodes []node
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// syntaxError says where and why a body is not JSON.
type syntaxError struct {
	off int
	msg string
	eof bool // the body ended too early
}

var nodePool = sync.Pool{New: func() any { s := make([]node, 0, 256); return &s }}

// parseTree parses src as one JSON value. Release the tree when done.
func parseTree(src string) (*tree, *syntaxError) {
	if int64(len(src)) > 1<<31-1 {
		return nil, &syntaxError{msg: "the body is larger than 2 GiB"}
	}
	ns := nodePool.Get().(*[]node)
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
	return &tree{src: src, nodes: p.nodes}, nil
}

// release returns the tree's nodes for reuse; the strings taken from it
// stay valid.
func (t *tree) release() {
	ns := t.nodes[:0]
	t.nodes = nil
	if cap(ns) <= 1<<16 { // do not keep a huge slice alive
		nodePool.Put(&ns)
	}
}

type parser struct {
	s     string
	i     int
	depth int
	nodes []node
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
func (p *parser) fail(context string) *syntaxError {
	if p.i >= len(p.s) {
		return &syntaxError{off: len(p.s), msg: "unexpected end of JSON input", eof: true}
	}
	return &syntaxError{off: p.i, msg: "invalid character " + quoteChar(p.s[p.i]) + " " + context}
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

func (p *parser) add(k nodeKind, start, end int) int {
	p.nodes = append(p.nodes, node{kind: k, start: int32(start), end: int32(end), next: int32(len(p.nodes) + 1)})
	return len(p.nodes) - 1
}

func (p *parser) value() *syntaxError {
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
		return p.literal("true", kTrue)
	case c == 'f':
		return p.literal("false", kFalse)
	case c == 'n':
		return p.literal("null", kNull)
	}
	return p.fail("looking for beginning of value")
}

func (p *parser) literal(lit string, k nodeKind) *syntaxError {
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

func (p *parser) enter() *syntaxError {
	p.depth++
	if p.depth > maxDepth {
		return &syntaxError{off: p.i, msg: "exceeded max depth"}
	}
	return nil
}

func (p *parser) object() *syntaxError {
	if err := p.enter(); err != nil {
		return err
	}
	n := p.add(kObject, p.i, 0)
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

func (p *parser) array() *syntaxError {
	if err := p.enter(); err != nil {
		return err
	}
	n := p.add(kArray, p.i, 0)
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
func (p *parser) close(n int) *syntaxError {
	p.depth--
	p.nodes[n].end = int32(p.i)
	p.nodes[n].next = int32(len(p.nodes))
	return nil
}

func (p *parser) string() *syntaxError {
	p.i++ // opening quote
	start := p.i
	esc := false
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			n := p.add(kString, start, p.i)
			p.nodes[n].esc = esc
			p.i++
			return nil
		case c == '\\':
			esc = true
			p.i++
			if p.i >= len(p.s) {
				return p.fail("")
			}
			switch p.s[p.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i++
			case 'u':
				p.i++
				for range 4 {
					if p.i >= len(p.s) || !isHex(p.s[p.i]) {
						return p.fail("in \\u hexadecimal character escape")
					}
					p.i++
				}
			default:
				return p.fail("in string escape code")
			}
		case c < 0x20:
			return p.fail("in string literal")
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			if r == utf8.RuneError && size == 1 {
				esc = true // invalid UTF-8 reads as U+FFFD
			}
			p.i += size
		}
	}
	return p.fail("")
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *parser) number() *syntaxError {
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
	p.add(kNumber, start, p.i)
	return nil
}

// text is the raw text of node n: a string's content between the quotes,
// still escaped, or a number's literal.
func (t *tree) text(n int) string {
	return t.src[t.nodes[n].start:t.nodes[n].end]
}

// str is the value of string node n.
func (t *tree) str(n int) string {
	if !t.nodes[n].esc {
		return t.text(n)
	}
	return unquote(t.text(n))
}

// keyIs reports whether string node n equals key.
func (t *tree) keyIs(n int, key string) bool {
	nd := &t.nodes[n]
	if !nd.esc {
		return int(nd.end-nd.start) == len(key) && t.src[nd.start:nd.end] == key
	}
	return unquote(t.text(n)) == key
}

// unquote decodes the escapes of a string the parser accepted, as
// encoding/json does: a lone surrogate or invalid UTF-8 becomes U+FFFD.
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
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}
