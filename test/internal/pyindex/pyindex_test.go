package pyindex

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// repoRoot walks up from the package directory to the go.mod of the module.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// toolsPython is the interpreter of scripts/setup.sh's venv (setuptools, wheel, build, pip).
func toolsPython(t *testing.T, root string) string {
	t.Helper()
	py := filepath.Join(root, ".tools", "venv", "bin", "python")
	if _, err := os.Stat(py); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: run scripts/setup.sh", py)
		}
		t.Skipf("%s is missing: run scripts/setup.sh", py)
	}
	return py
}

// isolatedPipEnv is an environment in which pip reads no user configuration and writes no
// user cache.
func isolatedPipEnv(t *testing.T) []string {
	var env []string
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "PIP_") || name == "XDG_CACHE_HOME" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "PIP_CONFIG_FILE="+os.DevNull, "PIP_DISABLE_PIP_VERSION_CHECK=1",
		"PIP_NO_CACHE_DIR=1", "XDG_CACHE_HOME="+t.TempDir())
}

func TestBuildServeAndPipDownload(t *testing.T) {
	root := repoRoot(t)
	py := toolsPython(t, root)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	src := filepath.Join(root, "testdata", "pypkgs")
	out := filepath.Join(t.TempDir(), "index")
	start := time.Now()
	if err := Build(ctx, py, src, out); err != nil {
		t.Fatal(err)
	}
	t.Logf("first build: %v", time.Since(start))

	names := dirNames(t, out)
	want := []string{
		"pyreqs_native-1.0.0.tar.gz",
		"pyreqs_pure-1.0.0-py3-none-any.whl",
		"pyreqs_pure-1.0.0.tar.gz",
		"pyreqs_sdistonly-1.0.0.tar.gz",
		"pyreqs_withdeps-1.0.0-py3-none-any.whl",
		"pyreqs_withdeps-1.0.0.tar.gz",
		"pyreqs_compiled-1.0.0.tar.gz",
	}
	for _, w := range PlatformWheels() {
		want = append(want, w.Filename())
	}
	for _, w := range want {
		if !slices.Contains(names, w) {
			t.Errorf("missing %s in %v", w, names)
		}
	}
	if !slices.ContainsFunc(names, func(n string) bool {
		return regexp.MustCompile(`^pyreqs_native-1\.0\.0-cp3\d+-cp3\d+-linux_[a-z0-9_]+\.whl$`).MatchString(n)
	}) {
		t.Errorf("no native wheel in %v", names)
	}
	if slices.ContainsFunc(names, func(n string) bool {
		return (strings.HasPrefix(n, "pyreqs_sdistonly") || strings.HasPrefix(n, "pyreqs_compiled")) && strings.HasSuffix(n, ".whl")
	}) {
		t.Errorf("pyreqs-sdistonly must not have a wheel: %v", names)
	}
	if v2 := dirNames(t, filepath.Join(out, "v2")); !slices.Equal(v2, []string{"pyreqs_pure-2.0.0-py3-none-any.whl", "pyreqs_pure-2.0.0.tar.gz"}) {
		t.Errorf("v2 = %v", v2)
	}

	// The wheels hold what the sources say: the C extension is compiled, the console script
	// is declared, the 2.0.0 variant carries its version in the module.
	nativeWheel := filepath.Join(out, names[slices.IndexFunc(names, func(n string) bool {
		return strings.HasPrefix(n, "pyreqs_native-") && strings.HasSuffix(n, ".whl")
	})])
	if !slices.ContainsFunc(zipNames(t, nativeWheel), func(n string) bool {
		return strings.HasPrefix(n, "pyreqs_native/_speed.") && strings.HasSuffix(n, ".so")
	}) {
		t.Errorf("%s has no compiled _speed: %v", nativeWheel, zipNames(t, nativeWheel))
	}
	pure := filepath.Join(out, "pyreqs_pure-1.0.0-py3-none-any.whl")
	if ep := string(zipFile(t, pure, "pyreqs_pure-1.0.0.dist-info/entry_points.txt")); !strings.Contains(ep, "pyreqs-pure = pyreqs_pure.cli:main") {
		t.Errorf("entry_points.txt = %q", ep)
	}
	if v := string(zipFile(t, filepath.Join(out, "v2", "pyreqs_pure-2.0.0-py3-none-any.whl"), "pyreqs_pure/_version.py")); !strings.Contains(v, `"2.0.0"`) {
		t.Errorf("v2 _version.py = %q", v)
	}
	if meta := string(zipFile(t, filepath.Join(out, "pyreqs_withdeps-1.0.0-py3-none-any.whl"), "pyreqs_withdeps-1.0.0.dist-info/METADATA")); !strings.Contains(meta, "Requires-Dist: pyreqs-pure>=1.0") {
		t.Errorf("withdeps METADATA lacks its dependency:\n%s", meta)
	}
	// Nothing was written into the sources.
	if err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err == nil && (d.Name() == "build" || strings.HasSuffix(d.Name(), ".egg-info")) {
			t.Errorf("build output in the source tree: %s", path)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// Unchanged sources: the second Build is a cache hit and rewrites nothing.
	before := statTimes(t, out)
	start = time.Now()
	if err := Build(ctx, py, src, out); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Logf("second build took %v (expected a cache hit)", d)
	}
	if after := statTimes(t, out); !mapsEqual(before, after) {
		t.Errorf("second Build rewrote the output:\nbefore %v\nafter  %v", before, after)
	}

	s, err := NewServer(out)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// The real client: pip resolves the project page, checks #sha256 and downloads.
	dl := t.TempDir()
	pipDownload(t, py, s.IndexURL(), dl, "pyreqs-pure")
	if got := dirNames(t, dl); !slices.Equal(got, []string{"pyreqs_pure-1.0.0-py3-none-any.whl"}) {
		t.Errorf("pip download pyreqs-pure: %v", got)
	}
	dl = t.TempDir()
	pipDownload(t, py, s.IndexURL(), dl, "PyReqs_SdistOnly") // non-normalised name: redirected
	if got := dirNames(t, dl); !slices.Equal(got, []string{"pyreqs_sdistonly-1.0.0.tar.gz"}) {
		t.Errorf("pip download pyreqs-sdistonly: %v", got)
	}
	if dls := s.Downloads(); !slices.Contains(dls, "pyreqs_pure-1.0.0-py3-none-any.whl") {
		t.Errorf("Downloads() = %v", dls)
	}

	// PEP 658: pip resolves from the served METADATA files and downloads no wheel, as from PyPI.
	n := len(s.Downloads())
	cmd := exec.Command(py, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
		"--report", filepath.Join(t.TempDir(), "report.json"), "--index-url", s.IndexURL(), "pyreqs-withdeps")
	cmd.Env = isolatedPipEnv(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pip install --dry-run: %v\n%s", err, out)
	}
	if dls := s.Downloads()[n:]; len(dls) != 0 {
		t.Errorf("pip downloaded %v to resolve; the metadata files should have sufficed", dls)
	}
	if reqs := s.Requests(); !slices.Contains(reqs, "/files/0/pyreqs_withdeps-1.0.0-py3-none-any.whl.metadata") {
		t.Errorf("pip did not read the metadata file: %v", reqs)
	}

	// With the v2 directory added, pip picks 2.0.0.
	url2, stop2 := Serve(out, filepath.Join(out, "v2"))
	defer stop2()
	dl = t.TempDir()
	pipDownload(t, py, url2+"/simple", dl, "pyreqs-pure")
	if got := dirNames(t, dl); !slices.Equal(got, []string{"pyreqs_pure-2.0.0-py3-none-any.whl"}) {
		t.Errorf("pip download pyreqs-pure from the v2 index: %v", got)
	}
}

func pipDownload(t *testing.T, py, indexURL, dest string, args ...string) {
	t.Helper()
	cmd := exec.Command(py, append([]string{"-m", "pip", "download", "--no-deps", "--no-build-isolation",
		"--index-url", indexURL, "-d", dest}, args...)...)
	cmd.Env = isolatedPipEnv(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pip download %v: %v\n%s", args, err, out)
	}
}

func TestSimpleIndexHTML(t *testing.T) {
	dir := t.TempDir()
	content := map[string]string{
		"Foo.Bar-1.0-py3-none-any.whl": "wheel bytes",
		"foo_bar-1.1.tar.gz":           "sdist bytes",
		"other-2.0.zip":                "zip sdist",
		"README.txt":                   "not a distribution",
	}
	for name, data := range content {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	extra := t.TempDir()
	if err := os.WriteFile(filepath.Join(extra, "foo_bar-2.0-py3-none-any.whl"), []byte("v2"), 0o644); err != nil {
		t.Fatal(err)
	}
	base, stop := Serve(dir, extra)
	defer stop()

	root := get(t, base+"/simple/", http.StatusOK)
	for _, p := range []string{`href="/simple/foo-bar/"`, `href="/simple/other/"`} {
		if !strings.Contains(root, p) {
			t.Errorf("root index lacks %s:\n%s", p, root)
		}
	}
	if strings.Contains(root, "README") {
		t.Errorf("root index lists a non-distribution:\n%s", root)
	}

	page := get(t, base+"/simple/foo-bar/", http.StatusOK)
	for name, data := range map[string]string{
		"Foo.Bar-1.0-py3-none-any.whl": content["Foo.Bar-1.0-py3-none-any.whl"],
		"foo_bar-1.1.tar.gz":           content["foo_bar-1.1.tar.gz"],
		"foo_bar-2.0-py3-none-any.whl": "v2",
	} {
		sum := sha256.Sum256([]byte(data))
		re := regexp.MustCompile(`href="(/files/\d/` + regexp.QuoteMeta(name) + `)#sha256=` + hex.EncodeToString(sum[:]) + `"`)
		m := re.FindStringSubmatch(page)
		if m == nil {
			t.Errorf("project page lacks a hashed link to %s:\n%s", name, page)
			continue
		}
		if got := get(t, base+m[1], http.StatusOK); got != data {
			t.Errorf("GET %s = %q, want %q", m[1], got, data)
		}
	}

	// PEP 503: non-normalised names redirect to the normalised page; unknown projects are 404.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(base + "/simple/Foo_Bar")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/simple/foo-bar/" {
		t.Errorf("GET /simple/Foo_Bar: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	get(t, base+"/simple/nope/", http.StatusNotFound)
	get(t, base+"/files/0/../../etc/passwd", http.StatusNotFound)
	get(t, base+"/files/7/foo_bar-1.1.tar.gz", http.StatusNotFound)
}

func TestProjectOfAndNormalize(t *testing.T) {
	for file, want := range map[string]string{
		"pyreqs_pure-1.0.0-py3-none-any.whl":                     "pyreqs_pure",
		"pyreqs_native-1.0.0-cp311-cp311-linux_x86_64.whl":       "pyreqs_native",
		"pkg-1.0-1build-py3-none-any.whl":                        "pkg",
		"pyreqs_sdistonly-1.0.0.tar.gz":                          "pyreqs_sdistonly",
		"Django-Rest-1.0.zip":                                    "Django-Rest",
		"notes.txt":                                              "",
		"bad.whl":                                                "",
		"MarkupSafe-2.1.5-cp311-cp311-manylinux_2_17_x86_64.whl": "MarkupSafe",
	} {
		if got := ProjectOf(file); got != want {
			t.Errorf("ProjectOf(%q) = %q, want %q", file, got, want)
		}
	}
	for in, want := range map[string]string{"Foo.Bar": "foo-bar", "a__b--c": "a-b-c", "PyReqs_Pure": "pyreqs-pure"} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadManifestRejectsBadEntries(t *testing.T) {
	for name, body := range map[string]string{
		"unknown field": `{"builds":[{"dir":"a","wheel":true,"color":"red"}]}`,
		"escaping dir":  `{"builds":[{"dir":"../a","wheel":true}]}`,
		"nothing built": `{"builds":[{"dir":"a"}]}`,
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "index.json"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadManifest(dir); err == nil {
			t.Errorf("%s: ReadManifest accepted %s", name, body)
		}
	}
}

func get(t *testing.T, url string, status int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status {
		t.Errorf("GET %s: status %d, want %d", url, resp.StatusCode, status)
	}
	return string(body)
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	return names
}

func zipNames(t *testing.T, path string) []string {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var names []string
	for _, f := range r.File {
		names = append(names, f.Name)
	}
	return names
}

func zipFile(t *testing.T, path, name string) []byte {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f, err := r.Open(name)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func statTimes(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	m := map[string]time.Time{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		m[path] = info.ModTime()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mapsEqual(a, b map[string]time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !w.Equal(v) {
			return false
		}
	}
	return true
}
