//go:build unix

package proc

import (
	"os/exec"
	"syscall"
)

// ownGroup starts cmd in a process group of its own, and makes cancellation send SIGTERM to the
// whole group: a program that runs the real one as its child (pyenv's pip wrapper runs pip that
// way) must not leave it running, holding our pipes, when only the wrapper dies.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
}
