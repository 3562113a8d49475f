package installer

import (
	"context"
	"errors"
	"fmt"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/bytecode"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/container"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/install"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

// Who compiles the installed tree to bytecode (compileBytecode) depends on the installer, through
// two optional interfaces; an installer that implements neither gets its trees compiled on the
// host by an interpreter of the set's Python version when one is found (the pipeline looks).

// InstallCompiler is an installer that compiles where it installs (in its build container, with
// the image's interpreter), right after the install and strip, before the files leave.
type InstallCompiler interface {
	// InstallCompiled is Install followed by compiling job in the install's environment (the
	// installer sets job.Tree). A *bytecode.SkipError means the install succeeded but the
	// interpreter is not of job.Version, so nothing was compiled; its text is the notice.
	InstallCompiled(ctx context.Context, s Set, destDir string, job bytecode.Job) (bytecode.Result, error)
	// CompilerKey names the interpreter that compiles s's tree, for the cache-key header (what
	// KeyMaterial does not already cover).
	CompilerKey(s Set) string
}

// HostInterpreter is an installer that installs with an interpreter on this machine; the pipeline
// compiles with it when its version is the set's.
type HostInterpreter interface {
	// Interpreter is the interpreter's command and its full version ("3.11.2"); Prepare sets it.
	Interpreter() (bin, version string)
}

// ProbedInterpreter is an installer that probed a host interpreter in Prepare: the pipeline takes
// its description instead of running that interpreter again.
type ProbedInterpreter interface {
	Probed() *install.Interpreter // nil when none was probed
}

func (h *host) Probed() *install.Interpreter     { return h.py }
func (t *targeted) Probed() *install.Interpreter { return t.py }

// Interpreter is pythonBin as Prepare probed it.
func (h *host) Interpreter() (string, string) { return h.py.Bin, h.py.Version }

// CompilerKey is the interpreter run in the container; the image (in KeyMaterial) implies its
// version.
func (d *docker) CompilerKey(s Set) string { return "image " + d.python(s) }

// InstallCompiled installs s and compiles job with the container's interpreter before the files
// are copied out.
func (d *docker) InstallCompiled(ctx context.Context, s Set, destDir string, job bytecode.Job) (bytecode.Result, error) {
	job.Tree = container.TaskDir
	if err := job.Validate(); err != nil {
		return bytecode.Result{}, err
	}
	py := d.python(s)
	argv := job.Argv(py)
	res, image, err := d.install(ctx, s, destDir, &container.After{Command: argv, Env: bytecode.Env()})
	if err != nil {
		return bytecode.Result{}, err
	}
	a := res.After
	if a == nil {
		return bytecode.Result{}, errors.New("the bytecode compiler did not run in the container")
	}
	if a.Code == 127 {
		return bytecode.Result{}, fmt.Errorf("cannot compile bytecode: %s was not found in the image %s", py, image)
	}
	r, err := bytecode.ParseOutput(a.Stdout, a.Code, job.Version)
	var skip *bytecode.SkipError
	if errors.As(err, &skip) {
		skip.Image = image
		return bytecode.Result{}, skip
	}
	if err != nil {
		return bytecode.Result{}, fmt.Errorf("%w in the image %s:\n%s", err, image, proc.Tail(a.Stderr, 20))
	}
	return r, nil
}
