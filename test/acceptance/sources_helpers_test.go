package acceptance

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// srcIndexPlaceholder is replaced by the local index URL in the sample services' pyproject.toml
// files (Poetry does not expand environment variables in source URLs).
const srcIndexPlaceholder = "@PYREQS_INDEX_URL@"

// srcUseIndex writes the service's index URL into the given files of the service.
func srcUseIndex(t testing.TB, s *Service, rels ...string) {
	t.Helper()
	for _, rel := range rels {
		data, err := os.ReadFile(s.Path(rel))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(srcIndexPlaceholder)) {
			t.Fatalf("%s has no %s", rel, srcIndexPlaceholder)
		}
		s.WriteFile(rel, strings.ReplaceAll(string(data), srcIndexPlaceholder, s.IndexURL))
	}
}

// srcTool runs a Python tool of .tools/bin (uv, poetry, pipenv) in a folder of the service with
// the environment of its Serverless runs, as a user would before packaging.
func srcTool(t testing.TB, s *Service, dir, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(Root(t), ".tools", "bin", name), args...)
	cmd.Dir = s.Path(dir)
	cmd.Env = s.Environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// srcAssertPackages checks which top-level packages of testdata/pypkgs an artifact holds.
func srcAssertPackages(t testing.TB, zipPath string, want, unwanted []string) map[string]Entry {
	t.Helper()
	entries := ZipEntries(t, zipPath)
	for _, p := range want {
		if _, ok := entries[p+"/__init__.py"]; !ok {
			t.Errorf("%s: no %s/__init__.py", filepath.Base(zipPath), p)
		}
	}
	for _, p := range unwanted {
		for name := range entries {
			if strings.HasPrefix(name, p+"/") {
				t.Errorf("%s: has %s, which must not be installed", filepath.Base(zipPath), name)
				break
			}
		}
	}
	for name := range entries {
		if strings.HasPrefix(name, "node_modules/") || strings.Contains(name, "__pycache__/") || name == ".completed_requirements" {
			t.Errorf("%s: unexpected entry %s", filepath.Base(zipPath), name)
		}
	}
	return entries
}

// srcRequirementFiles maps the requirement files of an artifact (the entries that are not in the
// service folder) to their sha256.
func srcRequirementFiles(t testing.TB, s *Service, zipPath string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, e := range ZipEntries(t, zipPath) {
		if strings.HasSuffix(name, "/") {
			continue
		}
		if _, err := os.Stat(s.Path(name)); err == nil {
			continue // the service's own file (handler.py, pyproject.toml, Pipfile ...)
		}
		out[name] = e.SHA256
	}
	return out
}

// srcPathWithout is PATH without the folders that hold any of the named programs (and without
// .tools/bin), so a run finds node and python but not the tool.
func srcPathWithout(t testing.TB, names ...string) string {
	t.Helper()
	var keep []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir == "" || filepath.Clean(dir) == filepath.Join(Root(t), ".tools", "bin") {
			continue
		}
		found := false
		for _, n := range names {
			if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
				found = true
			}
		}
		if !found {
			keep = append(keep, dir)
		}
	}
	return strings.Join(keep, string(os.PathListSeparator))
}

// srcUserError checks that a failed run printed one error with the wanted fragments and no stack.
func srcUserError(t testing.TB, err error, stdout, stderr string, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("the run succeeded; want an error with %q", want)
	}
	all := stdout + stderr
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("the error output lacks %q:\n%s", w, tail(all, 3000))
		}
	}
	if strings.Contains(all, "    at ") {
		t.Errorf("the error output has a JavaScript stack:\n%s", tail(all, 3000))
	}
}

// runPythonIn imports from dir with the machine's python3.11, as Lambda would import the handler
// from the unzipped artifact, and returns stdout.
func runPythonIn(t testing.TB, dir, code string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3.11", "-I", "-c", "import sys; sys.path.insert(0, '.')\n"+code)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "PYTHONDONTWRITEBYTECODE=1"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3.11 in %s: %v\n%s", dir, err, stderr.String())
	}
	return string(out)
}
