//go:build unix

package acceptance

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// slowBuild is a running `sls package` of basic whose requirements include a local package that
// pip builds with an in-tree PEP 517 backend which sleeps: the run is inside pip from the moment
// the backend writes its marker until it is stopped.
type slowBuild struct {
	s      *Service
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan struct{}
}

// startSlowBuild starts `sls package` in its own process group and returns once pip is building
// the slow package. The group is killed when the test ends.
func startSlowBuild(t *testing.T) *slowBuild {
	t.Helper()
	s := NewService(t, "basic", Ours)
	marker := filepath.Join(t.TempDir(), "building")
	pkg := s.Path("slowpkg")
	s.WriteFile("slowpkg/pyproject.toml", `[build-system]
requires = []
build-backend = "slowbackend"
backend-path = ["."]

[project]
name = "pyreqs-slow"
version = "1.0.0"
`)
	// The backend announces itself, then sleeps until it is stopped (or its parent, pip, is
	// gone: an orphan must not outlive the test).
	s.WriteFile("slowpkg/slowbackend.py", fmt.Sprintf(`import os, time

def get_requires_for_build_wheel(config_settings=None):
    return []

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    parent = os.getppid()
    with open(%q, "w") as f:
        f.write(str(os.getpid()))
    deadline = time.time() + 300
    while time.time() < deadline and os.getppid() == parent:
        time.sleep(0.1)
    raise SystemExit(1)
`, marker))
	s.WriteFile("requirements.txt", "pyreqs-pure\n"+pkg+"\n")

	b := &slowBuild{s: s, done: make(chan struct{})}
	b.cmd = exec.Command(h.slsBin, "package")
	b.cmd.Dir = s.Dir
	b.cmd.Env = s.Environ()
	b.cmd.Stdout = &b.stdout
	b.cmd.Stderr = &b.stderr
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := b.cmd.Process.Pid
	go func() {
		_ = b.cmd.Wait()
		close(b.done)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-b.done
	})
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if _, err := os.Stat(marker); err == nil {
			return b
		}
		select {
		case <-b.done:
			t.Fatalf("sls package ended before pip built the slow package:\nstdout:\n%s\nstderr:\n%s", b.stdout.String(), b.stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("pip did not start building the slow package within 3 minutes:\nstderr:\n%s", b.stderr.String())
		}
	}
}

// wait waits for sls to exit and returns its exit status (128+n when killed by signal n).
func (b *slowBuild) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-b.done:
	case <-time.After(within):
		t.Fatalf("sls did not exit within %v:\nstderr:\n%s", within, b.stderr.String())
	}
	ws := b.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// groupProcesses lists the live (not zombie) processes of a process group by pid, with their
// command names, from /proc.
func groupProcesses(pgid int) map[int]string {
	out := map[int]string{}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		comm, state, group, ok := procStat(pid)
		if ok && group == pgid && state != "Z" {
			out[pid] = comm
		}
	}
	return out
}

// describeGroup lists the live processes of a process group with their command lines.
func describeGroup(pgid int) string {
	var b strings.Builder
	for pid := range groupProcesses(pgid) {
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		_, state, _, _ := procStat(pid)
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		var sig []string
		for _, l := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(l, "PPid") || strings.HasPrefix(l, "Sig") {
				sig = append(sig, strings.ReplaceAll(l, "\t", ""))
			}
		}
		fmt.Fprintf(&b, "\n  %d [%s] %s %v", pid, state, strings.ReplaceAll(strings.TrimRight(string(cmdline), "\x00"), "\x00", " "), sig)
	}
	return b.String()
}

// procStat reads the command name, state and process group of pid from /proc/<pid>/stat.
func procStat(pid int) (comm, state string, pgid int, ok bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", "", 0, false
	}
	open, end := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 0 || end < open {
		return "", "", 0, false
	}
	fields := strings.Fields(string(data[end+1:])) // state ppid pgrp ...
	if len(fields) < 3 {
		return "", "", 0, false
	}
	pgid, err = strconv.Atoi(fields[2])
	return string(data[open+1 : end]), fields[0], pgid, err == nil
}

// TestInterruptPrintsOneLine: Ctrl-C (SIGINT to the process group) or SIGTERM to node while pip
// runs ends the run with one line, the signal's conventional exit status, no stack trace, no
// half-written file, and no process of the run left behind.
func TestInterruptPrintsOneLine(t *testing.T) {
	for _, tc := range []struct {
		name   string
		signal string
		sig    syscall.Signal
		group  bool
		status int
	}{
		{"SIGINT to the process group", "SIGINT", syscall.SIGINT, true, 130},
		{"SIGTERM to node", "SIGTERM", syscall.SIGTERM, false, 143},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := startSlowBuild(t)
			pid := b.cmd.Process.Pid
			target := pid
			if tc.group {
				target = -pid
			}
			if err := syscall.Kill(target, tc.sig); err != nil {
				t.Fatal(err)
			}
			status := b.wait(t, time.Minute)
			all := b.stdout.String() + b.stderr.String()
			if status != tc.status {
				t.Errorf("exit status %d, want %d\n%s", status, tc.status, all)
			}
			want := fmt.Sprintf("Interrupted by %s: nothing was left half-written.", tc.signal)
			if n := strings.Count(all, "Interrupted"); n != 1 || !strings.Contains(b.stderr.String(), want+"\n") {
				t.Errorf("want the one line %q on stderr (once), got:\n%s", want, all)
			}
			for _, bad := range []string{"    at ", "Error:", "Uncaught exception"} {
				if strings.Contains(all, bad) {
					t.Errorf("output contains %q (a stack trace or an error report):\n%s", bad, all)
				}
			}
			deadline := time.Now().Add(5 * time.Second)
			for len(groupProcesses(pid)) > 0 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if left := groupProcesses(pid); len(left) > 0 {
				t.Errorf("processes of the run still alive 5 s after sls exited: %s", describeGroup(pid))
			}
			if matches, _ := filepath.Glob(b.s.Path(".serverless/*.zip")); len(matches) > 0 {
				t.Errorf("artifacts left by the interrupted run: %v", matches)
			}
			assertNothingHalfWritten(t, b.s)
		})
	}
}

// TestNodeKilledStopsPyreqs: when node is killed outright (SIGKILL) while pip runs, pyreqs sees
// its stdin close and exits within a second, instead of running on.
func TestNodeKilledStopsPyreqs(t *testing.T) {
	t.Parallel()
	b := startSlowBuild(t)
	pgid := b.cmd.Process.Pid
	pyreqs := 0
	for pid, comm := range groupProcesses(pgid) {
		if comm == "pyreqs" {
			pyreqs = pid
		}
	}
	if pyreqs == 0 {
		t.Fatalf("no pyreqs process in the group of sls: %v", groupProcesses(pgid))
	}
	if err := b.cmd.Process.Kill(); err != nil { // node only
		t.Fatal(err)
	}
	<-b.done
	killed := time.Now()
	for {
		_, state, _, ok := procStat(pyreqs)
		if !ok || state == "Z" {
			break
		}
		if time.Since(killed) > time.Second {
			t.Fatalf("pyreqs (pid %d) still running 1 s after node was killed (state %s); processes of the run: %s", pyreqs, state, describeGroup(pgid))
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("pyreqs exited %v after node was killed", time.Since(killed).Round(time.Millisecond))
}
