package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestVersion(t *testing.T) {
	tests := []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"tag", debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0"},
		{"pseudo", debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201212548-af3059c1234f+dirty"}}, "v0.0.0-20261201212548-af3059c1234f+dirty"},
		{"devel", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"revision", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "af3059c1234f5678"}, {Key: "vcs.modified", Value: "true"}}}, "dev-af3059c1234f+dirty"},
		{"empty", debug.BuildInfo{}, "dev"},
	}
	for _, tt := range tests {
		if got := version(&tt.bi); got != tt.want {
			t.Errorf("%s: version() = %q, want %q", tt.name, got, tt.want)
		}
	}
}
