package workspace

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestPaths(t *testing.T) {
	w := New("/svc")
	for got, want := range map[string]string{
		w.Requirements("."):             "/svc/.serverless/requirements.txt",
		w.Requirements("mod/a"):         "/svc/.serverless/mod/a/requirements.txt",
		w.Link("."):                     "/svc/.serverless/requirements",
		w.Pointer("mod"):                "/svc/.serverless/mod/.pyreqs-entry",
		w.ZipHelper("."):                "/svc/unzip_requirements.py",
		w.RequirementsZip("mod"):        "/svc/mod/.requirements.zip",
		w.LayerZip():                    "/svc/.serverless/pythonRequirements.zip",
		w.ModuleArtifact("a/b", "fn"):   "/svc/.serverless/a-b-fn.zip",
		w.ArtifactCopy("", "/x/y.zip"):  "/svc/.serverless/y.zip",
		w.ArtifactCopy("f", "/x/y.zip"): "/svc/.serverless/f-y.zip",
		w.Abs("art.zip"):                "/svc/art.zip",
		w.Abs("s3://b/k.zip"):           "s3://b/k.zip",
		w.Rel("/svc/.serverless/x"):     ".serverless/x",
		w.Rel("/elsewhere"):             "/elsewhere",
	} {
		if got != filepath.FromSlash(want) {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	if !w.InDotServerless("/svc/.serverless/a.zip") || w.InDotServerless("/svc/a.zip") {
		t.Error("InDotServerless")
	}
}

// TestCleanTargetsCoverWhatIsWritten: every path the plugin writes for a module is in the clean
// list (the helper only when cleanupZipHelper is on).
func TestCleanTargetsCoverWhatIsWritten(t *testing.T) {
	w := New("/svc")
	modules := []string{".", "mod"}
	targets := w.CleanTargets(modules, true)
	for _, m := range modules {
		for _, p := range []string{w.Link(m), w.Requirements(m), w.Pointer(m), w.Packed(m), w.Dists(m), w.RequirementsZip(m), w.ZipHelper(m)} {
			if !slices.Contains(targets, p) {
				t.Errorf("clean misses %s", p)
			}
		}
	}
	for _, p := range []string{w.LayerZip(), w.Legacy()} {
		if !slices.Contains(targets, p) {
			t.Errorf("clean misses %s", p)
		}
	}
	if slices.Contains(w.CleanTargets(modules, false), w.ZipHelper(".")) {
		t.Error("the helper is cleaned although cleanupZipHelper is off")
	}
}

func TestPointerAndBuiltEntry(t *testing.T) {
	w := New(t.TempDir())
	entry := t.TempDir()
	if err := w.WritePointer("mod", entry); err != nil {
		t.Fatal(err)
	}
	if got, err := w.BuiltEntry("mod"); err != nil || got != entry {
		t.Fatalf("BuiltEntry = %q, %v; want %q", got, err, entry)
	}
	// An older .serverless has only the link.
	other := t.TempDir()
	if err := Symlink(other, w.Link(".")); err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(other)
	if got, err := w.BuiltEntry("."); err != nil || got != real {
		t.Fatalf("BuiltEntry via link = %q, %v; want %q", got, err, real)
	}
	if fi, err := os.Stat(w.Pointer("mod")); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("pointer file: %v %v", fi, err)
	}
}
