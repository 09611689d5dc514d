package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWriteJSONString checks that the direct quoting of ids answers
// exactly what the JSON encoder would, escapes included.
func TestWriteJSONString(t *testing.T) {
	for _, s := range []string{
		"", "0b6f1c1e-6a8c-4a8e-9d0e-2f1f1f1f1f1f", "plain id",
		`quo"te`, `back\slash`, "<tag>&", "tab\there", "é", "\u2028", "\xff", "\x7f",
	} {
		want := httptest.NewRecorder()
		writeJSON(want, http.StatusCreated, "application/json", s)
		got := httptest.NewRecorder()
		writeJSONString(got, http.StatusCreated, s)
		if got.Code != want.Code || got.Body.String() != want.Body.String() {
			t.Errorf("writeJSONString(%q) = %d %s, want %d %s", s, got.Code, got.Body, want.Code, want.Body)
		}
		if diff := cmp.Diff(want.Header(), got.Header()); diff != "" {
			t.Errorf("writeJSONString(%q) headers (-want +got):\n%s", s, diff)
		}
	}
}
