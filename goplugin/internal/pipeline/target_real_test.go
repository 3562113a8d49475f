package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
)

// The differential below installs with the real pip of .tools/venv (Python 3.11 on x86_64 Linux)
// from the local test index (test/internal/pyindex, run through its command: goplugin/ cannot
// import test/internal).

var (
	indexOnce  sync.Once
	indexURL   string
	indexSkip  string
	indexErr   error
	indexStdin io.WriteCloser // the pyindex command serves until its stdin closes (test binary exit)
)

func realIndex(t *testing.T) (python, url string) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	python = filepath.Join(root, ".tools", "venv", "bin", "python")
	indexOnce.Do(func() {
		if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
			indexSkip = "the differential needs a Linux x86_64 host (the host install is the reference)"
			return
		}
		if _, err := os.Stat(python); err != nil {
			indexSkip = python + " is missing: run scripts/setup.sh"
			return
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			indexSkip = "go is not on PATH"
			return
		}
		bin := filepath.Join(os.TempDir(), "pyreqs-pipeline-pyindex")
		build := exec.Command(goBin, "build", "-o", bin, "./test/internal/pyindex/cmd/pyindex")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			indexErr = errors.New("building the pyindex command: " + err.Error() + "\n" + string(out))
			return
		}
		cmd := exec.Command(bin, "-python", python, "-src", filepath.Join(root, "testdata", "pypkgs"), "-out", filepath.Join(root, ".tools", "pyindex"))
		cmd.Stderr = os.Stderr
		if indexStdin, err = cmd.StdinPipe(); err != nil {
			indexErr = err
			return
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			indexErr = err
			return
		}
		if err := cmd.Start(); err != nil {
			indexErr = err
			return
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			indexErr = errors.New("the pyindex command printed no URL: " + err.Error())
			return
		}
		go io.Copy(io.Discard, stdout) //nolint:errcheck
		indexURL = strings.TrimSpace(line)
	})
	if indexSkip != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(indexSkip)
		}
		t.Skip(indexSkip)
	}
	if indexErr != nil {
		t.Fatal(indexErr)
	}
	return python, indexURL
}

// TestTargetInstallMatchesHostInstall: for x86_64/python3.11, the install for the target (forced
// by a pretend macOS host) gives the same files, entry for entry, as the classic host install
// (assemble: false) on this Linux x86_64 host with Python 3.11: the pure sdist built on the host
// included. TestAssembledMatchesClassic: the default path, assembled from the wheels, gives the
// same files too, bytecode included, apart from pip's bookkeeping files (INSTALLER, REQUESTED,
// direct_url.json and their RECORD lines) and the launchers of console scripts.
func TestTargetInstallMatchesHostInstall(t *testing.T) {
	trees := installVariants(t)
	host, tgt := trees["classic"], trees["target"]
	for _, f := range []string{"pyreqs_withdeps/__init__.py", "pyreqs_pure/__init__.py", "pyreqs_sdistonly/__init__.py", "pyreqs_multiarch/__init__.py",
		"pyreqs_pure/__pycache__/__init__.cpython-311.pyc"} {
		if _, ok := host[f]; !ok {
			t.Fatalf("the host install lacks %s: %v", f, sortedKeys(host))
		}
	}
	sameTrees(t, "host", host, "target", tgt)
}

func TestAssembledMatchesClassic(t *testing.T) {
	trees := installVariants(t)
	compareAssembled(t, trees["classic"], trees["assembled"], true)
}

// TestAssembledMatchesClassicSlim: the same with slim and strip on (strip is a Transformer of
// the assembled path; slim's default patterns leave the bytecode out).
func TestAssembledMatchesClassicSlim(t *testing.T) {
	trees := installVariants(t)
	classic, asm := trees["classic-slim"], trees["assembled-slim"]
	for p := range asm {
		if strings.Contains(p, "__pycache__") || strings.HasSuffix(p, ".dist-info/RECORD") {
			t.Errorf("slim left %s", p)
		}
	}
	compareAssembled(t, classic, asm, false)
}

// compareAssembled compares the trees apart from pip's bookkeeping files (which the classic tree
// must have when withDistInfo) and the scripts' launchers.
func compareAssembled(t *testing.T, classic, asm map[string]string, withDistInfo bool) {
	t.Helper()
	var unsupported []string
	for p := range classic {
		if pipBookkeeping(p) {
			unsupported = append(unsupported, p)
			delete(classic, p)
		}
	}
	if withDistInfo && len(unsupported) == 0 {
		t.Fatal("the classic install has no INSTALLER files: the comparison would not see them")
	}
	for _, tree := range []map[string]string{classic, asm} {
		for p, h := range tree {
			switch {
			case strings.HasSuffix(p, ".dist-info/RECORD"):
				var keep []string
				for _, l := range strings.Split(h, "\n") {
					if name, _, _ := strings.Cut(l, ","); !pipBookkeeping(name) && !strings.HasPrefix(name, "../../bin/") {
						keep = append(keep, l)
					}
				}
				tree[p] = strings.Join(keep, "\n")
			case strings.HasPrefix(p, "bin/"):
				tree[p] = "(a script)" // pip's launcher template and shebang are not compared
			}
		}
	}
	if _, ok := classic["pyreqs_withdeps/__pycache__/__init__.cpython-311.pyc"]; ok {
		if _, ok := asm["pyreqs_withdeps/__pycache__/__init__.cpython-311.pyc"]; !ok {
			t.Fatalf("the assembled install has no bytecode: %v", sortedKeys(asm))
		}
	}
	// The package's own test suite ships as source only, on both paths (bytecode.TestDirs).
	for name, tree := range map[string]map[string]string{"classic": classic, "assembled": asm} {
		if _, ok := tree["pyreqs_withdeps/tests/test_withdeps.py"]; !ok {
			t.Errorf("%s: the test suite pyreqs_withdeps/tests is not installed", name)
		}
		for p := range tree {
			if strings.HasPrefix(p, "pyreqs_withdeps/tests/__pycache__/") {
				t.Errorf("%s: the test suite got bytecode: %s", name, p)
			}
		}
	}
	sameTrees(t, "classic", classic, "assembled", asm)
}

// pipBookkeeping tells whether name is one of the files pip writes into a .dist-info folder to
// record how it installed the distribution (not in the wheel; the assembled path writes none).
func pipBookkeeping(name string) bool {
	dir, base := path.Split(name)
	return strings.HasSuffix(dir, ".dist-info/") && (base == "INSTALLER" || base == "REQUESTED" || base == "direct_url.json")
}

func sameTrees(t *testing.T, an string, a map[string]string, bn string, b map[string]string) {
	t.Helper()
	for p, h := range a {
		if b[p] != h {
			t.Errorf("%s differs: %s %q, %s %q", p, an, h, bn, b[p])
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			t.Errorf("%s only in the %s install", p, bn)
		}
	}
}

// installVariants installs one requirements file with real pip from the local index three ways:
// the classic host install, the target install (a pretend macOS host) and the assembled one,
// and returns each tree (see treeHashes). It runs once per test binary.
func installVariants(t *testing.T) map[string]map[string]string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs pip")
	}
	variantsOnce.Do(func() { variants, variantsErr = runVariants(t) })
	if variantsErr != nil {
		t.Fatal(variantsErr)
	}
	out := map[string]map[string]string{}
	for k, v := range variants {
		out[k] = maps.Clone(v)
	}
	return out
}

var (
	variantsOnce sync.Once
	variants     map[string]map[string]string
	variantsErr  error
)

func runVariants(t *testing.T) (map[string]map[string]string, error) {
	python, url := realIndex(t)
	trees := map[string]map[string]string{}
	for _, v := range []struct {
		name, goos, goarch string
		assemble, slim     bool
	}{{"classic", "linux", "amd64", false, false}, {"target", "darwin", "arm64", false, false}, {"assembled", "linux", "amd64", true, false},
		{"classic-slim", "linux", "amd64", false, true}, {"assembled-slim", "linux", "amd64", true, true}} {
		s := newSvc(t)
		write(s.dir, "requirements.txt", "pyreqs-withdeps==1.0.0\npyreqs-multiarch==1.0.0\npyreqs-sdistonly==1.0.0\n", 0o644)
		s.custom["pythonBin"] = python
		s.custom["pipCmdExtraArgs"] = []string{"--index-url", url}
		s.custom["useDownloadCache"] = false
		s.custom["assemble"] = v.assemble
		s.custom["slim"] = v.slim
		var out bytes.Buffer
		xdg := t.TempDir()
		env := []string{"HOME=" + s.dir, "PATH=" + os.Getenv("PATH"), "PIP_CONFIG_FILE=" + os.DevNull, "XDG_CACHE_HOME=" + xdg, "PIP_NO_INPUT=1"}
		req := s.request(protocol.PhaseBefore)
		_, err := Run(context.Background(), req,
			Deps{Emit: protocol.NewEmitter(&out), Runner: proc.Exec{}, GOOS: v.goos, GOARCH: v.goarch, Environ: env})
		if err != nil {
			return nil, fmt.Errorf("%s: %v\n%s", v.name, err, out.String())
		}
		if isTarget := strings.Contains(out.String(), "without Docker"); isTarget != (v.goos == "darwin") {
			return nil, fmt.Errorf("%s: target install %t:\n%s", v.name, isTarget, out.String())
		}
		if isAssembled := strings.Contains(out.String(), "Assembled "); isAssembled != v.assemble {
			return nil, fmt.Errorf("%s: assembled %t:\n%s", v.name, isAssembled, out.String())
		}
		trees[v.name] = treeHashes(t, filepath.Join(s.dir, ".serverless", "requirements"))
	}
	return trees, nil
}

// treeHashes maps every file under dir (following the link to the cache entry, without the
// plugin's own files) to its content.
func treeHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	err = filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(real, p)
		if d.IsDir() && rel == cache.MetaDir {
			return filepath.SkipDir
		}
		if d.IsDir() || rel == cache.Marker || rel == "requirements.txt" {
			return nil
		}
		b, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBytecodeCache: a set whose sources an earlier build compiled takes their bytecode from the
// download cache (same bytes) and compiles only the new ones, assembled or installed by pip; a
// damaged cache file is not used.
func TestBytecodeCache(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pip")
	}
	for _, assemble := range []bool{true, false} {
		t.Run(fmt.Sprintf("assemble=%t", assemble), func(t *testing.T) { testBytecodeCache(t, assemble) })
	}
}

// realSvc is a service that installs with the real pip from the test index, assembled from wheels
// or not, and the function that runs its before phase and returns the output (the run must
// succeed, on the path asked for).
func realSvc(t *testing.T, assemble bool) (*svc, func() string) {
	python, url := realIndex(t)
	s := newSvc(t)
	s.custom["pythonBin"] = python
	s.custom["pipCmdExtraArgs"] = []string{"--index-url", url}
	s.custom["assemble"] = assemble
	env := []string{"HOME=" + s.dir, "PATH=" + os.Getenv("PATH"), "PIP_CONFIG_FILE=" + os.DevNull, "XDG_CACHE_HOME=" + t.TempDir(), "PIP_NO_INPUT=1"}
	return s, func() string {
		t.Helper()
		var out bytes.Buffer
		if _, err := Run(context.Background(), s.request(protocol.PhaseBefore),
			Deps{Emit: protocol.NewEmitter(&out), Runner: proc.Exec{}, GOOS: "linux", GOARCH: "amd64", Environ: env}); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		if strings.Contains(out.String(), "Assembled ") != assemble {
			t.Fatalf("assembled: %t, want %t:\n%s", !assemble, assemble, out.String())
		}
		return out.String()
	}
}

func testBytecodeCache(t *testing.T, assemble bool) {
	s, before := realSvc(t, assemble)
	run := func(reqs string) (string, map[string]string) {
		t.Helper()
		write(s.dir, "requirements.txt", reqs, 0o644)
		return before(), treeHashes(t, filepath.Join(s.dir, ".serverless", "requirements"))
	}
	const pyc = "pyreqs_withdeps/__pycache__/__init__.cpython-311.pyc"
	out1, tree1 := run("pyreqs-withdeps==1.0.0\n")
	if strings.Contains(out1, "from the bytecode cache") || tree1[pyc] == "" {
		t.Fatalf("first build: cache hits, or no bytecode:\n%s", out1)
	}
	out2, tree2 := run("pyreqs-withdeps==1.0.0\npyreqs-sdistonly==1.0.0\n")
	if !strings.Contains(out2, "Took the bytecode of 4 files of .serverless/requirements.txt from the bytecode cache") ||
		!strings.Contains(out2, "Compiled 1 files") {
		t.Errorf("second build: want the 4 files of withdeps and pure from the cache, sdistonly's 1 compiled:\n%s", out2)
	}
	if tree2[pyc] != tree1[pyc] || tree2["pyreqs_sdistonly/__pycache__/__init__.cpython-311.pyc"] == "" {
		t.Errorf("second build: bytecode differs from the first build's, or is missing")
	}
	cached, _ := filepath.Glob(filepath.Join(s.cache, "downloadCacheslspyc", pycCacheDir, "*", "*.pyc"))
	if len(cached) != 5 {
		t.Fatalf("%d files in the bytecode cache, want 5", len(cached))
	}
	for _, p := range cached {
		if err := os.WriteFile(p, []byte("garbage garbage garbage garbage garbage garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out3, tree3 := run("pyreqs-withdeps==1.0.0\npyreqs-multiarch==1.0.0\n")
	if strings.Contains(out3, "from the bytecode cache") || tree3[pyc] != tree1[pyc] {
		t.Errorf("damaged cache: used, or the bytecode differs:\n%s", out3)
	}
}

// TestBytecodeSharedWithinRun: two modules packaged individually that share a package compile
// its sources once in the run (one set compiles them, the other takes them from the bytecode
// cache, waiting for the first when both build at once), and ship the same bytes.
func TestBytecodeSharedWithinRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pip")
	}
	for _, assemble := range []bool{true, false} {
		t.Run(fmt.Sprintf("assemble=%t", assemble), func(t *testing.T) { testBytecodeSharedWithinRun(t, assemble) })
	}
}

func testBytecodeSharedWithinRun(t *testing.T, assemble bool) {
	s, before := realSvc(t, assemble)
	s.individual = true
	write(s.dir, "mod_a/requirements.txt", "pyreqs-withdeps==1.0.0\n", 0o644) // with pyreqs-pure
	write(s.dir, "mod_b/requirements.txt", "pyreqs-pure==1.0.0\n", 0o644)
	for _, m := range []string{"mod_a", "mod_b"} {
		write(s.dir, m+"/handler.py", "def h(e, c): pass\n", 0o644)
	}
	s.functions = map[string]*protocol.Function{
		"a": {Name: "svc-dev-a", Handler: "handler.h", Module: json.RawMessage(`"mod_a"`)},
		"b": {Name: "svc-dev-b", Handler: "handler.h", Module: json.RawMessage(`"mod_b"`)},
	}
	log := before()
	compiled := 0
	for _, m := range regexp.MustCompile(`Compiled (\d+) files`).FindAllStringSubmatch(log, -1) {
		n, _ := strconv.Atoi(m[1])
		compiled += n
	}
	// pyreqs_pure: __init__, _version, cli; pyreqs_withdeps: __init__ (its tests get none).
	if compiled != 4 {
		t.Errorf("the run compiled %d files, want 4 (the shared package once):\n%s", compiled, log)
	}
	a := treeHashes(t, filepath.Join(s.dir, ".serverless", "mod_a", "requirements"))
	b := treeHashes(t, filepath.Join(s.dir, ".serverless", "mod_b", "requirements"))
	for _, pyc := range []string{"pyreqs_pure/__pycache__/__init__.cpython-311.pyc", "pyreqs_pure/__pycache__/cli.cpython-311.pyc"} {
		if a[pyc] == "" || a[pyc] != b[pyc] {
			t.Errorf("%s: module a %q, module b %q", pyc, a[pyc], b[pyc])
		}
	}
}
