package acceptance

// Requirements parsing, end to end through pip: nested -r/--requirement includes that
// resolve relative to the including file, CRLF line endings with a backslash continuation,
// comments, an environment marker, extras, a stripped -e of a relative local path, and noDeploy
// matching a line with a marker in another spelling.

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestRequirementsParsing(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	if err := copyTree(filepath.Join(Root(t), "testdata", "pypkgs", "pyreqs-sdistonly"), s.Path("localpkg"), false); err != nil {
		t.Fatal(err)
	}
	crlf := func(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }
	s.WriteFile("requirements.txt", crlf(
		"# the service's requirements",
		"-r sub/base.txt",
		`pyreqs-native ; python_version >= "3.8"   # provided by a layer: noDeploy`,
		"-e ./localpkg",
	))
	s.WriteFile("sub/base.txt", crlf(
		`pyreqs-withdeps \`,
		"    >=1.0",
		"--requirement more.txt",
	))
	s.WriteFile("sub/more.txt", crlf("pyreqs-pure[cli] >=1.0  # extras and a comment"))
	s.SetConfig("custom.pythonRequirements.noDeploy", []any{"Pyreqs.Native"})
	s.SetConfig("package.patterns", []any{"!node_modules/**", "!package.json", "!package-lock.json", "!localpkg/**", "!sub/**"})
	stdout, stderr := s.MustSls("package", "--verbose")

	art := s.Artifact()
	entries := ZipEntries(t, art)
	assertHas(t, art, entries, "pyreqs_pure/__init__.py", "pyreqs_withdeps/__init__.py", "pyreqs_sdistonly/__init__.py", "handler.py")
	assertNoPrefix(t, art, entries, "pyreqs_native/", "pyreqs_native-", "localpkg/")
	assertNoPluginMeta(t, art, entries)
	if !strings.Contains(stdout+stderr, "Stripping -e flag from requirement") {
		t.Errorf("no warning about the stripped -e flag:\n%s", tail(stdout+stderr, 3000))
	}
	gen := string(readFile(t, s.Path(".serverless/requirements.txt")))
	if strings.Contains(gen, "pyreqs-native") || strings.Contains(gen, "\r") {
		t.Errorf("generated requirements still hold the noDeploy line or CR characters:\n%s", gen)
	}
	// Order kept (not sorted): each included file's lines stay where its -r line was.
	if i, j := strings.Index(gen, "pyreqs-withdeps"), strings.Index(gen, "pyreqs-pure"); i < 0 || j < 0 || i > j {
		t.Errorf("requirements reordered:\n%s", gen)
	}
}
