// Package pipeline runs the plugin's phases (before, after, invalidate, clean, cleanCache) for one
// request from the shim.
package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/container"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
)

// Deps are the pipeline's connections to the outside world.
type Deps struct {
	Emit    *protocol.Emitter
	Runner  proc.Runner
	GOOS    string
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

// run is the state of one request.
type run struct {
	req       *protocol.Request
	d         Deps
	emit      *protocol.Emitter
	opts      *config.Options
	svcDir    string
	cacheRoot string
	fns       []*fn
	workers   int
	dock      *dockerState // dockerizePip state, set by prepareDocker
}

// Run executes req and returns the edits for the shim.
func Run(ctx context.Context, req *protocol.Request, d Deps) (*protocol.Edits, error) {
	if d.GOOS == "" {
		d.GOOS = runtime.GOOS
	}
	if d.Runner == nil {
		d.Runner = proc.Exec{}
	}
	if req.ServicePath == "" {
		return nil, fmt.Errorf("request has no servicePath")
	}
	r := &run{req: req, d: d, emit: d.Emit, svcDir: req.ServicePath, workers: runtime.GOMAXPROCS(0)}
	raw := req.Service.Custom["pythonRequirements"]
	opts, warnings, err := config.Parse(raw, config.Host{GOOS: d.GOOS, ProviderRuntime: req.Service.Provider.Runtime})
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		r.emit.Warning(w)
	}
	r.opts = opts
	edits := &protocol.Edits{}
	if !opts.Enabled {
		if req.Phase == protocol.PhaseBefore {
			r.emit.Info("Skipping python requirements packaging because custom.pythonRequirements.enabled is set to false.")
		}
		return edits, nil
	}
	if r.cacheRoot, err = r.resolveCacheRoot(); err != nil {
		return nil, err
	}
	if r.fns, err = functions(req); err != nil {
		return nil, err
	}
	switch req.Phase {
	case protocol.PhaseBefore:
		return edits, r.before(ctx, edits)
	case protocol.PhaseAfter:
		return edits, r.after(ctx, edits)
	case protocol.PhaseInvalidate:
		return edits, r.invalidate()
	case protocol.PhaseClean:
		return edits, r.clean()
	case protocol.PhaseCleanCache:
		return edits, r.cleanCache()
	default:
		return nil, fmt.Errorf("unknown phase %q", req.Phase)
	}
}

// resolveCacheRoot applies cacheLocation (relative to the service folder) or the platform default.
func (r *run) resolveCacheRoot() (string, error) {
	if loc := r.opts.CacheLocation; loc != "" {
		if strings.HasPrefix(loc, "~/") {
			if home := r.d.getenv("HOME"); home != "" {
				loc = filepath.Join(home, loc[2:])
			}
		}
		if !filepath.IsAbs(loc) {
			loc = filepath.Join(r.svcDir, loc)
		}
		return filepath.Clean(loc), nil
	}
	root, err := cache.DefaultRoot(r.d.GOOS, r.d.getenv)
	if err != nil {
		return "", &diag.Error{Code: "PYREQS_CACHE_LOCATION", Key: diag.ConfigPath("cacheLocation"), Message: err.Error()}
	}
	return root, nil
}

// checkCacheWritable turns an unwritable cache root into an error that names cacheLocation.
func (r *run) checkCacheWritable() error {
	if err := cache.CheckWritable(r.cacheRoot); err != nil {
		return &diag.Error{
			Code: "PYREQS_CACHE_NOT_WRITABLE", Key: diag.ConfigPath("cacheLocation"),
			Message: fmt.Sprintf("the cache folder %s cannot be written: %v", r.cacheRoot, unwrapPathError(err)),
			Hint:    "Fix the folder's permissions, set custom.pythonRequirements.cacheLocation to a writable folder, or set useStaticCache: false and useDownloadCache: false.",
		}
	}
	return nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// pythonFuncs returns the python target functions.
func (r *run) pythonFuncs() []*fn {
	var out []*fn
	for _, f := range r.fns {
		if f.Python {
			out = append(out, f)
		}
	}
	return out
}

// rel shows p relative to the service folder for logs.
func (r *run) rel(p string) string {
	if rp, err := filepath.Rel(r.svcDir, p); err == nil && !strings.HasPrefix(rp, "..") {
		return rp
	}
	return p
}

// layerProps decodes layer options for the result (kept as given, over the defaults).
func jsonClone(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
