package bench

import (
	"os/exec"
	"syscall"
)

// dieWithParent asks the kernel to stop a server child if the bench
// itself dies without stopping it (killed, or crashed).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
