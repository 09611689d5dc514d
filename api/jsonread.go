package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// The decoders parse a body once into a generic tree (numbers kept as text)
// and walk it with the typed readers below. Walking a tree, rather than
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

// err is the 400 problem listing everything found, or nil.
func (p *problems) err() error { return Invalid(p.ps) }

// bodyName is the name of an invalid parameter about the body as a whole.
const bodyName = "body"

// parseBody parses body as one JSON object. A body that is empty, not JSON,
// or not an object gives the one problem that says so.
func parseBody(body []byte, example string) (map[string]any, *InvalidParam) {
	if len(trimJSONSpace(body)) == 0 {
		return nil, &InvalidParam{Name: bodyName, Code: CodeEmptyBody,
			Reason: "is empty: send a JSON object such as " + example + "."}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &InvalidParam{Name: bodyName, Code: CodeInvalidJSON, Reason: syntaxReason(body, err)}
	}
	if off := dec.InputOffset(); len(trimJSONSpace(body[off:])) > 0 {
		off += int64(len(body[off:]) - len(trimJSONSpace(body[off:])))
		return nil, &InvalidParam{Name: bodyName, Code: CodeInvalidJSON,
			Reason: "is not valid JSON: unexpected data after the end of the JSON object " + position(body, off) + "; send exactly one object."}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &InvalidParam{Name: bodyName, Code: CodeWrongType,
			Reason: "must be a JSON object such as " + example + ", got " + kindOf(v) + "."}
	}
	return m, nil
}

// trimJSONSpace drops the leading whitespace JSON allows (and nothing else).
func trimJSONSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// syntaxReason says where and why body is not JSON.
func syntaxReason(body []byte, err error) string {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		off := se.Offset
		if off > 0 {
			off-- // Offset counts the offending byte; point at it.
		}
		return "is not valid JSON: " + se.Error() + " " + position(body, off) + "."
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "is not valid JSON: it ends before the JSON value is complete " + position(body, int64(len(body))) + "; check for a missing } or ]."
	}
	return "is not valid JSON: " + err.Error() + "."
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

// kindOf names the JSON type of a decoded value for a reason.
func kindOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "the number " + clip(string(v))
	case bool:
		if v {
			return "true"
		}
		return "false"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "an unexpected value"
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
	m  map[string]any
	at loc
	p  *problems
}

func (o jobj) name(key string) string { return o.at.name(key) }

// lookup returns the value of key. JSON null counts as absent: clients
// that write every field send null for the ones they have no value for.
func (o jobj) lookup(key string) (any, bool) {
	v, ok := o.m[key]
	return v, ok && v != nil
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
// letter case, or "". Of several, it returns the least, so that reasons
// do not depend on map order.
func (o jobj) foldKey(keys ...string) string {
	found := ""
	for k := range o.m {
		for _, key := range keys {
			if k != key && strings.EqualFold(k, key) && (found == "" || k < found) {
				found = k
			}
		}
	}
	return found
}

// requiredReason is the reason for a missing required value; Validate uses
// it too, so both report the same problem.
func requiredReason(help string) string {
	return "is required: " + help + "."
}

// wrongType reports a value of the wrong JSON type.
func (o jobj) wrongType(key, want string, v any) {
	reason := "must be " + want + ", got " + kindOf(v) + "."
	if s, ok := v.(string); ok && strings.HasPrefix(want, "a whole number") && json.Valid([]byte(s)) {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			reason = "must be " + want + ", got the string " + quote(s) + ": send a JSON number, without quotes."
		}
	}
	o.p.add(o.name(key), CodeWrongType, reason)
}

// str reads a string field.
func (o jobj) str(key string, dst *string, required bool, help string) state {
	v, ok := o.lookup(key)
	if !ok {
		if required {
			o.missing(key, help)
			return stBad
		}
		return stAbsent
	}
	s, ok := v.(string)
	if !ok {
		o.wrongType(key, "a string ("+help+")", v)
		return stBad
	}
	*dst = s
	return stOK
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
	v, ok := o.lookup(key)
	if !ok {
		if required {
			o.missing(key, help)
			return 0, stBad
		}
		return 0, stAbsent
	}
	n, ok := v.(json.Number)
	if !ok {
		o.wrongType(key, "a whole number ("+help+")", v)
		return 0, stBad
	}
	s := string(n)
	if strings.ContainsAny(s, ".eE") {
		o.p.add(o.name(key), CodeNotInteger,
			"must be a whole number without fraction or exponent ("+help+"), got "+clip(s)+".")
		return 0, stBad
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		o.p.add(o.name(key), CodeIntOverflow,
			"must fit in a 64-bit integer (-9223372036854775808 to 9223372036854775807), got "+clip(s)+".")
		return 0, stBad
	}
	return i, stOK
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
	b, ok := v.(bool)
	if !ok {
		o.wrongType(key, "true or false", v)
		return stBad
	}
	*dst = b
	return stOK
}

// object reads a nested object.
func (o jobj) object(key string, required bool, help string) (jobj, state) {
	v, ok := o.lookup(key)
	if !ok {
		if required {
			o.missing(key, help)
			return jobj{}, stBad
		}
		return jobj{}, stAbsent
	}
	m, ok := v.(map[string]any)
	if !ok {
		o.wrongType(key, "an object ("+help+")", v)
		return jobj{}, stBad
	}
	return jobj{m: m, at: o.at.child(key), p: o.p}, stOK
}

// array reads an array field.
func (o jobj) array(key string, required bool, help string) ([]any, state) {
	v, ok := o.lookup(key)
	if !ok {
		if required {
			o.missing(key, help)
			return nil, stBad
		}
		return nil, stAbsent
	}
	a, ok := v.([]any)
	if !ok {
		o.wrongType(key, "an array ("+help+")", v)
		return nil, stBad
	}
	return a, stOK
}

// raw reads an optional object field and keeps it as compact JSON, for
// deprecated fields that are stored and returned but never interpreted.
func (o jobj) raw(key string) (json.RawMessage, state) {
	v, ok := o.lookup(key)
	if !ok {
		return nil, stAbsent
	}
	if _, ok := v.(map[string]any); !ok {
		o.wrongType(key, "an object", v)
		return nil, stBad
	}
	b, err := json.Marshal(v)
	if err != nil { // cannot happen for a tree the decoder built
		o.p.add(o.name(key), CodeWrongType, "could not be read: "+err.Error()+".")
		return nil, stBad
	}
	return b, stOK
}
