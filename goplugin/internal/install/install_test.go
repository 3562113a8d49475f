package install

import (
	"strings"
	"testing"
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
