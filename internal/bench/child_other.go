//go:build !linux

package bench

import "os/exec"

// dieWithParent does nothing where the kernel offers no parent-death
// signal; the bench still stops its children on every normal exit.
func dieWithParent(*exec.Cmd) {}
