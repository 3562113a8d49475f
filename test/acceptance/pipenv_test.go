package acceptance

import (
	"os"
	"strings"
	"testing"
)

// TestPipenv packages testdata/services/pipenv (a Pipfile, no Pipfile.lock) with our
// plugin: it warns, runs `pipenv lock`, installs the [packages] (not the [dev-packages]) from
// the exported requirements. Then, differentially, the original plugin packages the same service
// with that Pipfile.lock: the requirement files of both artifacts are the same.
func TestPipenv(t *testing.T) {
	RequireTool(t, "pipenv")
	t.Parallel()
	ours := NewService(t, "pipenv", Ours)
	_, stderr := ours.MustSls("package")
	if !strings.Contains(stderr, "No Pipfile.lock found!") {
		t.Errorf("no warning about the missing Pipfile.lock:\n%s", tail(stderr, 3000))
	}
	lock, err := os.ReadFile(ours.Path("Pipfile.lock"))
	if err != nil {
		t.Fatalf("pipenv lock did not create Pipfile.lock: %v", err)
	}
	assertPackages(t, ours.Artifact(), []string{"pyreqs_withdeps", "pyreqs_pure", "pyreqs_native"}, []string{"pyreqs_sdistonly"})
	dir := Unzip(t, ours.Artifact())
	if out := runPython(t, dir, "import handler; print(handler.hello({}, None))"); !strings.Contains(out, "'native': 42") {
		t.Errorf("handler.hello() printed %q", out)
	}

	// The original plugin with the same lock (without one, current pipenv exports nothing and
	// the original installs no package at all).
	original := NewService(t, "pipenv", Original)
	original.WriteFile("Pipfile.lock", string(lock))
	original.MustSls("package")
	compareRequirementFiles(t, "pipenv", requirementFiles(t, ours, ours.Artifact()), requirementFiles(t, original, original.Artifact()))
}

// TestMissingTools runs each tool-backed source with the tool missing from PATH: one
// error that names the option which turns the source off.
func TestMissingTools(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		service, tool, option string
		prepare               func(s *Service)
	}{
		{"pipenv", "pipenv", "custom.pythonRequirements.usePipenv", nil},
		{"poetry", "poetry", "custom.pythonRequirements.usePoetry", func(s *Service) { useIndex(t, s, "pyproject.toml") }},
		{"uv", "uv", "custom.pythonRequirements.useUv", func(s *Service) { s.WriteFile("uv.lock", "version = 1\n") }},
	} {
		t.Run(tt.tool, func(t *testing.T) {
			t.Parallel()
			s := NewService(t, tt.service, Ours)
			if tt.prepare != nil {
				tt.prepare(s)
			}
			s.Env["PATH"] = pathWithout(t, tt.tool)
			stdout, stderr, err := s.Sls("package")
			assertUserError(t, err, stdout, stderr, tt.option, tt.tool+" not found!", tt.option[len("custom.pythonRequirements."):]+": false")
		})
	}
}
