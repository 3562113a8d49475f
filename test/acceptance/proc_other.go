//go:build !unix

package acceptance

import (
	"os/exec"
	"time"
)

// killGroupOnCancel kills the process itself when its context ends (no process groups here).
func killGroupOnCancel(cmd *exec.Cmd) {
	cmd.WaitDelay = 10 * time.Second
}
