package pipeline

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/assembly"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/bytecode"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
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
	// dropped: the pipeline's own files and slim's patterns, for a file or any of its folders.
	bt.dropped = func(name string) bool {
		if excludeMeta(name, false) || m != nil && m.Match(name, false) {
			return true
		}
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			if excludeMeta(d, true) || m != nil && m.Match(d, true) {
				return true
			}
		}
		return false
	}
	// exclude is asked about every entry, the added bytecode included, after the transform.
	bt.exclude = func(name string) bool {
		if !bt.added[name] && strings.Contains("/"+name, "/__pycache__/") {
			return true // a wheel's own bytecode (the classic path removes it before compiling)
		}
		return bt.dropped(name)
	}
	var ts transforms
	if o.Slim && o.Strip && !r.inst.StripsInside() {
		if r.d.GOOS == "linux" {
			ts = append(ts, &stripTransform{r: r, exclude: bt.dropped})
		} else {
			r.emit.Verbose("Not stripping shared libraries: strip only runs on Linux hosts or inside docker")
		}
	}
	switch {
	case plan == nil:
	case plan.skip != nil:
		r.bytecodeNotice(plan.skip)
	case !plan.inside:
		ts = append(ts, bt)
	}
	spec := installer.PackSpec{Exclude: bt.exclude}
	if len(ts) > 0 {
		spec.Transform = ts
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
	r                *state
	u                *unit
	plan             *compilePlan
	dropped, exclude func(string) bool
	added            map[string]bool // the .pyc names Apply added
}

// Select picks the sources that are shipped and whose bytecode is (slim's default patterns
// delete it: then nothing is compiled, where the classic path compiles and deletes), outside the
// folders the plan skips (bytecode.TestDirs).
func (t *bytecodeTransform) Select(name string) bool {
	return strings.HasSuffix(name, ".py") && !bytecode.Skipped(name, t.plan.job.SkipDirs) &&
		!t.dropped(name) && !t.dropped(bytecode.PycPath(name, cacheTag(t.plan.job.Version)))
}

// Apply compiles the selected sources in dir (compileCached: from the bytecode cache where it
// can) and adds their .pyc files.
func (t *bytecodeTransform) Apply(ctx context.Context, dir string, names []string) (assembly.Changes, error) {
	written, _, err := t.r.compileCached(ctx, t.u, t.plan, dir, names)
	if err != nil {
		return assembly.Changes{}, err
	}
	for _, pyc := range written {
		t.added[pyc] = true
	}
	return assembly.Changes{Added: written}, nil
}

// transforms applies several Transformers in one assembly, in order, each to the entries it
// selects (their selections do not overlap: shared libraries, sources).
type transforms []assembly.Transformer

func (ts transforms) Select(name string) bool {
	for _, t := range ts {
		if t.Select(name) {
			return true
		}
	}
	return false
}

func (ts transforms) Apply(ctx context.Context, dir string, names []string) (assembly.Changes, error) {
	var all assembly.Changes
	for _, t := range ts {
		var mine []string
		for _, n := range names {
			if t.Select(n) {
				mine = append(mine, n)
			}
		}
		if len(mine) == 0 {
			continue
		}
		ch, err := t.Apply(ctx, dir, mine)
		if err != nil {
			return all, err
		}
		all.Modified = append(all.Modified, ch.Modified...)
		all.Added = append(all.Added, ch.Added...)
		all.Removed = append(all.Removed, ch.Removed...)
	}
	return all, nil
}

// stripTransform strips the shipped shared libraries (*.so, as slim.SharedLibraries finds them)
// of an assembled set, as postInstall does for an installed tree (slim and strip on, Linux).
type stripTransform struct {
	r       *state
	exclude func(string) bool
}

func (t *stripTransform) Select(name string) bool {
	return strings.HasSuffix(name, ".so") && !t.exclude(name)
}

func (t *stripTransform) Apply(ctx context.Context, dir string, names []string) (assembly.Changes, error) {
	libs := make([]string, len(names))
	for i, n := range names {
		libs[i] = filepath.Join(dir, filepath.FromSlash(n))
	}
	failed, err := slim.Strip(ctx, t.r.d.Runner, libs, t.r.d.Environ)
	if err != nil {
		return assembly.Changes{}, err
	}
	if failed != "" {
		t.r.emit.Warn(diag.WarnAtKey(diag.CodeStripIncomplete, "strip", "strip could not process some shared libraries; they are kept unstripped:\n%s", failed))
	}
	t.r.emit.Verbose(fmt.Sprintf("Stripped %d shared libraries", len(libs)))
	return assembly.Changes{Modified: names}, nil
}
