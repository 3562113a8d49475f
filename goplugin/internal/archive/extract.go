package archive

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// Extract writes the files of the zip at src under dst (which must exist and hold none of the
// zip's names): the installed tree of a cache entry, from its packed zip. Every name is checked
// before anything is written: one that is not a clean relative path, or an entry that is neither
// a plain file nor a folder, is an error, so a damaged or hostile archive cannot write outside dst;
// existing files are never overwritten. Modes are 0755 for entries with an exec bit, 0644
// otherwise (as PackTree normalises them). Folders are made first, then the files are inflated
// and written by GOMAXPROCS workers (the zip reader checks each file's CRC-32). It returns the
// number of files written.
func Extract(ctx context.Context, src, dst string) (int, error) {
	return ExtractExcept(ctx, src, dst, nil)
}

// ExtractExcept is Extract, leaving out the files for which skip (given the entry name) returns
// true: files already written under dst by other means.
func ExtractExcept(ctx context.Context, src, dst string, skip func(name string) bool) (int, error) {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return 0, err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if err := cleanName(strings.TrimSuffix(f.Name, "/")); err != nil {
			return 0, fmt.Errorf("%s: %w", src, err)
		}
		if m := f.Mode(); !m.IsDir() && !m.IsRegular() && !strings.HasSuffix(f.Name, "/") {
			return 0, fmt.Errorf("%s: entry %q is not a regular file", src, f.Name)
		}
	}
	made := map[string]bool{".": true}
	var files []*zip.File
	for _, f := range zr.File {
		d := path.Dir(f.Name)
		if strings.HasSuffix(f.Name, "/") || f.Mode().IsDir() {
			d = strings.TrimSuffix(f.Name, "/")
		} else if skip == nil || !skip(f.Name) {
			files = append(files, f)
		}
		if !made[d] {
			if err := os.MkdirAll(filepath.Join(dst, filepath.FromSlash(d)), 0o755); err != nil {
				return 0, err
			}
			made[d] = true
		}
	}
	var n atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	next := make(chan *zip.File)
	g.Go(func() error {
		defer close(next)
		for _, f := range files {
			select {
			case next <- f:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	for range runtime.GOMAXPROCS(0) {
		g.Go(func() error {
			buf := make([]byte, 256<<10)
			for f := range next {
				p := filepath.Join(dst, filepath.FromSlash(f.Name))
				if err := extractFile(p, f, normPerm(f.Mode().Perm()), buf); err != nil {
					return fmt.Errorf("%s: %s: %w", src, f.Name, err)
				}
				n.Add(1)
			}
			return nil
		})
	}
	err = g.Wait()
	return int(n.Load()), err
}

// cleanName accepts a clean relative '/'-separated path that stays inside its root.
func cleanName(name string) error {
	if name == "" || name == "." || name == ".." || strings.HasPrefix(name, "../") || strings.HasPrefix(name, "/") ||
		strings.Contains(name, "\\") || strings.ContainsRune(name, 0) || path.Clean(name) != name {
		return fmt.Errorf("unsafe entry name %q: not a clean relative path", name)
	}
	return nil
}

func extractFile(p string, f *zip.File, perm os.FileMode, buf []byte) error {
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = io.CopyBuffer(out, r, buf)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
