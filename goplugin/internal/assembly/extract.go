package assembly

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

	"golang.org/x/sync/errgroup"
)

// Extract writes the files of the zip file src into dir (which must exist and hold none of the
// zip's names, nor symlinks): the installed tree that a cache entry keeps beside its packed zip.
// A name that is not a clean relative path is an error before anything is written, so no entry
// can escape dir; existing files are never overwritten. Modes are 0755 for entries with an exec
// bit, 0644 otherwise. Directories are created first, then the files are inflated and written by
// GOMAXPROCS workers.
//
// Its cost is the file system's: creating the files (5,700 for numpy+pandas+boto3) costs what
// pip's own unpacking costs, so keeping the tree takes back most of what assembly saves.
func Extract(ctx context.Context, src, dir string) error {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return fmt.Errorf("extract %s: %w", src, err)
	}
	defer zr.Close()
	made := map[string]bool{".": true}
	var files []*zip.File
	for _, f := range zr.File {
		if err := cleanName(strings.TrimSuffix(f.Name, "/")); err != nil {
			return fmt.Errorf("extract %s: %w", src, err)
		}
	}
	for _, f := range zr.File {
		d := path.Dir(f.Name)
		if strings.HasSuffix(f.Name, "/") {
			d = strings.TrimSuffix(f.Name, "/")
		} else {
			files = append(files, f)
		}
		if !made[d] {
			if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(d)), 0o755); err != nil {
				return fmt.Errorf("extract %s: %w", f.Name, err)
			}
			made[d] = true
		}
	}
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
				perm := os.FileMode(0o644)
				if f.Mode()&0o111 != 0 {
					perm = 0o755
				}
				if err := extractFile(filepath.Join(dir, filepath.FromSlash(f.Name)), f, perm, buf); err != nil {
					return fmt.Errorf("extract %s from %s: %w", f.Name, src, err)
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// cleanName accepts a clean relative '/'-separated path that stays inside its root.
func cleanName(name string) error {
	if name == "" || name == "." || name == ".." || strings.HasPrefix(name, "../") || strings.HasPrefix(name, "/") ||
		strings.Contains(name, "\\") || strings.ContainsRune(name, 0) || path.Clean(name) != name {
		return fmt.Errorf("entry name %q is not a clean relative path", name)
	}
	return nil
}

func extractFile(dst string, f *zip.File, perm os.FileMode, buf []byte) error {
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = io.CopyBuffer(out, r, buf) // archive/zip checks the CRC-32 at EOF
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
