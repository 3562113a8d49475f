package target

import (
	"bufio"
	"context"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/binarycheck"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

// The tests below install with the real pip of .tools/venv (Python 3.11 on x86_64) and the real
// uv of .tools/bin from the local test index (test/internal/pyindex, run through its command
// because goplugin/ cannot import test/internal).

type tools struct {
	root, python, uv, index string
}

var (
	toolsOnce sync.Once
	toolsVal  tools
	toolsErr  error
	toolsSkip string
	// indexStdin stays open (and referenced, so no finalizer closes it) while the test binary
	// runs: the pyindex command serves until its stdin closes.
	indexStdin io.WriteCloser
	indexBin   string // the folder of the built pyindex command
)

func TestMain(m *testing.M) {
	code := m.Run()
	if indexStdin != nil {
		indexStdin.Close()
	}
	if indexBin != "" {
		os.RemoveAll(indexBin)
	}
	os.Exit(code)
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// realTools builds and starts the test index once per test binary; it stops when the test
// binary exits (its stdin pipe closes).
func realTools(t *testing.T) tools {
	t.Helper()
	toolsOnce.Do(func() {
		root, err := repoRoot()
		if err != nil {
			toolsErr = err
			return
		}
		py := filepath.Join(root, ".tools", "venv", "bin", "python")
		uv := filepath.Join(root, ".tools", "bin", "uv")
		for _, p := range []string{py, uv} {
			if _, err := os.Stat(p); err != nil {
				toolsSkip = p + " is missing: run scripts/setup.sh"
				return
			}
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			t.Fatalf("go is not on PATH: %v", err)
		}
		indexBin, err = os.MkdirTemp("", "pyreqs-target-test-*")
		if err != nil {
			toolsErr = err
			return
		}
		bin := filepath.Join(indexBin, "pyindex")
		build := exec.Command(goBin, "build", "-o", bin, "./test/internal/pyindex/cmd/pyindex")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			toolsErr = errors.New("building the pyindex command: " + err.Error() + "\n" + string(out))
			return
		}
		cmd := exec.Command(bin, "-python", py, "-src", filepath.Join(root, "testdata", "pypkgs"),
			"-out", filepath.Join(root, ".tools", "pyindex"))
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			toolsErr = err
			return
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			toolsErr = err
			return
		}
		if err := cmd.Start(); err != nil {
			toolsErr = err
			return
		}
		indexStdin = stdin
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			toolsErr = errors.New("the pyindex command printed no URL: " + err.Error())
			return
		}
		go io.Copy(io.Discard, stdout) //nolint:errcheck
		toolsVal = tools{root: root, python: py, uv: uv, index: strings.TrimSpace(line)}
	})
	if toolsSkip != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(toolsSkip)
		}
		t.Skip(toolsSkip)
	}
	if toolsErr != nil {
		t.Fatal(toolsErr)
	}
	return toolsVal
}

// cleanEnv is the environment without the developer's pip/uv configuration.
func cleanEnv(t *testing.T) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PIP_") || strings.HasPrefix(name, "UV_") || strings.HasPrefix(name, "PYTHON") ||
			name == "VIRTUAL_ENV" || name == "XDG_CACHE_HOME" {
			continue
		}
		env = append(env, kv)
	}
	cache := t.TempDir()
	return append(env, "PIP_CONFIG_FILE="+os.DevNull, "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1",
		"UV_NO_CONFIG=1", "UV_CACHE_DIR="+filepath.Join(cache, "uv"), "XDG_CACHE_HOME="+cache)
}

// install runs Install for runtime/arch with tool over the given requirements lines.
func install(t *testing.T, tl tools, tool, runtime, arch string, lines ...string) (string, Result, error) {
	t.Helper()
	work := t.TempDir()
	req := filepath.Join(work, "requirements.txt")
	if err := os.WriteFile(req, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "out")
	s := Spec{
		Target: MustNew(runtime, arch), Tool: tool, Python: tl.python, Uv: tl.uv, Requirements: req, Dir: dir,
		InstallArgs: []string{"--index-url", tl.index},
		BuildArgs:   []string{"--index-url", tl.index, "--no-cache-dir"},
		Env:         cleanEnv(t), WorkDir: work,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := Install(ctx, proc.Exec{}, s)
	if left, _ := filepath.Glob(filepath.Join(work, ".pyreqs-target-*")); len(left) > 0 {
		t.Errorf("filtered requirements left behind: %v", left)
	}
	return dir, res, err
}

func readTag(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "pyreqs_multiarch", "__init__.py"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// nativeMachine opens the one .so of pyreqs_multiarch and returns its ELF machine.
func nativeMachine(t *testing.T, dir string) elf.Machine {
	t.Helper()
	sos, _ := filepath.Glob(filepath.Join(dir, "pyreqs_multiarch", "*.so"))
	if len(sos) != 1 {
		t.Fatalf("pyreqs_multiarch holds %v, want one .so", sos)
	}
	f, err := elf.Open(sos[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return f.Machine
}

func TestInstallForTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pip and uv")
	}
	tl := realTools(t)
	for _, tool := range []string{ToolPip, ToolUv} {
		t.Run(tool, func(t *testing.T) {
			// An arm64 function on this x86_64 host with Python 3.11: the aarch64 wheel of Amazon
			// Linux 2 (manylinux2014), not the manylinux_2_34 one glibc 2.26 cannot load.
			for _, tc := range []struct {
				runtime, arch, tag string
				machine            elf.Machine
			}{
				{"python3.11", "arm64", `TAG = "cp311-cp311-manylinux2014_aarch64"`, elf.EM_AARCH64},
				{"python3.12", "x86_64", `TAG = "cp312-cp312-manylinux2014_x86_64"`, elf.EM_X86_64},
				{"python3.12", "arm64", `TAG = "cp312-cp312-manylinux_2_34_aarch64"`, elf.EM_AARCH64},
				{"python3.11", "x86_64", `TAG = "cp311-cp311-manylinux2014_x86_64"`, elf.EM_X86_64},
			} {
				dir, res, err := install(t, tl, tool, tc.runtime, tc.arch, "pyreqs-multiarch==1.0.0")
				if err != nil {
					t.Fatalf("%s %s: %v", tc.runtime, tc.arch, err)
				}
				if got := readTag(t, dir); got != tc.tag {
					t.Errorf("%s %s: installed %s, want %s", tc.runtime, tc.arch, got, tc.tag)
				}
				if m := nativeMachine(t, dir); m != tc.machine {
					t.Errorf("%s %s: the .so is %v, want %v", tc.runtime, tc.arch, m, tc.machine)
				}
				if _, err := os.Stat(filepath.Join(dir, "pyreqs_pure", "__init__.py")); err != nil {
					t.Errorf("%s %s: the dependency pyreqs-pure is missing: %v", tc.runtime, tc.arch, err)
				}
				if res.Runs != 1 || res.Built != nil {
					t.Errorf("%s %s: result %+v, want one run and no build", tc.runtime, tc.arch, res)
				}
				problems, err := binarycheck.Check(dir, MustNew(tc.runtime, tc.arch).Machine())
				if err != nil || problems != nil {
					t.Errorf("%s %s: binary check: %v %v", tc.runtime, tc.arch, problems, err)
				}
			}
		})
	}
}

func TestInstallSourceOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pip and uv")
	}
	tl := realTools(t)
	for _, tool := range []string{ToolPip, ToolUv} {
		t.Run(tool, func(t *testing.T) {
			// The pure sdist is built on the host and installed for the target with the rest.
			dir, res, err := install(t, tl, tool, "python3.12", "arm64", "pyreqs-multiarch", "pyreqs-sdistonly==1.0.0")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Built, []string{"pyreqs_sdistonly-1.0.0-py3-none-any.whl"}) || res.Runs != 2 {
				t.Errorf("result %+v, want the sdistonly wheel built and two runs", res)
			}
			for _, f := range []string{"pyreqs_sdistonly/__init__.py", "pyreqs_pure/__init__.py"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("missing %s: %v", f, err)
				}
			}
			if got := readTag(t, dir); got != `TAG = "cp312-cp312-manylinux_2_34_aarch64"` {
				t.Errorf("installed %s", got)
			}

			// Compiled packages without a wheel for the target: one error names each. pyreqs-compiled
			// builds on this machine into a linux_x86_64 wheel; pyreqs-native has such a wheel on
			// the index, and its sdist needs setuptools, which the index lacks.
			_, res, err = install(t, tl, tool, "python3.11", "arm64",
				"pyreqs-sdistonly", "pyreqs-compiled==1.0.0", "pyreqs-pure", "pyreqs-native>=1.0")
			var de *diag.Error
			if !errors.As(err, &de) || de.Code != CodeNoWheel {
				t.Fatalf("err = %v, want %s", err, CodeNoWheel)
			}
			msg := err.Error()
			t.Logf("the error:\n%s", msg)
			for _, want := range []string{
				"pyreqs-compiled, pyreqs-native have no wheel for python3.11 arm64 (Amazon Linux 2, glibc 2.26)",
				"pyreqs-compiled: on this machine it comes as pyreqs_compiled-1.0.0-cp311-cp311-linux_x86_64.whl, which is not pure Python",
				"pyreqs-native: on this machine it comes as pyreqs_native-1.0.0-cp311-cp311-linux_x86_64.whl",
				"dockerizePip: true", "dockerizePip: when-needed", "manylinux_2_26_aarch64",
			} {
				if !strings.Contains(msg, want) {
					t.Errorf("error lacks %q:\n%s", want, msg)
				}
			}
			if !slices.Contains(res.Built, "pyreqs_sdistonly-1.0.0-py3-none-any.whl") {
				t.Errorf("result %+v: the pure sdist was not built", res)
			}

			// A name that does not exist is not a missing wheel: pip's or uv's own error.
			_, _, err = install(t, tl, tool, "python3.12", "x86_64", "pyreqs-does-not-exist")
			if !errors.As(err, &de) || de.Code != "PYTHON_REQUIREMENTS_INSTALL_FAILED" {
				t.Errorf("unknown package: %v", err)
			}
		})
	}
}

func TestInstallLyingWheelCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pip and uv")
	}
	tl := realTools(t)
	for _, tool := range []string{ToolPip, ToolUv} {
		t.Run(tool, func(t *testing.T) {
			dir, _, err := install(t, tl, tool, "python3.12", "x86_64", "pyreqs-liar")
			if err != nil {
				t.Fatal(err)
			}
			problems, err := binarycheck.Check(dir, MustNew("python3.12", "x86_64").Machine())
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != 1 || problems[0].Package != "pyreqs-liar" ||
				problems[0].File != "pyreqs_liar/_native.cpython-312-x86_64-linux-gnu.so" || problems[0].Built.Machine != "aarch64" {
				t.Fatalf("problems = %v", problems)
			}
			if msg := binarycheck.Err(problems, "python3.12 x86_64").Error(); !strings.Contains(msg,
				"pyreqs-liar: pyreqs_liar/_native.cpython-312-x86_64-linux-gnu.so is ELF 64-bit aarch64 (built for aarch64, the function runs on x86_64)") {
				t.Errorf("error:\n%s", msg)
			}
		})
	}
}
