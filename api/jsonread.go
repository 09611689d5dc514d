package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// The decoders parse a body once into a tree of nodes (jsontree.go; numbers
// kept as text) and walk it with the typed readers below. Walking a tree, rather than
// unmarshalling into the structs, is what lets them tell a missing field
// from a zero one, name the path of every wrong type, and report every
// problem instead of stopping at the first.

// problems collects the invalid parameters of one request.
type problems struct {
	ps []InvalidParam
}

func (p *problems) add(name, code, reason string) {
	p.ps = append(p.ps, InvalidParam{Name: name, Reason: reason, Code: code})
}

func (p *problems) addAll(ps []InvalidParam) { p.ps = append(p.ps, ps...) }

// sortFrom puts the problems added since start in the order of the fields
// in the contract, keeping the order of several problems of one field. The
// decoder finds type errors before rule violations; sorting each object's
// problems makes the list read top to bottom, and the same as Validate's.
func (p *problems) sortFrom(start int) {
	if len(p.ps)-start < 2 {
		return
	}
	slices.SortStableFunc(p.ps[start:], func(a, b InvalidParam) int {
		return cmp.Compare(fieldRank(a.Name), fieldRank(b.Name))
	})
}

// fieldRank is the place of a field in fieldOrder; the fields of order
// lines are ranked without their orderLines[i] prefix.
func fieldRank(name string) int {
	if strings.HasPrefix(name, "orderLines[") {
		if i := strings.Index(name, "]."); i >= 0 {
			name = name[i+2:]
		}
	}
	if r, ok := fieldRanks[name]; ok {
		return r
	}
	return len(fieldRanks)
}

// fieldOrder lists the fields of the bodies in the order of the contract.
var fieldOrder = []string{
	// images and categories
	"category", "orderDetailsUrl", "imageId", "type", "src",
	// order lines
	"name", "id", "totalAmount", "totalAmountExcludingTax", "totalTaxAmount", "taxRate", "taxPercentage",
	"discount", "productUrl", "isReturn", "isShipping",
	"unitInfo", "unitInfo.unitPrice", "unitInfo.quantity", "unitInfo.quantityUnit",
	// bottom line
	"bottomLine.currency", "bottomLine.tipAmount", "bottomLine.posId", "bottomLine.receiptNumber",
	"bottomLine.paymentSources", "bottomLine.paymentSources.giftCard", "bottomLine.paymentSources.card",
	"bottomLine.paymentSources.voucher", "bottomLine.paymentSources.cash",
	"bottomLine.barcode", "bottomLine.barcode.format", "bottomLine.barcode.data",
	"bottomLine.giftCardAmount", "bottomLine.totalAmount", "bottomLine.totalTax", "bottomLine.totalDiscount",
	"bottomLine.shippingAmount", "bottomLine.shippingInfo", "bottomLine.terminalId",
}

var fieldRanks = func() map[string]int {
	m := make(map[string]int, len(fieldOrder))
	for i, f := range fieldOrder {
		m[f] = i
	}
	return m
}()

// err is the 400 problem listing everything found, or nil.
func (p *problems) err() error { return Invalid(p.ps) }

// bodyName is the name of an invalid parameter about the body as a whole.
const bodyName = "body"

// parseBody parses body as one JSON object. A body that is empty, not JSON,
// or not an object gives the one problem that says so. The caller releases
// the tree.
func parseBody(body []byte, example string) (*tree, *InvalidParam) {
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
	t, serr := parseTree(string(body))
	if serr != nil {
		at := position(full, skipped+int64(serr.off))
		reason := "is not valid JSON: " + serr.msg + " " + at + "."
		if serr.eof {
			reason = "is not valid JSON: it ends before the JSON value is complete " + at + "; check for a missing } or ]."
		}
		return nil, &InvalidParam{Name: bodyName, Code: CodeInvalidJSON, Reason: reason}
	}
	if t.nodes[0].kind != kObject {
		kind := t.kindOf(0)
		t.release()
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

// kindOf names the JSON type of node n for a reason.
func (t *tree) kindOf(n int) string {
	switch t.nodes[n].kind {
	case kNull:
		return "null"
	case kString:
		return "a string"
	case kNumber:
		return "the number " + clip(t.text(n))
	case kTrue:
		return "true"
	case kFalse:
		return "false"
	case kArray:
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

// state is what a reader found for one field.
type state uint8

const (
	stAbsent state = iota // missing or null
	stOK                  // present with the right type; the value was stored
	stBad                 // reported already (wrong type, or required and missing)
)

// fieldSet marks fields of one object that the decoder has reported
// already, so that the rules (shared with Validate) skip them instead of
// reporting a second, misleading problem.
type fieldSet uint32

// jobj reads the fields of one JSON object and records problems under the
// object's path.
type jobj struct {
	t  *tree
	n  int // the object's node
	at loc
	p  *problems
}

func (o jobj) name(key string) string { return o.at.name(key) }

// each calls f with the key and value nodes of every member, in order.
func (o jobj) each(f func(k, v int)) {
	nodes := o.t.nodes
	for k := o.n + 1; k < int(nodes[o.n].next); k = int(nodes[k+1].next) {
		f(k, k+1)
	}
}

// lookup returns the value node of key; of repeated keys the last counts,
// as with encoding/json. JSON null counts as absent: clients that write
// every field send null for the ones they have no value for.
func (o jobj) lookup(key string) (int, bool) {
	nodes, src := o.t.nodes, o.t.src
	found := -1
	for k := o.n + 1; k < int(nodes[o.n].next); k = int(nodes[k+1].next) {
		// Every field of a receipt line is looked up among all the line's
		// keys, so the common unescaped key is compared here, not in a call.
		nd := &nodes[k]
		if nd.esc {
			if o.t.keyIs(k, key) {
				found = k + 1
			}
		} else if int(nd.end-nd.start) == len(key) && src[nd.start:nd.end] == key {
			found = k + 1
		}
	}
	return found, found >= 0 && nodes[found].kind != kNull
}

// missing reports a required field. Field names are case-sensitive, as the
// contract spells them; a key that differs only in case gets a hint.
func (o jobj) missing(key, help string) {
	reason := requiredReason(help)
	if k := o.foldKey(key); k != "" {
		reason += " Found " + quote(k) + ", but field names are case-sensitive: use " + strconv.Quote(key) + "."
	}
	o.p.add(o.name(key), CodeRequired, reason)
}

// foldKey returns a key of the object that equals one of keys except in
// letter case, or "". Of several, it returns the first.
func (o jobj) foldKey(keys ...string) string {
	found := ""
	o.each(func(kn, _ int) {
		k := o.t.str(kn)
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
func (o jobj) wrongType(key, want string, v int) {
	reason := "must be " + want + ", got " + o.t.kindOf(v) + "."
	if o.t.nodes[v].kind == kString && strings.HasPrefix(want, "a whole number") {
		if s := o.t.str(v); looksNumeric(s) {
			reason = "must be " + want + ", got the string " + quote(s) + ": send a JSON number, without quotes."
		}
	}
	o.p.add(o.name(key), CodeWrongType, reason)
}

// looksNumeric reports whether s is a JSON number, perhaps with spaces.
func looksNumeric(s string) bool {
	t, err := parseTree(strings.TrimSpace(s))
	if err != nil {
		return false
	}
	defer t.release()
	return t.nodes[0].kind == kNumber
}

// field finds a field of the given kind, reporting it missing (when
// required) or of the wrong type; what names the kind in that reason.
func (o jobj) field(key string, kind nodeKind, required bool, what, help string) (int, state) {
	v, ok := o.lookup(key)
	if !ok {
		if required {
			o.missing(key, help)
			return 0, stBad
		}
		return 0, stAbsent
	}
	if o.t.nodes[v].kind != kind {
		o.wrongType(key, what+" ("+help+")", v)
		return 0, stBad
	}
	return v, stOK
}

// str reads a string field.
func (o jobj) str(key string, dst *string, required bool, help string) state {
	v, st := o.field(key, kString, required, "a string", help)
	if st == stOK {
		*dst = o.t.str(v)
	}
	return st
}

// Help texts for integer fields; they appear in "required" and type
// reasons so that the fix is in the message.
const (
	helpAmount  = "an amount in minor units, 10.50 is 1050"
	helpTaxRate = "hundredths of a percent, 25 % is 2500"
	helpTaxPct  = "a whole percentage, 25 % is 25"
)

// int reads an integer field: a JSON number written without fraction or
// exponent that fits in 64 bits.
func (o jobj) int(key string, required bool, help string) (int64, state) {
	v, st := o.field(key, kNumber, required, "a whole number", help)
	if st != stOK {
		return 0, st
	}
	s := o.t.text(v)
	i, ok := parseInt64(s)
	if !ok {
		if strings.ContainsAny(s, ".eE") {
			o.p.add(o.name(key), CodeNotInteger,
				"must be a whole number without fraction or exponent ("+help+"), got "+clip(s)+".")
		} else {
			o.p.add(o.name(key), CodeIntOverflow,
				"must fit in a 64-bit integer (-9223372036854775808 to 9223372036854775807), got "+clip(s)+".")
		}
		return 0, stBad
	}
	return i, stOK
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

// optInt reads an optional integer field into a new pointer.
func (o jobj) optInt(key, help string) (*int64, state) {
	i, st := o.int(key, false, help)
	if st != stOK {
		return nil, st
	}
	return &i, st
}

// boolean reads an optional boolean field.
func (o jobj) boolean(key string, dst *bool) state {
	v, ok := o.lookup(key)
	if !ok {
		return stAbsent
	}
	switch o.t.nodes[v].kind {
	case kTrue:
		*dst = true
	case kFalse:
		*dst = false
	default:
		o.wrongType(key, "true or false", v)
		return stBad
	}
	return stOK
}

// object reads a nested object.
func (o jobj) object(key string, required bool, help string) (jobj, state) {
	v, st := o.field(key, kObject, required, "an object", help)
	if st != stOK {
		return jobj{}, st
	}
	return jobj{t: o.t, n: v, at: o.at.child(key), p: o.p}, stOK
}

// array reads an array field and returns its node.
func (o jobj) array(key string, required bool, help string) (int, state) {
	return o.field(key, kArray, required, "an array", help)
}

// elems returns the element nodes of array node a, appended to dst.
func (t *tree) elems(a int, dst []int) []int {
	for e := a + 1; e < int(t.nodes[a].next); e = int(t.nodes[e].next) {
		dst = append(dst, e)
	}
	return dst
}

// raw reads an optional object field and keeps it as compact JSON, for
// deprecated fields that are stored and returned but never interpreted.
// It is compacted and escaped as json.Marshal writes it, so that it comes
// back unchanged.
func (o jobj) raw(key string) (json.RawMessage, state) {
	v, ok := o.lookup(key)
	if !ok {
		return nil, stAbsent
	}
	nd := o.t.nodes[v]
	if nd.kind != kObject {
		o.wrongType(key, "an object", v)
		return nil, stBad
	}
	b, err := json.Marshal(json.RawMessage(o.t.src[nd.start:nd.end]))
	if err != nil { // cannot happen for text the parser accepted
		o.p.add(o.name(key), CodeWrongType, "could not be read: "+err.Error()+".")
		return nil, stBad
	}
	return b, stOK
}
