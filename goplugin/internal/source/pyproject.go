package source

import (
	"errors"
	"os"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// CodeTOML is the code of the error for an unreadable or invalid pyproject.toml or uv.lock.
const CodeTOML = diag.CodeTOMLInvalid

// pyproject is what the detection needs from a pyproject.toml.
type pyproject struct {
	path          string
	buildRequires []string
	hasToolPoetry bool
	projectName   string
	dependencies  []string // nil when [project].dependencies is absent
}

// isPoetry reports a Poetry project: a build-system.requires entry starting with "poetry" (the
// original's rule, e.g. poetry-core) or a [tool.poetry] table (Poetry 2 projects that declare
// their dependencies in [project] and may omit the build system).
func (p *pyproject) isPoetry() bool {
	if p.hasToolPoetry {
		return true
	}
	for _, r := range p.buildRequires {
		if strings.HasPrefix(strings.TrimSpace(r), "poetry") {
			return true
		}
	}
	return false
}

// readPyproject reads and checks the parts of a pyproject.toml that matter here.
func readPyproject(path string) (*pyproject, error) {
	doc, err := readTOML(path)
	if err != nil {
		return nil, err
	}
	p := &pyproject{path: path}
	bad := func(key, want string) error {
		return diag.AtFile(CodeTOML, path, "%s must be %s", key, want).
			WithFix("Fix the file (see https://packaging.python.org/en/latest/specifications/pyproject-toml/).")
	}
	if bs, ok := doc["build-system"]; ok {
		t, ok := bs.(map[string]any)
		if !ok {
			return nil, bad("[build-system]", "a table")
		}
		if req, ok := t["requires"]; ok {
			if p.buildRequires, ok = stringList(req); !ok {
				return nil, bad("build-system.requires", "an array of strings")
			}
		}
	}
	if tool, ok := doc["tool"].(map[string]any); ok {
		_, p.hasToolPoetry = tool["poetry"].(map[string]any)
	}
	if pr, ok := doc["project"]; ok {
		t, ok := pr.(map[string]any)
		if !ok {
			return nil, bad("[project]", "a table")
		}
		if n, ok := t["name"]; ok {
			if p.projectName, ok = n.(string); !ok {
				return nil, bad("project.name", "a string")
			}
		}
		if d, ok := t["dependencies"]; ok {
			deps, ok := stringList(d)
			if !ok {
				return nil, bad("project.dependencies", "an array of requirement strings")
			}
			p.dependencies = append([]string{}, deps...)
		}
	}
	return p, nil
}

// lockMembers returns the workspace members listed in a uv.lock ([manifest].members).
func lockMembers(path string) ([]string, error) {
	doc, err := readTOML(path)
	if err != nil {
		return nil, err
	}
	m, _ := doc["manifest"].(map[string]any)
	members, _ := stringList(m["members"])
	return members, nil
}

// readTOML parses a TOML file; a syntax error names the file, line and column.
func readTOML(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, diag.AtFile(CodeTOML, path, "cannot read it: %v", unwrap(err)).Wrap(err)
	}
	doc := map[string]any{}
	if err := toml.Unmarshal(data, &doc); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return nil, diag.AtFile(CodeTOML, path, "line %d, column %d: invalid TOML: %s", row, col, strings.TrimPrefix(de.Error(), "toml: ")).
				WithFix("Fix the TOML syntax of that file.").WithOutput(de.String()).Wrap(err)
		}
		return nil, diag.AtFile(CodeTOML, path, "invalid TOML: %v", err).WithFix("Fix the TOML syntax of that file.").Wrap(err)
	}
	return doc, nil
}

func unwrap(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func stringList(v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}
