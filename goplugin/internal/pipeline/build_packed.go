package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

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
	bt := &bytecodeTransform{r: r, u: u, plan: plan, added: map[string]bool{}, cache: r.newPycCache(plan)}
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
	cache            *pycCache       // nil: off
}

// Select picks the sources that are shipped and whose bytecode is (slim's default patterns
// delete it: then nothing is compiled, where the classic path compiles and deletes).
func (t *bytecodeTransform) Select(name string) bool {
	return strings.HasSuffix(name, ".py") && !t.dropped(name) && !t.dropped(bytecode.PycPath(name, cacheTag(t.plan.job.Version)))
}

// Apply compiles the selected sources in dir as the plan says: those the bytecode cache holds
// (pycCache) are copied from it, the others compiled by one run of the driver and stored.
func (t *bytecodeTransform) Apply(ctx context.Context, dir string, names []string) (assembly.Changes, error) {
	start := time.Now()
	tag := cacheTag(t.plan.job.Version)
	var ch assembly.Changes
	add := func(pyc string) {
		t.added[pyc] = true
		ch.Added = append(ch.Added, pyc)
	}
	todo, keys := names, map[string]string{}
	if c := t.cache; c != nil {
		todo = nil
		for _, n := range names {
			src, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n)))
			if err != nil {
				return ch, err
			}
			k := c.key(path.Join(t.plan.job.DDir, n), src)
			pyc, ok := c.get(k)
			if !ok {
				keys[n] = k
				todo = append(todo, n)
				continue
			}
			p := filepath.Join(dir, filepath.FromSlash(bytecode.PycPath(n, tag)))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return ch, err
			}
			if err := os.WriteFile(p, pyc, 0o644); err != nil {
				return ch, err
			}
			add(bytecode.PycPath(n, tag))
		}
	}
	res := bytecode.Result{CacheTag: tag}
	if len(todo) > 0 {
		job := t.plan.job
		job.Tree = dir
		if len(todo) < len(names) {
			job.Paths = todo
		}
		var err error
		res, err = bytecode.Host{Runner: t.r.d.Runner, Python: t.plan.python, Environ: t.r.d.Environ}.Compile(ctx, job)
		var skip *bytecode.SkipError
		if errors.As(err, &skip) {
			t.r.bytecodeNotice(skip)
			return assembly.Changes{}, nil
		}
		if err != nil {
			return ch, err
		}
		if res.CacheTag != tag {
			return ch, fmt.Errorf("bytecode: the compiler's cache tag is %s, not %s", res.CacheTag, tag)
		}
		failed := map[string]bool{}
		for _, f := range res.Failed {
			failed[f.Path] = true
		}
		for _, n := range todo {
			if failed[n] {
				continue
			}
			pyc := bytecode.PycPath(n, tag)
			add(pyc)
			if k, ok := keys[n]; ok {
				b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(pyc)))
				if err != nil {
					return ch, err
				}
				if err := t.cache.put(k, b); err != nil {
					t.r.emit.Debug("Bytecode cache: " + err.Error()) // a cache that cannot be written only costs time
				}
			}
		}
	}
	if len(todo) > 0 {
		t.r.logCompiled(t.u, res, start)
	}
	if hits := len(names) - len(todo); hits > 0 {
		t.r.emit.Verbose(fmt.Sprintf("Took the bytecode of %d files of %s from the bytecode cache", hits, t.r.rel(t.u.ReqOut)))
	}
	return ch, nil
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
