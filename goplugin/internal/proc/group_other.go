//go:build !unix

package proc

import (
	"os/exec"
	"syscall"
)

// ownGroup makes cancellation send SIGTERM to cmd (process groups are a Unix notion).
func ownGroup(cmd *exec.Cmd) {
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
}
