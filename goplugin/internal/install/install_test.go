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

// TestProbeLearnsTheExecutable: the probe of a real interpreter (here python3.11 as found on the
// PATH, a pyenv shim on the CI machines) gives its sys.executable, which Command runs from then
// on; an interpreter that does not say (one line of output) is run as configured.
func TestProbeLearnsTheExecutable(t *testing.T) {
	if _, err := exec.LookPath("python3.11"); err != nil {
		t.Skip("python3.11 is not available")
	}
	py, err := Probe(context.Background(), proc.Exec{}, "python3.11", os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(py.Exe) || py.Command() != py.Exe || py.Bin != "python3.11" {
		t.Fatalf("probe = %+v, Command() = %q", py, py.Command())
	}
	out, err := exec.Command(py.Exe, "-c", "import platform; print(platform.python_version())").Output()
	if err != nil || strings.TrimSpace(string(out)) != py.Version {
		t.Errorf("%s runs Python %q (%v), the probe said %s", py.Exe, out, err, py.Version)
	}
	old := &Interpreter{Bin: "python3.11", Version: "3.11.7"}
	if old.Command() != "python3.11" {
		t.Errorf("Command() without Exe = %q", old.Command())
	}
}
