package pipeline

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
)

// fakePython answers the interpreter probe and "installs" one package per requirement line.
type fakePython struct {
	mu       sync.Mutex
	installs int
	failWith string
	noPip    bool
	missing  bool
	compile  bool     // the bytecode compiler writes __pycache__/<name>.cpython-311.pyc = "ours <name>.py"
	compiled []string // the bytecode compiler's argument lists
}

func (f *fakePython) Run(ctx context.Context, c proc.Cmd) (proc.Result, error) {
	if f.missing {
		return proc.Result{}, &proc.NotFoundError{Name: c.Name}
	}
	if len(c.Args) >= 2 && c.Args[0] == "-c" {
		pip := "23.2.1"
		if f.noPip {
			pip = "-"
		}
		return proc.Result{Stdout: []byte("3.11.7 cpython x86_64 linux " + pip + "\n")}, nil
	}
	if len(c.Args) >= 1 && c.Args[0] == "-B" { // the bytecode compiler
		f.mu.Lock()
		f.compiled = append(f.compiled, strings.Join(c.Args[4:], " ")) // after -B -s -c <script>
		f.mu.Unlock()
		n := 0
		if t := slices.Index(c.Args, "--tree"); f.compile && t > 0 {
			tree := c.Args[t+1]
			filepath.WalkDir(tree, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasSuffix(p, ".py") {
					dir, file := filepath.Split(p)
					write(dir, "__pycache__/"+strings.TrimSuffix(file, ".py")+".cpython-311.pyc", "ours "+file, 0o644)
					n++
				}
				return nil
			})
		}
		return proc.Result{Stdout: []byte(fmt.Sprintf(`{"cacheTag": "cpython-311", "compiled": %d, "failed": [], "pythonVersion": "3.11.7", "version": "3.11"}`+"\n", n))}, nil
	}
	i := slices.Index(c.Args, "--target")
	j := slices.Index(c.Args, "-r")
	if i < 0 || j < 0 {
		return proc.Result{}, nil
	}
	f.mu.Lock()
	f.installs++
	f.mu.Unlock()
	if f.failWith != "" {
		out := []byte("Looking in indexes: https://user:topsecret@idx.example.com/simple\nERROR: " + f.failWith + "\n")
		return proc.Result{Output: out, ExitCode: 1}, &proc.ExitError{Cmd: c, Result: proc.Result{Output: out, ExitCode: 1}}
	}
	target := c.Args[i+1]
	data, _ := os.ReadFile(c.Args[j+1])
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name := strings.ToLower(strings.FieldsFunc(line, func(r rune) bool { return strings.ContainsRune("=<>~! ;[", r) })[0])
		mod := strings.ReplaceAll(name, "-", "_")
		write(target, mod+"/__init__.py", "# "+line+"\n", 0o644)
		write(target, mod+"/__pycache__/__init__.cpython-311.pyc", "bytecode", 0o644)
		write(target, mod+"-1.0.dist-info/RECORD", mod+"/__init__.py,,\n"+mod+"-1.0.dist-info/RECORD,,\n../../bin/"+mod+",,\n", 0o644)
		write(target, "bin/"+mod, "#!/bin/sh\n", 0o755)
	}
	return proc.Result{}, nil
}

func write(root, rel, content string, mode os.FileMode) {
	p := filepath.Join(root, filepath.FromSlash(rel))
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte(content), mode)
}

// frameworkZip writes a zip like the one Serverless builds.
func frameworkZip(t *testing.T, p string, files map[string]string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(p), 0o755)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := zip.NewWriter(f)
	for _, n := range sortedKeys(files) {
		h := &zip.FileHeader{Name: n, Method: zip.Deflate}
		h.SetMode(0o644)
		fw, _ := w.CreateHeader(h)
		fw.Write([]byte(files[n]))
	}
	w.Close()
	f.Close()
}

func zipNames(t *testing.T, p string) map[string]os.FileMode {
	t.Helper()
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string]os.FileMode{}
	for _, f := range zr.File {
		out[f.Name] = f.Mode()
	}
	return out
}

type svc struct {
	dir, cache string
	custom     map[string]any
	functions  map[string]*protocol.Function
	individual bool
}

func (s *svc) request(phase string) *protocol.Request {
	custom := map[string]json.RawMessage{}
	// The fake runner plays `pip install --target`; the assembled path (pip's report, real
	// wheels) is covered by package assembly, TestAssembledMatchesClassic and the acceptance tests.
	c := map[string]any{"cacheLocation": s.cache, "assemble": false}
	for k, v := range s.custom {
		c[k] = v
	}
	b, _ := json.Marshal(c)
	custom["pythonRequirements"] = b
	ind := s.individual
	return &protocol.Request{
		Protocol: 1, Phase: phase, ServicePath: s.dir, Stage: "dev",
		Service: protocol.Service{
			Name:      "svc",
			Provider:  protocol.Provider{Name: "aws", Runtime: "python3.11"},
			Package:   protocol.Package{Individually: &ind},
			Functions: s.functions,
			Custom:    custom,
		},
	}
}

func runPhase(t *testing.T, s *svc, phase string, r proc.Runner) (*protocol.Edits, string, error) {
	t.Helper()
	var out bytes.Buffer
	ed, err := Run(context.Background(), s.request(phase), Deps{Emit: protocol.NewEmitter(&out), Runner: r, GOOS: "linux", GOARCH: "amd64", Environ: []string{"HOME=" + s.dir}})
	return ed, out.String(), err
}

func newSvc(t *testing.T) *svc {
	dir := t.TempDir()
	write(dir, "requirements.txt", "Flask==3.0.3\r\nboto3 ; python_version>'3'\r\nsix\r\n", 0o644)
	write(dir, "handler.py", "def hello(e, c): pass\n", 0o644)
	return &svc{dir: dir, cache: filepath.Join(t.TempDir(), "cache"), custom: map[string]any{},
		functions: map[string]*protocol.Function{"hello": {Name: "svc-dev-hello", Handler: "handler.hello"}}}
}

func TestSharedPackageInjectsRequirements(t *testing.T) {
	s := newSvc(t)
	s.custom["noDeploy"] = []string{"Boto3"}
	fp := &fakePython{}
	ed, _, err := runPhase(t, s, protocol.PhaseBefore, fp)
	if err != nil {
		t.Fatal(err)
	}
	if !ed.EnsureFunctionPackage || ed.FunctionModules["hello"] != "." {
		t.Errorf("edits = %+v", ed)
	}
	req, _ := os.ReadFile(filepath.Join(s.dir, ".serverless", "requirements.txt"))
	if !strings.Contains(string(req), "Flask==3.0.3\nsix\n") || strings.Contains(strings.ToLower(string(req)), "boto3") {
		t.Errorf("generated requirements.txt:\n%s", req)
	}
	link, err := os.Readlink(filepath.Join(s.dir, ".serverless", "requirements"))
	if err != nil || !strings.HasPrefix(link, s.cache) || !strings.HasSuffix(link, "_x86_64_slspyc") {
		t.Fatalf("link = %q, %v", link, err)
	}

	art := filepath.Join(s.dir, ".serverless", "svc.zip")
	frameworkZip(t, art, map[string]string{"handler.py": "def hello(e, c): pass\n", "requirements.txt": "user's own"})
	s.functions["hello"].Package = &protocol.Package{Artifact: ".serverless/svc.zip"}
	if _, _, err := runPhase(t, s, protocol.PhaseAfter, fp); err != nil {
		t.Fatal(err)
	}
	names := zipNames(t, art)
	for _, want := range []string{"handler.py", "flask/__init__.py", "six/__init__.py", "flask-1.0.dist-info/RECORD", "bin/flask"} {
		if _, ok := names[want]; !ok {
			t.Errorf("artifact lacks %s; has %v", want, names)
		}
	}
	for n := range names {
		if strings.Contains(n, "__pycache__") || n == ".completed_requirements" || strings.HasPrefix(n, ".pyreqs") {
			t.Errorf("artifact contains %s", n)
		}
	}
	if names["bin/flask"]&0o111 == 0 {
		t.Errorf("bin/flask lost its exec bit: %v", names["bin/flask"])
	}
	zr, _ := zip.OpenReader(art)
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == "requirements.txt" {
			rc, _ := f.Open()
			var b bytes.Buffer
			b.ReadFrom(rc)
			if b.String() != "user's own" {
				t.Errorf("the user's requirements.txt was replaced by %q", b.String())
			}
		}
	}

	// A second build hits the cache; nothing is installed again.
	if _, log, err := runPhase(t, s, protocol.PhaseBefore, fp); err != nil || !strings.Contains(log, "Using static cache") {
		t.Fatalf("second before: %v\n%s", err, log)
	}
	if fp.installs != 1 {
		t.Errorf("installs = %d, want 1", fp.installs)
	}
}

func TestCacheKeyCoversSlimAndArgs(t *testing.T) {
	s := newSvc(t)
	fp := &fakePython{}
	name := func() string {
		if _, _, err := runPhase(t, s, protocol.PhaseBefore, fp); err != nil {
			t.Fatal(err)
		}
		l, _ := os.Readlink(filepath.Join(s.dir, ".serverless", "requirements"))
		return filepath.Base(l)
	}
	a := name()
	s.custom["slim"] = true
	s.custom["strip"] = false
	b := name()
	s.custom["pipCmdExtraArgs"] = []string{"--no-deps"}
	c := name()
	if a == b || b == c || a == c {
		t.Errorf("cache names did not change: %s %s %s", a, b, c)
	}
	if fp.installs != 3 {
		t.Errorf("installs = %d, want 3", fp.installs)
	}
}

func TestIndividuallyModulesAndDedupe(t *testing.T) {
	s := newSvc(t)
	s.individual = true
	write(s.dir, "mod_a/requirements.txt", "six\n", 0o644)
	write(s.dir, "mod_a/handler.py", "x", 0o755)
	write(s.dir, "mod_b/requirements.txt", "six\n", 0o644)
	write(s.dir, "mod_b/handler.py", "x", 0o644)
	s.functions = map[string]*protocol.Function{
		"a":    {Name: "svc-dev-a", Module: json.RawMessage(`"mod_a"`)},
		"b":    {Name: "svc-dev-b", Module: json.RawMessage(`"./mod_b/"`)},
		"node": {Name: "svc-dev-node", Runtime: "nodejs20.x"},
	}
	fp := &fakePython{}
	if _, _, err := runPhase(t, s, protocol.PhaseBefore, fp); err != nil {
		t.Fatal(err)
	}
	if fp.installs != 1 {
		t.Errorf("identical module requirements installed %d times, want 1", fp.installs)
	}
	for _, m := range []string{"a", "b"} {
		art := filepath.Join(s.dir, ".serverless", m+".zip")
		frameworkZip(t, art, map[string]string{"mod_" + m + "/handler.py": "x", "mod_" + m + "/requirements.txt": "six", "other/x.py": "y", "s_hello.py": "sdk"})
		s.functions[m].Package = &protocol.Package{Artifact: art}
	}
	nodeArt := filepath.Join(s.dir, ".serverless", "node.zip")
	frameworkZip(t, nodeArt, map[string]string{"index.js": "x"})
	s.functions["node"].Package = &protocol.Package{Artifact: nodeArt}
	ed, _, err := runPhase(t, s, protocol.PhaseAfter, fp)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(s.dir, ".serverless", "mod_a-svc-dev-a.zip")
	if ed.FunctionArtifacts["a"] != want {
		t.Fatalf("artifact edit = %v", ed.FunctionArtifacts)
	}
	names := zipNames(t, want)
	for _, n := range []string{"handler.py", "requirements.txt", "six/__init__.py", "s_hello.py"} {
		if _, ok := names[n]; !ok {
			t.Errorf("moved artifact lacks %s: %v", n, names)
		}
	}
	if _, ok := names["other/x.py"]; ok {
		t.Error("moved artifact kept files outside the module")
	}
	if len(zipNames(t, nodeArt)) != 1 {
		t.Error("the node function's artifact was modified")
	}
	if _, ok := ed.FunctionArtifacts["node"]; ok {
		t.Error("the node function got an artifact edit")
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	t.Run("missing python", func(t *testing.T) {
		s := newSvc(t)
		_, _, err := runPhase(t, s, protocol.PhaseBefore, &fakePython{missing: true})
		if d, ok := diag.As(err); !ok || !strings.Contains(d.Error(), "custom.pythonRequirements.pythonBin") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no pip", func(t *testing.T) {
		s := newSvc(t)
		_, _, err := runPhase(t, s, protocol.PhaseBefore, &fakePython{noPip: true})
		if err == nil || !strings.Contains(err.Error(), "pythonBin") || !strings.Contains(err.Error(), "has no pip") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("missing explicit fileName", func(t *testing.T) {
		s := newSvc(t)
		s.custom["fileName"] = "requirements-prod.txt"
		_, _, err := runPhase(t, s, protocol.PhaseBefore, &fakePython{})
		if err == nil || !strings.Contains(err.Error(), "custom.pythonRequirements.fileName") || !strings.Contains(err.Error(), "requirements-prod.txt") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("pip failure is redacted and leaves nothing", func(t *testing.T) {
		s := newSvc(t)
		_, _, err := runPhase(t, s, protocol.PhaseBefore, &fakePython{failWith: "No matching distribution found for nopenope"})
		d, ok := diag.As(err)
		if !ok || !strings.Contains(d.Output, "nopenope") {
			t.Fatalf("err = %v", err)
		}
		// The emitter is the one redaction point: the error event the user sees has no password.
		var out bytes.Buffer
		protocol.NewEmitter(&out).Fail(d)
		if !strings.Contains(out.String(), "nopenope") || strings.Contains(out.String(), "topsecret") {
			t.Fatalf("error event = %s", out.String())
		}
		des, _ := os.ReadDir(s.cache)
		for _, de := range des {
			if de.Name() != "downloadCacheslspyc" && !strings.HasSuffix(de.Name(), "_slspyc.lock") { // lock files stay
				t.Errorf("cache holds %s after a failed install", de.Name())
			}
		}
		if _, err := os.Lstat(filepath.Join(s.dir, ".serverless", "requirements")); err == nil {
			t.Error(".serverless/requirements exists after a failed install")
		}
	})
	t.Run("wrong option type", func(t *testing.T) {
		s := newSvc(t)
		s.custom["dockerEnv"] = "FOO=1"
		_, _, err := runPhase(t, s, protocol.PhaseBefore, &fakePython{})
		if err == nil || !strings.Contains(err.Error(), "custom.pythonRequirements.dockerEnv") {
			t.Fatalf("err = %v", err)
		}
	})
	for _, module := range []string{`42`, `"true"`, `["a"]`} {
		t.Run("module "+module, func(t *testing.T) {
			s := newSvc(t)
			s.functions["hello"].Module = json.RawMessage(module)
			_, _, err := runPhase(t, s, protocol.PhaseBefore, &fakePython{})
			d, ok := diag.As(err)
			if !ok || d.Code != diag.CodeConfigInvalid || d.Key != "functions.hello.module" || !strings.Contains(d.Fix(), "module: ./hello") {
				t.Fatalf("err = %v", err)
			}
		})
	}
	t.Run("unwritable cache", func(t *testing.T) {
		// root ignores permission bits, so make the cache path unwritable by putting it below a file.
		s := newSvc(t)
		blocker := filepath.Join(t.TempDir(), "file")
		os.WriteFile(blocker, nil, 0o644)
		s.cache = filepath.Join(blocker, "cache")
		_, _, err := runPhase(t, s, protocol.PhaseBefore, &fakePython{})
		if err == nil || !strings.Contains(err.Error(), "custom.pythonRequirements.cacheLocation") {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestConfigWarnings: the config step warns about unknown options and a misspelt block name,
// with their codes (the shim shows each once per run).
func TestConfigWarnings(t *testing.T) {
	s := newSvc(t)
	s.custom["slimm"] = true
	req := s.request(protocol.PhaseBefore)
	req.Service.Custom["pythonRequirments"] = json.RawMessage(`null`)
	var out bytes.Buffer
	if _, err := Run(context.Background(), req, Deps{Emit: protocol.NewEmitter(&out), Runner: &fakePython{}, GOOS: "linux", Environ: []string{"HOME=" + s.dir}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"code":"PYREQS_OPTIONS_BLOCK_MISSPELT","fix":"Merge its keys into custom.pythonRequirements and remove it.","key":"custom.pythonRequirments"`,
		`"code":"PYREQS_UNKNOWN_OPTION","fix":"Did you mean slim? Rename the key, or remove it.","key":"custom.pythonRequirements.slimm"`,
	} {
		if strings.Count(out.String(), want) != 1 {
			t.Errorf("want one warning %s in:\n%s", want, out.String())
		}
	}
}

func TestDisabledAndNonPython(t *testing.T) {
	s := newSvc(t)
	s.custom["enabled"] = false
	fp := &fakePython{}
	_, log, err := runPhase(t, s, protocol.PhaseBefore, fp)
	if err != nil || fp.installs != 0 || !strings.Contains(log, "enabled is set to false") {
		t.Fatalf("disabled: err=%v installs=%d log=%s", err, fp.installs, log)
	}
	s = newSvc(t)
	s.functions["hello"].Runtime = "nodejs20.x"
	ed, _, err := runPhase(t, s, protocol.PhaseBefore, fp)
	if err != nil || fp.installs != 0 || ed.EnsureFunctionPackage {
		t.Fatalf("node-only: err=%v installs=%d edits=%+v", err, fp.installs, ed)
	}
}

func TestCleanAndCleanCache(t *testing.T) {
	s := newSvc(t)
	fp := &fakePython{}
	if _, _, err := runPhase(t, s, protocol.PhaseBefore, fp); err != nil {
		t.Fatal(err)
	}
	write(s.cache, "not-ours.txt", "keep me", 0o644)
	if _, _, err := runPhase(t, s, protocol.PhaseClean, fp); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(s.dir, ".serverless", "requirements")); err == nil {
		t.Error("clean left .serverless/requirements")
	}
	if _, _, err := runPhase(t, s, protocol.PhaseCleanCache, fp); err != nil {
		t.Fatal(err)
	}
	des, _ := os.ReadDir(s.cache)
	if len(des) != 1 || des[0].Name() != "not-ours.txt" {
		t.Errorf("cleanCache left %v", des)
	}
}

func TestInvalidateCachesReallyCleans(t *testing.T) {
	s := newSvc(t)
	s.custom["invalidateCaches"] = true
	fp := &fakePython{}
	if _, _, err := runPhase(t, s, protocol.PhaseBefore, fp); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runPhase(t, s, protocol.PhaseInvalidate, fp); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runPhase(t, s, protocol.PhaseBefore, fp); err != nil {
		t.Fatal(err)
	}
	if fp.installs != 2 {
		t.Errorf("installs = %d, want 2 (the cache was invalidated)", fp.installs)
	}
}

func TestCacheInsideServiceIsExcluded(t *testing.T) {
	s := newSvc(t)
	s.cache = ".cache/pyreqs" // relative: inside the service folder
	ed, _, err := runPhase(t, s, protocol.PhaseBefore, &fakePython{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ed.ServicePatterns, "!.cache/pyreqs/**") {
		t.Errorf("ServicePatterns = %v, want the cache folder excluded", ed.ServicePatterns)
	}
	if _, err := os.Stat(filepath.Join(s.dir, ".cache", "pyreqs")); err != nil {
		t.Errorf("relative cacheLocation was not resolved against the service folder: %v", err)
	}
}

func TestNoDeploySurvivesSlim(t *testing.T) {
	s := newSvc(t)
	s.custom["slim"] = true
	s.custom["strip"] = false
	s.custom["noDeploy"] = []string{"six"} // removed from the lines but still installed below
	write(s.dir, "requirements.txt", "Flask==3.0.3\n", 0o644)
	fp := &fakePython{}
	if _, _, err := runPhase(t, s, protocol.PhaseBefore, fp); err != nil {
		t.Fatal(err)
	}
	// Install "six" into the entry as if it came in transitively, then rebuild the file lists
	// the way postInstall does before slim removes the dist-info folders.
	entry, _ := filepath.EvalSymlinks(filepath.Join(s.dir, ".serverless", "requirements"))
	drop := noDeployFiles(entry, []string{"six"})
	if drop("flask/__init__.py") {
		t.Error("flask files dropped by noDeploy six")
	}
	if _, err := os.Stat(filepath.Join(entry, ".pyreqs", "dists.json")); err != nil {
		t.Fatalf("dists.json not written: %v", err)
	}
	if _, err := os.Stat(filepath.Join(entry, "flask-1.0.dist-info")); !os.IsNotExist(err) {
		t.Fatal("slim did not remove the dist-info folder")
	}
	drop = noDeployFiles(entry, []string{"FLASK"})
	for _, n := range []string{"flask/__init__.py", "bin/flask"} {
		if !drop(n) {
			t.Errorf("noDeploy Flask keeps %s after slim removed its dist-info", n)
		}
	}
}

// On Windows without Developer Mode the .serverless/requirements link cannot be made; the after
// phase finds the built requirements through the pointer file instead.
func TestInjectWithoutTheLink(t *testing.T) {
	s := newSvc(t)
	fp := &fakePython{}
	if _, _, err := runPhase(t, s, protocol.PhaseBefore, fp); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(s.dir, ".serverless", "requirements")); err != nil {
		t.Fatal(err)
	}
	art := filepath.Join(s.dir, ".serverless", "svc.zip")
	frameworkZip(t, art, map[string]string{"handler.py": "x"})
	s.functions["hello"].Package = &protocol.Package{Artifact: art}
	if _, _, err := runPhase(t, s, protocol.PhaseAfter, fp); err != nil {
		t.Fatal(err)
	}
	if _, ok := zipNames(t, art)["flask/__init__.py"]; !ok {
		t.Error("requirements were not injected without the link")
	}
	if _, _, err := runPhase(t, s, protocol.PhaseClean, fp); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, ".serverless", ".pyreqs-entry")); !os.IsNotExist(err) {
		t.Error("clean left the pointer file")
	}
}
