package target

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

func TestNewAndAccessors(t *testing.T) {
	for _, tc := range []struct {
		runtime, arch                      string
		version, abi, machine, key, uvPlat string
		glibc                              int
	}{
		{"python3.9", "", "3.9", "cp39", "x86_64", "cp39-cp39-manylinux_2_26_x86_64", "x86_64-manylinux_2_17", 26},
		{"python3.11", "arm64", "3.11", "cp311", "aarch64", "cp311-cp311-manylinux_2_26_aarch64", "aarch64-manylinux_2_17", 26},
		{"python3.12", "x86_64", "3.12", "cp312", "x86_64", "cp312-cp312-manylinux_2_34_x86_64", "x86_64-manylinux_2_34", 34},
		{"python3.13", "arm64", "3.13", "cp313", "aarch64", "cp313-cp313-manylinux_2_34_aarch64", "aarch64-manylinux_2_34", 34},
	} {
		tg, err := New(tc.runtime, tc.arch)
		if err != nil {
			t.Fatalf("New(%q, %q): %v", tc.runtime, tc.arch, err)
		}
		got := []any{tg.PythonVersion(), tg.ABI(), tg.Machine(), tg.Key(), tg.UvPlatform(), tg.GlibcMinor(), tg.Implementation(), tg.Runtime()}
		want := []any{tc.version, tc.abi, tc.machine, tc.key, tc.uvPlat, tc.glibc, "cp", tc.runtime}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s %s (-want +got):\n%s", tc.runtime, tc.arch, diff)
		}
	}
	for _, bad := range [][2]string{{"python3.8", ""}, {"python3.14", ""}, {"nodejs20.x", ""}, {"python3.012", ""}, {"python3.12", "aarch64"}, {"python3.12", "ARM64"}} {
		_, err := New(bad[0], bad[1])
		var de *diag.Error
		if !errors.As(err, &de) || de.Key == "" || de.Hint == "" {
			t.Errorf("New(%q, %q) = %v, want a diag.Error with key and hint", bad[0], bad[1], err)
		}
	}
	if s := MustNew("python3.12", "arm64").String(); s != "python3.12 arm64 (Amazon Linux 2023, glibc 2.34)" {
		t.Errorf("String = %q", s)
	}
}

func TestPlatforms(t *testing.T) {
	al2x86 := MustNew("python3.11", "x86_64").Platforms()
	want := []string{
		"manylinux_2_26_x86_64", "manylinux_2_25_x86_64", "manylinux_2_24_x86_64", "manylinux_2_23_x86_64",
		"manylinux_2_22_x86_64", "manylinux_2_21_x86_64", "manylinux_2_20_x86_64", "manylinux_2_19_x86_64",
		"manylinux_2_18_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux_2_16_x86_64",
		"manylinux_2_15_x86_64", "manylinux_2_14_x86_64", "manylinux_2_13_x86_64", "manylinux_2_12_x86_64",
		"manylinux2010_x86_64", "manylinux_2_11_x86_64", "manylinux_2_10_x86_64", "manylinux_2_9_x86_64",
		"manylinux_2_8_x86_64", "manylinux_2_7_x86_64", "manylinux_2_6_x86_64", "manylinux_2_5_x86_64",
		"manylinux1_x86_64",
	}
	if diff := cmp.Diff(want, al2x86); diff != "" {
		t.Errorf("python3.11 x86_64 platforms (-want +got):\n%s", diff)
	}
	al2023arm := MustNew("python3.12", "arm64").Platforms()
	if al2023arm[0] != "manylinux_2_34_aarch64" || al2023arm[len(al2023arm)-1] != "manylinux2014_aarch64" || len(al2023arm) != 34-17+2 {
		t.Errorf("python3.12 arm64 platforms: %v", al2023arm)
	}
	for _, p := range al2023arm {
		if !strings.HasSuffix(p, "_aarch64") {
			t.Errorf("python3.12 arm64 platform %q is not aarch64", p)
		}
	}
	tg := MustNew("python3.11", "arm64")
	for tag, want := range map[string]bool{
		"any": true, "manylinux2014_aarch64": true, "manylinux_2_26_aarch64": true,
		"manylinux_2_28_aarch64": false, "manylinux_2_34_aarch64": false, "manylinux2014_x86_64": false,
		"macosx_11_0_arm64": false, "win_amd64": false, "linux_aarch64": false, "musllinux_1_2_aarch64": false,
	} {
		if got := tg.Compatible(tag); got != want {
			t.Errorf("python3.11 arm64 Compatible(%s) = %v", tag, got)
		}
	}
	if !MustNew("python3.12", "arm64").Compatible("manylinux_2_34_aarch64") {
		t.Error("python3.12 arm64 refuses manylinux_2_34_aarch64")
	}
}

func TestPipAndUvArgs(t *testing.T) {
	tg := MustNew("python3.12", "arm64")
	pip := tg.PipArgs("/out")
	if got := strings.Join(pip[len(pip)-9:], " "); got != "--implementation cp --python-version 3.12 --abi cp312 --only-binary=:all: --target /out" {
		t.Errorf("pip tail = %q", got)
	}
	var plats []string
	for i := 0; i < len(pip)-9; i += 2 {
		if pip[i] != "--platform" {
			t.Fatalf("pip args[%d] = %q, want --platform", i, pip[i])
		}
		plats = append(plats, pip[i+1])
	}
	if diff := cmp.Diff(tg.Platforms(), plats); diff != "" {
		t.Errorf("pip platforms (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"--python-platform", "aarch64-manylinux_2_34", "--python-version", "3.12", "--only-binary", ":all:", "--target", "/out"},
		tg.UvArgs("/out")); diff != "" {
		t.Errorf("uv args (-want +got):\n%s", diff)
	}
}

func TestMatch(t *testing.T) {
	x311 := MustNew("python3.11", "x86_64")
	arm312 := MustNew("python3.12", "arm64")
	for _, tc := range []struct {
		host   Host
		tg     Target
		ok     bool
		reason string
	}{
		{Host{GOOS: "linux", GOARCH: "amd64", Python: "3.11.7"}, x311, true, ""},
		{Host{GOOS: "linux", GOARCH: "amd64", Python: "3.11.7", Glibc: "2.26"}, x311, true, ""},
		{Host{GOOS: "linux", GOARCH: "amd64", Python: "3.11.7", Glibc: "2.36"}, x311, false, "the host's glibc is 2.36, newer than the 2.26 of python3.11 on Amazon Linux 2"},
		{Host{GOOS: "linux", GOARCH: "amd64", Python: "3.11.7"}, arm312, false, "the host is linux/x86_64, the function runs on linux/aarch64"},
		{Host{GOOS: "linux", GOARCH: "arm64", Python: "3.12.1", Glibc: "2.34"}, arm312, true, ""},
		{Host{GOOS: "linux", GOARCH: "arm64", Python: "3.11.1"}, arm312, false, "the host's Python is 3.11, the function's runtime is python3.12"},
		{Host{GOOS: "linux", GOARCH: "arm64"}, arm312, false, "the host has no Python interpreter to install with"},
		{Host{GOOS: "darwin", GOARCH: "arm64", Python: "3.12.1"}, arm312, false, "the host is darwin/aarch64, the function runs on linux/aarch64"},
		{Host{GOOS: "windows", GOARCH: "amd64", Python: "3.11.7"}, x311, false, "the host is windows/x86_64, the function runs on linux/x86_64"},
	} {
		ok, reason := Match(tc.host, tc.tg)
		if ok != tc.ok || reason != tc.reason {
			t.Errorf("Match(%+v, %s) = %v %q, want %v %q", tc.host, tc.tg, ok, reason, tc.ok, tc.reason)
		}
	}
}

func TestKeyLine(t *testing.T) {
	if got := MustNew("python3.12", "arm64").KeyLine(ToolPip); got != "# target-install: pip python=3.12 impl=cp abi=cp312 platform=manylinux_2_34_aarch64 glibc=2.34\n" {
		t.Errorf("pip = %q", got)
	}
	if got := MustNew("python3.11", "x86_64").KeyLine(ToolUv); got != "# target-install: uv python=3.11 impl=cp abi=cp311 platform=x86_64-manylinux_2_17 glibc=2.26\n" {
		t.Errorf("uv = %q", got)
	}
	if MustNew("python3.11", "x86_64").KeyLine(ToolPip) == MustNew("python3.11", "arm64").KeyLine(ToolPip) {
		t.Error("x86_64 and arm64 share a key line")
	}
}
