package acceptance

// vendor end to end with the real `sls package`: service-level vendor files at the artifact
// root, and functions.<f>.vendor of an individually packaged function.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVendorServiceLevel: service-level vendor files are added at the artifact root, and a
// change to them shows up on the next (warm) run, since they are never cached.
func TestVendorServiceLevel(t *testing.T) {
	t.Parallel()
	s := NewService(t, "vendor", Ours)
	s.MustSls("package")
	art := s.Artifact()
	entries := ZipEntries(t, art)
	assertHas(t, art, entries, "vendored_helper/__init__.py", "vendored_single.py", "pyreqs_pure/__init__.py", "handler.py")
	assertNoPrefix(t, art, entries, "vendored/")
	dir := Unzip(t, art)
	if out := runPython(t, dir, "import handler; print(handler.hello({}, None))"); !strings.Contains(out, "HELLO VENDOR FROM PYREQS-PURE 1.0.0!") {
		t.Errorf("handler.hello() printed %q", out)
	}

	s.WriteFile("vendored/vendored_single.py", "SINGLE = 'changed'\n")
	s.MustSls("package")
	if got := string(ZipRead(t, art, "vendored_single.py")); got != "SINGLE = 'changed'\n" {
		t.Errorf("a changed vendor file was not picked up on the warm run: %q", got)
	}
	if _, err := os.Stat(filepath.Join(cacheEntryDir(t, s), "vendored_single.py")); err == nil {
		t.Errorf("vendor files were copied into the static cache entry")
	}
}

// TestVendorFunctionLevel: functions.<f>.vendor of an individually packaged function goes
// into that function's artifact only.
func TestVendorFunctionLevel(t *testing.T) {
	t.Parallel()
	s := NewService(t, "individually", Ours)
	s.WriteFile("vendor_a/extra_a.py", "EXTRA = 'a'\n")
	s.SetConfig("functions.funcA.vendor", "./vendor_a")
	s.MustSls("package")
	a := s.Path(".serverless/mod_a-individually-dev-funcA.zip")
	assertHas(t, a, ZipEntries(t, a), "extra_a.py", "handler_a.py", "pyreqs_withdeps/__init__.py")
	for _, other := range []string{".serverless/mod_b-individually-dev-funcB.zip", ".serverless/root.zip"} {
		p := s.Path(other)
		if e := ZipEntries(t, p); hasPrefix(e, "extra_a.py") {
			t.Errorf("%s received funcA's vendor file", other)
		}
	}
}
