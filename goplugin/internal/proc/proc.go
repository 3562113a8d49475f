// Package proc runs external programs (pip, uv, poetry, pipenv, strip) with an argument list,
// an explicit environment and a bounded output buffer. It never uses a shell.
package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Cmd describes one process to run.
type Cmd struct {
	Name string   // program name or path
	Args []string // arguments, not including Name
	Dir  string   // working directory ("" = current)
	Env  []string // full environment (nil = inherit)
	// OnLine, when set, receives each line of combined output as it is produced.
	OnLine func(line string)
}

// String renders the command line for logs (not shell-exact; for humans).
func (c Cmd) String() string {
	parts := append([]string{c.Name}, c.Args...)
	for i, p := range parts {
		if p == "" || strings.ContainsAny(p, " \t\"'$") {
			parts[i] = "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
		}
	}
	return strings.Join(parts, " ")
}

// Result is what a finished process left behind.
type Result struct {
	Output   []byte // the tail of combined stdout+stderr (bounded)
	Stdout   []byte // the head of stdout (bounded), for commands whose output is data
	ExitCode int
	Duration time.Duration
}

// NotFoundError means the program does not exist or is not executable.
type NotFoundError struct{ Name string }

func (e *NotFoundError) Error() string { return e.Name + ": executable file not found" }

// ExitError means the program ran and failed.
type ExitError struct {
	Cmd    Cmd
	Result Result
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("%s exited with code %d", e.Cmd.Name, e.Result.ExitCode)
}

// Runner runs commands. Unit tests substitute a fake.
type Runner interface {
	Run(ctx context.Context, c Cmd) (Result, error)
}

// Exec is the real Runner.
type Exec struct{}

const (
	tailLimit   = 64 << 10
	stdoutLimit = 4 << 20
)

// Run runs c and waits for it. A non-zero exit gives an *ExitError, a missing program a
// *NotFoundError. On context cancellation the process (on Unix, its whole process group) gets
// SIGTERM, then SIGKILL after 5 s.
func (Exec) Run(ctx context.Context, c Cmd) (Result, error) {
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	ownGroup(cmd)
	cmd.WaitDelay = 5 * time.Second

	tail := &tailBuffer{limit: tailLimit, onLine: c.OnLine}
	head := &headBuffer{limit: stdoutLimit}
	cmd.Stdout = io.MultiWriter(tail, head)
	cmd.Stderr = tail
	start := time.Now()
	err := cmd.Run()
	tail.flush()
	res := Result{Output: tail.bytes(), Stdout: head.buf.Bytes(), Duration: time.Since(start)}
	if err == nil {
		return res, nil
	}
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.EACCES) {
		var pe *exec.Error
		if errors.As(err, &pe) || errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.EACCES) {
			return res, &NotFoundError{Name: c.Name}
		}
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.ExitCode = ee.ExitCode()
		return res, &ExitError{Cmd: c, Result: res}
	}
	return res, fmt.Errorf("running %s: %w", c.Name, err)
}

// tailBuffer keeps the last limit bytes written and splits lines for onLine.
type tailBuffer struct {
	mu      sync.Mutex
	limit   int
	buf     []byte
	partial []byte
	onLine  func(string)
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.limit {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.limit:]...)
	}
	if t.onLine != nil {
		t.partial = append(t.partial, p...)
		for {
			i := bytes.IndexByte(t.partial, '\n')
			if i < 0 {
				break
			}
			t.onLine(strings.TrimRight(string(t.partial[:i]), "\r"))
			t.partial = t.partial[i+1:]
		}
		if len(t.partial) > t.limit {
			t.partial = t.partial[len(t.partial)-t.limit:]
		}
	}
	return len(p), nil
}

func (t *tailBuffer) flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.onLine != nil && len(t.partial) > 0 {
		t.onLine(string(t.partial))
		t.partial = nil
	}
}

func (t *tailBuffer) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) > t.limit {
		return append([]byte(nil), t.buf[len(t.buf)-t.limit:]...)
	}
	return append([]byte(nil), t.buf...)
}

type headBuffer struct {
	limit int
	buf   bytes.Buffer
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.limit - h.buf.Len(); room > 0 {
		if len(p) > room {
			h.buf.Write(p[:room])
		} else {
			h.buf.Write(p)
		}
	}
	return len(p), nil
}

// Tail returns the last n lines of out.
func Tail(out []byte, n int) string {
	s := strings.TrimRight(string(out), "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
