package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// atPosition adds the line and column to a decoding error of the JSON
// document b, so a person can go straight to the mistake: the character
// of a syntax error, the end of a value of the wrong type, the key of an
// unknown field. Other errors are returned as they are.
func atPosition(b []byte, err error) error {
	off := int64(-1)
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	default:
		// encoding/json reports an unknown field by name only; find the
		// key in the document.
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			key := regexp.MustCompile(regexp.QuoteMeta(name) + `\s*:`)
			if loc := key.FindIndex(b); loc != nil {
				off = int64(loc[0]) + 1
			}
		}
	}
	if off < 0 {
		return err
	}
	before := b[:min(off, int64(len(b)))]
	line := bytes.Count(before, []byte("\n")) + 1
	col := max(len(before)-(bytes.LastIndexByte(before, '\n')+1), 1)
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}
