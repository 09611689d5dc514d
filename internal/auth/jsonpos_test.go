package auth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadConfigPosition: a broken configuration file is reported with
// the line and column of the mistake.
func TestLoadConfigPosition(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"syntax", "{\n  \"salesUnits\": [\n    {\"name\": \"Shop\",}\n  ]\n}\n", "line 3, column 21: invalid character '}'"},
		{"type", "{\n  \"salesUnits\": [{\"name\": 7}]\n}\n", "line 2, column 27: json: cannot unmarshal number"},
		{"unknown field", "{\n  \"salesUnits\": [],\n  \"salesunit\": []\n}\n", "line 3, column 3: json: unknown field \"salesunit\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "units.json")
			if err := os.WriteFile(path, []byte(tt.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadConfig(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadConfig() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
