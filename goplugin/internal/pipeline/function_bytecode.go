package pipeline

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/bytecode"
)

// compileOwnCode reports whether the service's own .py files are compiled into the function
// artifacts (compileFunctionCode with compileBytecode).
func (r *state) compileOwnCode() bool { return r.opts.CompileBytecode && r.opts.CompileFunctionCode }

// functionBytecode compiles the service's own .py files of j's framework artifact (its first
// input, with the module moved up as the artifact will have it) in a staging folder with an
// interpreter of the function's Python version on this machine, with the paths they have at run
// time (/var/task). It returns the input that adds the .pyc files to the artifact (nothing when no
// interpreter is found: the notice says so) and a cleanup of the staging folder.
func (r *state) functionBytecode(ctx context.Context, j *job, root string) ([]archive.Input, func(), error) {
	none := func() {}
	ver, ok := bytecode.VersionFromRuntime(r.jobRuntime(j))
	if !ok {
		return nil, none, nil
	}
	r.bytecode.mu.Lock()
	r.bytecode.init()
	py, skip := r.hostPython(ctx, ver)
	r.bytecode.mu.Unlock()
	if skip != nil {
		r.bytecodeNotice(skip)
		return nil, none, nil
	}
	staging, err := os.MkdirTemp("", "pyreqs-function-code-")
	if err != nil {
		return nil, none, err
	}
	cleanup := func() { _ = os.RemoveAll(staging) }
	sources, err := stageSources(j.inputs[0], staging)
	if err != nil || len(sources) == 0 {
		cleanup()
		return nil, none, err
	}
	res, err := bytecode.Host{Runner: r.d.Runner, Python: py.Command(), Environ: r.d.Environ}.Compile(ctx,
		bytecode.Job{Tree: staging, DDir: bytecode.TaskRoot, Version: ver, Workers: 1})
	var sk *bytecode.SkipError
	if errors.As(err, &sk) {
		r.bytecodeNotice(sk)
		cleanup()
		return nil, none, nil
	}
	if err != nil {
		cleanup()
		return nil, none, err
	}
	var files []archive.FileInput
	for _, rel := range sources {
		pyc := bytecode.PycPath(rel, res.CacheTag)
		if p := filepath.Join(staging, filepath.FromSlash(pyc)); exists(p) {
			files = append(files, archive.FileInput{Path: p, Name: root + pyc})
		}
	}
	r.emit.Verbose(fmt.Sprintf("Compiled %d of the service's own files of %s to bytecode", len(files), j.label))
	if len(files) == 0 {
		cleanup()
		return nil, none, nil
	}
	return []archive.Input{{Files: files}}, cleanup, nil
}

// jobRuntime is the runtime of the functions whose artifact j writes.
func (r *state) jobRuntime(j *job) string {
	for _, f := range r.fns {
		if len(j.fnKeys) > 0 && f.Key == j.fnKeys[0] {
			return f.Runtime
		}
	}
	return ""
}

// stageSources writes the .py entries of the framework artifact in (as they are named in the
// written artifact: a module moved up loses its folder) into dir and returns their names.
func stageSources(in archive.Input, dir string) ([]string, error) {
	zr, err := zip.OpenReader(in.Zip)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	prefix := ""
	if in.StripPrefix != "" {
		prefix = strings.TrimSuffix(strings.TrimPrefix(in.StripPrefix, "./"), "/") + "/"
	}
	var names []string
	for _, f := range zr.File {
		name := f.Name
		if !strings.HasSuffix(name, ".py") || f.FileInfo().IsDir() {
			continue
		}
		if prefix != "" {
			rest, ok := strings.CutPrefix(name, prefix)
			switch {
			case ok:
				name = rest
			case in.KeepAlso == nil || !in.KeepAlso(name):
				continue
			}
		}
		clean := path.Clean(name)
		if clean != name || path.IsAbs(name) || strings.HasPrefix(name, "../") {
			continue
		}
		if err := writeZipFile(f, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

func writeZipFile(f *zip.File, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, rc); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
