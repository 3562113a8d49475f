package target

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMissingWheels(t *testing.T) {
	for name, tc := range map[string]struct {
		output string
		want   []Missing
	}{
		"pip": {
			"Looking in indexes: http://127.0.0.1:1/simple\n" +
				"Processing ./x.whl\n" +
				"ERROR: Could not find a version that satisfies the requirement PyReqs_Compiled>=1.0 (from versions: none)\n" +
				"ERROR: No matching distribution found for PyReqs_Compiled>=1.0\n",
			[]Missing{{Name: "pyreqs-compiled", Requirement: "PyReqs_Compiled>=1.0"}},
		},
		"pip in colour (FORCE_COLOR set)": {
			"\x1b[31mERROR: No matching distribution found for pyreqs-sdistonly==1.0.0\x1b[0m\n",
			[]Missing{{Name: "pyreqs-sdistonly", Requirement: "pyreqs-sdistonly==1.0.0"}},
		},
		"pip transitive with extras": {
			"ERROR: No matching distribution found for foo[bar]==2.0; python_version >= \"3\"\n",
			[]Missing{{Name: "foo", Requirement: "foo[bar]==2.0; python_version >= \"3\""}},
		},
		"uv single version": {
			"error: No solution found when resolving dependencies\n" +
				"  cause: Because pyreqs-compiled==1.0.0 has no usable wheels and you require pyreqs-compiled==1.0.0, we can conclude that your requirements are unsatisfiable.\n\n" +
				"hint: Wheels are required for `pyreqs-compiled` because building from source is disabled for all packages (i.e., with `--no-build`)\n",
			[]Missing{{Name: "pyreqs-compiled", Requirement: "pyreqs-compiled==1.0.0"}},
		},
		"uv range": {
			"  cause: Because only pyreqs-native==1.0.0 is available and pyreqs-native==1.0.0 has no usable wheels, we can conclude that all versions of pyreqs-native cannot be used.\n" +
				"hint: Wheels are required for `pyreqs-native` because building from source is disabled for all packages (i.e., with `--no-build`)\n",
			[]Missing{{Name: "pyreqs-native", Requirement: "pyreqs-native==1.0.0"}},
		},
		"uv platform tag, no hint": {
			"  cause: Because foo==3.1 has no wheels with a matching platform tag (e.g., `manylinux_2_17_aarch64`) and you require foo==3.1, we can conclude that your requirements are unsatisfiable.\n",
			[]Missing{{Name: "foo", Requirement: "foo==3.1"}},
		},
		"pip network error":  {"ERROR: Could not install packages due to an OSError: HTTPSConnectionPool\n", nil},
		"uv unknown package": {"  cause: Because nope was not found in the package registry and you require nope, we can conclude that your requirements are unsatisfiable.\n", nil},
	} {
		if diff := cmp.Diff(tc.want, MissingWheels(tc.output)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

func TestIsPureWheel(t *testing.T) {
	for name, want := range map[string]bool{
		"a-1.0-py3-none-any.whl":                    true,
		"/tmp/x/a_b-1.0-py2.py3-none-any.whl":       true,
		"a-1.0-1build-py3-none-any.whl":             true,
		"a-1.0-cp311-cp311-linux_x86_64.whl":        false,
		"a-1.0-cp311-abi3-manylinux2014_x86_64.whl": false,
		"a-1.0-py3-none-manylinux_2_17_x86_64.whl":  false,
		"a-1.0-cp311-none-any.whl":                  false,
		"a-1.0.tar.gz":                              false,
		"py3-none-any.whl":                          false,
	} {
		if got := IsPureWheel(name); got != want {
			t.Errorf("IsPureWheel(%q) = %v", name, got)
		}
	}
}

func TestWithoutRequirement(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "requirements.txt")
	body := "# pinned\n-r base.txt\nPyReqs_Compiled==1.0.0 \\\n    --hash=sha256:abc\npyreqs-pure>=1.0 ; python_version >= \"3\"\npyreqs-compiled-extra==2\n"
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	next, dropped, err := withoutRequirement(file, "pyreqs-compiled")
	if err != nil || !dropped {
		t.Fatalf("dropped %v err %v", dropped, err)
	}
	if filepath.Dir(next) != dir {
		t.Errorf("copy %s is not next to the original", next)
	}
	data, err := os.ReadFile(next)
	if err != nil {
		t.Fatal(err)
	}
	want := "# pinned\n-r base.txt\npyreqs-pure>=1.0 ; python_version >= \"3\"\npyreqs-compiled-extra==2\n"
	if string(data) != want {
		t.Errorf("filtered:\n%s\nwant:\n%s", data, want)
	}
	if _, dropped, err := withoutRequirement(file, "pyreqs-other"); err != nil || dropped {
		t.Errorf("unlisted name: dropped %v err %v", dropped, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("files in %s: %v", dir, entries)
	}
}

func TestNoWheelError(t *testing.T) {
	if NoWheelError(nil, MustNew("python3.12", "arm64")) != nil {
		t.Error("NoWheelError(nil) != nil")
	}
	msg := NoWheelError([]Compiled{{Name: "b", Reason: "r2"}, {Name: "a", Reason: "r1"}}, MustNew("python3.12", "arm64")).Error()
	for _, want := range []string{"a, b have no wheel for python3.12 arm64", "\n  a: r1\n  b: r2", "Pin a version of a, b",
		"platform manylinux_2_34_aarch64, ABI cp312", "dockerizePip: true", "dockerizePip: " + DockerWhenNeeded} {
		if !strings.Contains(msg, want) {
			t.Errorf("lacks %q:\n%s", want, msg)
		}
	}
	one := NoWheelError([]Compiled{{Name: "a", Reason: "r"}}, MustNew("python3.11", "")).Error()
	if !strings.HasPrefix(one, "a has no wheel for python3.11 x86_64") {
		t.Errorf("one package: %s", one)
	}
}
