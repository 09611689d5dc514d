package server

import "testing"

// TestBodyHash: the journal's body hash is the CRC-32C of the body in 8
// lower-case hex digits (the check value of "123456789" is e3069283).
func TestBodyHash(t *testing.T) {
	for body, want := range map[string]string{"123456789": "e3069283", "": "00000000"} {
		if got := bodyHash([]byte(body)); got != want {
			t.Errorf("bodyHash(%q) = %q, want %q", body, got, want)
		}
	}
}
