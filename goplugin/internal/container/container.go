// Package container runs installs inside a Docker container through the Docker Engine API
// (github.com/moby/moby/client), for dockerizePip.
//
// The engine is reached through API, a narrow interface holding only the calls made here, so
// unit tests substitute a fake. Inputs go into the container and results come out of it as tar
// streams (CopyToContainer / CopyFromContainer) rather than bind mounts, so the installed files
// are written on the host by this process (they belong to the invoking user, never to root) and
// a remote DOCKER_HOST works. Only the download cache, SSH material and the user's own -v volumes
// are mounted, and only from a local engine. Every container is labelled and removed on every
// exit path, Ctrl-C included.
package container

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/registryauth"
)

// API is the part of the Docker Engine API client used here; *client.Client implements it.
type API interface {
	Ping(ctx context.Context, options client.PingOptions) (client.PingResult, error)
	Info(ctx context.Context, options client.InfoOptions) (client.SystemInfoResult, error)
	ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
	ImagePull(ctx context.Context, ref string, options client.ImagePullOptions) (client.ImagePullResponse, error)
	ImageBuild(ctx context.Context, buildContext io.Reader, options client.ImageBuildOptions) (client.ImageBuildResult, error)
	ContainerCreate(ctx context.Context, options client.ContainerCreateOptions) (client.ContainerCreateResult, error)
	CopyToContainer(ctx context.Context, id string, options client.CopyToContainerOptions) (client.CopyToContainerResult, error)
	ContainerStart(ctx context.Context, id string, options client.ContainerStartOptions) (client.ContainerStartResult, error)
	ContainerLogs(ctx context.Context, id string, options client.ContainerLogsOptions) (client.ContainerLogsResult, error)
	ContainerWait(ctx context.Context, id string, options client.ContainerWaitOptions) client.ContainerWaitResult
	ContainerStop(ctx context.Context, id string, options client.ContainerStopOptions) (client.ContainerStopResult, error)
	CopyFromContainer(ctx context.Context, id string, options client.CopyFromContainerOptions) (client.CopyFromContainerResult, error)
	ContainerRemove(ctx context.Context, id string, options client.ContainerRemoveOptions) (client.ContainerRemoveResult, error)
	ContainerList(ctx context.Context, options client.ContainerListOptions) (client.ContainerListResult, error)
	DaemonHost() string
	Close() error
}

// Events receives what the engine has to tell the user; *protocol.Emitter implements it.
type Events interface {
	Info(msg string)
	Verbose(msg string)
	Debug(msg string)
	Warn(w *diag.Warning)
	Progress(id, msg string, done bool)
}

// Labels put on every container and image this package creates.
const (
	LabelTool    = "serverless-pyreqs"         // value "1"
	LabelSession = "serverless-pyreqs.session" // one random id per Engine (one pyreqs run)
	LabelService = "serverless-pyreqs.service" // the service folder the container works for
)

// NewClient returns the real client, configured like the docker CLI from DOCKER_HOST,
// DOCKER_API_VERSION, DOCKER_CERT_PATH and DOCKER_TLS_VERIFY. The API version is negotiated
// with the engine on first use (unless DOCKER_API_VERSION pins it).
func NewClient() (API, error) {
	c, err := client.New(client.FromEnv)
	if err != nil {
		return nil, engineError(os.Getenv("DOCKER_HOST"), err)
	}
	return c, nil
}

// Engine is a connected Docker engine.
type Engine struct {
	api      API
	ev       Events
	host     string // DOCKER_HOST as the client resolved it
	local    bool   // a unix socket or named pipe: host paths can be bind-mounted
	arch     string // the engine's architecture, GOARCH style (amd64, arm64)
	rootless bool   // the engine runs rootless: container root is the invoking user
	session  string
	service  string
	auth     registryauth.Resolver // registry credentials for pulls and builds

	mu     sync.Mutex
	images map[string]*once // pulls and builds, once per image and platform
}

type once struct {
	done chan struct{}
	ref  string
	err  error
}

// Connect pings the engine behind api and reads its architecture. An engine that does not
// answer gives a *diag.Error saying that dockerizePip needs a running engine. service is the
// service folder, put in the labels.
func Connect(ctx context.Context, api API, ev Events, service string) (*Engine, error) {
	host := api.DaemonHost()
	pctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := api.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, engineError(host, err)
	}
	info, err := api.Info(pctx, client.InfoOptions{})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, engineError(host, err)
	}
	e := &Engine{
		api: api, ev: ev, host: host, service: service,
		local:  strings.HasPrefix(host, "unix://") || strings.HasPrefix(host, "npipe://"),
		arch:   NormalizeArch(info.Info.Architecture),
		images: map[string]*once{},
	}
	for _, o := range info.Info.SecurityOptions {
		if strings.Contains(o, "name=rootless") {
			e.rootless = true
		}
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	e.session = hex.EncodeToString(b[:])
	mode := ""
	if e.rootless {
		mode = ", rootless"
	}
	ev.Verbose(fmt.Sprintf("Docker engine %s (%s %s/%s%s)", host, info.Info.ServerVersion, info.Info.OSType, e.arch, mode))
	return e, nil
}

// Close releases the client's connections.
func (e *Engine) Close() error { return e.api.Close() }

// Arch is the engine's architecture in GOARCH style (amd64, arm64).
func (e *Engine) Arch() string { return e.arch }

// Local reports whether the engine runs on this machine (unix socket or named pipe), so that
// host folders can be bind-mounted.
func (e *Engine) Local() bool { return e.local }

// Rootless reports whether the engine runs rootless.
func (e *Engine) Rootless() bool { return e.rootless }

// Session is the random id in the LabelSession label of this engine's containers.
func (e *Engine) Session() string { return e.session }

func (e *Engine) labels() map[string]string {
	l := map[string]string{LabelTool: "1", LabelSession: e.session, LabelService: e.service}
	for k, v := range ownerLabels() {
		l[k] = v
	}
	return l
}

// NormalizeArch turns the architecture names of Lambda (x86_64, arm64), the engine (x86_64,
// aarch64) and Go (amd64, arm64) into Go's.
func NormalizeArch(a string) string {
	switch strings.ToLower(a) {
	case "x86_64", "amd64", "x64":
		return "amd64"
	case "aarch64", "arm64", "arm64/v8":
		return "arm64"
	}
	return strings.ToLower(a)
}

// engineError is the error for an engine that cannot be reached.
func engineError(host string, err error) error {
	if host == "" {
		host = client.DefaultDockerHost
	}
	hint := "Start Docker (Docker Desktop, or `sudo systemctl start docker` on Linux), or point DOCKER_HOST at a running engine " +
		"(for Podman: DOCKER_HOST=unix://$XDG_RUNTIME_DIR/podman/podman.sock), or set dockerizePip: false to install with the host's pip."
	if runtime.GOOS == "linux" && (errors.Is(err, os.ErrPermission) || strings.Contains(err.Error(), "permission denied")) {
		hint = "Add your user to the docker group (sudo usermod -aG docker $USER, then log in again), use rootless Docker, " +
			"or set dockerizePip: false to install with the host's pip."
	}
	return diag.AtKey(diag.CodeDockerNotFound, "dockerizePip", "dockerizePip needs a running Docker engine, but none answered at %s: %s",
		host, shortError(err)).WithFix("%s", hint).Wrap(err)
}

// shortError drops the client's long "Cannot connect to the Docker daemon" preamble duplicates.
func shortError(err error) string {
	s := err.Error()
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

// permanent reports whether retrying an engine call cannot help.
func permanent(err error) bool {
	return cerrdefs.IsNotFound(err) || cerrdefs.IsUnauthorized(err) || cerrdefs.IsPermissionDenied(err) ||
		cerrdefs.IsInvalidArgument(err) || cerrdefs.IsCanceled(err) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded)
}

// freshContext is for cleanup that must run even when ctx was cancelled (Ctrl-C).
func freshContext(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}
