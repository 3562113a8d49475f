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
	var ms []Member
	var dirs []string
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") || f.Mode().IsDir() {
			dirs = append(dirs, strings.TrimSuffix(f.Name, "/"))
		} else if skip == nil || !skip(f.Name) {
			ms = append(ms, Member{File: f, Name: f.Name, Exec: normPerm(f.Mode().Perm()) == 0o755})
		}
	}
	n, err := extractMembers(ctx, dst, dirs, ms)
	if err != nil {
		return n, fmt.Errorf("%s: %w", src, err)
	}
	return n, nil
}

// Member is one zip entry for ExtractMembers: File (its zip reader open) written as Name ('/'-
// separated, relative), mode 0755 when Exec, else 0644.
type Member struct {
	File *zip.File
	Name string
	Exec bool
}

// ExtractMembers writes entries of open zip files under dst, as Extract does (names checked
// first, folders made, files written in parallel, never overwriting a file): for example wheel
// members under their installed names. It returns the number of files written.
func ExtractMembers(ctx context.Context, dst string, ms []Member) (int, error) {
	for _, m := range ms {
		if err := cleanName(m.Name); err != nil {
			return 0, err
		}
	}
	return extractMembers(ctx, dst, nil, ms)
}

// extractMembers makes dirs and the folders of ms under dst, then writes ms with GOMAXPROCS
// workers.
func extractMembers(ctx context.Context, dst string, dirs []string, ms []Member) (int, error) {
	made := map[string]bool{".": true}
	mkdir := func(d string) error {
		if made[d] {
			return nil
		}
		made[d] = true
		return os.MkdirAll(filepath.Join(dst, filepath.FromSlash(d)), 0o755)
	}
	for _, d := range dirs {
		if err := mkdir(d); err != nil {
			return 0, err
		}
	}
	for _, m := range ms {
		if err := mkdir(path.Dir(m.Name)); err != nil {
			return 0, err
		}
	}
	var n atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	next := make(chan Member)
	g.Go(func() error {
		defer close(next)
		for _, m := range ms {
			select {
			case next <- m:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	for range runtime.GOMAXPROCS(0) {
		g.Go(func() error {
			buf := make([]byte, 256<<10)
			for m := range next {
				perm := os.FileMode(0o644)
				if m.Exec {
					perm = 0o755
				}
				if err := extractFile(filepath.Join(dst, filepath.FromSlash(m.Name)), m.File, perm, buf); err != nil {
					return fmt.Errorf("%s: %w", m.Name, err)
				}
				n.Add(1)
			}
			return nil
		})
	}
	err := g.Wait()
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
