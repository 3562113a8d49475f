package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/install"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/requirements"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/slim"
)

// keyVersion changes whenever the layout of cache entries changes.
const keyVersion = "1"

// before installs every requirements set and links it into .serverless (spec B.1 "before").
func (r *run) before(ctx context.Context, edits *protocol.Edits) error {
	if !anyPython(r.req, r.opts.Layer.Enabled) {
		r.emit.Verbose("No Python function in this service: skipping Python requirements.")
		return nil
	}
	edits.EnsureFunctionPackage = true
	for _, f := range r.pythonFuncs() {
		if len(f.Obj.Module) == 0 || string(f.Obj.Module) == "null" {
			if edits.FunctionModules == nil {
				edits.FunctionModules = map[string]string{}
			}
			edits.FunctionModules[f.Key] = f.Module
		}
	}
	us := units(r.req, r.fns, r.opts.Layer.Enabled)
	if len(us) == 0 {
		return nil
	}
	if err := r.prepareUnits(us); err != nil {
		return err
	}
	if err := r.installUnits(ctx, us); err != nil {
		return err
	}
	if r.opts.Zip {
		return r.zipMode(ctx, us, edits)
	}
	return nil
}

// prepareUnits finds each unit's requirements source and filters it into .serverless.
func (r *run) prepareUnits(us []*unit) error {
	for _, u := range us {
		src := filepath.Join(r.svcDir, filepath.FromSlash(u.Module), filepath.FromSlash(r.opts.FileName))
		if !exists(src) {
			if r.opts.FileNameSet {
				return &diag.Error{
					Code: "PYREQS_REQUIREMENTS_NOT_FOUND", Key: diag.ConfigPath("fileName"),
					Message: fmt.Sprintf("the requirements file %s does not exist", r.rel(src)),
					Hint:    "Create it, or fix custom.pythonRequirements.fileName (it is relative to the service folder, or to each function's module folder).",
				}
			}
			r.emit.Verbose(fmt.Sprintf("No %s in %s: no requirements to install", r.opts.FileName, r.rel(filepath.Dir(src))))
			u.Empty = true
			continue
		}
		if err := r.mustExistDir(filepath.Join(r.svcDir, filepath.FromSlash(u.Module)), u); err != nil {
			return err
		}
		u.Source = src
	}
	return nil
}

func (r *run) mustExistDir(dir string, u *unit) error {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		key := "functions"
		if len(u.Funcs) > 0 {
			key = "functions." + u.Funcs[0].Key + ".module"
		}
		return &diag.Error{Code: "PYREQS_MODULE_NOT_FOUND", Key: key,
			Message: fmt.Sprintf("the module folder %s does not exist", r.rel(dir))}
	}
	return nil
}

// installUnits filters, keys, builds (in parallel, each distinct set once) and links every unit.
func (r *run) installUnits(ctx context.Context, us []*unit) error {
	type body struct {
		u     *unit
		lines []byte
	}
	var todo []body
	for _, u := range us {
		if u.Empty {
			continue
		}
		lines, err := requirements.Read(u.Source)
		if err != nil {
			return err
		}
		kept, warns := requirements.Filter(lines, r.opts.NoDeploy)
		for _, w := range warns {
			r.emit.Warning(w)
		}
		rendered := requirements.Render(kept)
		u.ReqOut = dotServerless(r.svcDir, u.Module, "requirements.txt")
		u.LinkPath = dotServerless(r.svcDir, u.Module, "requirements")
		r.emit.Info(fmt.Sprintf("Generated requirements from %s in %s", r.rel(u.Source), r.rel(u.ReqOut)))
		if len(bytes.TrimSpace(rendered)) == 0 {
			r.emit.Info(fmt.Sprintf("Skipping empty output requirements.txt file from %s", r.rel(u.ReqOut)))
			u.Empty = true
			if err := writeFileAtomic(u.ReqOut, rendered); err != nil {
				return err
			}
			continue
		}
		todo = append(todo, body{u, rendered})
	}
	if len(todo) == 0 {
		return nil
	}

	useCache := r.opts.UseStaticCache
	if useCache || r.opts.UseDownloadCache {
		if err := r.checkCacheWritable(); err != nil {
			return err
		}
	}
	py, err := install.Probe(ctx, r.d.Runner, r.opts.PythonBin, r.d.Environ)
	if err != nil {
		return err
	}
	r.emit.Verbose(fmt.Sprintf("Using %s (Python %s, %s, pip %s)", py.Bin, py.Version, py.Machine, py.PipVersion))

	// Key material: everything that changes the installed result goes into the header of the
	// generated requirements.txt, so the cache folder name (its sha256) covers it.
	for _, t := range todo {
		if rt := t.u.Runtime; isPython(rt) && strings.TrimPrefix(rt, "python") != py.MajorMinor() {
			r.emit.Warning(fmt.Sprintf("The runtime is %s but %s is Python %s: compiled packages may not load on Lambda. "+
				"Set custom.pythonRequirements.pythonBin to a Python %s interpreter, or use dockerizePip.",
				rt, py.Bin, py.Version, strings.TrimPrefix(rt, "python")))
			break
		}
	}
	for _, t := range todo {
		header := r.keyHeader(py, t.u)
		content := append([]byte(header), t.lines...)
		if err := writeFileAtomic(t.u.ReqOut, content); err != nil {
			return err
		}
		t.u.Name = cache.EntryName(content, t.u.Arch)
	}

	// Build each distinct entry once, in parallel.
	byName := map[string][]*unit{}
	var names []string
	for _, t := range todo {
		if _, ok := byName[t.u.Name]; !ok {
			names = append(names, t.u.Name)
		}
		byName[t.u.Name] = append(byName[t.u.Name], t.u)
	}
	sort.Strings(names)
	downloadCache := ""
	if r.opts.UseDownloadCache {
		downloadCache = filepath.Join(r.cacheRoot, cache.DownloadDir)
		if err := os.MkdirAll(downloadCache, 0o755); err != nil {
			return r.checkCacheWritable()
		}
		r.emit.Verbose("Using download cache directory " + downloadCache)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, r.workers))
	var mu sync.Mutex
	for _, name := range names {
		us := byName[name]
		first := us[0]
		g.Go(func() error {
			dir, err := r.buildEntry(gctx, first, py, downloadCache)
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
	if err := g.Wait(); err != nil {
		return err
	}
	for _, t := range todo {
		if t.u.Dir == t.u.LinkPath {
			continue
		}
		if err := symlinkAtomic(t.u.Dir, t.u.LinkPath); err != nil {
			return fmt.Errorf("linking %s: %w", r.rel(t.u.LinkPath), err)
		}
	}
	if useCache && r.opts.StaticCacheMaxVersions > 0 {
		keep := map[string]bool{}
		for _, n := range names {
			keep[n] = true
		}
		n, err := cache.Prune(r.cacheRoot, r.opts.StaticCacheMaxVersions, keep)
		if err != nil {
			return err
		}
		if n > 0 {
			r.emit.Info(fmt.Sprintf("Removed %d items from cache because of staticCacheMaxVersions", n))
		}
	}
	return nil
}

// keyHeader is the comment block that makes the cache key cover the interpreter, platform,
// installer, pip arguments and slim settings (DESIGN deliberate difference 2).
func (r *run) keyHeader(py *install.Interpreter, u *unit) string {
	o := r.opts
	var b strings.Builder
	fmt.Fprintf(&b, "# Generated by serverless-pyreqs; the sha256 of this file names the static cache folder.\n")
	fmt.Fprintf(&b, "# key-version: %s\n", keyVersion)
	fmt.Fprintf(&b, "# python: %s %s %s %s\n", py.Impl, py.Version, py.Platform, py.Machine)
	fmt.Fprintf(&b, "# target: runtime=%s arch=%s\n", u.Runtime, u.Arch)
	fmt.Fprintf(&b, "# installer: %s pip=%s\n", o.Installer, py.PipVersion)
	if len(o.PipCmdExtraArgs) > 0 {
		fmt.Fprintf(&b, "# args: %s\n", redact.String(strings.Join(o.PipCmdExtraArgs, " ")))
	}
	fmt.Fprintf(&b, "# slim: %t strip: %t patterns: %s\n", o.Slim, o.Strip, strings.Join(o.SlimPatternList, ","))
	if !r.opts.UseStaticCache {
		fmt.Fprintf(&b, "# static cache: off\n")
	}
	return b.String()
}

// buildEntry installs a unit into its cache entry (or, without the static cache, straight into
// .serverless/[<module>/]requirements), then packs it once into the entry's packed zip.
func (r *run) buildEntry(ctx context.Context, u *unit, py *install.Interpreter, downloadCache string) (string, error) {
	build := func(ctx context.Context, tmp string) error {
		start := time.Now()
		progressID := "python-install"
		if u.Module != "." {
			progressID += "-" + u.Module
		}
		r.emit.Progress(progressID, fmt.Sprintf("Installing requirements from %s", r.rel(u.ReqOut)), false)
		defer r.emit.Progress(progressID, "", true)
		secrets := redact.EnvSecrets(r.d.Environ)
		spec := install.Spec{
			Installer: r.opts.Installer, Python: py, Requirements: u.ReqOut, Target: tmp,
			ExtraArgs: r.opts.PipCmdExtraArgs, DownloadCache: downloadCache, Env: r.d.Environ, Dir: r.svcDir,
			OnLine: func(l string) { r.emit.Debug(redact.String(l, secrets...)) },
		}
		name, args := spec.Args()
		r.emit.Verbose("Running: " + redact.String(name+" "+strings.Join(args, " "), secrets...))
		if err := install.Run(ctx, r.d.Runner, spec); err != nil {
			return err
		}
		if err := r.postInstall(ctx, tmp); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(tmp, cache.MetaDir), 0o755); err != nil {
			return err
		}
		st, err := archive.PackTree(ctx, tmp, cache.PackedPath(tmp), archive.PackOptions{Exclude: excludeMeta})
		if err != nil {
			return err
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
	dir, hit, err := cache.Ensure(ctx, r.cacheRoot, u.Name, build)
	if err != nil {
		return "", err
	}
	if hit {
		r.emit.Info("Using static cache of requirements found at " + dir)
	}
	return dir, nil
}

// postInstall runs the steps between install and packing: strip, then slim (spec C.9).
func (r *run) postInstall(ctx context.Context, dir string) error {
	if r.opts.Slim && r.opts.Strip {
		if r.d.GOOS == "linux" {
			libs, err := slim.SharedLibraries(dir)
			if err != nil {
				return err
			}
			if err := slim.Strip(ctx, r.d.Runner, libs, r.d.Environ); err != nil {
				return err
			}
			r.emit.Verbose(fmt.Sprintf("Stripped %d shared libraries", len(libs)))
		} else {
			r.emit.Verbose("Not stripping shared libraries: strip only runs on Linux hosts or inside docker")
		}
	}
	if r.opts.Slim {
		m, err := slim.Compile(r.opts.SlimPatternList)
		if err != nil {
			return err
		}
		removed, err := slim.Remove(dir, m)
		if err != nil {
			return err
		}
		r.emit.Verbose(fmt.Sprintf("Slim removed %d files and folders", len(removed)))
	}
	// pip --no-compile leaves no bytecode, but a source build can; never ship it.
	return removePycache(dir)
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

// excludeMeta keeps our own files, the marker and bytecode out of every archive.
func excludeMeta(rel string, isDir bool) bool {
	switch {
	case rel == cache.MetaDir, rel == cache.Marker, rel == "requirements.txt" && !isDir:
		return true
	case isDir && (rel == "__pycache__" || strings.HasSuffix(rel, "/__pycache__")):
		return true
	case !isDir && (strings.HasSuffix(rel, ".pyc") || strings.HasSuffix(rel, ".pyo")):
		return true
	}
	return false
}

func mustRead(p string) []byte {
	b, _ := os.ReadFile(p)
	return b
}

// writeFileAtomic writes data to p through a temporary file and a rename.
func writeFileAtomic(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-"+filepath.Base(p)+"-")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), p); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// symlinkAtomic points link at target, replacing whatever link was (a link, file or folder).
func symlinkAtomic(target, link string) error {
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return err
	}
	if cur, err := os.Readlink(link); err == nil && cur == target {
		return nil
	}
	tmp := link + ".tmp-link"
	_ = os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if fi, err := os.Lstat(link); err == nil && fi.IsDir() {
		if err := os.RemoveAll(link); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

var errNoRequirements = errors.New("no requirements")
