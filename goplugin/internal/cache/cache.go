// Package cache manages the static requirements cache: its location, entry names, file locks,
// atomic builds, pruning and cleaning.
//
// An entry is a folder <root>/<sha256>_<arch>_slspyc (the original plugin's naming) holding the
// installed packages, a marker file .completed_requirements written last, and our metadata folder
// .pyreqs/ (the packed zip and the key material). Entries are built in a temporary folder beside
// the final one and renamed into place under a per-entry file lock, so an interrupted or concurrent
// build never leaves a folder that looks complete.
package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

const (
	// Marker is written last into a complete entry.
	Marker = ".completed_requirements"
	// MetaDir holds our own files inside an entry; never deployed.
	MetaDir = ".pyreqs"
	// PackedName is the packed (pre-compressed) zip of the entry's files, inside MetaDir.
	PackedName = "packed.zip"
	// Suffix ends every static cache entry name.
	Suffix = "_slspyc"
	// DownloadDir is pip's/uv's download cache folder inside the root.
	DownloadDir = "downloadCacheslspyc"
	tmpPrefix   = ".tmp-"
)

// DefaultRoot returns the platform default cache root (spec C.2).
func DefaultRoot(goos string, getenv func(string) string) (string, error) {
	switch goos {
	case "windows":
		base := getenv("LOCALAPPDATA")
		if base == "" {
			base = getenv("APPDATA")
		}
		if base == "" {
			return "", errors.New("neither LOCALAPPDATA nor APPDATA is set; set " + diag.ConfigPath("cacheLocation"))
		}
		return filepath.Join(base, "ServerlessFramework", "serverless-python-requirements", "Cache"), nil
	case "darwin":
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("HOME is not set; set " + diag.ConfigPath("cacheLocation"))
		}
		return filepath.Join(home, "Library", "Caches", "serverless-python-requirements"), nil
	default:
		if x := getenv("XDG_CACHE_HOME"); x != "" {
			return filepath.Join(x, "serverless-python-requirements"), nil
		}
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("neither XDG_CACHE_HOME nor HOME is set; set " + diag.ConfigPath("cacheLocation"))
		}
		return filepath.Join(home, ".cache", "serverless-python-requirements"), nil
	}
}

// EntryName is the folder name for key material: sha256(material) + "_" + arch + "_slspyc".
func EntryName(material []byte, arch string) string {
	if arch == "" {
		arch = "x86_64"
	}
	sum := sha256.Sum256(material)
	return hex.EncodeToString(sum[:]) + "_" + arch + Suffix
}

// Complete reports whether dir is a finished entry.
func Complete(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, Marker))
	return err == nil
}

// PackedPath is the packed zip of an entry.
func PackedPath(dir string) string { return filepath.Join(dir, MetaDir, PackedName) }

// BuildFunc fills tmp (an empty folder) with the entry's content.
type BuildFunc func(ctx context.Context, tmp string) error

// Ensure returns dir (root/name), building it with build when it is not complete. It holds a file
// lock on root/name.lock while checking and building, so concurrent runs build once. hit reports
// whether a complete entry was already there. A hit refreshes the folder's mtime (for pruning).
func Ensure(ctx context.Context, root, name string, build BuildFunc) (dir string, hit bool, err error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", false, err
	}
	dir = filepath.Join(root, name)
	if Complete(dir) {
		now := time.Now()
		_ = os.Chtimes(dir, now, now)
		return dir, true, nil
	}
	lock := flock.New(filepath.Join(root, name+".lock"))
	locked, err := lock.TryLockContext(ctx, 100*time.Millisecond)
	if err != nil {
		return "", false, fmt.Errorf("locking cache entry %s: %w", name, err)
	}
	if !locked {
		return "", false, ctx.Err()
	}
	defer func() {
		_ = lock.Unlock()
		_ = os.Remove(lock.Path()) // best effort: a waiting process re-creates it
	}()
	if Complete(dir) { // another process finished it while we waited
		return dir, true, nil
	}
	if err := Replace(ctx, dir, func(ctx context.Context, tmp string) error {
		if err := build(ctx, tmp); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(tmp, Marker), nil, 0o644)
	}); err != nil {
		return "", false, err
	}
	return dir, false, nil
}

// Replace builds a folder in a temporary sibling of dir and renames it over dir (removing any old
// dir first). On failure the temporary folder is removed and dir is left as it was.
func Replace(ctx context.Context, dir string, build BuildFunc) error {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, tmpPrefix+filepath.Base(dir)+"-")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := build(ctx, tmp); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := os.Lstat(dir); err == nil {
		// Move the old one aside first so the final rename is atomic even for non-empty dirs.
		old := tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return err
		}
		defer os.RemoveAll(old)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	ok = true
	return nil
}

// Entries lists the static cache entries (folders named *_slspyc) in root, oldest first.
func Entries(root string) ([]os.FileInfo, error) {
	des, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []os.FileInfo
	for _, de := range des {
		if !de.IsDir() || !strings.HasSuffix(de.Name(), Suffix) || de.Name() == DownloadDir {
			continue
		}
		fi, err := de.Info()
		if err != nil {
			continue
		}
		out = append(out, fi)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].ModTime().Equal(out[j].ModTime()) {
			return out[i].ModTime().Before(out[j].ModTime())
		}
		return out[i].Name() < out[j].Name()
	})
	return out, nil
}

// Prune keeps at most max entries, removing the oldest first, but never an entry named in keep
// (the ones this run uses). It returns how many it removed. max <= 0 disables pruning.
func Prune(root string, max int, keep map[string]bool) (int, error) {
	if max <= 0 {
		return 0, nil
	}
	ents, err := Entries(root)
	if err != nil {
		return 0, err
	}
	removed := 0
	for i := 0; i < len(ents) && len(ents)-removed > max; i++ {
		if keep[ents[i].Name()] {
			continue
		}
		if err := removeEntry(root, ents[i].Name()); err != nil {
			return removed, err
		}
		removed++
	}
	return removed, nil
}

// removeEntry deletes an entry by renaming it out of the way first, so a reader never sees a
// half-deleted folder that still has its marker.
func removeEntry(root, name string) error {
	dir := filepath.Join(root, name)
	trash := filepath.Join(root, tmpPrefix+"del-"+name)
	if err := os.Rename(dir, trash); err != nil {
		return err
	}
	return os.RemoveAll(trash)
}

// CleanResult says what Clean removed.
type CleanResult struct {
	Entries  int  // static cache entries
	Download bool // the download cache
	Other    int  // layer zips, locks and leftovers of interrupted runs
}

// Clean removes this plugin's own files from root: static entries (*_slspyc), layer zip caches
// (*_slspyc.zip), the download cache when withDownload, lock files and temporary leftovers. Any
// other file in root is left alone.
func Clean(root string, withDownload bool) (CleanResult, error) {
	var res CleanResult
	des, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	for _, de := range des {
		n := de.Name()
		p := filepath.Join(root, n)
		switch {
		case n == DownloadDir:
			if !withDownload {
				continue
			}
			if err := os.RemoveAll(p); err != nil {
				return res, err
			}
			res.Download = true
		case de.IsDir() && strings.HasSuffix(n, Suffix):
			if err := removeEntry(root, n); err != nil {
				return res, err
			}
			res.Entries++
		case strings.HasSuffix(n, Suffix+".zip"), strings.HasSuffix(n, Suffix+".lock"),
			strings.HasPrefix(n, tmpPrefix) && strings.Contains(n, Suffix):
			if err := os.RemoveAll(p); err != nil {
				return res, err
			}
			res.Other++
		}
	}
	return res, nil
}

// CheckWritable verifies that root can be created and written, returning an error that says so.
func CheckWritable(root string) error {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(root, tmpPrefix+"probe-")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
