// Package pipeline runs the plugin's hooks (before, after, invalidate, clean, cleanCache) for one
// request from the shim. Each hook is an ordered list of named steps over one state (steps.go is
// the table of contents); runHook (step.go) runs them, logs and times each one and names the
// step in an unexpected error. A step that does not apply returns a skip (skip, skipHook).
//
// Adding a step is one file with a type that has String (its name) and Run(ctx, *state), and one
// line in steps.go at the place in its hook where it runs. A step reads only the state fields set
// by the steps before it, and adds a field (with the step's name in its comment) for what it
// hands on. Installing is not a step's business: the build step calls the run's
// installer.Installer, whatever it is.
package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/container"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/installer"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/workspace"
)

// Deps are the pipeline's connections to the outside world.
type Deps struct {
	Emit   *protocol.Emitter
	Runner proc.Runner
	GOOS   string
	// GOARCH is the host's architecture (runtime.GOARCH when empty); with GOOS and the probed
	// interpreter it decides whether a set is installed for its target (tests pretend hosts).
	GOARCH  string
	Environ []string
	// Docker returns the Docker Engine API client for dockerizePip (nil: container.NewClient,
	// configured from DOCKER_HOST and the other DOCKER_* variables). Unit tests pass a fake.
	Docker func() (container.API, error)
}

func (d Deps) getenv(k string) string {
	for i := len(d.Environ) - 1; i >= 0; i-- {
		if kk, v, ok := strings.Cut(d.Environ[i], "="); ok && kk == k {
			return v
		}
	}
	return ""
}

// state is everything the steps of one request share. Each field says which step sets it; a
// step reads only fields set by steps before it in its hook.
type state struct {
	req     *protocol.Request
	d       Deps
	emit    *protocol.Emitter
	ws      workspace.Workspace
	edits   *protocol.Edits
	workers int

	opts      *config.Options // config
	cacheRoot string          // cacheRoot
	fns       []*fn           // functions

	units         []*unit             // requirementSets; sources and filter fill them in
	todo          []*unit             // filter: the units with something to install
	inst          installer.Installer // chooseInstaller
	downloadCache string              // downloadCache: "" when off
	remote        *guardedRemote      // remoteTier: nil without remoteCache
	names         []string            // build: the distinct cache entry names, sorted
	bytecode      bytecodePlans       // key-header: how each set is compiled to bytecode
	project       string              // projectRoot, computed on first use

	layers []*namedLayer        // namedLayers: custom.pythonRequirements.layers, by name
	attach map[string]*fnLayers // namedLayers: the named layers each function attaches
	// LayerZips maps each target function to the zips of the layers it attaches that this
	// plugin builds (named layers, and pythonRequirements.zip when it references
	// PythonRequirementsLambdaLayer); set by namedLayerZips in the after hook, for the size
	// preflight.
	LayerZips map[string][]string
}

// Run executes req and returns the edits for the shim.
func Run(ctx context.Context, req *protocol.Request, d Deps) (*protocol.Edits, error) {
	if d.GOOS == "" {
		d.GOOS = runtime.GOOS
	}
	if d.GOARCH == "" {
		d.GOARCH = runtime.GOARCH
	}
	if d.Runner == nil {
		d.Runner = proc.Exec{}
	}
	if req.ServicePath == "" {
		return nil, fmt.Errorf("request has no servicePath")
	}
	steps, ok := hooks[req.Phase]
	if !ok {
		return nil, fmt.Errorf("unknown phase %q", req.Phase)
	}
	s := &state{req: req, d: d, emit: d.Emit, ws: workspace.New(req.ServicePath), edits: &protocol.Edits{}, workers: runtime.GOMAXPROCS(0)}
	if err := runHook(ctx, s, steps); err != nil {
		return nil, err
	}
	return s.edits, nil
}

// pythonFuncs returns the python target functions.
func (r *state) pythonFuncs() []*fn {
	var out []*fn
	for _, f := range r.fns {
		if f.Python {
			out = append(out, f)
		}
	}
	return out
}

// rel shows p relative to the service folder for logs.
func (r *state) rel(p string) string { return r.ws.Rel(p) }

// installerEnv is what the installers may use of this run.
func (r *state) installerEnv() installer.Env {
	return installer.Env{Options: r.opts, GOOS: r.d.GOOS, GOARCH: r.d.GOARCH, Environ: r.d.Environ, Runner: r.d.Runner,
		Events: r.emit, Workspace: r.ws, Docker: r.d.Docker}
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// jsonClone deep-copies a decoded JSON value.
func jsonClone(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
