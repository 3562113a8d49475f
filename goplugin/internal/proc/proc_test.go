package proc

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// stdout and stderr reach OnLine through one line splitter from two goroutines: the sleep lets
// "err\n" arrive before the unterminated "last" (go test -race showed "lasterr" otherwise).
func TestExecRun(t *testing.T) {
	ctx := context.Background()
	var lines []string
	res, err := Exec{}.Run(ctx, Cmd{Name: "sh", Args: []string{"-c", "echo out; echo err >&2; sleep 0.2; printf last"}, OnLine: func(l string) { lines = append(lines, l) }})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(res.Stdout); got != "out\nlast" {
		t.Errorf("Stdout = %q", got)
	}
	if !strings.Contains(string(res.Output), "err") {
		t.Errorf("Output %q lacks stderr", res.Output)
	}
	if len(lines) != 3 || lines[2] != "last" {
		t.Errorf("lines = %q", lines)
	}
}

func TestExecErrors(t *testing.T) {
	ctx := context.Background()
	_, err := Exec{}.Run(ctx, Cmd{Name: "definitely-not-a-program-xyz"})
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.Name != "definitely-not-a-program-xyz" {
		t.Fatalf("missing program: err = %v, want NotFoundError", err)
	}
	_, err = Exec{}.Run(ctx, Cmd{Name: "/nonexistent/dir/python3"})
	if !errors.As(err, &nf) {
		t.Fatalf("missing path: err = %v, want NotFoundError", err)
	}
	_, err = Exec{}.Run(ctx, Cmd{Name: "sh", Args: []string{"-c", "echo boom; exit 3"}})
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Result.ExitCode != 3 || !strings.Contains(string(ee.Result.Output), "boom") {
		t.Fatalf("exit: err = %v", err)
	}
}

func TestTailBounded(t *testing.T) {
	tb := &tailBuffer{limit: 10}
	for i := 0; i < 100; i++ {
		tb.Write([]byte("0123456789"))
	}
	if got := len(tb.bytes()); got != 10 {
		t.Errorf("tail kept %d bytes, want 10", got)
	}
	if got := Tail([]byte("a\nb\nc\nd\n"), 2); got != "c\nd" {
		t.Errorf("Tail = %q", got)
	}
}
