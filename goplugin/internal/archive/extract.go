package archive

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Extract writes the files of the zip at src under dst (which must exist), with their modes'
// permission bits (exec bits kept). It accepts only the plain files and folders that PackTree
// writes: a name that is absolute, climbs out of dst or names a link is an error, so a damaged or
// hostile archive cannot write outside dst. It returns the number of files written.
func Extract(ctx context.Context, src, dst string) (int, error) {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return 0, err
	}
	defer zr.Close()
	n := 0
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		name := f.Name
		clean := path.Clean(name)
		if path.IsAbs(name) || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(name, `\`) {
			return n, fmt.Errorf("%s: unsafe entry name %q", src, name)
		}
		mode := f.Mode()
		p := filepath.Join(dst, filepath.FromSlash(clean))
		switch {
		case mode.IsDir() || strings.HasSuffix(name, "/"):
			if err := os.MkdirAll(p, 0o755); err != nil {
				return n, err
			}
			continue
		case !mode.IsRegular():
			return n, fmt.Errorf("%s: entry %q is not a regular file", src, name)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return n, err
		}
		if err := extractFile(f, p, normPerm(mode.Perm())); err != nil {
			return n, fmt.Errorf("%s: %s: %w", src, name, err)
		}
		n++
	}
	return n, nil
}

func extractFile(f *zip.File, p string, perm os.FileMode) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, rc) // the zip reader checks each file's CRC-32 at EOF
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(p, perm)
	}
	return err
}
