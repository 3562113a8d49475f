package pipeline

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/bytecode"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/install"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/installer"
)

// Bytecode (compileBytecode): each requirements set is compiled to PEP 552 unchecked-hash .pyc
// files inside the cache's atomic build, after the install and strip, before slim (whose default
// patterns delete them, as the user chose) and packing. Who compiles:
//   - an installer that compiles where it installs (installer.InstallCompiler: docker, in the
//     build container with the image's interpreter);
//   - else the installer's host interpreter (installer.HostInterpreter: pythonBin) when it is of
//     the set's Python version;
//   - else python<version> on this machine when there is one;
//   - else nobody: one notice per run says how to get bytecode.
// The plan is made when the key header is written: whether bytecode is on, the run-time folder
// (ddir) and the compiling interpreter's exact version are part of the cache key.

// bytecodePlans holds the plan of every set of the run and the host interpreters probed.
type bytecodePlans struct {
	mu      sync.Mutex
	plans   map[*unit]*compilePlan
	probed  map[string]*install.Interpreter // by command; nil: not a usable interpreter
	noticed bool

	flight   sync.Mutex
	inflight map[string]chan struct{} // bytecode cache keys a set of the run is compiling
}

// claim makes the caller the compiler of bytecode cache key k, recording the claim in claims, and
// returns nil; or it returns the channel closed when the set already compiling k is done.
func (b *bytecodePlans) claim(k string, claims map[string]chan struct{}) <-chan struct{} {
	b.flight.Lock()
	defer b.flight.Unlock()
	if ch, ok := b.inflight[k]; ok {
		return ch
	}
	if b.inflight == nil {
		b.inflight = map[string]chan struct{}{}
	}
	ch := make(chan struct{})
	b.inflight[k], claims[k] = ch, ch
	return nil
}

// release ends the claims (and empties claims: releasing again does nothing), waking the sets
// that wait for them.
func (b *bytecodePlans) release(claims map[string]chan struct{}) {
	b.flight.Lock()
	defer b.flight.Unlock()
	for k, ch := range claims {
		if b.inflight[k] == ch {
			delete(b.inflight, k)
		}
		close(ch)
		delete(claims, k)
	}
}

func (b *bytecodePlans) init() {
	if b.plans == nil {
		b.plans, b.probed = map[*unit]*compilePlan{}, map[string]*install.Interpreter{}
	}
}

// compilePlan is how one set is compiled.
type compilePlan struct {
	job    bytecode.Job        // DDir and Version; Tree is set when compiling
	inside bool                // the installer compiles (InstallCompiler)
	python string              // else the host interpreter that compiles
	skip   *bytecode.SkipError // nobody can: the notice
	key    string              // the cache-key header line
}

// bytecodeDDir is where u's requirements are at run time: /tmp/sls-py-req for zip mode (the
// folder unzip_requirements.py extracts to), /opt/python for the layer, else /var/task.
func (r *state) bytecodeDDir(u *unit) string {
	switch {
	case r.opts.Zip && len(u.Funcs) > 0:
		return zipExtractDir
	case r.opts.Layer.Enabled && u.Module == ".":
		return bytecode.LayerRoot
	}
	return bytecode.TaskRoot
}

// zipExtractDir is the default extraction folder of assets/unzip_requirements.py.
const zipExtractDir = "/tmp/sls-py-req"

// planBytecode decides how u is compiled and returns its cache-key header line.
func (r *state) planBytecode(ctx context.Context, u *unit) string {
	b := &r.bytecode
	b.mu.Lock()
	defer b.mu.Unlock()
	b.init()
	if !r.opts.CompileBytecode {
		return "# bytecode: off\n"
	}
	ver, ok := bytecode.VersionFromRuntime(u.Runtime)
	if !ok {
		return fmt.Sprintf("# bytecode: off (runtime %s)\n", u.Runtime)
	}
	p := &compilePlan{job: bytecode.Job{DDir: r.bytecodeDDir(u), Version: ver, Workers: r.workers, SkipDirs: bytecode.TestDirs}}
	skipped := " skip=" + strings.Join(p.job.SkipDirs, ",")
	b.plans[u] = p
	if ic, ok := r.inst.(installer.InstallCompiler); ok {
		p.inside = true
		p.key = fmt.Sprintf("# bytecode: unchecked-hash ddir=%s%s python=%s\n", p.job.DDir, skipped, ic.CompilerKey(r.set(u)))
		return p.key
	}
	py, skip := r.hostPython(ctx, ver)
	if skip != nil {
		p.skip = skip
		p.key = fmt.Sprintf("# bytecode: unavailable (no Python %s interpreter)\n", ver)
		return p.key
	}
	p.python = py.Command()
	p.key = fmt.Sprintf("# bytecode: unchecked-hash ddir=%s%s python=%s %s\n", p.job.DDir, skipped, py.Impl, py.Version)
	return p.key
}

// hostPython finds an interpreter of Python ver on this machine: the installer's (pythonBin),
// else python<ver> (run it with Command). When there is none it returns the notice (b.mu held).
func (r *state) hostPython(ctx context.Context, ver string) (*install.Interpreter, *bytecode.SkipError) {
	if pi, ok := r.inst.(installer.ProbedInterpreter); ok {
		if py := pi.Probed(); py != nil {
			if _, seen := r.bytecode.probed[py.Bin]; !seen {
				r.bytecode.probed[py.Bin] = py // the installer ran it already
			}
		}
	}
	var cands []string
	if hi, ok := r.inst.(installer.HostInterpreter); ok {
		bin, _ := hi.Interpreter()
		cands = append(cands, bin)
	} else {
		cands = append(cands, r.opts.PythonBin)
	}
	cands = append(cands, "python"+ver)
	for _, c := range cands {
		py := r.probePython(ctx, c)
		if py != nil && py.Impl == "cpython" && py.MajorMinor() == ver {
			return py, nil
		}
	}
	have := "not available"
	if py := r.bytecode.probed[cands[0]]; py != nil {
		have = py.Version
		if py.Impl != "cpython" {
			have = py.Impl + " " + py.Version
		}
	}
	return nil, &bytecode.SkipError{Want: ver, Have: have, Python: "pythonBin (" + cands[0] + ")"}
}

// probePython learns an interpreter's version once per run (b.mu held).
func (r *state) probePython(ctx context.Context, bin string) *install.Interpreter {
	if py, ok := r.bytecode.probed[bin]; ok {
		return py
	}
	py, err := install.Probe(ctx, r.d.Runner, bin, r.d.Environ)
	if err != nil {
		py = nil
		r.emit.Debug(fmt.Sprintf("Bytecode: %s is not usable: %v", bin, err))
	}
	r.bytecode.probed[bin] = py
	return py
}

// plan is u's compile plan; nil when bytecode is off.
func (r *state) plan(u *unit) *compilePlan {
	r.bytecode.mu.Lock()
	defer r.bytecode.mu.Unlock()
	return r.bytecode.plans[u]
}

// install installs u into dir, compiling in the installer's environment when the plan says so.
// It returns the compile result (CacheTag empty when nothing was compiled).
func (r *state) install(ctx context.Context, u *unit, dir string, p *compilePlan) (bytecode.Result, error) {
	if p == nil || !p.inside {
		return bytecode.Result{}, r.inst.Install(ctx, r.set(u), dir)
	}
	start := time.Now()
	res, err := r.inst.(installer.InstallCompiler).InstallCompiled(ctx, r.set(u), dir, p.job)
	return r.compileDone(u, start, res, err)
}

// compileHost compiles dir on this machine as p says (nothing when the installer did or nobody
// can).
func (r *state) compileHost(ctx context.Context, u *unit, dir string, p *compilePlan) (bytecode.Result, error) {
	if p == nil || p.inside {
		return bytecode.Result{}, nil
	}
	if p.skip != nil {
		r.bytecodeNotice(p.skip)
		return bytecode.Result{}, nil
	}
	_, res, err := r.compileCached(ctx, u, p, dir, nil)
	return res, err
}

func (r *state) logCompiled(u *unit, res bytecode.Result, start time.Time) {
	msg := fmt.Sprintf("Compiled %d files of %s to bytecode (Python %s) in %.1fs", res.Compiled, r.rel(u.ReqOut),
		res.PythonVersion, time.Since(start).Seconds())
	if n := len(res.Failed); n > 0 {
		var names []string
		for i, f := range res.Failed {
			if i == 5 {
				names = append(names, "...")
				break
			}
			names = append(names, f.Path)
		}
		msg += fmt.Sprintf("; %d files do not compile and are shipped as source only (%s)", n, strings.Join(names, ", "))
	}
	r.emit.Verbose(msg)
}

// bytecodeNotice tells the user once per run that some requirements ship without bytecode.
func (r *state) bytecodeNotice(skip *bytecode.SkipError) {
	r.bytecode.mu.Lock()
	defer r.bytecode.mu.Unlock()
	if r.bytecode.noticed {
		return
	}
	r.bytecode.noticed = true
	r.emit.Warn(diag.WarnAtKey(diag.CodeBytecodeSkipped, "compileBytecode", "%s", skip.Error()))
}
