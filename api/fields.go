package api

import (
	"encoding/json"
	"strconv"

	"github.com/ordermgmt/ordermgmt/api/internal/jsontree"
)

// Every request body is described once, as a table of its fields: a row
// per JSON member with its key, kind, whether it is required, its rules and
// the help text its problems quote. The one table drives decoding
// (table.decode), Validate (table.validate), the order in which problems
// are listed (the order of the rows) and the canonical encoding
// (table.appendJSON). The rows are in the order of the Go struct's fields,
// so that the encoding is byte for byte json.Marshal's; TestTables holds
// every table to its struct.
//
// Decoding an object takes two passes over its rows. The first reads every
// scalar member into the struct without reporting anything and marks the
// rows whose value is missing or of the wrong type. The second goes down
// the rows in order: a marked row reports why, any other runs its rules
// (and decodes a nested object or list, which thus lists its problems
// where its row stands). So every rule sees every scalar of its object,
// and problems come out in field order without sorting. Validate runs the
// second pass alone on a typed value, where nothing is marked: it cannot
// tell a missing integer from 0, so it checks such a field for its value
// only; everything else it reports exactly as decoding does.

// maxRows bounds the rows of a table: the marks of an object are a uint32.
const maxRows = 32

// row describes one member of a JSON object whose Go value is a T.
type row[T any] struct {
	key      string
	required bool
	help     string // what the value is; problems quote it so the fix is in the message
	// read stores the value of node n in v. It returns false for a value
	// of the wrong type, or one the Go type cannot hold, and then reports
	// the problem when report is set.
	read func(c *checker, n int, v *T, report bool) bool
	// check applies the row's rules to the value in v. For a nested
	// object or list it first decodes it from node n (when decoding) or
	// checks it (when validating). n is 0 when the member is absent or
	// there is no JSON.
	check func(c *checker, n int, v *T)
	// omitEmpty says that encoding leaves the member out when its value
	// is empty (omitempty); encode acts on it.
	omitEmpty bool
	// encode appends the member, `,"key":value`, or nothing when it is
	// omitted.
	encode func(b []byte, v *T) ([]byte, error)
}

// then adds a rule on the whole object to the row, run after the row's own
// rules when the row is not marked: for a rule that names this field but
// reads others (such as totalAmount = totalAmountExcludingTax +
// totalTaxAmount).
func (r row[T]) then(rule func(c *checker, v *T)) row[T] {
	check := r.check
	r.check = func(c *checker, n int, v *T) {
		check(c, n, v)
		rule(c, v)
	}
	return r
}

// table is the description of one body.
type table[T any] struct {
	rows []row[T]
	keys []string
}

func newTable[T any](rows ...row[T]) *table[T] {
	if len(rows) > maxRows {
		panic("api: a table has more than 32 rows")
	}
	t := &table[T]{rows: rows, keys: make([]string, len(rows))}
	for i := range rows {
		t.keys[i] = rows[i].key
	}
	return t
}

// checker is the state of one decoding or validation: the problems found
// so far and where in the body it is.
type checker struct {
	t     *jsontree.Tree // nil when validating a typed value
	p     problems
	path  []seg  // where the object being checked sits
	buf   [4]seg // path's first array
	obj   int    // its node, when decoding
	bad   uint32 // its rows marked by the first pass
	keys  []string
	image *ImageInfo // what the src rule read, for DecodeImage
}

// decode reads object node n into v and checks it (see the top of this
// file).
func (tb *table[T]) decode(c *checker, n int, v *T) {
	t := c.t
	nodes := t.Nodes
	var found [maxRows]int32 // value node of each row; 0 (the root) for none
	for k := n + 1; k < int(nodes[n].Next); k = int(nodes[k+1].Next) {
		kn := &nodes[k]
		plain := kn.Flags&(jsontree.Escaped|jsontree.InvalidUTF8) == 0
		key := t.Src[kn.Start:kn.End]
		for j, want := range tb.keys {
			// Of repeated keys the last counts, as with encoding/json.
			if plain && key == want || !plain && t.KeyIs(k, want) {
				found[j] = int32(k + 1)
				break
			}
		}
	}
	var bad uint32
	for i := range tb.rows {
		r := &tb.rows[i]
		m := int(found[i])
		if m != 0 && nodes[m].Kind == jsontree.Null {
			// JSON null counts as absent: clients that write every
			// field send null for the ones they have no value for.
			m, found[i] = 0, 0
		}
		if m == 0 {
			if r.required {
				bad |= 1 << i
			}
			continue
		}
		if !r.read(c, m, v, false) {
			bad |= 1 << i
		}
	}
	obj, marks, keys := c.obj, c.bad, c.keys
	c.obj, c.bad, c.keys = n, bad, tb.keys
	for i := range tb.rows {
		r := &tb.rows[i]
		m := int(found[i])
		switch {
		case bad&(1<<i) == 0:
			r.check(c, m, v)
		case m == 0:
			c.missing(r.key, r.help)
		default:
			r.read(c, m, v, true)
		}
	}
	c.obj, c.bad, c.keys = obj, marks, keys
}

// validate checks the typed value v by the rules of the rows.
func (tb *table[T]) validate(c *checker, v *T) {
	marks, keys := c.bad, c.keys
	c.bad, c.keys = 0, tb.keys
	for i := range tb.rows {
		tb.rows[i].check(c, 0, v)
	}
	c.bad, c.keys = marks, keys
}

// appendJSON appends v's canonical JSON: what json.Marshal writes, field
// order, omitempty and string escaping included.
func (tb *table[T]) appendJSON(b []byte, v *T) ([]byte, error) {
	start := len(b)
	for i := range tb.rows {
		var err error
		if b, err = tb.rows[i].encode(b, v); err != nil {
			return nil, err
		}
	}
	if len(b) == start {
		return append(b, "{}"...), nil
	}
	b[start] = '{' // over the first member's comma
	return append(b, '}'), nil
}

// member is the start of a member in the encoding: `,"key":`.
func member(key string) string { return "," + strconv.Quote(key) + ":" }

// isBad reports whether the first pass marked the row of key in the
// current object.
func (c *checker) isBad(key string) bool {
	if c.bad == 0 {
		return false
	}
	for i, k := range c.keys {
		if k == key {
			return c.bad&(1<<i) != 0
		}
	}
	return false
}

// add records a problem with the member key of the current object.
func (c *checker) add(key, code, reason string) {
	c.p.add(c.name(key), code, reason)
}

// addParams records problems that name themselves.
func (c *checker) addParams(ps []InvalidParam) { c.p.addAll(ps) }

// The kinds of rows. Each constructor takes get, which points at the Go
// field in a T, and the rules of the value.

// textRule is a rule on a non-empty string value.
type textRule func(c *checker, key, s string)

// intRule is a rule on an integer value.
type intRule func(c *checker, key string, v int64)

// text is a string member. A required one must be present and non-empty;
// an optional one is omitted from the encoding when empty.
func text[T any, S ~string](key string, required bool, help string, get func(*T) *S, rules ...textRule) row[T] {
	return textRow(key, required, help, false, get, rules)
}

// textRow is text, with lineBreaks allowing CR and LF in the value.
func textRow[T any, S ~string](key string, required bool, help string, lineBreaks bool, get func(*T) *S, rules []textRule) row[T] {
	m := member(key)
	return row[T]{
		key: key, required: required, help: help,
		read: func(c *checker, n int, v *T, report bool) bool {
			s, ok := c.readText(key, help, n, report, lineBreaks)
			if ok {
				*get(v) = S(s)
			}
			return ok
		},
		check: func(c *checker, _ int, v *T) {
			s := string(*get(v))
			if s == "" {
				if required {
					c.add(key, CodeRequired, requiredReason(help))
				}
				return
			}
			if c.t == nil && !c.cleanText(key, s, lineBreaks) {
				return
			}
			for _, rule := range rules {
				rule(c, key, s)
			}
		},
		omitEmpty: !required,
		encode: func(b []byte, v *T) ([]byte, error) {
			s := string(*get(v))
			if s == "" && !required {
				return b, nil
			}
			return appendJSONString(append(b, m...), s), nil
		},
	}
}

// optText is an optional string member that may be absent (or null) but
// not empty, such as a category's imageId; help says what to give instead
// of an empty string.
func optText[T any](key, help string, get func(*T) **string, rules ...textRule) row[T] {
	m := member(key)
	return row[T]{
		key: key, help: help,
		read: func(c *checker, n int, v *T, report bool) bool {
			s, ok := c.readText(key, help, n, report, false)
			if ok {
				*get(v) = &s
			}
			return ok
		},
		check: func(c *checker, _ int, v *T) {
			p := *get(v)
			if p == nil {
				return
			}
			if *p == "" {
				c.add(key, CodeEmpty, "must not be empty: give "+help+" (or leave it out).")
				return
			}
			if c.t == nil && !c.cleanText(key, *p, false) {
				return
			}
			for _, rule := range rules {
				rule(c, key, *p)
			}
		},
		omitEmpty: true,
		encode: func(b []byte, v *T) ([]byte, error) {
			if p := *get(v); p != nil {
				return appendJSONString(append(b, m...), *p), nil
			}
			return b, nil
		},
	}
}

// integer is a required integer member.
func integer[T any](key, help string, get func(*T) *int64, rules ...intRule) row[T] {
	m := member(key)
	return row[T]{
		key: key, required: true, help: help,
		read: func(c *checker, n int, v *T, report bool) bool {
			i, ok := c.readInt(key, help, n, report)
			if ok {
				*get(v) = i
			}
			return ok
		},
		check: func(c *checker, _ int, v *T) {
			for _, rule := range rules {
				rule(c, key, *get(v))
			}
		},
		encode: func(b []byte, v *T) ([]byte, error) { return strconv.AppendInt(append(b, m...), *get(v), 10), nil },
	}
}

// optInteger is an optional integer member, nil when absent.
func optInteger[T any](key, help string, get func(*T) **int64, rules ...intRule) row[T] {
	m := member(key)
	return row[T]{
		key: key, help: help,
		read: func(c *checker, n int, v *T, report bool) bool {
			i, ok := c.readInt(key, help, n, report)
			if ok {
				*get(v) = &i
			}
			return ok
		},
		check: func(c *checker, _ int, v *T) {
			if p := *get(v); p != nil {
				for _, rule := range rules {
					rule(c, key, *p)
				}
			}
		},
		omitEmpty: true,
		encode: func(b []byte, v *T) ([]byte, error) {
			if p := *get(v); p != nil {
				return strconv.AppendInt(append(b, m...), *p, 10), nil
			}
			return b, nil
		},
	}
}

// flag is an optional boolean member, false when absent.
func flag[T any](key string, get func(*T) *bool) row[T] {
	m := member(key)
	return row[T]{
		key: key, help: "true or false",
		read: func(c *checker, n int, v *T, report bool) bool {
			switch c.t.Nodes[n].Kind {
			case jsontree.True:
				*get(v) = true
			case jsontree.False:
				*get(v) = false
			default:
				if report {
					c.wrongType(key, "true or false", n)
				}
				return false
			}
			return true
		},
		check:     func(*checker, int, *T) {},
		omitEmpty: true,
		encode: func(b []byte, v *T) ([]byte, error) {
			if *get(v) {
				return append(append(b, m...), "true"...), nil
			}
			return b, nil
		},
	}
}

// object is a required nested object held by value, such as bottomLine.
func object[T, S any](key, help string, get func(*T) *S, sub *table[S]) row[T] {
	m := member(key)
	return row[T]{
		key: key, required: true, help: help,
		read: func(c *checker, n int, v *T, report bool) bool {
			return c.isObject(key, help, n, report)
		},
		check: func(c *checker, n int, v *T) {
			c.push(key, -1)
			if c.t == nil {
				sub.validate(c, get(v))
			} else {
				sub.decode(c, n, get(v))
			}
			c.pop()
		},
		encode: func(b []byte, v *T) ([]byte, error) { return sub.appendJSON(append(b, m...), get(v)) },
	}
}

// optObject is an optional nested object held by pointer, nil when
// absent, such as unitInfo.
func optObject[T, S any](key, help string, get func(*T) **S, sub *table[S]) row[T] {
	m := member(key)
	return row[T]{
		key: key, help: help,
		read: func(c *checker, n int, v *T, report bool) bool {
			if !c.isObject(key, help, n, report) {
				return false
			}
			*get(v) = new(S)
			return true
		},
		check: func(c *checker, n int, v *T) {
			p := *get(v)
			if p == nil {
				return
			}
			c.push(key, -1)
			if c.t == nil {
				sub.validate(c, p)
			} else {
				sub.decode(c, n, p)
			}
			c.pop()
		},
		omitEmpty: true,
		encode: func(b []byte, v *T) ([]byte, error) {
			if p := *get(v); p != nil {
				return sub.appendJSON(append(b, m...), p)
			}
			return b, nil
		},
	}
}

// list is a required array of objects, such as orderLines: at least one,
// each described by elem; elemHelp says what an element must be.
func list[T, E any](key, help string, get func(*T) *[]E, elem *table[E], elemHelp, emptyReason string) row[T] {
	m := member(key)
	return row[T]{
		key: key, required: true, help: help,
		read: func(c *checker, n int, v *T, report bool) bool {
			if c.t.Nodes[n].Kind != jsontree.Array {
				if report {
					c.wrongType(key, "an array ("+help+")", n)
				}
				return false
			}
			count := 0
			for e := n + 1; e < int(c.t.Nodes[n].Next); e = int(c.t.Nodes[e].Next) {
				count++
			}
			*get(v) = make([]E, count)
			return true
		},
		check: func(c *checker, n int, v *T) {
			s := *get(v)
			switch {
			case s == nil:
				c.add(key, CodeRequired, requiredReason(help))
				return
			case len(s) == 0:
				c.add(key, CodeEmptyList, emptyReason)
				return
			}
			c.push(key, 0)
			if c.t == nil {
				for i := range s {
					c.path[len(c.path)-1].idx = i
					elem.validate(c, &s[i])
				}
			} else {
				i := 0
				for e := n + 1; e < int(c.t.Nodes[n].Next); e = int(c.t.Nodes[e].Next) {
					c.path[len(c.path)-1].idx = i
					if c.t.Nodes[e].Kind != jsontree.Object {
						c.add("", CodeWrongType, "must be "+elemHelp+", got "+c.kindOf(e)+".")
					} else {
						elem.decode(c, e, &s[i])
					}
					i++
				}
			}
			c.pop()
		},
		encode: func(b []byte, v *T) ([]byte, error) {
			s := *get(v)
			b = append(b, m...)
			if s == nil {
				return append(b, "null"...), nil
			}
			b = append(b, '[')
			for i := range s {
				if i > 0 {
					b = append(b, ',')
				}
				var err error
				if b, err = elem.appendJSON(b, &s[i]); err != nil {
					return nil, err
				}
			}
			return append(b, ']'), nil
		},
	}
}

// rawObject is an optional object kept as compact JSON and never
// interpreted, such as the deprecated shippingInfo. It is compacted and
// escaped as json.Marshal writes it, so that it comes back unchanged; its
// strings follow the text rules of contract §8 like any other.
func rawObject[T any](key string, get func(*T) *json.RawMessage) row[T] {
	m := member(key)
	const help = "an object"
	return row[T]{
		key: key, help: help,
		read: func(c *checker, n int, v *T, report bool) bool {
			if !c.isObject(key, help, n, report) {
				return false
			}
			if !c.cleanTree(key, n, report) {
				return false
			}
			nd := c.t.Nodes[n]
			b, err := json.Marshal(json.RawMessage(c.t.Src[nd.Start:nd.End]))
			if err != nil { // cannot happen for text the parser accepted
				if report {
					c.add(key, CodeWrongType, "could not be read: "+err.Error()+".")
				}
				return false
			}
			*get(v) = b
			return true
		},
		check: func(c *checker, _ int, v *T) {
			if raw := *get(v); c.t == nil && len(raw) > 0 {
				// A typed value's raw JSON follows the same rules.
				t, err := jsontree.Parse(string(raw))
				if err != nil {
					c.add(key, CodeInvalidJSON, "is not valid JSON: "+err.Msg+".")
					return
				}
				c.t = t
				c.cleanTree(key, 0, true)
				c.t = nil
				t.Release()
			}
		},
		omitEmpty: true,
		encode: func(b []byte, v *T) ([]byte, error) {
			if len(*get(v)) == 0 {
				return b, nil
			}
			// Free-form JSON, rare: json.Marshal compacts and escapes it
			// as it would inside the body.
			raw, err := json.Marshal(*get(v))
			if err != nil {
				return nil, err
			}
			return append(append(b, m...), raw...), nil
		},
	}
}

// seg is one step of a JSON path: a key, perhaps with an array index.
type seg struct {
	key string
	idx int // -1: none
}

// push enters the object (or, with idx >= 0, the array element) under key.
// Names of fields are built from the path only when a problem is
// reported, so a valid body costs no path strings.
func (c *checker) push(key string, idx int) { c.path = append(c.path, seg{key, idx}) }

func (c *checker) pop() { c.path = c.path[:len(c.path)-1] }

// name is the JSON path of key in the current object, such as
// orderLines[1].unitInfo.quantity. An empty key names the object itself.
func (c *checker) name(key string) string { return pathName(c.path, key) }

func pathName(path []seg, key string) string {
	b := make([]byte, 0, 48)
	for _, s := range path {
		if len(b) > 0 {
			b = append(b, '.')
		}
		b = append(b, s.key...)
		if s.idx >= 0 {
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(s.idx), 10)
			b = append(b, ']')
		}
	}
	if key != "" {
		if len(b) > 0 {
			b = append(b, '.')
		}
		b = append(b, key...)
	}
	return string(b)
}
