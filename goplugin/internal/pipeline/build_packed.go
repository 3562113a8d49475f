package pipeline

import (
	"context"
	"errors"
	"path"
	"strings"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/assembly"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/bytecode"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/installer"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/slim"
)

// installPacked lets an installer.PackedInstaller write u's packed zip, its dists file and its
// tree into dir, with the same files the classic path (install, postInstall, PackTree) gives:
// the pipeline's files, stray bytecode and slim's patterns are left out, and the sources are
// compiled to bytecode as the plan says (by a Transformer: only the sources are read, the other
// entries keep the wheels' compressed bytes). packed=false: the installer is not one, or it
// declined the set.
func (r *state) installPacked(ctx context.Context, u *unit, dir string, plan *compilePlan) (archive.Stats, bool, error) {
	pi, ok := r.inst.(installer.PackedInstaller)
	if !ok {
		return archive.Stats{}, false, nil
	}
	o := r.unitOptions(u)
	var m *slim.Matcher
	if o.Slim {
		var err error
		if m, err = slim.Compile(o.SlimPatternList); err != nil {
			return archive.Stats{}, false, slimPatternError(o, err)
		}
	}
	bt := &bytecodeTransform{r: r, u: u, plan: plan, added: map[string]bool{}}
	// exclude is asked about every source before the compile (Select) and about every entry,
	// added bytecode included, after it.
	bt.exclude = func(name string) bool {
		if excludeMeta(name, false) || m != nil && m.Match(name, false) {
			return true
		}
		if !bt.added[name] && strings.Contains("/"+name, "/__pycache__/") {
			return true // a wheel's own bytecode (the classic path removes it before compiling)
		}
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			if excludeMeta(d, true) || m != nil && m.Match(d, true) {
				return true
			}
		}
		return false
	}
	spec := installer.PackSpec{Exclude: bt.exclude}
	switch {
	case plan == nil:
	case plan.skip != nil:
		r.bytecodeNotice(plan.skip)
	case !plan.inside:
		spec.Transform = bt
	}
	p, ok, err := pi.InstallPacked(ctx, r.set(u), dir, spec)
	if err != nil || !ok {
		return archive.Stats{}, false, err
	}
	return archive.Stats{Entries: p.Entries, Bytes: p.Bytes, Written: p.Written}, true, nil
}

// bytecodeTransform compiles the selected sources of an assembled set to bytecode (an
// assembly.Transformer): the sources are written into a scratch folder and compiled there by one
// run of the bytecode driver (bytecode.Host), and the .pyc files it writes become new entries.
type bytecodeTransform struct {
	r       *state
	u       *unit
	plan    *compilePlan
	exclude func(string) bool
	added   map[string]bool // the .pyc names Apply added
}

// Select picks the sources that are shipped.
func (t *bytecodeTransform) Select(name string) bool {
	return strings.HasSuffix(name, ".py") && !t.exclude(name)
}

// Apply compiles dir (holding only the selected sources) as the plan says.
func (t *bytecodeTransform) Apply(ctx context.Context, dir string, names []string) (assembly.Changes, error) {
	start := time.Now()
	job := t.plan.job
	job.Tree = dir
	res, err := bytecode.Host{Runner: t.r.d.Runner, Python: t.plan.python, Environ: t.r.d.Environ}.Compile(ctx, job)
	var skip *bytecode.SkipError
	if errors.As(err, &skip) {
		t.r.bytecodeNotice(skip)
		return assembly.Changes{}, nil
	}
	if err != nil {
		return assembly.Changes{}, err
	}
	failed := map[string]bool{}
	for _, f := range res.Failed {
		failed[f.Path] = true
	}
	var ch assembly.Changes
	for _, n := range names {
		if failed[n] {
			continue
		}
		pyc := bytecode.PycPath(n, res.CacheTag)
		t.added[pyc] = true
		ch.Added = append(ch.Added, pyc)
	}
	t.r.logCompiled(t.u, res, start)
	return ch, nil
}
