// Package cli is the pyreqs command line: `pyreqs bridge` (one request from the npm shim on
// stdin, NDJSON events on stdout) and `pyreqs version`.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/spf13/pflag"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/pipeline"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
)

// Version is stamped at build time with -ldflags -X (see scripts/build.sh).
var Version = "0.0.0-dev"

// Exit codes.
const (
	ExitOK       = 0
	ExitFailure  = 1
	ExitUsage    = 2
	ExitMismatch = 3
)

const usage = `pyreqs: the engine of the serverless-pyreqs Serverless plugin.

Usage:
  pyreqs bridge     read one JSON request on stdin, answer with NDJSON events on stdout
  pyreqs version    print the version

The npm package runs this binary for you; you rarely need to run it by hand.
`

// Run is the whole program; main only wires it to the process.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	switch args[0] {
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, Version)
		return ExitOK
	case "bridge":
		// Everything the bridge writes passes one redactor: the emitter's (stdout) and this
		// writer (stderr). It starts from the environment; the config adds its secrets.
		red := redact.New(os.Environ())
		errw := red.NewWriter(stderr)
		defer errw.Flush()
		fs := pflag.NewFlagSet("bridge", pflag.ContinueOnError)
		fs.SetOutput(errw)
		if err := fs.Parse(args[1:]); err != nil {
			return ExitUsage
		}
		return bridge(ctx, stdin, stdout, errw, red)
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return ExitOK
	default:
		fmt.Fprintf(stderr, "pyreqs: unknown command %q\n\n%s", args[0], usage)
		return ExitUsage
	}
}

func bridge(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, red *redact.Redactor) int {
	emit := protocol.NewEmitter(stdout, protocol.WithRedactor(red))
	emit.Hello(Version)
	var req protocol.Request
	var line lifeline
	var raw json.RawMessage
	dec := json.NewDecoder(stdin)
	err := dec.Decode(&raw)
	if err == nil {
		err = json.Unmarshal(raw, &req)
	}
	if err == nil {
		err = json.Unmarshal(raw, &line)
	}
	if err != nil {
		emit.Fail(diag.Errorf(diag.CodeBadRequest, "pyreqs could not read the request from the Serverless plugin: %v", err))
		return ExitFailure
	}
	if line.HoldsStdin {
		var cancel context.CancelFunc
		ctx, cancel = cancelOnEOF(ctx, io.MultiReader(dec.Buffered(), stdin))
		defer cancel()
	}
	if req.ShimVersion != Version {
		emit.Fail(diag.Errorf(diag.CodeVersionMismatch, "Host version %q does not match binary version %q.", req.ShimVersion, Version).
			WithFix("Reinstall serverless-pyreqs (npm install) so the plugin and its binary come from the same release."))
		return ExitMismatch
	}
	if req.Protocol != protocol.Version {
		emit.Fail(diag.Errorf(diag.CodeVersionMismatch, "protocol %d is not supported (want %d).", req.Protocol, protocol.Version))
		return ExitMismatch
	}
	addConfigSecrets(red, req.Service.Custom["pythonRequirements"])
	edits, err := pipeline.Run(ctx, &req, pipeline.Deps{Emit: emit, Runner: proc.Exec{}, GOOS: runtime.GOOS, Environ: os.Environ()})
	if err != nil {
		return reportError(emit, stderr, err)
	}
	emit.Result(edits)
	return ExitOK
}

func reportError(emit *protocol.Emitter, stderr io.Writer, err error) int {
	if d, ok := diag.As(err); ok {
		emit.Fail(d)
		return ExitFailure
	}
	if errors.Is(err, context.Canceled) {
		emit.Fail(diag.Errorf(diag.CodeInterrupted, "Interrupted: nothing was left half-written."))
		return ExitFailure
	}
	fmt.Fprintf(stderr, "pyreqs: %+v\n", err)
	emit.Fail(diag.Errorf(diag.CodeInternal, "serverless-pyreqs failed: %v", err))
	return ExitFailure
}
