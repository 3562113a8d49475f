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
type fakePython struct{ cmds []proc.Cmd }

func (f *fakePython) Run(_ context.Context, c proc.Cmd) (proc.Result, error) {
	f.cmds = append(f.cmds, c)
	if len(c.Args) >= 2 && c.Args[0] == "-c" {
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
	return Env{Options: opts, GOOS: "linux", Environ: []string{"HOME=/nonexistent"}, Runner: r,
		Events: protocol.NewEmitter(out), Workspace: workspace.New(t.TempDir())}
}

func TestSelect(t *testing.T) {
	var out bytes.Buffer
	for custom, want := range map[string]string{
		`{}`:                            "host",
		`{"installer": "uv"}`:           "host",
		`{"dockerizePip": true}`:        "docker",
		`{"dockerizePip": "non-linux"}`: "host", // the host is linux
		`{"dockerizePip": false}`:       "host",
		`{"dockerImage": "img:1", "dockerizePip": true}`: "docker",
	} {
		if got := Select(env(t, custom, nil, &out)).Name(); got != want {
			t.Errorf("%s: Select = %s, want %s", custom, got, want)
		}
	}
}

// TestHostInstalls: Prepare probes the interpreter (its description is the key material, with
// pip's version), warns about a runtime the interpreter is not, and Install runs pip --target.
func TestHostInstalls(t *testing.T) {
	var out bytes.Buffer
	py := &fakePython{}
	e := env(t, `{"pythonBin": "python3.11"}`, py, &out)
	in := Select(e)
	sets := []Set{{Module: ".", Requirements: "/r.txt", Runtime: "python3.12", Arch: "x86_64"}}
	if err := in.Prepare(context.Background(), sets); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "The runtime is python3.12 but python3.11 is Python 3.11.7") {
		t.Errorf("no runtime mismatch warning:\n%s", out.String())
	}
	km := in.KeyMaterial(sets[0])
	if km.Lines != "# python: cpython 3.11.7 linux x86_64\n" || km.PipVersion != "24.0" {
		t.Errorf("KeyMaterial = %+v", km)
	}
	if in.StripsInside() {
		t.Error("the host installer does not strip")
	}
	dest := t.TempDir()
	if err := in.Install(context.Background(), sets[0], dest); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dest, "six.py")); err != nil {
		t.Errorf("nothing installed: %v", err)
	}
	last := py.cmds[len(py.cmds)-1]
	if got := last.Name + " " + strings.Join(last.Args, " "); !strings.Contains(got, "python3.11 -m pip install") || !strings.Contains(got, "--target "+dest+" -r /r.txt") {
		t.Errorf("install command = %s", got)
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
