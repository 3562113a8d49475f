package pipeline

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
)

// invalidate runs at after:package:cleanup. With invalidateCaches it really empties the static
// cache (the original returned its clean function without calling it), so the build that follows
// installs everything fresh. The download cache is kept: it only saves network.
func (r *run) invalidate() error {
	if !r.opts.InvalidateCaches {
		return nil
	}
	res, err := cache.Clean(r.cacheRoot, false)
	if err != nil {
		return fmt.Errorf("invalidating caches in %s: %w", r.cacheRoot, err)
	}
	r.emit.Info(fmt.Sprintf("invalidateCaches: removed %d static cache entries from %s", res.Entries, r.cacheRoot))
	return nil
}

// clean removes what the plugin created in the service: the requirements links/folders and
// generated requirements.txt files in .serverless, the zip-mode archives and helpers, and the
// legacy .requirements folder.
func (r *run) clean() error {
	var targets []string
	add := func(p string) { targets = append(targets, p) }
	add(filepath.Join(r.svcDir, ".requirements"))
	modules := map[string]bool{".": true}
	for _, f := range r.pythonFuncs() {
		if f.Individual {
			modules[f.Module] = true
		}
	}
	for _, m := range sortedKeys(modules) {
		add(dotServerless(r.svcDir, m, "requirements"))
		add(dotServerless(r.svcDir, m, "requirements.txt"))
		add(entryPointer(r.svcDir, m))
		dir := filepath.Join(r.svcDir, filepath.FromSlash(m))
		add(filepath.Join(dir, ".requirements.zip"))
		if r.opts.CleanupZipHelper {
			add(filepath.Join(dir, "unzip_requirements.py"))
		}
	}
	add(filepath.Join(r.svcDir, ".serverless", "pythonRequirements.zip"))
	removed := 0
	for _, t := range targets {
		if _, err := os.Lstat(t); err != nil {
			continue
		}
		if err := os.RemoveAll(t); err != nil {
			return fmt.Errorf("removing %s: %w", r.rel(t), err)
		}
		removed++
		r.emit.Verbose("Removed " + r.rel(t))
	}
	r.emit.Info(fmt.Sprintf("Removed %d Python requirements file(s) from the service", removed))
	return nil
}

// cleanCache removes the plugin's own entries from the cache folder and nothing else.
func (r *run) cleanCache() error {
	if _, err := os.Stat(r.cacheRoot); err != nil {
		r.emit.Info("No static cache found")
		return nil
	}
	r.emit.Info("Removing static caches at: " + r.cacheRoot)
	res, err := cache.Clean(r.cacheRoot, true)
	if err != nil {
		return fmt.Errorf("cleaning the cache at %s: %w", r.cacheRoot, err)
	}
	r.emit.Info(fmt.Sprintf("Removed %d static cache entries%s", res.Entries, map[bool]string{true: " and the download cache", false: ""}[res.Download]))
	return nil
}
