package acceptance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPoetry packages testdata/services/poetry (a Poetry project without poetry.lock):
//   - requirePoetryLockFile: true fails before anything is installed;
//   - without it, poetry locks and exports the main group; a requirements.txt of the user's next
//     to pyproject.toml is neither used (the log says so without --verbose) nor touched (G.3 #20);
//   - poetryWithGroups/poetryWithoutGroups select the groups.
func TestPoetry(t *testing.T) {
	RequireTool(t, "poetry")
	t.Parallel()
	s := NewService(t, "poetry", Ours)
	useIndex(t, s, "pyproject.toml")

	s.SetConfig("custom.pythonRequirements.requirePoetryLockFile", true)
	stdout, stderr, err := s.Sls("package")
	assertUserError(t, err, stdout, stderr, "custom.pythonRequirements.requirePoetryLockFile",
		"poetry.lock file not found - set requirePoetryLockFile to false to disable this error")
	if _, err := os.Stat(s.Path("poetry.lock")); err == nil {
		t.Errorf("poetry.lock exists after the requirePoetryLockFile failure")
	}

	s.UnsetConfig("custom.pythonRequirements.requirePoetryLockFile")
	const userReqs = "# the user's own file, for another tool\npyreqs-sdistonly==1.0.0\n"
	s.WriteFile("requirements.txt", userReqs)
	_, stderr = s.MustSls("package")
	for _, want := range []string{
		"Python requirements of the service come from pyproject.toml (Poetry project); ignoring requirements.txt.",
		"Set custom.pythonRequirements.usePoetry: false to use requirements.txt instead.",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the log (without --verbose) lacks %q:\n%s", want, tail(stderr, 3000))
		}
	}
	if got, _ := os.ReadFile(s.Path("requirements.txt")); string(got) != userReqs {
		t.Errorf("the user's requirements.txt changed to %q", got)
	}
	if _, err := os.Stat(s.Path("poetry.lock")); err != nil {
		t.Errorf("poetry did not lock: %v", err)
	}
	entries := assertPackages(t, s.Artifact(), []string{"pyreqs_withdeps", "pyreqs_pure"}, []string{"pyreqs_native", "pyreqs_sdistonly"})
	if e, ok := entries["requirements.txt"]; !ok || e.Size != int64(len(userReqs)) {
		t.Errorf("the artifact's requirements.txt is not the user's file: %+v", e)
	}
	gen, _ := os.ReadFile(s.Path(".serverless/requirements.txt"))
	if !strings.Contains(string(gen), "pyreqs-withdeps==1.0.0") || strings.Contains(string(gen), "sdistonly") {
		t.Errorf(".serverless/requirements.txt is not poetry's export:\n%s", gen)
	}

	s.SetConfig("custom.pythonRequirements.poetryWithGroups", []string{"native", "dev"})
	s.SetConfig("custom.pythonRequirements.poetryWithoutGroups", []string{"dev"})
	s.MustSls("package")
	assertPackages(t, s.Artifact(), []string{"pyreqs_withdeps", "pyreqs_pure", "pyreqs_native"}, []string{"pyreqs_sdistonly"})

	s.UnsetConfig("custom.pythonRequirements.poetryWithGroups")
	s.UnsetConfig("custom.pythonRequirements.poetryWithoutGroups")
	s.SetConfig("custom.pythonRequirements.poetryOnlyGroups", []string{"dev"})
	s.MustSls("package")
	assertPackages(t, s.Artifact(), []string{"pyreqs_sdistonly"}, []string{"pyreqs_withdeps", "pyreqs_pure", "pyreqs_native"})
}

// TestPoetryDifferential packages testdata/services/poetry with both plugins: the same
// requirement files in both artifacts.
func TestPoetryDifferential(t *testing.T) {
	RequireTool(t, "poetry")
	t.Parallel()
	var services []*Service
	for _, p := range []Plugin{Ours, Original} {
		s := NewService(t, "poetry", p)
		useIndex(t, s, "pyproject.toml")
		s.SetConfig("custom.pythonRequirements.poetryWithGroups", []string{"native"})
		services = append(services, s)
	}
	done := make(chan error, len(services))
	for _, s := range services {
		go func() {
			_, _, err := s.Sls("package")
			done <- err
		}()
	}
	for range services {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	ours, original := services[0], services[1]
	assertPackages(t, ours.Artifact(), []string{"pyreqs_withdeps", "pyreqs_pure", "pyreqs_native"}, []string{"pyreqs_sdistonly"})
	compareRequirementFiles(t, "poetry", requirementFiles(t, ours, ours.Artifact()), requirementFiles(t, original, original.Artifact()))
}

// TestPoetryIndividually packages testdata/services/poetry-individually: each module is
// its own Poetry project (mod_a a Poetry 2 [project] one without build-system, mod_b a Poetry
// 1-style one), the root function uses requirements.txt; every function gets its own set.
func TestPoetryIndividually(t *testing.T) {
	RequireTool(t, "poetry")
	t.Parallel()
	s := NewService(t, "poetry-individually", Ours)
	useIndex(t, s, "mod_a/pyproject.toml", "mod_b/pyproject.toml")
	s.SetConfig("custom.pythonRequirements.requirePoetryLockFile", true)
	for _, m := range []string{"mod_a", "mod_b"} {
		runTool(t, s, m, "poetry", "lock")
	}
	_, stderr := s.MustSls("package", "--verbose")
	for m, dist := range map[string]string{"mod_a": "pyreqs-pure==1.0.0", "mod_b": "pyreqs-native==1.0.0"} {
		want := "Parsed requirements.txt from " + filepath.Join(m, "pyproject.toml")
		if !strings.Contains(stderr, want) {
			t.Errorf("the --verbose log lacks %q", want)
		}
		if gen, _ := os.ReadFile(s.Path(".serverless/" + m + "/requirements.txt")); !strings.Contains(string(gen), dist) {
			t.Errorf(".serverless/%s/requirements.txt lacks %s:\n%s", m, dist, gen)
		}
	}
	assertPackages(t, s.Path(".serverless/root.zip"), []string{"pyreqs_sdistonly"}, []string{"pyreqs_pure", "pyreqs_native"})
	a := s.Path(".serverless/mod_a-poetry-individually-dev-funcA.zip")
	assertPackages(t, a, []string{"pyreqs_pure"}, []string{"pyreqs_native", "pyreqs_sdistonly", "pyreqs_withdeps"})
	b := s.Path(".serverless/mod_b-poetry-individually-dev-funcB.zip")
	assertPackages(t, b, []string{"pyreqs_native"}, []string{"pyreqs_pure", "pyreqs_sdistonly"})
	if out := runPython(t, Unzip(t, b), "import handler_b; print(handler_b.hello({}, None))"); !strings.Contains(out, "'native': 42") {
		t.Errorf("handler_b.hello() printed %q", out)
	}
	for _, m := range []string{"mod_a", "mod_b"} {
		if _, err := os.Stat(s.Path(m + "/requirements.txt")); err == nil {
			t.Errorf("%s/requirements.txt was written into the module folder", m)
		}
	}
}
