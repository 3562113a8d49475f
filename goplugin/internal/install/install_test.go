package install

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

// TestArgs: pip and uv install for the interpreter (the target installer, package target,
// installs for another platform); uv gets the interpreter with --python.
func TestArgs(t *testing.T) {
	py := &Interpreter{Bin: "python3.11", Version: "3.11.7", Machine: "x86_64", Platform: "linux", PipVersion: "24.0"}
	for installer, want := range map[string]string{
		"uv":  "uv pip install --python python3.11 --target /t -r /r.txt --cache-dir /c --no-build-isolation",
		"pip": "python3.11 -m pip install --disable-pip-version-check --no-input --no-compile --target /t -r /r.txt --cache-dir /c --no-build-isolation",
	} {
		s := Spec{Installer: installer, Python: py, Requirements: "/r.txt", Target: "/t", DownloadCache: "/c", ExtraArgs: []string{"--no-build-isolation"}}
		name, args := s.Args()
		if got := name + " " + strings.Join(args, " "); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}

func TestUvEnvPassesPipIndexes(t *testing.T) {
	for _, tt := range []struct {
		env  []string
		want string
	}{
		{[]string{"PATH=/bin", "PIP_INDEX_URL=https://u:p@idx/simple", "PIP_EXTRA_INDEX_URL=https://x/simple"},
			"PATH=/bin PIP_INDEX_URL=https://u:p@idx/simple PIP_EXTRA_INDEX_URL=https://x/simple UV_INDEX_URL=https://u:p@idx/simple UV_EXTRA_INDEX_URL=https://x/simple"},
		{[]string{"PIP_INDEX_URL=https://pip/simple", "UV_DEFAULT_INDEX=https://uv/simple"},
			"PIP_INDEX_URL=https://pip/simple UV_DEFAULT_INDEX=https://uv/simple"},
		{[]string{"PIP_INDEX_URL=https://pip/simple", "UV_INDEX_URL=https://uv/simple"},
			"PIP_INDEX_URL=https://pip/simple UV_INDEX_URL=https://uv/simple"},
		{[]string{"PATH=/bin"}, "PATH=/bin"},
	} {
		if got := strings.Join(UvEnv(tt.env), " "); got != tt.want {
			t.Errorf("UvEnv(%q)\n = %s\nwant %s", tt.env, got, tt.want)
		}
	}
}

// TestProbeLearnsTheExecutable: the probe of a real interpreter gives its sys.executable. Command
// runs that when pythonBin is a shim (found, as the runner finds commands, in a folder named
// shims: here a script that execs python3.11, the pyenv shim's job), and any other pythonBin (a
// wrapper script in another folder) as configured.
func TestProbeLearnsTheExecutable(t *testing.T) {
	real, err := exec.LookPath("python3.11")
	if err != nil {
		t.Skip("python3.11 is not available")
	}
	script := "#!/bin/sh\nexec " + real + " \"$@\"\n"
	shims, other := filepath.Join(t.TempDir(), "shims"), t.TempDir()
	for _, dir := range []string{shims, other} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "python3.11"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := os.Getenv("PATH")
	for _, c := range []struct {
		name, bin, pathFirst string
		shim                 bool
	}{
		{"shim on the PATH", "python3.11", shims, true},
		{"shim by path", filepath.Join(shims, "python3.11"), "", true},
		{"wrapper by path", filepath.Join(other, "python3.11"), "", false},
		{"wrapper on the PATH", "python3.11", other, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.pathFirst != "" {
				t.Setenv("PATH", c.pathFirst+string(os.PathListSeparator)+path)
			}
			py, err := Probe(context.Background(), proc.Exec{}, c.bin, os.Environ())
			if err != nil {
				t.Fatal(err)
			}
			want := c.bin
			if c.shim {
				want = py.Exe
			}
			if !filepath.IsAbs(py.Exe) || py.Shim != c.shim || py.Command() != want {
				t.Fatalf("probe = %+v, Command() = %q, want %q", py, py.Command(), want)
			}
			out, err := exec.Command(py.Exe, "-c", "import platform; print(platform.python_version())").Output()
			if err != nil || strings.TrimSpace(string(out)) != py.Version {
				t.Errorf("%s runs Python %q (%v), the probe said %s", py.Exe, out, err, py.Version)
			}
		})
	}
	if old := (&Interpreter{Bin: "python3.11", Shim: true}); old.Command() != "python3.11" {
		t.Errorf("Command() without Exe = %q", old.Command())
	}
}
