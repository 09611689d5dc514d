//go:build !unix

package pgtest

// lockFile does nothing where there is no flock: tests that restart the
// server then rely on running alone.
func lockFile(path string, exclusive bool) (func(), error) { return func() {}, nil }

// mayControl reports false: pg_ctlcluster is a Debian tool.
func mayControl(dir string) bool { return false }
