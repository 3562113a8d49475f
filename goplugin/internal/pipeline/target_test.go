package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
	"github.com/serverless-pyreqs/serverless-pyreqs/test/nativebin"
)

// hostPython is a fake interpreter of a pretend host: it answers the probe with probe, records
// every install command and installs one module per requirement line, with a native file of
// soMachine ("" for none).
type hostPython struct {
	probe     string
	soMachine string

	mu       sync.Mutex
	installs []string
}

func (f *hostPython) Run(ctx context.Context, c proc.Cmd) (proc.Result, error) {
	if len(c.Args) >= 2 && c.Args[0] == "-c" {
		return proc.Result{Stdout: []byte(f.probe + "\n")}, nil
	}
	i, j := slices.Index(c.Args, "--target"), slices.Index(c.Args, "-r")
	if i < 0 || j < 0 {
		return proc.Result{}, nil
	}
	f.mu.Lock()
	f.installs = append(f.installs, c.Name+" "+strings.Join(c.Args, " "))
	f.mu.Unlock()
	data, _ := os.ReadFile(c.Args[j+1])
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		mod := strings.ReplaceAll(strings.ToLower(strings.FieldsFunc(line, func(r rune) bool { return strings.ContainsRune("=<>~! ;[", r) })[0]), "-", "_")
		write(c.Args[i+1], mod+"/__init__.py", "# "+line+"\n", 0o644)
		write(c.Args[i+1], mod+"-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: "+mod+"\n\n", 0o644)
		write(c.Args[i+1], mod+"-1.0.dist-info/RECORD", mod+"/__init__.py,,\n"+mod+"/_native.so,,\n", 0o644)
		if f.soMachine != "" {
			write(c.Args[i+1], mod+"/_native.so", string(nativebin.ELF(f.soMachine)), 0o755)
		}
	}
	return proc.Result{}, nil
}

func runOn(t *testing.T, s *svc, goos, goarch string, r proc.Runner) (string, error) {
	t.Helper()
	var out bytes.Buffer
	_, err := Run(context.Background(), s.request(protocol.PhaseBefore),
		Deps{Emit: protocol.NewEmitter(&out), Runner: r, GOOS: goos, GOARCH: goarch, Environ: []string{"HOME=" + s.dir}})
	return out.String(), err
}

// TestPretendHosts: through the whole before hook, the pipeline's host description (GOOS,
// GOARCH, the probed interpreter) decides per set between the host install and the install for
// the target; the key header says which, so a macOS and a Linux build never share an entry.
func TestPretendHosts(t *testing.T) {
	for _, tc := range []struct {
		name, goos, goarch, probe string
		wantTarget                bool
	}{
		{"Linux x86_64 with Python 3.11", "linux", "amd64", "3.11.7 cpython x86_64 linux 24.0", false},
		{"macOS arm64", "darwin", "arm64", "3.11.7 cpython arm64 darwin 24.0", true},
		{"Windows x86_64", "windows", "amd64", "3.11.7 cpython AMD64 win32 24.0", true},
		{"Linux arm64", "linux", "arm64", "3.11.7 cpython aarch64 linux 24.0", true},
		{"Linux x86_64 with Python 3.12", "linux", "amd64", "3.12.1 cpython x86_64 linux 24.0", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSvc(t)
			s.custom["compileBytecode"] = false // bytecode has its own tests; these are about targets
			s.custom["pythonBin"] = "python3"
			py := &hostPython{probe: tc.probe, soMachine: "x86_64"}
			out, err := runOn(t, s, tc.goos, tc.goarch, py)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if len(py.installs) != 1 {
				t.Fatalf("installs = %v", py.installs)
			}
			cmd := py.installs[0]
			isTarget := strings.Contains(cmd, "--platform manylinux_2_26_x86_64") && strings.Contains(cmd, "--abi cp311") &&
				strings.Contains(cmd, "--python-version 3.11") && strings.Contains(cmd, "--only-binary=:all:")
			if isTarget != tc.wantTarget {
				t.Errorf("target install %t, want %t: %s", isTarget, tc.wantTarget, cmd)
			}
			header := string(readFileT(t, filepath.Join(s.dir, ".serverless", "requirements.txt")))
			if got := strings.Contains(header, "# target-install: pip python=3.11 impl=cp abi=cp311 platform=manylinux_2_26_x86_64 glibc=2.26\n"); got != tc.wantTarget {
				t.Errorf("key header has the target line: %t, want %t:\n%s", got, tc.wantTarget, header)
			}
			if got := strings.Contains(header, "# python: "); got == tc.wantTarget {
				t.Errorf("key header has the interpreter line: %t:\n%s", got, header)
			}
		})
	}
}

// TestOneSetPerArchitecture: x86_64 and arm64 functions packaged individually with the same
// requirements get one set and one cache entry each: the x86_64 one installed on the host, the
// arm64 one for manylinux aarch64.
func TestOneSetPerArchitecture(t *testing.T) {
	s := newSvc(t)
	s.custom["compileBytecode"] = false // bytecode has its own tests; these are about targets
	s.individual = true
	for _, m := range []string{"mod_x86", "mod_arm"} {
		write(s.dir, m+"/requirements.txt", "six\n", 0o644)
		write(s.dir, m+"/handler.py", "x", 0o644)
	}
	s.functions = map[string]*protocol.Function{
		"x86": {Name: "svc-dev-x86", Module: json.RawMessage(`"mod_x86"`)},
		"arm": {Name: "svc-dev-arm", Module: json.RawMessage(`"mod_arm"`), Architecture: "arm64"},
	}
	py := &hostPython{probe: "3.11.7 cpython x86_64 linux 24.0"}
	if out, err := runOn(t, s, "linux", "amd64", py); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	slices.Sort(py.installs)
	if len(py.installs) != 2 || !strings.Contains(strings.Join(py.installs, "\n"), "--platform manylinux_2_26_aarch64") {
		t.Fatalf("installs:\n%s", strings.Join(py.installs, "\n"))
	}
	if n := len(cacheDirs(t, s.cache)); n != 2 {
		t.Errorf("%d cache entries, want 2", n)
	}
}

// TestBinaryCheckInEveryMode: a native file of another architecture fails the build in the host
// install and in the target install alike, naming the package, the file and what it was built
// for, and leaves no complete cache entry behind.
func TestBinaryCheckInEveryMode(t *testing.T) {
	for _, host := range []string{"linux", "darwin"} {
		t.Run(host, func(t *testing.T) {
			s := newSvc(t)
			s.custom["compileBytecode"] = false // bytecode has its own tests; these are about targets
			write(s.dir, "requirements.txt", "liar\n", 0o644)
			py := &hostPython{probe: "3.11.7 cpython x86_64 " + host + " 24.0", soMachine: "aarch64"}
			out, err := runOn(t, s, host, "amd64", py)
			de, ok := diag.As(err)
			if !ok || de.Code != diag.CodeBinaryWrongPlatform {
				t.Fatalf("err = %v\n%s", err, out)
			}
			if want := "liar: liar/_native.so is ELF 64-bit aarch64 (built for aarch64, the function runs on x86_64)"; !strings.Contains(de.Message, want) {
				t.Errorf("message lacks %q:\n%s", want, de.Message)
			}
			if n := len(cacheDirs(t, s.cache)); n != 0 {
				t.Errorf("%d cache entries left, want none", n)
			}
		})
	}
}

// TestHintsAndVendorWarn: a .python-version that disagrees with the runtime warns once (two
// functions share it), and a macOS binary in the vendor folder warns, naming both.
func TestHintsAndVendorWarn(t *testing.T) {
	s := newSvc(t)
	s.custom["compileBytecode"] = false // bytecode has its own tests; these are about targets
	write(s.dir, ".python-version", "3.12\n", 0o644)
	write(s.dir, "vendor/lib.dylib", string(nativebin.MachO("arm64")), 0o644)
	s.custom["vendor"] = "vendor"
	s.functions["other"] = &protocol.Function{Name: "svc-dev-other", Handler: "handler.hello"}
	out, err := runOn(t, s, "linux", "amd64", &hostPython{probe: "3.11.7 cpython x86_64 linux 24.0"})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if n := strings.Count(out, diag.CodePythonVersionHint); n != 1 {
		t.Errorf("%d version hint warnings, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, ".python-version asks for Python 3.12, but the function's runtime is python3.11") {
		t.Errorf("no version hint:\n%s", out)
	}
	if !strings.Contains(out, diag.CodeVendorWrongPlatform) || !strings.Contains(out, "lib.dylib is Mach-O 64-bit arm64 (macOS)") {
		t.Errorf("no vendor warning:\n%s", out)
	}
}

func readFileT(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cacheDirs lists the complete cache entries (folders with the completion marker).
func cacheDirs(t *testing.T, root string) []string {
	t.Helper()
	entries, _ := os.ReadDir(root)
	var out []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(root, e.Name(), cache.Marker)); err == nil && e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}
