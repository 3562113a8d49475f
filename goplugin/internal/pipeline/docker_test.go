package pipeline

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	dcontainer "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/client"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/container"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
)

// fakeEngine is a Docker engine whose containers "install" one module per requirement line.
// Methods it does not need come from the embedded (nil) interface and would panic.
type fakeEngine struct {
	container.API
	mu      sync.Mutex
	images  map[string]bool
	creates []client.ContainerCreateOptions
	reqs    string
}

func (f *fakeEngine) Ping(context.Context, client.PingOptions) (client.PingResult, error) {
	return client.PingResult{}, nil
}
func (f *fakeEngine) Info(context.Context, client.InfoOptions) (client.SystemInfoResult, error) {
	return client.SystemInfoResult{Info: system.Info{Architecture: "x86_64"}}, nil
}
func (f *fakeEngine) ImageInspect(_ context.Context, ref string, _ ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	if f.images[ref] {
		return client.ImageInspectResult{}, nil
	}
	return client.ImageInspectResult{}, cerrdefs.ErrNotFound
}
func (f *fakeEngine) ContainerCreate(_ context.Context, o client.ContainerCreateOptions) (client.ContainerCreateResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.creates = append(f.creates, o)
	return client.ContainerCreateResult{ID: "c1"}, nil
}
func (f *fakeEngine) CopyToContainer(_ context.Context, _ string, o client.CopyToContainerOptions) (client.CopyToContainerResult, error) {
	tr := tar.NewReader(o.Content)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if strings.HasSuffix(h.Name, "requirements.txt") {
			b, _ := io.ReadAll(tr)
			f.reqs = string(b)
		}
	}
	return client.CopyToContainerResult{}, nil
}
func (f *fakeEngine) ContainerStart(context.Context, string, client.ContainerStartOptions) (client.ContainerStartResult, error) {
	return client.ContainerStartResult{}, nil
}
func (f *fakeEngine) ContainerLogs(context.Context, string, client.ContainerLogsOptions) (client.ContainerLogsResult, error) {
	return io.NopCloser(strings.NewReader("")), nil
}
func (f *fakeEngine) ContainerWait(context.Context, string, client.ContainerWaitOptions) client.ContainerWaitResult {
	res := make(chan dcontainer.WaitResponse, 1)
	res <- dcontainer.WaitResponse{}
	return client.ContainerWaitResult{Result: res, Error: make(chan error)}
}
func (f *fakeEngine) CopyFromContainer(_ context.Context, _ string, o client.CopyFromContainerOptions) (client.CopyFromContainerResult, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if o.SourcePath != container.TaskDir { // the bytecode compiler's outcome: it compiled nothing
		for name, data := range map[string]string{"after.rc": "0\n",
			"after.out": `{"cacheTag": "cpython-312", "compiled": 0, "failed": [], "pythonVersion": "3.12.1", "version": "3.12"}`} {
			_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "pyreqs-after/" + name, Mode: 0o644, Size: int64(len(data))})
			_, _ = tw.Write([]byte(data))
		}
		_ = tw.Close()
		return client.CopyFromContainerResult{Content: io.NopCloser(&buf)}, nil
	}
	_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "task/", Mode: 0o755})
	for _, line := range strings.Split(f.reqs, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name := strings.ToLower(strings.FieldsFunc(line, func(r rune) bool { return strings.ContainsRune("=<>~! ;[", r) })[0])
		data := "# " + line + "\n"
		_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "task/" + name + "/__init__.py", Mode: 0o644, Size: int64(len(data))})
		_, _ = tw.Write([]byte(data))
	}
	_ = tw.Close()
	return client.CopyFromContainerResult{Content: io.NopCloser(&buf)}, nil
}
func (f *fakeEngine) ContainerRemove(context.Context, string, client.ContainerRemoveOptions) (client.ContainerRemoveResult, error) {
	return client.ContainerRemoveResult{}, nil
}
func (f *fakeEngine) ContainerList(context.Context, client.ContainerListOptions) (client.ContainerListResult, error) {
	return client.ContainerListResult{}, nil
}
func (f *fakeEngine) DaemonHost() string { return "unix:///var/run/docker.sock" }
func (f *fakeEngine) Close() error       { return nil }

// noHostPython fails the test when anything runs on the host: with dockerizePip, neither the
// interpreter probe nor pip may run there.
type noHostPython struct{ t *testing.T }

func (n noHostPython) Run(_ context.Context, c proc.Cmd) (proc.Result, error) {
	n.t.Errorf("ran %s on the host", c.String())
	return proc.Result{}, errors.New("no host python")
}

func runDocker(t *testing.T, s *svc, api container.API) (string, error) {
	t.Helper()
	var out bytes.Buffer
	req := s.request(protocol.PhaseBefore)
	req.Service.Provider.Runtime = "nodejs20.x"
	_, err := Run(context.Background(), req, Deps{Emit: protocol.NewEmitter(&out), Runner: noHostPython{t}, GOOS: "linux",
		Environ: []string{"HOME=" + s.dir, "PIP_INDEX_URL=https://user:topsecret@idx.example.com/simple"},
		Docker: func() (container.API, error) {
			if api == nil {
				return nil, errors.New("no engine in this test")
			}
			return api, nil
		}})
	return out.String(), err
}

// TestDockerizePipUsesTheFunctionsImage: the default image is the SAM build image of the
// function's runtime and architecture (not the provider's), arm64 on an x86_64 engine passes the
// platform, the image is in the cache key, and nothing runs on the host.
func TestDockerizePipUsesTheFunctionsImage(t *testing.T) {
	s := newSvc(t)
	s.functions["hello"].Runtime = "python3.12"
	s.functions["hello"].Architecture = "arm64"
	s.custom["dockerizePip"] = true
	s.custom["dockerEnv"] = []string{"PIP_INDEX_URL", "X=1"}
	const image = "public.ecr.aws/sam/build-python3.12:latest-arm64"
	f := &fakeEngine{images: map[string]bool{image: true}}
	out, err := runDocker(t, s, f)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(f.creates) != 1 {
		t.Fatalf("%d containers", len(f.creates))
	}
	c := f.creates[0]
	if c.Config.Image != image || c.Platform == nil || c.Platform.Architecture != "arm64" {
		t.Errorf("image %q platform %v", c.Config.Image, c.Platform)
	}
	if cmd := strings.Join(c.Config.Cmd[4:], " "); !strings.HasPrefix(cmd, "python3.12 -m pip install") ||
		!strings.Contains(cmd, "--target /var/task -r /var/pyreqs/requirements.txt --cache-dir /var/useDownloadCache") {
		t.Errorf("command %q", cmd)
	}
	if env := strings.Join(c.Config.Env, " "); !strings.Contains(env, "PIP_INDEX_URL=https://user:topsecret@idx.example.com/simple") || !strings.Contains(env, "X=1") {
		t.Errorf("env %q", env)
	}
	if strings.Contains(out, "topsecret") {
		t.Errorf("a secret reached the events:\n%s", out)
	}
	req, _ := os.ReadFile(filepath.Join(s.dir, ".serverless", "requirements.txt"))
	if !strings.Contains(string(req), "# docker: image="+image+" pythonBin=python3.12\n") ||
		!strings.Contains(string(req), "# bytecode: unchecked-hash ddir=/var/task skip=tests python=image python3.12\n") {
		t.Errorf("key header:\n%s", req)
	}
	// The bytecode compiler runs in the container after the install, with the image's python.
	if script := c.Config.Cmd[2]; !strings.Contains(script, "PYTHONHASHSEED='0' ") ||
		!strings.Contains(script, "'python3.12' '-B' '-s' '-c' ") || !strings.Contains(script, "'--ddir' '/var/task'") ||
		!strings.Contains(script, "'--expect-version' '3.12'") || strings.Index(script, "'--ddir'") < strings.Index(script, `"$@"`) {
		t.Errorf("container script:\n%s", script)
	}
	if _, err := os.Stat(filepath.Join(s.dir, ".serverless", "requirements", "flask", "__init__.py")); err != nil {
		t.Errorf("installed files not linked into .serverless: %v", err)
	}
}

func TestDockerizePipRejectsUnknownRunFlag(t *testing.T) {
	s := newSvc(t)
	s.custom["dockerizePip"] = true
	s.functions["hello"].Runtime = "python3.11"
	s.custom["dockerRunCmdExtraArgs"] = []string{"--network", "host", "--privileged"}
	_, err := runDocker(t, s, nil) // the engine is never reached
	if err == nil || !strings.Contains(err.Error(), "custom.pythonRequirements.dockerRunCmdExtraArgs: the flag --privileged is not supported") {
		t.Fatalf("err = %v", err)
	}
}
