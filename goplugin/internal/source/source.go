// Package source finds where a requirements set comes from (a Poetry project, a uv lock file, a
// Pipfile, a requirements file or a PEP 621 pyproject.toml) and turns it into requirements-file
// text. Tools (poetry, uv, pipenv) run through a proc.Runner and write their exports into a
// private temporary folder: the user's folders get nothing but the lock files the tools
// themselves create (poetry.lock, Pipfile.lock), never a requirements.txt.
//
// Detection order, per module folder M (the service folder for shared functions and layers,
// each function's module folder when packaging individually), first match wins:
//
//  1. Poetry: M/pyproject.toml is a Poetry project (usePoetry): a build-system.requires entry
//     starting with "poetry", or a [tool.poetry] table (Poetry 2 PEP 621 projects). A project
//     detected only through build-system.requires, with no poetry.lock but a uv.lock beside it,
//     is a uv project that builds with poetry-core: uv wins.
//  2. uv: M/uv.lock (useUv); or, in a module, a uv workspace lock in a parent folder (up to the
//     service folder) that lists M's [project].name as a member: `uv export --package <name>`.
//  3. Pipenv: M/Pipfile (usePipenv).
//  4. The requirements file: M/<fileName>.
//  5. PEP 621: M/pyproject.toml with a [project].dependencies array.
//  6. In a module with none of these: the service folder's uv.lock (useUv), then its Pipfile
//     (usePipenv), as the original shared them with every module.
//
// The other sources found in M are reported in Source.Ignored, so the caller can say which one is
// used and which are not.
package source

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/requirements"
)

// Kind is the type of a requirements source.
type Kind int

const (
	// Requirements is a pip requirements file (fileName).
	Requirements Kind = iota + 1
	// Poetry is a Poetry project, exported with `poetry export`.
	Poetry
	// Uv is a uv.lock, exported with `uv export`.
	Uv
	// Pipenv is a Pipfile, exported with `pipenv requirements`.
	Pipenv
	// PEP621 is the [project].dependencies array of a pyproject.toml.
	PEP621
)

func (k Kind) String() string {
	switch k {
	case Requirements:
		return "requirements file"
	case Poetry:
		return "Poetry project"
	case Uv:
		return "uv lock file"
	case Pipenv:
		return "Pipfile"
	case PEP621:
		return "PEP 621 dependencies"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Option returns the custom.pythonRequirements option that turns the source kind off, or "".
func (k Kind) Option() string {
	switch k {
	case Poetry:
		return "usePoetry"
	case Uv:
		return "useUv"
	case Pipenv:
		return "usePipenv"
	}
	return ""
}

// Source is the requirements source chosen for one module.
type Source struct {
	Kind Kind
	// Dir is the folder the tool runs in (the project or lock file's folder).
	Dir string
	// File is the file that selected the source: pyproject.toml, uv.lock, Pipfile or the
	// requirements file (absolute).
	File string
	// Package is the uv workspace member to export ("" for the whole project).
	Package string
	// Shared is true when a module without a source of its own uses the service folder's.
	Shared bool
	// Ignored lists the other sources found in the module folder, in detection order.
	Ignored []Found
}

// Found is a source that exists but was not chosen.
type Found struct {
	Kind Kind
	File string
}

// Detect returns the source of the module folder moduleDir inside the service folder svcDir, or
// nil when it has none. Errors are *diag.Error values (an unreadable or invalid pyproject.toml
// or uv.lock, naming the file and line).
func Detect(svcDir, moduleDir string, o *config.Options) (*Source, error) {
	svcDir, moduleDir = filepath.Clean(svcDir), filepath.Clean(moduleDir)
	found, err := detectIn(svcDir, moduleDir, o)
	if err != nil {
		return nil, err
	}
	if len(found) > 0 {
		s := found[0]
		for _, f := range found[1:] {
			if f.Kind == PEP621 && (s.Kind == Poetry || s.Kind == Uv) {
				continue // the same pyproject.toml, read through its tool
			}
			s.Ignored = append(s.Ignored, Found{Kind: f.Kind, File: f.File})
		}
		return s, nil
	}
	if moduleDir == svcDir {
		return nil, nil
	}
	// A module with no source of its own shares the service folder's uv.lock or Pipfile (spec
	// C.4: the original used them for every module).
	if o.UseUv {
		if p := filepath.Join(svcDir, "uv.lock"); isFile(p) {
			return &Source{Kind: Uv, Dir: svcDir, File: p, Shared: true}, nil
		}
	}
	if o.UsePipenv {
		if p := filepath.Join(svcDir, "Pipfile"); isFile(p) {
			return &Source{Kind: Pipenv, Dir: svcDir, File: p, Shared: true}, nil
		}
	}
	return nil, nil
}

// detectIn lists every source of dir in precedence order.
func detectIn(svcDir, dir string, o *config.Options) ([]*Source, error) {
	var out []*Source
	pyPath := filepath.Join(dir, "pyproject.toml")
	var py *pyproject
	if isFile(pyPath) {
		var err error
		py, err = readPyproject(pyPath)
		if err != nil {
			// Only fatal when the file matters: Poetry detection reads it (as the original did),
			// and so does the PEP 621 fallback when nothing else exists.
			if o.UsePoetry || !hasOtherSource(svcDir, dir, o) {
				return nil, err
			}
			py = nil
		}
	}
	uvLock := filepath.Join(dir, "uv.lock")
	hasUvLock := isFile(uvLock)
	poetryAfterUv := false
	if o.UsePoetry && py != nil && py.isPoetry() {
		strong := py.hasToolPoetry || isFile(filepath.Join(dir, "poetry.lock"))
		if strong || !(o.UseUv && hasUvLock) {
			out = append(out, &Source{Kind: Poetry, Dir: dir, File: pyPath})
		} else {
			poetryAfterUv = true // a uv project that builds with poetry-core
		}
	}
	if o.UseUv {
		if hasUvLock {
			out = append(out, &Source{Kind: Uv, Dir: dir, File: uvLock})
			if poetryAfterUv {
				out = append(out, &Source{Kind: Poetry, Dir: dir, File: pyPath})
			}
		} else if dir != svcDir && py != nil && py.projectName != "" {
			ws, err := workspaceLock(svcDir, dir, py.projectName)
			if err != nil {
				return nil, err
			}
			if ws != "" {
				out = append(out, &Source{Kind: Uv, Dir: filepath.Dir(ws), File: ws, Package: py.projectName})
			}
		}
	}
	if o.UsePipenv {
		if p := filepath.Join(dir, "Pipfile"); isFile(p) {
			out = append(out, &Source{Kind: Pipenv, Dir: dir, File: p})
		}
	}
	if p := filepath.Join(dir, filepath.FromSlash(o.FileName)); isFile(p) {
		out = append(out, &Source{Kind: Requirements, Dir: filepath.Dir(p), File: p})
	}
	if py != nil && py.dependencies != nil {
		out = append(out, &Source{Kind: PEP621, Dir: dir, File: pyPath})
	}
	return out, nil
}

// hasOtherSource reports whether dir has a source that needs no pyproject.toml.
func hasOtherSource(svcDir, dir string, o *config.Options) bool {
	if o.UseUv && isFile(filepath.Join(dir, "uv.lock")) || o.UsePipenv && isFile(filepath.Join(dir, "Pipfile")) {
		return true
	}
	return isFile(filepath.Join(dir, filepath.FromSlash(o.FileName)))
}

// workspaceLock looks for a uv.lock in the parents of dir, up to svcDir, whose workspace lists
// member; it returns its path or "".
func workspaceLock(svcDir, dir, member string) (string, error) {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		if !strings.HasPrefix(d+string(filepath.Separator), svcDir+string(filepath.Separator)) {
			return "", nil
		}
		p := filepath.Join(d, "uv.lock")
		if isFile(p) {
			members, err := lockMembers(p)
			if err != nil {
				return "", err
			}
			for _, m := range members {
				if requirements.NormalizeName(m) == requirements.NormalizeName(member) {
					return p, nil
				}
			}
			return "", nil // the nearest lock decides
		}
		if d == svcDir {
			return "", nil
		}
	}
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
