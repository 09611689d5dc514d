//go:build unix

package pgtest

import (
	"os"
	"syscall"
)

// lockFile takes a shared or exclusive lock on the file at path, waiting
// for it, and returns the function that releases it. The lock belongs to
// the open file, so it ends with the process too.
func lockFile(path string, exclusive bool) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o666)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// mayControl reports whether this process may run pg_ctlcluster for the
// cluster configured in dir: root, or the cluster's owner.
func mayControl(dir string) bool {
	if os.Geteuid() == 0 {
		return true
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}
