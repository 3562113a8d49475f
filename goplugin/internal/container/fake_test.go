package container

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/client"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// fakeAPI is an in-memory engine: it records what it is asked and plays back scripted answers.
type fakeAPI struct {
	mu    sync.Mutex
	calls []string

	host     string
	pingErr  error
	info     system.Info
	images   map[string]bool
	pullErr  error  // returned by ImagePull itself
	pullBody string // NDJSON stream of the pull
	pulls    int
	pullOpts client.ImagePullOptions

	buildBody    string
	buildContext []byte
	buildOpts    client.ImageBuildOptions

	create     client.ContainerCreateOptions
	createErr  error
	copiedIn   map[string][]byte // destination → tar
	logs       []byte            // stdcopy-multiplexed
	exitCode   int64
	block      bool // ContainerWait never answers (until ctx is done)
	archives   map[string][]byte
	stopped    int
	removed    int
	removeCtx  error // ctx.Err() seen by ContainerRemove
	listed     []container.Summary
	removedIDs []string
}

func newFake() *fakeAPI {
	return &fakeAPI{
		host:     "unix:///var/run/docker.sock",
		info:     system.Info{Architecture: "x86_64", OSType: "linux", ServerVersion: "20.10.24"},
		images:   map[string]bool{},
		copiedIn: map[string][]byte{},
		archives: map[string][]byte{},
	}
}

func (f *fakeAPI) record(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}

func (f *fakeAPI) Ping(ctx context.Context, _ client.PingOptions) (client.PingResult, error) {
	f.record("ping")
	return client.PingResult{APIVersion: "1.41"}, f.pingErr
}

func (f *fakeAPI) Info(ctx context.Context, _ client.InfoOptions) (client.SystemInfoResult, error) {
	f.record("info")
	return client.SystemInfoResult{Info: f.info}, nil
}

func (f *fakeAPI) ImageInspect(ctx context.Context, image string, _ ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	f.record("inspect " + image)
	if f.images[image] {
		return client.ImageInspectResult{}, nil
	}
	return client.ImageInspectResult{}, cerrdefs.ErrNotFound.WithMessage("No such image: " + image)
}

type pullResponse struct{ io.ReadCloser }

func (pullResponse) JSONMessages(context.Context) iter.Seq2[jsonstream.Message, error] { return nil }
func (pullResponse) Wait(context.Context) error                                        { return nil }

func (f *fakeAPI) ImagePull(ctx context.Context, ref string, opts client.ImagePullOptions) (client.ImagePullResponse, error) {
	f.record("pull " + ref)
	f.mu.Lock()
	f.pulls++
	f.pullOpts = opts
	f.mu.Unlock()
	if f.pullErr != nil {
		return nil, f.pullErr
	}
	return pullResponse{io.NopCloser(strings.NewReader(f.pullBody))}, nil
}

func (f *fakeAPI) ImageBuild(ctx context.Context, buildContext io.Reader, opts client.ImageBuildOptions) (client.ImageBuildResult, error) {
	f.record("build")
	data, err := io.ReadAll(buildContext)
	if err != nil {
		return client.ImageBuildResult{}, err
	}
	f.buildContext, f.buildOpts = data, opts
	return client.ImageBuildResult{Body: io.NopCloser(strings.NewReader(f.buildBody))}, nil
}

func (f *fakeAPI) ContainerCreate(ctx context.Context, opts client.ContainerCreateOptions) (client.ContainerCreateResult, error) {
	f.record("create")
	f.create = opts
	if f.createErr != nil {
		return client.ContainerCreateResult{}, f.createErr
	}
	return client.ContainerCreateResult{ID: "c0ffee0000000000"}, nil
}

func (f *fakeAPI) CopyToContainer(ctx context.Context, id string, opts client.CopyToContainerOptions) (client.CopyToContainerResult, error) {
	f.record("copy-in " + opts.DestinationPath)
	data, _ := io.ReadAll(opts.Content)
	f.copiedIn[opts.DestinationPath] = data
	return client.CopyToContainerResult{}, nil
}

func (f *fakeAPI) ContainerStart(ctx context.Context, id string, _ client.ContainerStartOptions) (client.ContainerStartResult, error) {
	f.record("start")
	return client.ContainerStartResult{}, nil
}

func (f *fakeAPI) ContainerLogs(ctx context.Context, id string, _ client.ContainerLogsOptions) (client.ContainerLogsResult, error) {
	f.record("logs")
	return io.NopCloser(bytes.NewReader(f.logs)), nil
}

func (f *fakeAPI) ContainerWait(ctx context.Context, id string, _ client.ContainerWaitOptions) client.ContainerWaitResult {
	f.record("wait")
	res := make(chan container.WaitResponse, 1)
	errc := make(chan error, 1)
	if f.block {
		go func() { <-ctx.Done(); errc <- ctx.Err() }()
	} else {
		res <- container.WaitResponse{StatusCode: f.exitCode}
	}
	return client.ContainerWaitResult{Result: res, Error: errc}
}

func (f *fakeAPI) ContainerStop(ctx context.Context, id string, opts client.ContainerStopOptions) (client.ContainerStopResult, error) {
	f.record(fmt.Sprintf("stop %d", *opts.Timeout))
	f.stopped++
	return client.ContainerStopResult{}, ctx.Err()
}

func (f *fakeAPI) CopyFromContainer(ctx context.Context, id string, opts client.CopyFromContainerOptions) (client.CopyFromContainerResult, error) {
	f.record("copy-out " + opts.SourcePath)
	data, ok := f.archives[opts.SourcePath]
	if !ok {
		return client.CopyFromContainerResult{}, cerrdefs.ErrNotFound.WithMessage("Could not find the file " + opts.SourcePath + " in container " + id)
	}
	return client.CopyFromContainerResult{Content: io.NopCloser(bytes.NewReader(data))}, nil
}

func (f *fakeAPI) ContainerList(ctx context.Context, opts client.ContainerListOptions) (client.ContainerListResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "ContainerList")
	return client.ContainerListResult{Items: f.listed}, nil
}

func (f *fakeAPI) ContainerRemove(ctx context.Context, id string, opts client.ContainerRemoveOptions) (client.ContainerRemoveResult, error) {
	f.mu.Lock()
	f.removedIDs = append(f.removedIDs, id)
	f.mu.Unlock()
	f.record(fmt.Sprintf("remove force=%t volumes=%t", opts.Force, opts.RemoveVolumes))
	f.removed++
	f.removeCtx = ctx.Err()
	return client.ContainerRemoveResult{}, nil
}

func (f *fakeAPI) DaemonHost() string { return f.host }
func (f *fakeAPI) Close() error       { return nil }

func (f *fakeAPI) called(prefix string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			return true
		}
	}
	return false
}

// muxed frames output like a non-TTY container's log stream (stream 1 stdout, 2 stderr).
func muxed(frames ...string) []byte {
	var b bytes.Buffer
	for i, f := range frames {
		h := make([]byte, 8)
		h[0] = byte(1 + i%2)
		binary.BigEndian.PutUint32(h[4:], uint32(len(f)))
		b.Write(h)
		b.WriteString(f)
	}
	return b.Bytes()
}

// tarEntries builds a tar; names ending in "/" are folders, "name->target" symlinks.
func tarEntries(entries map[string]string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range sortedKeys(entries) {
		data := entries[name]
		switch {
		case strings.HasSuffix(name, "/"):
			_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755, Uid: 0})
		case strings.Contains(name, "->"):
			n, target, _ := strings.Cut(name, "->")
			_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: n, Linkname: target})
		default:
			mode := int64(0o644)
			if strings.HasSuffix(name, ".so") || strings.HasPrefix(data, "#!") {
				mode = 0o755
			}
			_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), Uid: 0})
			_, _ = tw.Write([]byte(data))
		}
	}
	_ = tw.Close()
	return buf.Bytes()
}

// readTar lists a tar's entries: name → content ("" for folders).
func readTar(data []byte) (map[string]string, error) {
	out := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(tr)
		out[h.Name] = string(b)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

// events records what the engine tells the user.
type events struct {
	mu       sync.Mutex
	warnings []string
	logs     []string
	progress []string
}

func (e *events) Info(m string)        { e.add(&e.logs, m) }
func (e *events) Verbose(m string)     { e.add(&e.logs, m) }
func (e *events) Debug(m string)       { e.add(&e.logs, m) }
func (e *events) Warn(w *diag.Warning) { e.add(&e.warnings, w.String()+"\n"+w.Fix()) }
func (e *events) Progress(id, m string, done bool) {
	if !done {
		e.add(&e.progress, m)
	}
}
func (e *events) add(l *[]string, m string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	*l = append(*l, m)
}

func errorNotFound(msg string) error { return cerrdefs.ErrNotFound.WithMessage(msg) }
