package acceptance

import (
	"os"
	"strings"
	"testing"
)

// TestUv packages testdata/services/uv (uv.lock made with `uv lock` against the local
// index) with a Pipfile beside it:
//   - uv.lock wins, the log says so without --verbose and pipenv never runs (G.3 #21: the
//     original ran both and silently used uv's output while logging "Pipfile");
//   - the export is v4's (no dev group, no extras, no root project);
//   - uvOptionalDependencies and uvWithGroups add the extra and the dev group, and
//     installer: uv installs with `uv pip install --python <pythonBin>`.
func TestUv(t *testing.T) {
	RequireTool(t, "uv")
	t.Parallel()
	s := NewService(t, "uv", Ours)
	runTool(t, s, ".", "uv", "lock")
	s.WriteFile("Pipfile", "[packages]\npyreqs-sdistonly = \"*\"\n")

	_, stderr := s.MustSls("package")
	for _, want := range []string{
		"Python requirements of the service come from uv.lock (uv lock file); ignoring Pipfile.",
		"Set custom.pythonRequirements.useUv: false to use Pipfile instead.",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the log (without --verbose) lacks %q:\n%s", want, tail(stderr, 3000))
		}
	}
	if _, err := os.Stat(s.Path("Pipfile.lock")); err == nil {
		t.Errorf("pipenv ran (Pipfile.lock exists) although uv.lock was used")
	}
	assertPackages(t, s.Artifact(), []string{"pyreqs_withdeps", "pyreqs_pure"}, []string{"pyreqs_native", "pyreqs_sdistonly", "uv_service"})

	s.SetConfig("custom.pythonRequirements.uvOptionalDependencies", []string{"native"})
	s.SetConfig("custom.pythonRequirements.uvWithGroups", []string{"dev"})
	s.SetConfig("custom.pythonRequirements.installer", "uv")
	_, stderr = s.MustSls("package", "--verbose")
	if !strings.Contains(stderr, "Running: uv pip install --python python3.11 --target ") {
		t.Errorf("installer: uv did not run `uv pip install --python python3.11`:\n%s", tail(stderr, 4000))
	}
	for _, want := range []string{"--extra native", "--group dev"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the uv export command lacks %q:\n%s", want, tail(stderr, 4000))
		}
	}
	assertPackages(t, s.Artifact(), []string{"pyreqs_withdeps", "pyreqs_pure", "pyreqs_native", "pyreqs_sdistonly"}, nil)
	if got := strings.TrimSpace(string(ZipRead(t, s.Artifact(), "pyreqs_native-1.0.0.dist-info/INSTALLER"))); got != "uv" {
		t.Errorf("pyreqs_native was installed by %q, want uv", got)
	}
	if out := runPython(t, Unzip(t, s.Artifact()), "import pyreqs_native; print(pyreqs_native.double(21))"); strings.TrimSpace(out) != "42" {
		t.Errorf("pyreqs_native.double(21) printed %q", out)
	}
}

// TestPEP621 packages testdata/services/pep621 (a pyproject.toml with [project] and no
// lock file, no requirements.txt): [project].dependencies are installed, optional ones are not.
// Then a requirements.txt beside it takes precedence, and the log says so.
func TestPEP621(t *testing.T) {
	t.Parallel()
	s := NewService(t, "pep621", Ours)
	s.MustSls("package")
	assertPackages(t, s.Artifact(), []string{"pyreqs_withdeps", "pyreqs_pure", "pyreqs_sdistonly"}, []string{"pyreqs_native"})
	if out := runPython(t, Unzip(t, s.Artifact()), "import handler; print(handler.hello({}, None))"); !strings.Contains(out, "pep621") {
		t.Errorf("handler.hello() printed %q", out)
	}

	s.WriteFile("requirements.txt", "pyreqs-native\n")
	_, stderr := s.MustSls("package")
	if want := "Python requirements of the service come from requirements.txt (requirements file); ignoring pyproject.toml ([project].dependencies)."; !strings.Contains(stderr, want) {
		t.Errorf("the log lacks %q:\n%s", want, tail(stderr, 3000))
	}
	assertPackages(t, s.Artifact(), []string{"pyreqs_native"}, []string{"pyreqs_withdeps", "pyreqs_sdistonly"})
}
