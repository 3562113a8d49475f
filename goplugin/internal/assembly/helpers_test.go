package assembly

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

func repoRoot(t testing.TB) string {
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
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

// toolsPython is the shared venv of scripts/setup.sh (pip, build, setuptools, wheel).
func toolsPython(t testing.TB) string {
	t.Helper()
	py := filepath.Join(repoRoot(t), ".tools", "venv", "bin", "python")
	if _, err := os.Stat(py); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: run scripts/setup.sh", py)
		}
		t.Skipf("%s is missing: run scripts/setup.sh", py)
	}
	return py
}

// pipEnv is an environment where pip reads no user configuration and no user cache.
func pipEnv(t testing.TB) []string {
	var env []string
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "PIP_") || name == "XDG_CACHE_HOME" ||
			name == "PYTHONPATH" || name == "VIRTUAL_ENV" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "PIP_CONFIG_FILE="+os.DevNull, "PIP_DISABLE_PIP_VERSION_CHECK=1",
		"XDG_CACHE_HOME="+t.TempDir(), "PYTHONDONTWRITEBYTECODE=1", "SOURCE_DATE_EPOCH=315532800")
}

var (
	pypkgsOnce sync.Once
	pypkgsDir  string
	pypkgsErr  error
)

// pypkgs builds the distributions of testdata/pypkgs once per test binary (wheels of the pure,
// native and withdeps packages, the sdist of pyreqs-sdistonly), as test/internal/pyindex does.
func pypkgs(t testing.TB) string {
	t.Helper()
	py := toolsPython(t)
	pypkgsOnce.Do(func() {
		root := repoRoot(t)
		pypkgsDir, pypkgsErr = os.MkdirTemp("", "pyreqs-assembly-pypkgs-")
		if pypkgsErr != nil {
			return
		}
		work, err := os.MkdirTemp("", "pyreqs-assembly-work-")
		if err != nil {
			pypkgsErr = err
			return
		}
		defer os.RemoveAll(work)
		env := pipEnv(t)
		for _, d := range []string{"pyreqs-pure", "pyreqs-native", "pyreqs-withdeps", "pyreqs-sdistonly"} {
			src := filepath.Join(work, d)
			if err := os.CopyFS(src, os.DirFS(filepath.Join(root, "testdata", "pypkgs", d))); err != nil {
				pypkgsErr = err
				return
			}
			args := []string{"-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir", "-q", "-w", pypkgsDir, "."}
			if d == "pyreqs-sdistonly" {
				args = []string{"-m", "build", "--sdist", "--no-isolation", "--outdir", pypkgsDir, "."}
			}
			cmd := exec.Command(py, args...)
			cmd.Dir, cmd.Env = src, env
			if out, err := cmd.CombinedOutput(); err != nil {
				pypkgsErr = fmt.Errorf("building %s: %v\n%s", d, err, out)
				return
			}
		}
	})
	if pypkgsErr != nil {
		t.Fatal(pypkgsErr)
	}
	return pypkgsDir
}

// benchWheels is the folder of pinned wheels test/bench downloads (go run ./test/bench), or a
// skip when it is missing.
func benchWheels(t testing.TB) string {
	t.Helper()
	root := repoRoot(t)
	dir := filepath.Join(root, ".tools", "bench-wheels")
	want, err := os.ReadFile(filepath.Join(root, "test", "bench", "wheels.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, ".stamp")); err != nil || !bytes.Equal(got, want) {
		msg := fmt.Sprintf("%s is missing or stale: run `go run ./test/bench -wheels-only` once to download the pinned wheels (scripts/setup.sh does with CI=true)", dir)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg) // the differential of the bench sets must run in CI
		}
		t.Skip(msg)
	}
	return dir
}

// linkServer serves the files of dirs as a pip --find-links page (each link with #sha256=) and
// counts the files downloaded. With user set, every request needs that basic-auth user.
type linkServer struct {
	*httptest.Server
	dirs       []string
	user, pass string

	mu        sync.Mutex
	downloads map[string]int
}

func serveLinks(t testing.TB, user, pass string, dirs ...string) *linkServer {
	s := &linkServer{dirs: dirs, user: user, pass: pass, downloads: map[string]int{}}
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

// URL returns the find-links URL, with the credentials when set.
func (s *linkServer) LinksURL() string {
	if s.user == "" {
		return s.Server.URL + "/"
	}
	return strings.Replace(s.Server.URL, "http://", "http://"+s.user+":"+s.pass+"@", 1) + "/"
}

func (s *linkServer) Downloads(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.downloads[name]
}

func (s *linkServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.user != "" {
		if u, p, ok := r.BasicAuth(); !ok || u != s.user || p != s.pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	if r.URL.Path == "/" {
		var b strings.Builder
		b.WriteString("<html><body>\n")
		for _, d := range s.dirs {
			des, _ := os.ReadDir(d)
			for _, de := range des {
				n := de.Name()
				if !strings.HasSuffix(n, ".whl") && !strings.HasSuffix(n, ".tar.gz") {
					continue
				}
				sum, err := fileSHA256(filepath.Join(d, n))
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				fmt.Fprintf(&b, "<a href=\"/f/%s#sha256=%s\">%s</a><br>\n", n, sum, n)
			}
		}
		b.WriteString("</body></html>\n")
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, b.String())
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/f/")
	if !ok || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	for _, d := range s.dirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			s.mu.Lock()
			s.downloads[name]++
			s.mu.Unlock()
			http.ServeFile(w, r, p)
			return
		}
	}
	http.NotFound(w, r)
}

// zipFiles reads every file entry of a zip: content and mode.
func zipFiles(t testing.TB, p string) map[string]fileData {
	t.Helper()
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string]fileData{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[f.Name] = fileData{b, f.Mode().Perm()}
	}
	return out
}

type fileData struct {
	data []byte
	perm fs.FileMode
}

// treeFiles reads every regular file under dir, with the mode an artifact would get.
func treeFiles(t testing.TB, dir string) map[string]fileData {
	t.Helper()
	out := map[string]fileData{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		perm := fs.FileMode(0o644)
		if info.Mode()&0o111 != 0 {
			perm = 0o755
		}
		out[filepath.ToSlash(rel)] = fileData{b, perm}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// bookkeeping reports pip's installer bookkeeping files, which assembly does not write.
func bookkeeping(name string) bool {
	dir, base, ok := strings.Cut(name, "/")
	return ok && strings.HasSuffix(dir, ".dist-info") && (base == "INSTALLER" || base == "REQUESTED" || base == "direct_url.json")
}

// comparable normalises a file for the differential comparison: scripts in bin/ lose their
// shebang line; RECORD loses the rows of bookkeeping files and of scripts (their hashes cover
// the shebang).
func comparable(name string, b []byte) []byte {
	if strings.HasPrefix(name, "bin/") {
		if i := bytes.IndexByte(b, '\n'); i >= 0 && bytes.HasPrefix(b, []byte("#!")) {
			return b[i+1:]
		}
		return b
	}
	if strings.HasSuffix(name, ".dist-info/RECORD") {
		var keep []string
		for _, line := range strings.SplitAfter(string(b), "\n") {
			path, _, _ := strings.Cut(line, ",")
			if line == "" || bookkeeping(path) || strings.HasPrefix(path, "../../bin/") {
				continue
			}
			keep = append(keep, line)
		}
		return []byte(strings.Join(keep, ""))
	}
	return b
}

// diffFiles lists the differences between what pip installed and what was assembled.
func diffFiles(pip, asm map[string]fileData) []string {
	var diffs []string
	names := map[string]bool{}
	for n := range pip {
		names[n] = true
	}
	for n := range asm {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		p, inPip := pip[n]
		a, inAsm := asm[n]
		switch {
		case bookkeeping(n) && !inAsm:
		case !inAsm:
			diffs = append(diffs, "only installed by pip: "+n)
		case !inPip:
			diffs = append(diffs, "only assembled: "+n)
		case p.perm != a.perm:
			diffs = append(diffs, fmt.Sprintf("%s: mode %o (pip) vs %o (assembled)", n, p.perm, a.perm))
		case !bytes.Equal(comparable(n, p.data), comparable(n, a.data)):
			diffs = append(diffs, fmt.Sprintf("%s: content differs:\n--- pip\n%s\n--- assembled\n%s", n,
				clip(comparable(n, p.data)), clip(comparable(n, a.data))))
		}
	}
	return diffs
}

func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "..."
	}
	return string(b)
}
