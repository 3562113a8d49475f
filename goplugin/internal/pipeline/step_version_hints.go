package pipeline

import (
	"context"
	"path"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/target"
)

// versionHints warns, once per run and hint, when a project file of a requirements set
// (.python-version, pyproject.toml's [project].requires-python, Pipfile.lock's python_version,
// read as Vercel's Python runtime reads them) asks for another Python version than the set's
// runtime: the requirements are installed for the runtime, not for that version.
type versionHints struct{}

func (versionHints) String() string { return "version-hints" }

func (versionHints) Run(_ context.Context, s *state) error {
	seen := map[string]bool{}
	for _, u := range s.units {
		t, err := target.New(u.Runtime, u.Arch)
		if err != nil {
			continue // a runtime the target installer does not know: nothing to compare with
		}
		hints, err := target.ReadVersionHints(s.ws.ModuleDir(u.Module))
		if err != nil {
			s.emit.Verbose("Python version hints not read: " + err.Error())
			continue
		}
		for i := range hints {
			hints[i].File = path.Join(u.Module, hints[i].File)
		}
		for _, w := range target.Warnings(hints, t) {
			if !seen[w] {
				seen[w] = true
				s.emit.Warn(diag.Warnf(diag.CodePythonVersionHint, "%s", w))
			}
		}
	}
	return nil
}
