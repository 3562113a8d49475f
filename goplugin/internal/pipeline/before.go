package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/install"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/requirements"
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
	if rel, err := filepath.Rel(r.svcDir, r.cacheRoot); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		// A cache inside the service would be packed into every artifact: keep it out.
		edits.ServicePatterns = append(edits.ServicePatterns, "!"+filepath.ToSlash(rel)+"/**")
	}
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
	if err := r.prepareUnits(ctx, us); err != nil {
		return err
	}
	if err := r.installUnits(ctx, us); err != nil {
		return err
	}
	if r.opts.Zip {
		return r.zipMode(ctx, us, edits)
	}
	r.warnStaleZip()
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
		lines, err := u.readSource()
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
		r.emit.Info(r.sourceMessage(u))
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
	var py *install.Interpreter // nil: the installs run in a container (dockerizePip)
	if r.opts.Dockerized(r.d.GOOS) {
		if err := r.prepareDocker(); err != nil {
			return err
		}
	} else {
		var err error
		if py, err = install.Probe(ctx, r.d.Runner, r.opts.PythonBin, r.d.Environ); err != nil {
			return err
		}
		r.emit.Verbose(fmt.Sprintf("Using %s (Python %s, %s, pip %s)", py.Bin, py.Version, py.Machine, py.PipVersion))
	}

	// Key material: everything that changes the installed result goes into the header of the
	// generated requirements.txt, so the cache folder name (its sha256) covers it.
	// uv picks wheels for the runtime itself (--python-version), so only pip needs the warning.
	for _, t := range todo {
		if rt := t.u.Runtime; py != nil && r.opts.Installer != "uv" && isPython(rt) && strings.TrimPrefix(rt, "python") != py.MajorMinor() {
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
		// The pointer file is what the after phase reads; the link is for people and tools.
		if err := writeFileAtomic(entryPointer(r.svcDir, t.u.Module), []byte(t.u.Dir+"\n")); err != nil {
			return err
		}
		if t.u.Dir == t.u.LinkPath {
			continue
		}
		if err := symlinkAtomic(t.u.Dir, t.u.LinkPath); err != nil {
			if r.d.GOOS != "windows" {
				return fmt.Errorf("linking %s: %w", r.rel(t.u.LinkPath), err)
			}
			// Symlinks need Developer Mode on Windows; packaging does not depend on the link.
			r.emit.Verbose(fmt.Sprintf("Could not link %s to the cache (%v); packaging goes on without it", r.rel(t.u.LinkPath), err))
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
	pipVersion := "image's"
	if py != nil {
		fmt.Fprintf(&b, "# python: %s %s %s %s\n", py.Impl, py.Version, py.Platform, py.Machine)
		pipVersion = py.PipVersion
	} else {
		b.WriteString(r.dockerKey(u))
	}
	fmt.Fprintf(&b, "# target: runtime=%s arch=%s\n", u.Runtime, u.Arch)
	fmt.Fprintf(&b, "# installer: %s pip=%s\n", o.Installer, pipVersion)
	if len(o.PipCmdExtraArgs) > 0 {
		fmt.Fprintf(&b, "# args: %s\n", redact.String(strings.Join(o.PipCmdExtraArgs, " ")))
	}
	fmt.Fprintf(&b, "# slim: %t strip: %t patterns: %s\n", o.Slim, o.Strip, strings.Join(o.SlimPatternList, ","))
	if !r.opts.UseStaticCache {
		fmt.Fprintf(&b, "# static cache: off\n")
	}
	return b.String()
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
	return writeAtomic(p, bytes.NewReader(data))
}

// writeAtomic writes r's content to p (mode 0644) through a temporary file and a rename.
func writeAtomic(p string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-"+filepath.Base(p)+"-")
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// entryPointer is the file in .serverless that names the folder a unit's requirements were built in.
func entryPointer(svcDir, module string) string {
	return dotServerless(svcDir, module, ".pyreqs-entry")
}

// builtEntry returns the folder holding a module's installed requirements: the one named by its
// pointer file, or (for a .serverless written by an older version) the target of its link.
func (r *run) builtEntry(module string) (string, error) {
	if b, err := os.ReadFile(entryPointer(r.svcDir, module)); err == nil {
		dir := strings.TrimSpace(string(b))
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir, nil
		}
	}
	return filepath.EvalSymlinks(dotServerless(r.svcDir, module, "requirements"))
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
