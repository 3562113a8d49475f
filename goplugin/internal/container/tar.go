package container

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// File is one file put into a container before it starts.
type File struct {
	Name string // slash-separated path relative to the copy destination
	Mode fs.FileMode
	Data []byte
}

// tarOf returns a tar stream of files, with parent folders first (mode 0755, root-owned).
func tarOf(files []File) *bytes.Buffer {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	epoch := time.Unix(0, 0)
	for _, f := range files {
		name := path.Clean(f.Name)
		var parents []string
		for d := path.Dir(name); d != "." && d != "/" && !dirs[d]; d = path.Dir(d) {
			parents = append([]string{d}, parents...)
		}
		for _, d := range parents {
			dirs[d] = true
			_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: epoch})
		}
		_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(f.Mode.Perm()), Size: int64(len(f.Data)), ModTime: epoch})
		_, _ = tw.Write(f.Data)
	}
	_ = tw.Close()
	return &buf
}

// extract writes the tar stream r into dst (which exists). When strip is set, entries must
// start with strip + "/" (the copied folder's own name, as CopyFromContainer returns it) and
// that prefix is removed; the folder entry itself is skipped. Files are created by this process,
// so they belong to the invoking user; permission bits are kept (at least u+rw, u+rwx for
// folders). Entries that would land outside dst are an error.
func extract(r io.Reader, dst, strip string) (files int, err error) {
	tr := tar.NewReader(r)
	root := filepath.Clean(dst)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return files, err
		}
		name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if strip != "" {
			if name == strip || name == "" {
				continue
			}
			rest, ok := strings.CutPrefix(name, strip+"/")
			if !ok {
				return files, fmt.Errorf("unexpected entry %q outside %s", h.Name, strip)
			}
			name = rest
		}
		if name == "" || name == "." {
			continue
		}
		target := filepath.Join(root, filepath.FromSlash(name))
		if !strings.HasPrefix(target, root+string(filepath.Separator)) {
			return files, fmt.Errorf("entry %q escapes the target folder", h.Name)
		}
		mode := fs.FileMode(h.Mode).Perm()
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, mode|0o700); err != nil {
				return files, err
			}
			_ = os.Chmod(target, mode|0o700)
		case tar.TypeReg: // tar.Reader reports old engines' TypeRegA entries as TypeReg
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return files, err
			}
			if err := writeFile(target, tr, mode|0o600); err != nil {
				return files, err
			}
			files++
		case tar.TypeSymlink:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return files, err
			}
			_ = os.Remove(target)
			if err := os.Symlink(h.Linkname, target); err != nil {
				return files, err
			}
			files++
		case tar.TypeLink:
			lname := strings.TrimPrefix(path.Clean("/"+h.Linkname), "/")
			if strip != "" {
				lname = strings.TrimPrefix(lname, strip+"/")
			}
			src := filepath.Join(root, filepath.FromSlash(lname))
			if !strings.HasPrefix(src, root+string(filepath.Separator)) {
				return files, fmt.Errorf("hard link %q points outside the target folder", h.Name)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return files, err
			}
			in, err := os.Open(src)
			if err != nil {
				return files, err
			}
			info, _ := in.Stat()
			err = writeFile(target, in, info.Mode().Perm())
			in.Close()
			if err != nil {
				return files, err
			}
			files++
		default:
			// devices, fifos: nothing a Python package needs
		}
	}
}

func writeFile(p string, r io.Reader, mode fs.FileMode) error {
	_ = os.Remove(p)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chmod(p, mode) // not reduced by the umask
}

// walk is what tarTree does with an entry.
type walk int

const (
	include walk = iota // put it in (and walk a folder)
	descend             // leave the folder's own entry out but walk it
	prune               // leave it (and everything below) out
)

// tarTree streams the files of root (a build context) as a tar, filtered by filter
// (slash-separated paths relative to root; nil keeps everything), with extra files at the end.
func tarTree(root string, filter func(rel string, isDir bool) walk, extra []File) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(root, p)
			if err != nil || rel == "." {
				return err
			}
			rel = filepath.ToSlash(rel)
			if filter != nil {
				switch filter(rel, d.IsDir()) {
				case prune:
					if d.IsDir() {
						return filepath.SkipDir
					}
					return nil
				case descend:
					return nil
				}
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			link := ""
			if d.Type()&fs.ModeSymlink != 0 {
				if link, err = os.Readlink(p); err != nil {
					return err
				}
			}
			if !d.IsDir() && !d.Type().IsRegular() && link == "" {
				return nil // sockets, devices
			}
			h, err := tar.FileInfoHeader(info, link)
			if err != nil {
				return err
			}
			h.Name = rel
			if d.IsDir() {
				h.Name += "/"
			}
			h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "", ""
			if err := tw.WriteHeader(h); err != nil {
				return err
			}
			if d.Type().IsRegular() {
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				_, err = io.Copy(tw, f)
				f.Close()
				return err
			}
			return nil
		})
		if err == nil {
			for _, f := range extra {
				if err = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.Name, Mode: int64(f.Mode.Perm()),
					Size: int64(len(f.Data)), ModTime: time.Unix(0, 0)}); err != nil {
					break
				}
				if _, err = tw.Write(f.Data); err != nil {
					break
				}
			}
		}
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr
}
