package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/bytecode"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/slim"
)

// buildEntries installs each distinct set once (sets with the same generated requirements share
// a cache entry), in parallel: into its static cache entry, or without the static cache straight
// into .serverless/[<module>/]requirements. After the install: the binary check, strip (unless the installer did),
// slim, and one packed zip per entry.
type buildEntries struct{}

func (buildEntries) String() string { return "build" }

func (buildEntries) Run(ctx context.Context, s *state) error {
	if err := nothingToInstall(s); err != nil {
		return err
	}
	byName := map[string][]*unit{}
	for _, u := range s.todo {
		if _, ok := byName[u.Name]; !ok {
			s.names = append(s.names, u.Name)
		}
		byName[u.Name] = append(byName[u.Name], u)
	}
	sort.Strings(s.names)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, s.workers))
	var mu sync.Mutex
	for _, name := range s.names {
		us := byName[name]
		g.Go(func() error {
			dir, err := s.buildEntry(gctx, us[0])
			if err != nil {
				return err
			}
			mu.Lock()
			for _, u := range us {
				u.Dir = dir
			}
			mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

// buildEntry installs a unit into its cache entry (or, without the static cache, straight into
// .serverless/[<module>/]requirements), then packs it once into the entry's packed zip.
func (r *state) buildEntry(ctx context.Context, u *unit) (string, error) {
	build := func(ctx context.Context, tmp string) error {
		start := time.Now()
		progressID := "python-install"
		if u.Module != "." {
			progressID += "-" + u.Module
		}
		r.emit.Progress(progressID, fmt.Sprintf("Installing requirements from %s", r.rel(u.ReqOut)), false)
		defer r.emit.Progress(progressID, "", true)
		plan := r.plan(u)
		// An installer that writes the packed zip itself (installer.PackedInstaller: assembled
		// from wheels) replaces install, post-install and packing; a set it declines takes that
		// path.
		st, packed, err := r.installPacked(ctx, u, tmp, plan)
		if err != nil {
			return err
		}
		if packed {
			if err := r.checkBinaries(tmp, u); err != nil {
				return err
			}
		} else {
			compiled, err := r.install(ctx, u, tmp, plan)
			if err != nil {
				return err
			}
			if err := r.checkBinaries(tmp, u); err != nil {
				return err
			}
			if err := r.postInstall(ctx, u, tmp, plan, compiled); err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Join(tmp, cache.MetaDir), 0o755); err != nil {
				return err
			}
			if st, err = archive.PackTree(ctx, tmp, cache.PackedPath(tmp), archive.PackOptions{Exclude: excludeMeta}); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(tmp, cache.MetaDir, "requirements.txt"), mustRead(u.ReqOut), 0o644); err != nil {
			return err
		}
		r.emit.Info(fmt.Sprintf("Installed requirements from %s: %d files, %.1f MB (%.1f MB packed) in %.1fs",
			r.rel(u.ReqOut), st.Entries, float64(st.Bytes)/1e6, float64(st.Written)/1e6, time.Since(start).Seconds()))
		return nil
	}
	if !r.opts.UseStaticCache {
		dir := u.LinkPath
		if fi, err := os.Lstat(dir); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			if err := os.Remove(dir); err != nil {
				return "", err
			}
		}
		if err := cache.Replace(ctx, dir, build); err != nil {
			return "", err
		}
		return dir, nil
	}
	opts := r.ensureOptions()
	opts.OnDamaged = r.reportDamaged
	dir, how, err := cache.EnsureWith(ctx, r.cacheRoot, u.Name, build, opts)
	if err != nil {
		return "", err
	}
	switch how {
	case cache.HitLocal:
		if n := cache.Reclaim(r.cacheRoot, u.Name); n > 0 { // leftovers of killed builds
			r.emit.Verbose(fmt.Sprintf("Removed %d temporary folder(s) left by interrupted builds of %s", n, u.Name))
		}
		r.emit.Info("Using static cache of requirements found at " + dir)
	case cache.HitRemote:
		r.emit.Info(fmt.Sprintf("Using requirements from the remote cache %s, now in the static cache at %s", r.remote, dir))
	}
	return dir, nil
}

// postInstall runs what comes between install and packing: strip, the removal of stray
// __pycache__ folders, bytecode (unless the installer compiled, after its own strip and
// removal), slim (spec C.9), then the removal of the bytecode whose source slim deleted.
func (r *state) postInstall(ctx context.Context, u *unit, dir string, plan *compilePlan, compiled bytecode.Result) error {
	o := r.unitOptions(u)
	if err := saveDists(dir); err != nil { // before slim deletes the *.dist-info folders
		return err
	}
	if o.Slim && o.Strip && !r.inst.StripsInside() {
		if r.d.GOOS == "linux" {
			libs, err := slim.SharedLibraries(dir)
			if err != nil {
				return err
			}
			failed, err := slim.Strip(ctx, r.d.Runner, libs, r.d.Environ)
			if err != nil {
				return err
			}
			if failed != "" {
				r.emit.Warn(diag.WarnAtKey(diag.CodeStripIncomplete, "strip", "strip could not process some shared libraries; they are kept unstripped:\n%s", failed))
			}
			r.emit.Verbose(fmt.Sprintf("Stripped %d shared libraries", len(libs)))
		} else {
			r.emit.Verbose("Not stripping shared libraries: strip only runs on Linux hosts or inside docker")
		}
	}
	if plan == nil || !plan.inside {
		// pip --no-compile leaves no bytecode, but a source build can: only ours is shipped.
		if err := removePycache(dir); err != nil {
			return err
		}
		var err error
		if compiled, err = r.compileHost(ctx, u, dir, plan); err != nil {
			return err
		}
	}
	if o.Slim {
		m, err := slim.Compile(o.SlimPatternList)
		if err != nil {
			return slimPatternError(o, err)
		}
		removed, err := slim.Remove(dir, m)
		if err != nil {
			return err
		}
		r.emit.Verbose(fmt.Sprintf("Slim removed %d files and folders", len(removed)))
		if compiled.CacheTag != "" {
			if _, err := bytecode.RemoveOrphans(dir, compiled.CacheTag); err != nil {
				return err
			}
		}
	}
	return nil
}

func removePycache(dir string) error {
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "__pycache__" {
			dirs = append(dirs, p)
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	return nil
}

// excludeMeta keeps our own files and the marker out of every archive, and the bytecode that
// is not ours: only __pycache__ folders hold what the bytecode compiler writes (stray ones were
// removed before it ran), so a .pyc or .pyo file elsewhere is a package's leftover.
func excludeMeta(rel string, isDir bool) bool {
	switch {
	case rel == cache.MetaDir, rel == cache.Marker, rel == "requirements.txt" && !isDir:
		return true
	case !isDir && (strings.HasSuffix(rel, ".pyc") || strings.HasSuffix(rel, ".pyo")):
		return path.Base(path.Dir(rel)) != "__pycache__"
	}
	return false
}

func mustRead(p string) []byte {
	b, _ := os.ReadFile(p)
	return b
}

// slimPatternError names the slimPatterns entry that cannot be compiled (config validation
// normally reports it first).
func slimPatternError(o *config.Options, err error) error {
	var pe *slim.PatternError
	if !errors.As(err, &pe) {
		return err
	}
	key := "slimPatterns"
	if i := pe.Index - (len(o.SlimPatternList) - len(o.SlimPatterns)); i >= 0 {
		key = fmt.Sprintf("slimPatterns[%d]", i)
	}
	return diag.Config(key, "is not a valid glob pattern %q: %v", pe.Pattern, pe.Err).
		WithFix("Fix the pattern: '*' matches within a folder, '**' any number of folders, [abc] one character of a set, {a,b} alternatives.")
}
