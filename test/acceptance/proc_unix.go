//go:build unix

package acceptance

import (
	"os/exec"
	"syscall"
	"time"
)

// killGroupOnCancel runs cmd in its own process group and kills the whole group when its
// context ends, so node's children (pyreqs, pip, docker clients) do not outlive a timeout.
func killGroupOnCancel(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
}
