package acceptance

// Options end to end with the real `sls package`: fileName, pythonBin (explicit and from
// the runtime), pipCmdExtraArgs, noDeploy, and the v4 switches enabled: false and a block set to
// false. vendor and the cache options have files of their own (vendor_test.go, cache_test.go).

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFileNamePythonBinPipArgs: an explicit fileName is read instead of requirements.txt,
// pip runs through the configured pythonBin (a wrapper that records its arguments), and every
// token of a multi-token pipCmdExtraArgs element reaches pip (--index-url to the index that also
// serves pyreqs-pure 2.0.0, and --no-deps).
func TestFileNamePythonBinPipArgs(t *testing.T) {
	t.Parallel()
	v2 := ServeIndex(t, filepath.Join(IndexDir(t), "v2"))
	s := NewService(t, "basic", Ours)
	s.WriteFile("requirements-prod.txt", "pyreqs-withdeps\npyreqs-pure\n")
	callLog := filepath.Join(t.TempDir(), "python-calls.log")
	wrapper := filepath.Join(t.TempDir(), "mypython")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nprintf '%s\\n' \"$*\" >> '"+callLog+"'\nexec python3.11 \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	s.SetConfig("custom.pythonRequirements.fileName", "requirements-prod.txt")
	s.SetConfig("custom.pythonRequirements.pythonBin", wrapper)
	s.SetConfig("custom.pythonRequirements.pipCmdExtraArgs", []any{"--no-deps --index-url " + v2.IndexURL()})
	s.MustSls("package")

	art := s.Artifact()
	entries := ZipEntries(t, art)
	assertHas(t, art, entries, "pyreqs_withdeps/__init__.py", "pyreqs_pure/__init__.py", "requirements-prod.txt")
	assertNoPrefix(t, art, entries, "pyreqs_native/", "pyreqs_sdistonly/")
	if v := string(ZipRead(t, art, "pyreqs_pure/_version.py")); !strings.Contains(v, `"2.0.0"`) {
		t.Errorf("pyreqs_pure/_version.py = %q: the --index-url of pipCmdExtraArgs was not used", v)
	}
	calls, err := os.ReadFile(callLog)
	if err != nil {
		t.Fatalf("pythonBin %s was never run: %v", wrapper, err)
	}
	var pip string
	for _, l := range strings.Split(string(calls), "\n") {
		if strings.Contains(l, "-m pip install") {
			pip = l
		}
	}
	if pip == "" {
		t.Fatalf("pythonBin did not run pip install; calls:\n%s", calls)
	}
	for _, want := range []string{"--no-deps", "--index-url " + v2.IndexURL(), ".serverless/requirements.txt"} {
		if !strings.Contains(pip, want) {
			t.Errorf("pip install call %q lacks %q", pip, want)
		}
	}
	if hits := v2.Downloads(); len(hits) == 0 {
		t.Errorf("the pipCmdExtraArgs index served nothing")
	}
}

// TestNoDeployTransitive: noDeploy naming a transitive dependency in another spelling
// (PYREQS.Pure for pyreqs-pure) removes all its files, console script included; pythonBin
// defaults to the runtime's interpreter.
func TestNoDeployTransitive(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	s.WriteFile("requirements.txt", "pyreqs-withdeps\n")
	s.SetConfig("custom.pythonRequirements.noDeploy", []any{"PYREQS.Pure"})
	stdout, stderr := s.MustSls("package", "--verbose")
	if out := stdout + stderr; !strings.Contains(out, "Using python3.11 (Python 3.11") {
		t.Errorf("pythonBin did not default to the runtime's python3.11:\n%s", tail(out, 3000))
	}
	art := s.Artifact()
	entries := ZipEntries(t, art)
	assertHas(t, art, entries, "pyreqs_withdeps/__init__.py", "pyreqs_withdeps-1.0.0.dist-info/METADATA")
	assertNoPrefix(t, art, entries, "pyreqs_pure/", "pyreqs_pure-", "bin/pyreqs-pure")
	// It was installed (a dependency of pyreqs-withdeps), just not deployed.
	if _, err := os.Stat(s.Path(".serverless/requirements/pyreqs_pure/__init__.py")); err != nil {
		t.Errorf("pyreqs-pure was not installed at all: %v", err)
	}
}

// TestDisabled: enabled: false and a block set to false skip requirements packaging, with
// the info message.
func TestDisabled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		value any
	}{
		{"enabled-false", map[string]any{"enabled": false}},
		{"block-false", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewService(t, "basic", Ours)
			s.SetConfig("custom.pythonRequirements", tc.value)
			stdout, stderr := s.MustSls("package", "--verbose")
			if !strings.Contains(stdout+stderr, "Skipping python requirements packaging because custom.pythonRequirements.enabled is set to false.") {
				t.Errorf("no skip message:\n%s", tail(stdout+stderr, 3000))
			}
			art := s.Artifact()
			entries := ZipEntries(t, art)
			assertHas(t, art, entries, "handler.py")
			assertNoPrefix(t, art, entries, "pyreqs_", "bin/")
			for _, p := range []string{".serverless/requirements", ".serverless/requirements.txt"} {
				if _, err := os.Lstat(s.Path(p)); err == nil {
					t.Errorf("%s was created", p)
				}
			}
		})
	}
}
