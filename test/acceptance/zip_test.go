package acceptance

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestZip packages testdata/services/zip (zip: true, vendor) with serverless-pyreqs: the
// artifact holds unzip_requirements.py and a deterministic .requirements.zip (requirements and
// vendor files), the handler works when run from the unzipped artifact as on Lambda (the C
// extension included), the source tree is cleaned up, cleanupZipHelper: false keeps the files,
// noDeploy applies to .requirements.zip, and a stale .requirements.zip is reported once zip is off.
func TestZip(t *testing.T) {
	t.Parallel()
	s := NewService(t, "zip", Ours)
	helper, err := os.ReadFile(filepath.Join(Root(t), "goplugin/internal/pipeline/assets/unzip_requirements.py"))
	if err != nil {
		t.Fatal(err)
	}

	s.MustSls("package")
	art := s.Artifact()
	entries := ZipEntries(t, art)
	assertEntries(t, "artifact", entries, "handler.py", "unzip_requirements.py", ".requirements.zip")
	if loose := withPrefix(entries, "pyreqs_", "zip_vendored"); len(loose) > 0 {
		t.Errorf("requirements were injected loose into the artifact in zip mode: %v", loose)
	}
	if got := ZipRead(t, art, "unzip_requirements.py"); string(got) != string(helper) {
		t.Errorf("the artifact's unzip_requirements.py is not the plugin's helper")
	}
	for _, left := range []string{"unzip_requirements.py", ".requirements.zip"} {
		if exists(s.Path(left)) {
			t.Errorf("%s was left in the service folder (cleanupZipHelper defaults to true)", left)
		}
	}

	inner := extractNested(t, art, ".requirements.zip")
	innerEntries := ZipEntries(t, inner)
	native := findEntry(t, innerEntries, `^pyreqs_native/_speed\..*\.so$`)
	assertEntries(t, ".requirements.zip", innerEntries,
		"pyreqs_native/__init__.py", "pyreqs_withdeps/__init__.py", "pyreqs_pure/__init__.py", "zip_vendored.py")
	if len(withPrefix(innerEntries, "pyreqs_pure-1.0.0.dist-info/")) == 0 {
		t.Errorf(".requirements.zip has no pyreqs_pure dist-info (slim is off)")
	}
	for name := range innerEntries {
		if strings.HasPrefix(name, ".pyreqs") || name == ".completed_requirements" || name == "requirements.txt" {
			t.Errorf(".requirements.zip holds %s", name)
		}
	}
	if m := zipModes(t, inner)[native]; m != 0o755 {
		t.Errorf(".requirements.zip: %s has mode %v, want 0755", native, m)
	}

	// The real thing: Lambda unzips the artifact into the task root and imports the handler,
	// which imports unzip_requirements first.
	out, extracted := runZipped(t, art,
		"import json, handler, pyreqs_native\n"+
			"print(json.dumps({'result': handler.hello(None, None), 'native': pyreqs_native.__file__}))")
	var got struct {
		Result map[string]any `json:"result"`
		Native string         `json:"native"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("handler output %q: %v", out, err)
	}
	if got.Result["native"] != float64(42) || got.Result["vendored"] != "vendored in .requirements.zip" ||
		!strings.Contains(compactJSON(got.Result["withdeps"]), "zip") {
		t.Errorf("handler.hello() = %s", compactJSON(got.Result))
	}
	if !strings.HasPrefix(got.Native, extracted+string(filepath.Separator)) {
		t.Errorf("pyreqs_native was imported from %s, not from the extracted %s", got.Native, extracted)
	}
	if _, err := os.Stat(filepath.Join(extracted, filepath.FromSlash(native))); err != nil {
		t.Errorf("the extracted tree has no %s: %v", native, err)
	}

	// Nothing changed: byte-identical artifact, hence .requirements.zip.
	first := fileSHA256(t, art)
	s.MustSls("package")
	if again := fileSHA256(t, art); again != first {
		t.Errorf("re-packaging an unchanged service changed %s", filepath.Base(art))
	}

	// cleanupZipHelper: false keeps both files in the service folder; noDeploy (here a transitive
	// dependency) also applies to .requirements.zip.
	s.SetConfig("custom.pythonRequirements.cleanupZipHelper", false)
	s.SetConfig("custom.pythonRequirements.noDeploy", []string{"Pyreqs_Pure"})
	s.MustSls("package")
	if got, err := os.ReadFile(s.Path("unzip_requirements.py")); err != nil || string(got) != string(helper) {
		t.Errorf("cleanupZipHelper: false: unzip_requirements.py not kept in the service folder (%v)", err)
	}
	if !exists(s.Path(".requirements.zip")) {
		t.Fatalf("cleanupZipHelper: false: .requirements.zip not kept in the service folder")
	}
	if a, b := fileSHA256(t, s.Path(".requirements.zip")), sha256Hex(ZipRead(t, s.Artifact(), ".requirements.zip")); a != b {
		t.Errorf("the service folder's .requirements.zip differs from the one in the artifact")
	}
	innerEntries = ZipEntries(t, s.Path(".requirements.zip"))
	if pure := withPrefix(innerEntries, "pyreqs_pure/", "pyreqs_pure-"); len(pure) > 0 {
		t.Errorf("noDeploy: [Pyreqs_Pure]: .requirements.zip still holds %v", pure)
	}
	assertEntries(t, "noDeploy .requirements.zip", innerEntries, "pyreqs_withdeps/__init__.py", "zip_vendored.py")

	// zip switched off with the old .requirements.zip still there: a warning says so.
	s.SetConfig("custom.pythonRequirements.zip", false)
	stdout, stderr := s.MustSls("package")
	if all := stdout + stderr; !strings.Contains(all, ".requirements.zip: is left from an earlier packaging with zip: true") {
		t.Errorf("no warning about the stale .requirements.zip:\n%s", tail(all, 3000))
	}
}

// TestZipIndividuallySlim packages testdata/services/individually with zip and slim: each
// function artifact (modules moved up) holds the helper and its module's .requirements.zip at its
// root, slimmed and stripped; the handlers work from the unzipped artifacts; re-packaging gives
// byte-identical artifacts; the helpers are removed from every module folder.
func TestZipIndividuallySlim(t *testing.T) {
	t.Parallel()
	s := NewService(t, "individually", Ours)
	s.SetConfig("custom.pythonRequirements.zip", true)
	s.SetConfig("custom.pythonRequirements.slim", true)
	s.MustSls("package")

	arts := map[string]string{
		"root":  s.Path(".serverless/root.zip"),
		"funcA": s.Path(".serverless/mod_a-individually-dev-funcA.zip"),
		"funcB": s.Path(".serverless/mod_b-individually-dev-funcB.zip"),
	}
	handlers := map[string]string{"root": "handler.py", "funcA": "handler_a.py", "funcB": "handler_b.py"}
	wantReqs := map[string][]string{
		"root":  {"pyreqs_pure/__init__.py"},
		"funcA": {"pyreqs_withdeps/__init__.py", "pyreqs_pure/__init__.py"},
		"funcB": {"pyreqs_native/__init__.py"},
	}
	sums := map[string]string{}
	for fn, art := range arts {
		entries := ZipEntries(t, art)
		assertEntries(t, fn, entries, handlers[fn], "unzip_requirements.py", ".requirements.zip")
		bad := []string{"pyreqs_"}
		if fn != "root" {
			bad = append(bad, "mod_a/", "mod_b/") // moved up: the module folder is the zip root
		}
		if got := withPrefix(entries, bad...); len(got) > 0 {
			t.Errorf("%s: unexpected entries %v", fn, got)
		}
		inner := extractNested(t, art, ".requirements.zip")
		innerEntries := ZipEntries(t, inner)
		assertEntries(t, fn+" .requirements.zip", innerEntries, wantReqs[fn]...)
		for name := range innerEntries {
			if strings.Contains(name, ".dist-info/") || strings.HasSuffix(name, ".pyc") {
				t.Errorf("%s: slim left %s in .requirements.zip", fn, name)
			}
		}
		sums[fn] = fileSHA256(t, art)
	}
	inner := extractNested(t, arts["funcB"], ".requirements.zip")
	if so := findEntry(t, ZipEntries(t, inner), `^pyreqs_native/_speed\..*\.so$`); hasSymtab(t, inner, so) {
		t.Errorf("funcB: %s is not stripped (slim: true)", so)
	}
	for _, m := range []string{".", "mod_a", "mod_b"} {
		for _, left := range []string{"unzip_requirements.py", ".requirements.zip"} {
			if p := filepath.Join(s.Dir, m, left); exists(p) {
				t.Errorf("%s was left in %s", left, m)
			}
		}
	}

	out, _ := runZipped(t, arts["funcB"], "import unzip_requirements, handler_b; print(handler_b.hello(None, None))")
	if strings.TrimSpace(out) != "8" {
		t.Errorf("funcB handler printed %q, want 8", out)
	}
	out, _ = runZipped(t, arts["funcA"], "import unzip_requirements, handler_a; print(handler_a.hello(None, None))")
	if !strings.Contains(out, "mod_a") {
		t.Errorf("funcA handler printed %q", out)
	}

	s.MustSls("package")
	for fn, art := range arts {
		if got := fileSHA256(t, art); got != sums[fn] {
			t.Errorf("re-packaging an unchanged service changed %s's artifact", fn)
		}
	}
}
