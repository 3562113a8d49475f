//go:build windows

package container

import "os"

// processAlive reports whether a process with that id exists: on Windows, FindProcess opens a
// handle to it, which fails for a process that is gone.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}
