package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/localdeps"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/requirements"
)

// localDep is a local path requirement of a set with the digest of its content.
type localDep struct {
	Path, Name, Digest string
}

// localDeps finds each set's local path requirements (folders or archives on disk, plain or
// editable): one outside the project is refused (unless allowPathsOutsideProject); the others are
// digested, so the cache key covers their content (the key header gets a line per dependency)
// and uv is told to rebuild them (--reinstall-package) instead of reusing its cached wheel.
type localDeps struct{}

func (localDeps) String() string { return "local-deps" }

func (localDeps) Run(_ context.Context, s *state) error {
	if err := nothingToInstall(s); err != nil {
		return err
	}
	for _, u := range s.todo {
		seen := map[string]bool{}
		for _, l := range u.kept {
			for _, d := range localdeps.Find([]string{l.Text}) {
				if seen[d.Path] {
					continue
				}
				seen[d.Path] = true
				if !s.opts.AllowPathsOutsideProject && !within(s.projectRoot(), d.Path) {
					return diag.AtFile(diag.CodePathOutsideProject, l.File,
						"line %d: the local package %s resolves outside the project (%s), so it is not read", l.LineNo, realPath(d.Path), s.projectRoot()).
						WithFix("Move the package into the project, or set %s: true if installing it is intended.", diag.ConfigPath("allowPathsOutsideProject"))
				}
				sum, err := localdeps.Digest(d.Path)
				if err != nil {
					return diag.AtFile(diag.CodeRequirementsUnreadable, l.File,
						"line %d: the local package %s cannot be read: %v", l.LineNo, d.Path, unwrapPathError(err))
				}
				name := d.Name
				if name == "" {
					name = packageName(d.Path)
				}
				u.Local = append(u.Local, localDep{Path: d.Path, Name: name, Digest: sum})
				s.emit.Verbose(fmt.Sprintf("Local package %s (%s): sha256 %s", s.rel(d.Path), name, sum[:12]))
			}
		}
	}
	return nil
}

// localNames are the distribution names of the set's local packages (those it can tell).
func (u *unit) localNames() []string {
	var out []string
	for _, d := range u.Local {
		if d.Name != "" {
			out = append(out, requirements.NormalizeName(d.Name))
		}
	}
	return out
}

var setupName = regexp.MustCompile(`(?m)^\s*name\s*=\s*(\S+)\s*$`)

// packageName reads a local package folder's distribution name from pyproject.toml
// ([project].name or [tool.poetry].name) or setup.cfg ([metadata] name); "" when neither says.
func packageName(dir string) string {
	var py struct {
		Project struct {
			Name string `toml:"name"`
		} `toml:"project"`
		Tool struct {
			Poetry struct {
				Name string `toml:"name"`
			} `toml:"poetry"`
		} `toml:"tool"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "pyproject.toml")); err == nil && toml.Unmarshal(b, &py) == nil {
		if py.Project.Name != "" {
			return py.Project.Name
		}
		if py.Tool.Poetry.Name != "" {
			return py.Tool.Poetry.Name
		}
	}
	f, err := os.Open(filepath.Join(dir, "setup.cfg"))
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	inMeta := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			inMeta = line == "[metadata]"
			continue
		}
		if m := setupName.FindStringSubmatch(line); inMeta && m != nil {
			return m[1]
		}
	}
	return ""
}
