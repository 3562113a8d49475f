package install

import (
	"strings"
	"testing"
)

func TestUvArgsTargetTheLambdaRuntime(t *testing.T) {
	linux311 := &Interpreter{Bin: "python3.11", Version: "3.11.7", Impl: "cpython", Machine: "x86_64", Platform: "linux", PipVersion: "24.0"}
	mac312 := &Interpreter{Bin: "python3.12", Version: "3.12.4", Impl: "cpython", Machine: "arm64", Platform: "darwin"}
	armLinux := &Interpreter{Bin: "python3.12", Version: "3.12.1", Impl: "cpython", Machine: "aarch64", Platform: "linux"}
	for _, tt := range []struct {
		name    string
		py      *Interpreter
		runtime string
		arch    string
		want    string
	}{
		{"matching interpreter: exactly what pip would install", linux311, "python3.11", "x86_64", ""},
		{"no runtime known", linux311, "", "", ""},
		{"other Python version", linux311, "python3.12", "x86_64", " --python-version 3.12"},
		{"arm64 function on an x86_64 host (AL2)", linux311, "python3.11", "arm64", " --python-platform aarch64-manylinux2014"},
		{"macOS host, AL2023 runtime", mac312, "python3.12", "x86_64", " --python-platform x86_64-manylinux_2_34"},
		{"macOS host, arm64, python3.13", mac312, "python3.13", "arm64", " --python-version 3.13 --python-platform aarch64-manylinux_2_34"},
		{"arm64 Linux host for arm64", armLinux, "python3.12", "arm64", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := Spec{Installer: "uv", Python: tt.py, Requirements: "/r.txt", Target: "/t", TargetRuntime: tt.runtime, TargetArch: tt.arch,
				DownloadCache: "/c", ExtraArgs: []string{"--no-build-isolation"}}
			name, args := s.Args()
			want := "uv pip install --python " + tt.py.Bin + " --target /t -r /r.txt" + tt.want + " --cache-dir /c --no-build-isolation"
			if got := name + " " + strings.Join(args, " "); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestPipArgsIgnoreTheTarget(t *testing.T) {
	py := &Interpreter{Bin: "python3.11", Version: "3.11.7", Machine: "x86_64", Platform: "linux", PipVersion: "24.0"}
	s := Spec{Installer: "pip", Python: py, Requirements: "/r.txt", Target: "/t", TargetRuntime: "python3.12", TargetArch: "arm64"}
	name, args := s.Args()
	if got := name + " " + strings.Join(args, " "); strings.Contains(got, "--python-") || strings.Contains(got, "--platform") {
		t.Errorf("pip command = %s: pip installs for the interpreter (dockerizePip is the way to cross-build)", got)
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
