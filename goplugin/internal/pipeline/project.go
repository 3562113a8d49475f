package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// projectRoot is the folder paths from the configuration and requirements files must stay in:
// the version-control root above the service (the nearest folder with .git, for monorepos), else
// the service folder itself. Symlinks are resolved.
func projectRoot(service string) string {
	root := realPath(service)
	for d := root; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return root
		}
		d = parent
	}
}

// realPath resolves the symlinks of p's longest existing prefix (the rest is kept as written).
func realPath(p string) string {
	p = filepath.Clean(p)
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	parent := filepath.Dir(p)
	if parent == p {
		return p
	}
	return filepath.Join(realPath(parent), filepath.Base(p))
}

// within reports whether p (absolute) resolves inside root (already real).
func within(root, p string) bool {
	rel, err := filepath.Rel(root, realPath(p))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// outsideError is the refusal of a path that leaves the project: key names the option, p the
// path as resolved.
func (r *state) outsideError(key, p string) error {
	return diag.AtKey(diag.CodePathOutsideProject, key,
		"%s resolves outside the project (%s), so it is not read", realPath(p), r.projectRoot()).
		WithFix("Use a path inside the project, or set %s: true if reading it is intended.", diag.ConfigPath("allowPathsOutsideProject"))
}

// guardPath returns an error when p leaves the project and allowPathsOutsideProject is off.
func (r *state) guardPath(key, p string) error {
	if r.opts.AllowPathsOutsideProject || within(r.projectRoot(), p) {
		return nil
	}
	return r.outsideError(key, p)
}

// guardInclude is the requirements reader's check of -r/-c files and local path requirements.
func (r *state) guardInclude(p string) error {
	if r.opts.AllowPathsOutsideProject || within(r.projectRoot(), p) {
		return nil
	}
	return fmt.Errorf("%s resolves outside the project (%s), so it is not read", realPath(p), r.projectRoot())
}

func (r *state) projectRoot() string {
	if r.project == "" {
		r.project = projectRoot(r.ws.Dir)
	}
	return r.project
}
