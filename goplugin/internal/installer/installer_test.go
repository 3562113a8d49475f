package installer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/workspace"
)

// fakePython answers the interpreter probe and records install commands, writing one module.
// probe is the answer to the probe ("" means a Linux x86_64 Python 3.11.7 with pip 24.0);
// missing lists interpreters that do not exist.
type fakePython struct {
	cmds    []proc.Cmd
	probe   string
	missing []string
}

func (f *fakePython) Run(_ context.Context, c proc.Cmd) (proc.Result, error) {
	f.cmds = append(f.cmds, c)
	if slices.Contains(f.missing, c.Name) {
		return proc.Result{}, &proc.NotFoundError{Name: c.Name}
	}
	if len(c.Args) >= 2 && c.Args[0] == "-c" {
		if f.probe != "" {
			return proc.Result{Stdout: []byte(f.probe + "\n")}, nil
		}
		return proc.Result{Stdout: []byte("3.11.7 cpython x86_64 linux 24.0\n")}, nil
	}
	if i := slices.Index(c.Args, "--target"); i >= 0 {
		if err := os.WriteFile(filepath.Join(c.Args[i+1], "six.py"), []byte("x = 1\n"), 0o644); err != nil {
			return proc.Result{}, err
		}
	}
	return proc.Result{}, nil
}

func env(t *testing.T, custom string, r proc.Runner, out *bytes.Buffer) Env {
	t.Helper()
	opts, _, err := config.Parse([]byte(custom), config.Host{GOOS: "linux", ProviderRuntime: "python3.11"})
	if err != nil {
		t.Fatal(err)
	}
	return Env{Options: opts, GOOS: "linux", GOARCH: "amd64", Environ: []string{"HOME=/nonexistent"}, Runner: r,
		Events: protocol.NewEmitter(out), Workspace: workspace.New(t.TempDir())}
}

func TestSelect(t *testing.T) {
	var out bytes.Buffer
	for custom, want := range map[string]string{
		`{}`:                                             "assemble", // target, with host-matching sets assembled from wheels
		`{"assemble": false}`:                            "target",   // which delegates to host for the sets the host matches
		`{"installer": "uv"}`:                            "target",
		`{"dockerizePip": true}`:                         "docker",
		`{"dockerizePip": "non-linux"}`:                  "assemble", // the host is linux
		`{"dockerizePip": false}`:                        "assemble",
		`{"dockerizePip": "when-needed"}`:                "assemble",
		`{"dockerImage": "img:1", "dockerizePip": true}`: "docker",
	} {
		if got := Select(env(t, custom, nil, &out)).Name(); got != want {
			t.Errorf("%s: Select = %s, want %s", custom, got, want)
		}
	}
}

// TestTargetOrHost: the default installer installs a set on the host when the host matches its
// target (Linux, same machine, an interpreter of the runtime's version) with the interpreter's
// key material, and otherwise for the target (pip --platform … --abi, the target's key line),
// per set; pretend macOS and arm64 hosts get target installs for every set.
func TestTargetOrHost(t *testing.T) {
	const linux311 = "3.11.7 cpython x86_64 linux 24.0"
	for _, tc := range []struct {
		name, goos, goarch, probe string
		runtime, arch             string
		wantTarget                bool
		wantKey                   string
	}{
		{"matching host", "linux", "amd64", linux311, "python3.11", "x86_64", false, "# python: cpython 3.11.7 linux x86_64\n"},
		{"other Python version", "linux", "amd64", linux311, "python3.12", "x86_64", true,
			"# target-install: pip python=3.12 impl=cp abi=cp312 platform=manylinux_2_34_x86_64 glibc=2.34\n"},
		{"arm64 function", "linux", "amd64", linux311, "python3.11", "arm64", true,
			"# target-install: pip python=3.11 impl=cp abi=cp311 platform=manylinux_2_26_aarch64 glibc=2.26\n"},
		{"macOS host", "darwin", "arm64", "3.11.7 cpython arm64 darwin 24.0", "python3.11", "x86_64", true,
			"# target-install: pip python=3.11 impl=cp abi=cp311 platform=manylinux_2_26_x86_64 glibc=2.26\n"},
		{"Windows host", "windows", "amd64", "3.11.7 cpython AMD64 win32 24.0", "python3.11", "x86_64", true,
			"# target-install: pip python=3.11 impl=cp abi=cp311 platform=manylinux_2_26_x86_64 glibc=2.26\n"},
		{"arm64 Linux host, arm64 function", "linux", "arm64", "3.12.1 cpython aarch64 linux 24.0", "python3.12", "arm64", false,
			"# python: cpython 3.12.1 linux aarch64\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			py := &fakePython{probe: tc.probe}
			e := env(t, `{"pythonBin": "python3.11", "assemble": false}`, py, &out)
			e.GOOS, e.GOARCH = tc.goos, tc.goarch
			in := Select(e)
			sets := []Set{{Module: ".", Requirements: "/r.txt", Runtime: tc.runtime, Arch: tc.arch}}
			if err := in.Prepare(context.Background(), sets); err != nil {
				t.Fatal(err)
			}
			if km := in.KeyMaterial(sets[0]); km.Lines != tc.wantKey || km.PipVersion != "24.0" {
				t.Errorf("KeyMaterial = %+v, want %q", km, tc.wantKey)
			}
			if got := strings.Contains(out.String(), "without Docker"); got != tc.wantTarget {
				t.Errorf("announced a target install: %t, want %t:\n%s", got, tc.wantTarget, out.String())
			}
			dest := t.TempDir()
			if err := in.Install(context.Background(), sets[0], dest); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dest, "six.py")); err != nil {
				t.Errorf("nothing installed: %v", err)
			}
			last := py.cmds[len(py.cmds)-1]
			got := last.Name + " " + strings.Join(last.Args, " ")
			if !strings.HasPrefix(got, "python3.11 -m pip install") || !strings.Contains(got, "-r /r.txt") {
				t.Errorf("install command = %s", got)
			}
			if isTarget := strings.Contains(got, "--platform manylinux") && strings.Contains(got, "--only-binary=:all:"); isTarget != tc.wantTarget {
				t.Errorf("target install: %t, want %t: %s", isTarget, tc.wantTarget, got)
			}
		})
	}
}

// TestTargetWithoutTheRuntimesPython: the default pythonBin (the runtime's pythonX.Y) is missing,
// so python3 installs for the target; an explicit pythonBin that is missing is an error naming it.
// With uv, no interpreter at all is needed.
func TestTargetWithoutTheRuntimesPython(t *testing.T) {
	var out bytes.Buffer
	sets := []Set{{Module: ".", Requirements: "/r.txt", Runtime: "python3.12", Arch: "arm64"}}
	py := &fakePython{missing: []string{"python3.12"}}
	opts, _, err := config.Parse([]byte(`{}`), config.Host{GOOS: "linux", ProviderRuntime: "python3.12"})
	if err != nil {
		t.Fatal(err)
	}
	e := env(t, `{}`, py, &out)
	e.Options = opts
	in := Select(e)
	if err := in.Prepare(context.Background(), sets); err != nil {
		t.Fatal(err)
	}
	if err := in.Install(context.Background(), sets[0], t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if last := py.cmds[len(py.cmds)-1]; last.Name != "python3" || !slices.Contains(last.Args, "aarch64") && !slices.Contains(last.Args, "manylinux_2_34_aarch64") {
		t.Errorf("install command = %s %v", last.Name, last.Args)
	}

	e = env(t, `{"pythonBin": "python3.12"}`, &fakePython{missing: []string{"python3.12"}}, &out)
	if err := Select(e).Prepare(context.Background(), sets); err == nil || !strings.Contains(err.Error(), "custom.pythonRequirements.pythonBin") {
		t.Errorf("missing explicit pythonBin: %v", err)
	}

	uv := &fakePython{missing: []string{"python3.12", "python3", "python"}}
	e = env(t, `{"installer": "uv"}`, uv, &out)
	e.Options.PythonBin = "python3.12"
	in = Select(e)
	if err := in.Prepare(context.Background(), sets); err != nil {
		t.Fatalf("uv without any Python: %v", err)
	}
	if err := in.Install(context.Background(), sets[0], t.TempDir()); err != nil {
		t.Fatal(err)
	}
	last := uv.cmds[len(uv.cmds)-1]
	if got := last.Name + " " + strings.Join(last.Args, " "); !strings.HasPrefix(got, "uv pip install --python-platform aarch64-manylinux_2_34 --python-version 3.12") {
		t.Errorf("uv command = %s", got)
	}
}

// TestDockerKeyMaterial: the image (dockerImage or the runtime's SAM image), the interpreter and
// the extra files are the key; with dockerFile, the Dockerfile's digest and build arguments.
func TestDockerKeyMaterial(t *testing.T) {
	var out bytes.Buffer
	set := Set{Module: ".", Requirements: "/r.txt", Runtime: "python3.12", Arch: "arm64"}

	d := Select(env(t, `{"dockerizePip": true, "dockerExtraFiles": ["/opt/x.so"]}`, nil, &out))
	if err := d.Prepare(context.Background(), []Set{set}); err != nil {
		t.Fatal(err)
	}
	km := d.KeyMaterial(set)
	if want := "# docker: image=public.ecr.aws/sam/build-python3.12:latest-arm64 pythonBin=python3.12 extraFiles=/opt/x.so\n"; km.Lines != want || km.PipVersion != "image's" {
		t.Errorf("KeyMaterial = %+v, want %q", km, want)
	}
	if !d.StripsInside() {
		t.Error("the docker installer strips in the container")
	}

	e := env(t, `{"dockerizePip": true, "dockerFile": "Dockerfile", "dockerBuildCmdExtraArgs": ["--build-arg", "A=1"]}`, nil, &out)
	if err := os.WriteFile(filepath.Join(e.Workspace.Dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d = Select(e)
	if err := d.Prepare(context.Background(), []Set{set}); err != nil {
		t.Fatal(err)
	}
	first := d.KeyMaterial(set).Lines
	if !strings.HasPrefix(first, "# docker: dockerfile=Dockerfile sha256=") {
		t.Errorf("KeyMaterial with dockerFile = %q", first)
	}
	e.Options.DockerBuildCmdExtraArgs = []string{"--build-arg", "A=2"}
	d = Select(e)
	if err := d.Prepare(context.Background(), []Set{set}); err != nil {
		t.Fatal(err)
	}
	if d.KeyMaterial(set).Lines == first {
		t.Error("a changed build argument does not change the key")
	}
}

// TestDockerPrepareNamesTheOption: a missing Dockerfile fails in Prepare, before any engine is
// needed, naming dockerFile.
func TestDockerPrepareNamesTheOption(t *testing.T) {
	var out bytes.Buffer
	d := Select(env(t, `{"dockerizePip": true, "dockerFile": "nope/Dockerfile"}`, nil, &out))
	err := d.Prepare(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "custom.pythonRequirements.dockerFile") || !strings.Contains(err.Error(), "nope/Dockerfile") {
		t.Fatalf("Prepare = %v", err)
	}
}

// TestWhenNeededKey: with dockerizePip: when-needed, a target set's key also covers the image it
// may fall back to; a set the host matches keeps the host's key.
func TestWhenNeededKey(t *testing.T) {
	var out bytes.Buffer
	in := Select(env(t, `{"dockerizePip": "when-needed", "pythonBin": "python3.11", "assemble": false}`, &fakePython{}, &out))
	cross := Set{Module: ".", Requirements: "/r.txt", Runtime: "python3.12", Arch: "arm64"}
	host := Set{Module: "m", Requirements: "/m.txt", Runtime: "python3.11", Arch: "x86_64"}
	if err := in.Prepare(context.Background(), []Set{cross, host}); err != nil {
		t.Fatal(err)
	}
	want := "# target-install: pip python=3.12 impl=cp abi=cp312 platform=manylinux_2_34_aarch64 glibc=2.34\n" +
		"# when-needed docker: image=public.ecr.aws/sam/build-python3.12:latest-arm64 pythonBin=python3.11\n"
	if got := in.KeyMaterial(cross).Lines; got != want {
		t.Errorf("KeyMaterial(cross) = %q, want %q", got, want)
	}
	if got := in.KeyMaterial(host).Lines; got != "# python: cpython 3.11.7 linux x86_64\n" {
		t.Errorf("KeyMaterial(host) = %q", got)
	}
}
