// Package localdeps finds the local path requirements of a requirements set (a folder or an
// archive on disk, plain, editable, `name @ file://...` or `file://...`) and digests their
// content, so that the static cache key changes when their source changes (the original's issue
// #529) and so that installers can be told to rebuild them instead of reusing a tool's own cache.
//
// A folder is digested file by file (path, mode's exec bit, content), in sorted order, leaving out
// version-control folders, bytecode, build outputs (build/, dist/, *.egg-info, .eggs, .venv, .tox,
// __pycache__) and what the folder's own .gitignore excludes.
package localdeps

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
)

// Dep is one local path requirement.
type Dep struct {
	Path string // absolute path of the folder or archive
	Name string // distribution name when the line gives one (`name @ file://...`), else ""
}

var nameAt = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*@\s*(\S+)`)

// Find returns the local path requirements among rendered requirement lines (paths already made
// absolute, as requirements.Read leaves them), in order, each once. Lines that do not point at an
// existing file or folder are not local dependencies.
func Find(lines []string) []Dep {
	var out []Dep
	seen := map[string]bool{}
	for _, raw := range lines {
		l := strings.TrimSpace(raw)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		for _, p := range []string{"-e ", "--editable ", "--editable="} {
			if strings.HasPrefix(l, p) {
				l = strings.TrimSpace(l[len(p):])
			}
		}
		if strings.HasPrefix(l, "-") {
			continue // an option line
		}
		var d Dep
		if m := nameAt.FindStringSubmatch(l); m != nil {
			d.Name, l = m[1], m[3]
		} else {
			l = strings.Fields(l)[0]
			if i := strings.IndexByte(l, ';'); i >= 0 {
				l = l[:i]
			}
		}
		d.Path = localPath(l)
		if d.Path == "" || seen[d.Path] {
			continue
		}
		seen[d.Path] = true
		out = append(out, d)
	}
	return out
}

// localPath returns the absolute path a requirement target names on disk, or "".
func localPath(target string) string {
	if i := strings.IndexByte(target, '#'); i >= 0 {
		target = target[:i] // #egg=, #subdirectory=, #sha256=
	}
	if strings.HasSuffix(target, "]") {
		if i := strings.LastIndexByte(target, '['); i > 0 {
			target = target[:i]
		}
	}
	p := ""
	switch {
	case strings.HasPrefix(target, "file:"):
		u, err := url.Parse(target)
		if err != nil {
			return ""
		}
		p = u.Path
		if runtime.GOOS == "windows" && len(p) > 2 && p[0] == '/' && p[2] == ':' {
			p = p[1:]
		}
		p = filepath.FromSlash(p)
	case filepath.IsAbs(target):
		p = target
	default:
		return ""
	}
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return filepath.Clean(p)
}

// alwaysSkipped are folder names never part of a package's source.
var alwaysSkipped = map[string]bool{
	".git": true, ".hg": true, ".svn": true, "__pycache__": true, "build": true, "dist": true,
	".eggs": true, ".venv": true, "venv": true, ".tox": true, ".nox": true, ".mypy_cache": true,
	".pytest_cache": true, ".ruff_cache": true, "node_modules": true, ".serverless": true,
}

// Digest returns the sha256 of a local dependency's content: an archive's bytes, or a folder's
// files as described in the package documentation.
func Digest(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if !fi.IsDir() {
		if err := hashInto(h, path); err != nil {
			return "", err
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	ign := loadIgnore(path)
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == path {
			return nil
		}
		rel, err := filepath.Rel(path, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		name := d.Name()
		if d.IsDir() {
			if alwaysSkipped[name] || strings.HasSuffix(name, ".egg-info") || ign.match(rel, true) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, ".pyc") || strings.HasSuffix(name, ".pyo") || ign.match(rel, false) {
			return nil
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	for _, rel := range files {
		p := filepath.Join(path, filepath.FromSlash(rel))
		st, err := os.Lstat(p)
		if err != nil {
			return "", err
		}
		switch {
		case st.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "link %q %q\n", rel, target)
		case st.Mode().IsRegular():
			fmt.Fprintf(h, "file %q %d %t\n", rel, st.Size(), st.Mode()&0o111 != 0)
			if err := hashInto(h, p); err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashInto(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}
