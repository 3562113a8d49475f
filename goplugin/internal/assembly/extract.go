package assembly

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// Extract writes the files of the zip file src into dir (which must exist and be empty of the
// zip's names): the installed tree that the cache entry keeps beside its packed zip. Entries are
// opened through an os.Root, so no name can escape dir; modes are 0755 for entries with an exec
// bit, 0644 otherwise. Directory entries only create directories.
func Extract(ctx context.Context, src, dir string) error {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return fmt.Errorf("extract %s: %w", src, err)
	}
	defer zr.Close()
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("extract %s: %w", src, err)
	}
	defer root.Close()
	buf := make([]byte, 256<<10)
	made := map[string]bool{".": true}
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := f.Name
		if strings.HasSuffix(name, "/") {
			if err := root.MkdirAll(strings.TrimSuffix(name, "/"), 0o755); err != nil {
				return fmt.Errorf("extract %s: %w", name, err)
			}
			continue
		}
		if d := path.Dir(name); !made[d] {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("extract %s: %w", name, err)
			}
			made[d] = true
		}
		perm := os.FileMode(0o644)
		if f.Mode()&0o111 != 0 {
			perm = 0o755
		}
		if err := extractFile(root, f, perm, buf); err != nil {
			return fmt.Errorf("extract %s from %s: %w", name, src, err)
		}
	}
	return nil
}

func extractFile(root *os.Root, f *zip.File, perm os.FileMode, buf []byte) error {
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	out, err := root.OpenFile(f.Name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = io.CopyBuffer(out, r, buf) // archive/zip checks the CRC-32 at EOF
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
