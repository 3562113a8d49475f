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
	return EnsureVerified(ctx, root, name, build, nil)
}

// EnsureVerified is Ensure with a report of damaged entries (see EnsureOptions.OnDamaged).
func EnsureVerified(ctx context.Context, root, name string, build BuildFunc, onDamaged func(*DamagedError)) (dir string, hit bool, err error) {
	dir, how, err := EnsureWith(ctx, root, name, build, EnsureOptions{OnDamaged: onDamaged})
	return dir, how != Built, err
}

// Remote is a shared tier behind the local cache (remote.S3 implements it).
type Remote interface {
	// Fetch writes the metadata folder of entry name into metaDir on a hit.
	Fetch(ctx context.Context, name, metaDir string) (bool, error)
	// Publish uploads the metadata folder of a complete entry.
	Publish(ctx context.Context, name, metaDir string) error
	String() string
}

// EnsureOptions are the optional parts of EnsureWith.
type EnsureOptions struct {
	// OnDamaged is told, once, why an entry whose marker does not match its content is rebuilt.
	OnDamaged func(*DamagedError)
	// Remote, when set, is asked on a local miss before building, and given every entry built.
	Remote Remote
	// Unpack fills a fetched entry's folder from its metadata folder (the packed zip's files);
	// required with Remote.
	Unpack BuildFunc
	// OnRemoteError reports a remote failure ("fetch" or "publish"); the build goes on locally.
	OnRemoteError func(op string, err error)
}

// Outcome says where an entry came from.
type Outcome int

const (
	// Built means the build function ran.
	Built Outcome = iota
	// HitLocal means a complete, verified local entry was used.
	HitLocal
	// HitRemote means the entry was fetched from the remote tier; nothing was built.
	HitRemote
)

// EnsureWith returns dir (root/name), using a complete local entry, else one from the remote tier,
// else building it. It holds a file lock on root/name.lock while checking and building, so
// concurrent runs build once. An entry whose marker does not match its content (see Verify) is a
// miss: it is rebuilt and reported once through OnDamaged. Leftovers of killed builds of the same
// entry are reclaimed while the lock is held (a live build holds that lock for as long as its
// temporary folder exists).
func EnsureWith(ctx context.Context, root, name string, build BuildFunc, o EnsureOptions) (dir string, how Outcome, err error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", Built, err
	}
	dir = filepath.Join(root, name)
	reported := false
	report := func(err error) {
		var de *DamagedError
		if !reported && o.OnDamaged != nil && errors.As(err, &de) {
			o.OnDamaged(de)
			reported = true
		}
	}
	if Complete(dir) {
		verr := Verify(dir)
		if verr == nil {
			now := time.Now()
			_ = os.Chtimes(dir, now, now)
			return dir, HitLocal, nil
		}
		report(verr)
	}
	lock := flock.New(filepath.Join(root, name+".lock"))
	locked, err := lock.TryLockContext(ctx, 100*time.Millisecond)
	if err != nil {
		return "", Built, fmt.Errorf("locking cache entry %s: %w", name, err)
	}
	if !locked {
		return "", Built, ctx.Err()
	}
	// The lock file stays: removing it would let a process waiting on the old file and one
	// creating a new file both hold "the" lock.
	defer func() { _ = lock.Unlock() }()
	reclaimStale(root, name)
	if Complete(dir) { // another process finished it while we waited
		verr := Verify(dir)
		if verr == nil {
			return dir, HitLocal, nil
		}
		report(verr)
	}
	how = Built
	if err := Replace(ctx, dir, func(ctx context.Context, tmp string) error {
		if o.Remote != nil && o.Unpack != nil {
			hit, err := o.Remote.Fetch(ctx, name, filepath.Join(tmp, MetaDir))
			if err == nil && hit {
				err = o.Unpack(ctx, tmp)
				if err == nil {
					how = HitRemote
					return writeManifest(tmp)
				}
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if o.OnRemoteError != nil {
					o.OnRemoteError("fetch", err)
				}
			}
			if err := emptyDir(tmp); err != nil { // nothing partial is ever used
				return err
			}
		}
		if err := build(ctx, tmp); err != nil {
			return err
		}
		return writeManifest(tmp)
	}); err != nil {
		return "", Built, err
	}
	if how == Built && o.Remote != nil {
		if err := o.Remote.Publish(ctx, name, filepath.Join(dir, MetaDir)); err != nil && o.OnRemoteError != nil {
			o.OnRemoteError("publish", err)
		}
	}
	return dir, how, nil
}

// emptyDir removes everything inside dir.
func emptyDir(dir string) error {
	des, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, de := range des {
		if err := os.RemoveAll(filepath.Join(dir, de.Name())); err != nil {
			return err
		}
	}
	return nil
}

// reclaimStale removes the temporary folders that builds or removals of entry name left behind
// when they were killed. The caller holds the entry's lock, so none of them belongs to a live run.
func reclaimStale(root, name string) int {
	des, err := os.ReadDir(root)
	if err != nil {
		return 0
	}
	n := 0
	for _, de := range des {
		if entryOfTemp(de.Name()) != name {
			continue
		}
		if os.RemoveAll(filepath.Join(root, de.Name())) == nil {
			n++
		}
	}
	return n
}

// entryOfTemp returns the entry name a temporary folder belongs to (".tmp-<name>-<random>",
// ".tmp-<name>-<random>.old", ".tmp-del-<name>"), or "" for any other name.
func entryOfTemp(n string) string {
	rest, ok := strings.CutPrefix(n, tmpPrefix)
	if !ok {
		return ""
	}
	rest = strings.TrimPrefix(rest, "del-")
	i := strings.Index(rest, Suffix)
	if i < 0 {
		return ""
	}
	name := rest[:i+len(Suffix)]
	if after := rest[i+len(Suffix):]; after != "" && !strings.HasPrefix(after, "-") {
		return "" // e.g. the download cache's own temporary names
	}
	return name
}

// Busy reports whether a live run holds the lock of entry name in root.
func Busy(root, name string) bool {
	lock := flock.New(filepath.Join(root, name+".lock"))
	ok, err := lock.TryLock()
	if err != nil {
		return false
	}
	if !ok {
		return true
	}
	_ = lock.Unlock()
	return false
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
	Busy     int  // leftovers and locks of entries that a live run is building (kept)
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
		case strings.HasPrefix(n, tmpPrefix) && entryOfTemp(n) != "":
			// A killed build's leftover, unless a live run still builds that entry.
			if Busy(root, entryOfTemp(n)) {
				res.Busy++
				continue
			}
			if err := os.RemoveAll(p); err != nil {
				return res, err
			}
			res.Other++
		case strings.HasSuffix(n, Suffix+".lock"):
			if Busy(root, strings.TrimSuffix(n, ".lock")) {
				res.Busy++
				continue
			}
			if err := os.RemoveAll(p); err != nil {
				return res, err
			}
			res.Other++
		case strings.HasSuffix(n, Suffix+".zip"):
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
