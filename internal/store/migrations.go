package store

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
)

// Migration is one numbered SQL file of a store's schema history.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var migrationName = regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`)

// LoadMigrations reads dir of fsys: files named NNNN_words.sql, starting at
// 1 and counting up, in order. Numbers are fixed per feature, so a build
// may lack one (0004 without 0003); each applies on its own and is recorded
// by number, so one that arrives later still applies.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries { // ReadDir sorts by name
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %s: name must look like 0001_words.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		switch {
		case len(ms) == 0 && v != 1:
			return nil, fmt.Errorf("migration %s: version %d, want 1 (versions start at 1)", e.Name(), v)
		case len(ms) > 0 && v == ms[len(ms)-1].Version:
			return nil, fmt.Errorf("migration %s: version %d is taken by %s", e.Name(), v, ms[len(ms)-1].Name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no migrations in %s", dir)
	}
	return ms, nil
}

// MustLoadMigrations is LoadMigrations for a store's embedded files, where
// a badly named or missing file is a build mistake.
func MustLoadMigrations(fsys fs.FS, dir string) []Migration {
	ms, err := LoadMigrations(fsys, dir)
	if err != nil {
		panic(err)
	}
	return ms
}
