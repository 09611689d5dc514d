package store

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestLoadMigrations(t *testing.T) {
	file := &fstest.MapFile{Data: []byte("CREATE TABLE t (x INTEGER);")}
	tests := []struct {
		name    string
		files   []string
		want    []int
		wantErr string
	}{
		{"in order", []string{"0002_more.sql", "0001_init.sql"}, []int{1, 2}, ""},
		{"gap", []string{"0001_init.sql", "0003_skip.sql"}, []int{1, 3}, ""},
		{"duplicate", []string{"0001_init.sql", "0001_again.sql"}, nil, "is taken by"},
		{"bad name", []string{"0001_init.sql", "2_x.sql"}, nil, "name must look like"},
		{"not from one", []string{"0002_more.sql"}, nil, "want 1"},
		{"empty", nil, nil, "no migrations"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{"m": &fstest.MapFile{Mode: fs.ModeDir | 0o755}}
			for _, f := range tc.files {
				fsys["m/"+f] = file
			}
			ms, err := LoadMigrations(fsys, "m")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("LoadMigrations(%v) = %v, want error containing %q", tc.files, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadMigrations(%v) = %v", tc.files, err)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.Version)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("LoadMigrations(%v) versions mismatch (-want +got):\n%s", tc.files, diff)
			}
		})
	}
}
