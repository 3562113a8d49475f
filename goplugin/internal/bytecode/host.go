package bytecode

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

// Host compiles with an interpreter on the build machine.
type Host struct {
	Runner proc.Runner
	// Python is the interpreter (custom.pythonRequirements.pythonBin).
	Python string
	// Environ is the base environment (nil: this process's); Env is added to it.
	Environ []string
}

// Compile runs j with h.Python. When the interpreter is not of j.Version it writes nothing and
// returns a *SkipError naming pythonBin.
func (h Host) Compile(ctx context.Context, j Job) (Result, error) {
	if err := j.Validate(); err != nil {
		return Result{}, err
	}
	argv := j.Argv(h.Python)
	var env []string
	if h.Environ != nil {
		env = append(append(env, h.Environ...), Env()...)
	} else {
		env = append(os.Environ(), Env()...)
	}
	res, err := h.Runner.Run(ctx, proc.Cmd{Name: argv[0], Args: argv[1:], Env: env})
	var nf *proc.NotFoundError
	if errors.As(err, &nf) {
		return Result{}, diag.AtKey(diag.CodePythonNotFound, "pythonBin", "cannot compile bytecode: %s was not found", h.Python).
			WithFix("Set %s to a python%s interpreter.", diag.ConfigPath("pythonBin"), j.Version)
	}
	code := 0
	var ee *proc.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.Result.ExitCode
	case err != nil:
		return Result{}, err
	}
	r, perr := ParseOutput(res.Stdout, code, j.Version)
	var skip *SkipError
	if errors.As(perr, &skip) {
		skip.Python = "pythonBin (" + h.Python + ")"
		return Result{}, skip
	}
	if perr != nil {
		return Result{}, fmt.Errorf("%w:\n%s", perr, proc.Tail(res.Output, 20))
	}
	return r, nil
}
