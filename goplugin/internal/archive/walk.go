package archive

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// diskFile is a regular file found on disk, to be compressed into an entry.
type diskFile struct {
	path string      // path on disk (symlinks not resolved; opening follows them)
	size int64       // size at walk time, used for scheduling only
	perm fs.FileMode // normalised: 0o755 or 0o644
}

// normPerm maps a file mode to the two modes an artifact entry can have: 0o755 when any exec bit
// is set on disk, 0o644 otherwise. Owner, group and sticky bits never reach an artifact.
func normPerm(m fs.FileMode) fs.FileMode {
	if m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

// walkedFile is a diskFile with its path relative to the walk root ('/'-separated).
type walkedFile struct {
	rel string
	diskFile
}

// walkTree lists the regular files under root. Symlinks are followed (to files and to
// directories); broken or looping symlinks are skipped; a symlink to a directory that is an
// ancestor of itself is not entered again. Special files (sockets, pipes, devices) are skipped.
// exclude, when non-nil, is asked about every file and directory; true skips it (and its subtree).
// The result is in walk order, not sorted.
func walkTree(ctx context.Context, root string, exclude func(rel string, isDir bool) bool) ([]walkedFile, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("archive: %s is not a directory", root)
	}
	w := &walker{ctx: ctx, exclude: exclude}
	if err := w.dir(root, "", []os.FileInfo{info}); err != nil {
		return nil, err
	}
	return w.out, nil
}

type walker struct {
	ctx     context.Context
	exclude func(rel string, isDir bool) bool
	out     []walkedFile
}

func (w *walker) dir(abs, relPrefix string, ancestors []os.FileInfo) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	for _, de := range entries {
		path := filepath.Join(abs, de.Name())
		rel := relPrefix + de.Name()
		var info os.FileInfo
		if de.Type()&fs.ModeSymlink != 0 {
			info, err = os.Stat(path)
			if err != nil {
				if skippableLinkError(err) {
					continue // broken or looping symlink
				}
				return fmt.Errorf("archive: %w", err)
			}
		} else {
			info, err = de.Info()
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue // removed while walking
				}
				return fmt.Errorf("archive: %w", err)
			}
		}
		switch {
		case info.IsDir():
			if w.exclude != nil && w.exclude(rel, true) {
				continue
			}
			if isAncestor(info, ancestors) {
				continue // a symlink back up the tree: entering it would never end
			}
			if err := w.dir(path, rel+"/", append(ancestors, info)); err != nil {
				return err
			}
		case info.Mode().IsRegular():
			if w.exclude != nil && w.exclude(rel, false) {
				continue
			}
			w.out = append(w.out, walkedFile{rel: rel, diskFile: diskFile{path: path, size: info.Size(), perm: normPerm(info.Mode())}})
		}
	}
	return nil
}

func isAncestor(info os.FileInfo, ancestors []os.FileInfo) bool {
	for _, a := range ancestors {
		if os.SameFile(a, info) {
			return true
		}
	}
	return false
}

func skippableLinkError(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.ENOTDIR)
}

// statFile describes one file given by path (symlinks followed); it must be a regular file.
func statFile(path string) (diskFile, error) {
	info, err := os.Stat(path)
	if err != nil {
		return diskFile{}, fmt.Errorf("archive: %w", err)
	}
	if !info.Mode().IsRegular() {
		return diskFile{}, fmt.Errorf("archive: %s is not a regular file", path)
	}
	return diskFile{path: path, size: info.Size(), perm: normPerm(info.Mode())}, nil
}
