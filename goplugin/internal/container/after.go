package container

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/moby/moby/client"
)

// After is a command run in the container after the install and strip, before TaskDir is copied
// out (the bytecode compiler: it must run with the image's interpreter). Every __pycache__ folder
// under TaskDir is removed first, so that only what the command writes is shipped. Its exit code
// does not fail the install: the caller reads it from Result.After and decides.
type After struct {
	Command []string // argv; not interpreted by a shell
	Env     []string // NAME=value, for this command only
}

// AfterResult is what the After command did.
type AfterResult struct {
	Code   int    // exit code; 127 when the interpreter is missing
	Stdout []byte // its standard output
	Stderr []byte // its standard error
}

// Files of the After command's outcome, in afterDir (writable by any user the container runs as).
const (
	afterDir  = "/tmp/pyreqs-after"
	afterOut  = "after.out"
	afterErr  = "after.err"
	afterCode = "after.rc"
)

// afterScript is the part of the container's program that runs a.
func afterScript(a *After) string {
	if a == nil || len(a.Command) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("mkdir -p " + afterDir + "\n")
	b.WriteString("find " + TaskDir + " -type d -name __pycache__ -prune -exec rm -rf {} +\n")
	for _, kv := range a.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			b.WriteString(k + "=" + shellQuote(v) + " ")
		}
	}
	for i, arg := range a.Command {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(shellQuote(arg))
	}
	d := afterDir + "/"
	b.WriteString(" >" + d + afterOut + " 2>" + d + afterErr + "\necho $? >" + d + afterCode + "\n")
	return b.String()
}

// shellQuote quotes s for /bin/sh as one word.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// readAfter copies the After command's outcome out of the stopped container.
func (e *Engine) readAfter(ctx context.Context, id string) (AfterResult, error) {
	out, err := e.api.CopyFromContainer(ctx, id, client.CopyFromContainerOptions{SourcePath: afterDir})
	if err != nil {
		return AfterResult{}, e.wrap(ctx, "reading the bytecode compiler's output from the container", err)
	}
	defer out.Content.Close()
	var r AfterResult
	code := ""
	tr := tar.NewReader(out.Content)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return r, e.wrap(ctx, "reading the bytecode compiler's output from the container", err)
		}
		data, err := io.ReadAll(io.LimitReader(tr, 16<<20))
		if err != nil {
			return r, e.wrap(ctx, "reading the bytecode compiler's output from the container", err)
		}
		switch path.Base(h.Name) {
		case afterOut:
			r.Stdout = data
		case afterErr:
			r.Stderr = data
		case afterCode:
			code = strings.TrimSpace(string(data))
		}
	}
	n, err := strconv.Atoi(code)
	if err != nil {
		return r, errors.New("the bytecode compiler left no exit code in the container")
	}
	r.Code = n
	return r, nil
}
