package container

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// Paths inside the container (the original plugin's, so user images and scripts keep working).
const (
	TaskDir          = "/var/task"             // pip's --target; copied back to Job.Target
	DownloadCacheDir = "/var/useDownloadCache" // pip's --cache-dir when the download cache is on
	InputDir         = "/var/pyreqs"           // Job.Inputs land here
	// DownloadVolume is the engine volume used as the download cache on a remote engine, where
	// host folders cannot be mounted.
	DownloadVolume = "serverless-pyreqs-download-cache"
)

// exitNoStrip is the container script's exit code when strip is wanted but missing.
const exitNoStrip = 201

// stripPrefix marks the output lines of a strip that failed on some libraries.
const stripPrefix = "pyreqs-strip: "

// Job is one install in a fresh container.
type Job struct {
	Image    string
	ImageKey string // the option the image comes from, named in errors: dockerImage, dockerFile or dockerizePip
	Platform *ocispec.Platform
	// Command is the install command (argv), run as "$@" by /bin/sh, so nothing in it is
	// interpreted by a shell.
	Command []string
	Inputs  []File   // copied under InputDir before the container starts
	Env     []string // NAME=value
	Run     RunArgs  // from dockerRunCmdExtraArgs
	// DownloadCache is the host folder mounted at DownloadCacheDir ("" = no download cache). On
	// a remote engine the DownloadVolume volume is used instead.
	DownloadCache string
	// Owner is the invoking user, to whom the mounted download cache is given back (chown -R)
	// after the install, also when it fails or is interrupted. nil: no chown (root, Windows,
	// dockerRootless). Ignored on a rootless engine and when Run.User is set.
	Owner *Owner
	Strip bool // strip the installed shared libraries inside the container
	// Target is the host folder that receives the content of TaskDir; the files are written by
	// this process and belong to the invoking user.
	Target     string
	ExtraFiles []string // container paths copied into Target after the install (dockerExtraFiles)
	After      *After   // run after the install and strip (nil: nothing)
	SSH        *SSH
	OnLine     func(line string) // each line of the container's output
}

// Owner is a numeric host user and group.
type Owner struct{ UID, GID int }

// SSH is what dockerSsh makes available in the container.
type SSH struct {
	Key        string // private key file; mounted read-only at /root/.ssh/<name>
	KnownHosts string // known_hosts file ("" = none); mounted read-only at /root/.ssh/known_hosts
	AgentSock  string // SSH_AUTH_SOCK on the host ("" = not forwarded)
}

// Result is what a successful Install reports.
type Result struct {
	Files int // files copied out of TaskDir
	// StripFailed holds strip's complaints about libraries it could not process (they are
	// kept unstripped, as with the original's find -exec strip); empty when all were stripped.
	StripFailed []string
	After       *AfterResult // set when Job.After was run
}

// ExitError is a container step that failed.
type ExitError struct {
	Step     string // "install" or "strip" (the image has no strip program)
	Code     int
	Output   string // the last lines of the container's output (not redacted)
	Image    string
	Platform string
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("the %s step in the container (image %s) exited with code %d", e.Step, e.Image, e.Code)
}

// Install runs j: create, copy the inputs in, start, stream the output, wait, copy TaskDir and
// the extra files out into j.Target. The container is removed on every path; when ctx is
// cancelled it is stopped first (SIGTERM, so the download cache is still given back).
func (e *Engine) Install(ctx context.Context, j Job) (res Result, err error) {
	chown := ""
	if j.Owner != nil && !e.rootless && j.Run.User == "" && j.DownloadCache != "" && e.local && j.Owner.UID != 0 {
		chown = fmt.Sprintf("%d:%d", j.Owner.UID, j.Owner.GID)
	}
	cfg, host := e.containerConfig(j, chown)
	created, err := e.api.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host, Platform: j.Platform})
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		return res, e.createError(j, err)
	}
	id := created.ID
	for _, w := range created.Warnings {
		e.ev.Verbose("Docker: " + w)
	}
	started, exited := false, false
	defer func() {
		cctx, cancel := freshContext(ctx, 45*time.Second)
		defer cancel()
		if started && !exited {
			timeout := 10
			_, _ = e.api.ContainerStop(cctx, id, client.ContainerStopOptions{Timeout: &timeout})
		}
		if _, err := e.api.ContainerRemove(cctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !cerrdefs.IsNotFound(err) {
			e.ev.Warn(diag.Warnf(diag.CodeContainerNotRemoved, "Could not remove the container %s: %s.", short(id), shortError(err)).
				WithFix("Remove it with: docker rm -f -v %s", id))
		}
	}()

	if len(j.Inputs) > 0 {
		files := make([]File, len(j.Inputs))
		for i, f := range j.Inputs {
			f.Name = path.Join(path.Base(InputDir), f.Name)
			files[i] = f
		}
		if _, err := e.api.CopyToContainer(ctx, id, client.CopyToContainerOptions{DestinationPath: path.Dir(InputDir), Content: tarOf(files)}); err != nil {
			return res, e.wrap(ctx, "copying the requirements into the container", err)
		}
	}
	if j.SSH != nil && !e.local {
		if err := e.copySSH(ctx, id, j.SSH); err != nil {
			return res, err
		}
	}

	lines := newLines(40, func(l string) {
		if rest, ok := strings.CutPrefix(l, stripPrefix); ok {
			res.StripFailed = append(res.StripFailed, rest)
		}
		if j.OnLine != nil {
			j.OnLine(l)
		}
	})
	if _, err := e.api.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		return res, e.wrap(ctx, "starting the container", err)
	}
	started = true
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		rc, err := e.api.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
		if err != nil {
			e.ev.Debug("container logs: " + err.Error())
			return
		}
		defer rc.Close()
		_, _ = stdcopy.StdCopy(lines, lines, rc)
	}()
	wait := e.api.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	var code int
	select {
	case w := <-wait.Result:
		if w.Error != nil && w.Error.Message != "" {
			return res, e.wrap(ctx, "waiting for the container", errors.New(w.Error.Message))
		}
		code = int(w.StatusCode)
		exited = true
	case err := <-wait.Error:
		return res, e.wrap(ctx, "waiting for the container", err)
	case <-ctx.Done():
		return res, ctx.Err()
	}
	select { // the log stream ends with the container; do not hang on an engine that keeps it open
	case <-logsDone:
	case <-time.After(5 * time.Second):
	case <-ctx.Done():
		return res, ctx.Err()
	}
	lines.flush()
	if code != 0 {
		x := &ExitError{Step: "install", Code: code, Output: lines.String(), Image: j.Image, Platform: FormatPlatform(j.Platform)}
		if code == exitNoStrip && j.Strip {
			x.Step = "strip"
		}
		return res, x
	}

	if j.After != nil {
		a, err := e.readAfter(ctx, id)
		if err != nil {
			return res, err
		}
		res.After = &a
	}
	out, err := e.api.CopyFromContainer(ctx, id, client.CopyFromContainerOptions{SourcePath: TaskDir})
	if err != nil {
		return res, e.wrap(ctx, "copying the installed packages out of the container", err)
	}
	res.Files, err = extract(out.Content, j.Target, path.Base(TaskDir))
	out.Content.Close()
	if err != nil {
		return res, e.wrap(ctx, "copying the installed packages out of the container", err)
	}
	e.ev.Debug(fmt.Sprintf("Copied %d files out of the container", res.Files))
	for i, p := range j.ExtraFiles {
		out, err := e.api.CopyFromContainer(ctx, id, client.CopyFromContainerOptions{SourcePath: p})
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			return res, diag.AtKey(diag.CodeDockerExtraFile, fmt.Sprintf("dockerExtraFiles[%d]", i), "%s cannot be copied from the container (image %s): %s", p, j.Image, shortError(err)).
				WithFix("dockerExtraFiles are absolute paths inside the image; check that the file exists there (docker run --rm %s ls -l %s).", j.Image, p)
		}
		_, err = extract(out.Content, j.Target, "")
		out.Content.Close()
		if err != nil {
			return res, e.wrap(ctx, "copying "+p+" out of the container", err)
		}
	}
	return res, nil
}

// script is the container's program: the install command ("$@") in the background so that a
// stop signal reaches it, then the download cache handed back to the invoking user (chown -R)
// whatever the outcome, then strip.
func script(strip bool, chown string) string {
	var b strings.Builder
	b.WriteString("pid=\n")
	if chown != "" {
		fmt.Fprintf(&b, "own() { chown -R %s %s || echo 'pyreqs: could not chown the download cache' >&2; }\n", chown, DownloadCacheDir)
	} else {
		b.WriteString("own() { :; }\n")
	}
	b.WriteString(`trap 'if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid"; fi; own; exit 143' TERM INT` + "\n")
	if chown != "" {
		// pip running as root disables a cache folder that root does not own (the "not owned by
		// the current user" warning): lend the folder itself to root until own() runs.
		fmt.Fprintf(&b, "chown 0:0 %s 2>/dev/null\n", DownloadCacheDir)
	}
	b.WriteString("\"$@\" &\npid=$!\nwait \"$pid\"\nrc=$?\npid=\nown\n")
	b.WriteString(`[ "$rc" -eq 0 ] || exit "$rc"` + "\n")
	if strip {
		fmt.Fprintf(&b, "command -v strip >/dev/null 2>&1 || { echo 'pyreqs: the image has no strip command' >&2; exit %d; }\n", exitNoStrip)
		fmt.Fprintf(&b, "find %s -type f \\( -name '*.so' -o -name '*.so.*' \\) -exec strip {} + 2>/tmp/pyreqs-strip.log || "+
			"{ echo '%sstrip failed on some shared libraries:'; sed 's/^/%s/' /tmp/pyreqs-strip.log; }\n", TaskDir, stripPrefix, stripPrefix)
	}
	return b.String()
}

func (e *Engine) containerConfig(j Job, chown string) (*container.Config, *container.HostConfig) {
	cfg := &container.Config{
		Image:      j.Image,
		Cmd:        append([]string{"/bin/sh", "-c", script(j.Strip, chown) + afterScript(j.After), "pyreqs"}, j.Command...),
		Env:        append(append([]string{}, j.Env...), j.Run.Env...),
		Labels:     e.labels(),
		User:       j.Run.User,
		WorkingDir: TaskDir,
		Entrypoint: j.Run.Entrypoint,
	}
	if j.Run.Workdir != "" {
		cfg.WorkingDir = j.Run.Workdir
	}
	host := &container.HostConfig{
		Binds:       append([]string{}, j.Run.Volumes...),
		NetworkMode: container.NetworkMode(j.Run.Network),
		ExtraHosts:  j.Run.AddHosts,
		// An empty volume hides whatever the image has in /var/task and is removed with the
		// container; unlike tmpfs, the engine can copy out of it.
		Mounts: []mount.Mount{{Type: mount.TypeVolume, Target: TaskDir, VolumeOptions: &mount.VolumeOptions{NoCopy: true}}},
	}
	if j.DownloadCache != "" {
		if e.local {
			host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: j.DownloadCache, Target: DownloadCacheDir})
		} else {
			host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeVolume, Source: DownloadVolume, Target: DownloadCacheDir})
		}
	}
	if s := j.SSH; s != nil && e.local {
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: s.Key, Target: "/root/.ssh/" + filepath.Base(s.Key), ReadOnly: true})
		if s.KnownHosts != "" {
			host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: s.KnownHosts, Target: "/root/.ssh/known_hosts", ReadOnly: true})
		}
		if s.AgentSock != "" {
			host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: s.AgentSock, Target: "/tmp/ssh_sock"})
			cfg.Env = append(cfg.Env, "SSH_AUTH_SOCK=/tmp/ssh_sock")
		}
	}
	if s := j.SSH; s != nil && !e.local && s.AgentSock != "" {
		e.ev.Warn(diag.WarnAtKey(diag.CodeDockerSSHRemote, "dockerSsh", "the Docker engine is remote (%s): SSH_AUTH_SOCK cannot be forwarded; the key file is copied into the container instead.", e.host))
	}
	return cfg, host
}

// copySSH puts the key and known_hosts into a remote engine's container (removed with it).
func (e *Engine) copySSH(ctx context.Context, id string, s *SSH) error {
	var files []File
	for _, f := range []struct{ src, name string }{{s.Key, filepath.Base(s.Key)}, {s.KnownHosts, "known_hosts"}} {
		if f.src == "" {
			continue
		}
		data, err := os.ReadFile(f.src)
		if err != nil {
			return diag.AtKey(diag.CodeDockerSSH, "dockerPrivateKey", "cannot read %s for dockerSsh: %v", f.src, err)
		}
		files = append(files, File{Name: ".ssh/" + f.name, Mode: 0o600, Data: data})
	}
	if _, err := e.api.CopyToContainer(ctx, id, client.CopyToContainerOptions{DestinationPath: "/root", Content: tarOf(files)}); err != nil {
		return e.wrap(ctx, "copying the SSH key into the container", err)
	}
	return nil
}

func (e *Engine) createError(j Job, err error) error {
	msg := shortError(err)
	switch {
	case j.Platform != nil && (strings.Contains(msg, "platform") || cerrdefs.IsNotFound(err)):
		return diag.AtKey(diag.CodeDockerCommandFailed, j.ImageKey, "the image %s has no %s variant on this engine: %s", j.Image, FormatPlatform(j.Platform), msg).
			WithFix("The functions' architecture needs a %s image: use an image built for it "+
				"(the default public.ecr.aws/sam/build-<runtime>:latest-<arch> images are), or change the architecture.", FormatPlatform(j.Platform)).
			Wrap(err)
	case strings.Contains(msg, "mount") || strings.Contains(msg, "volume") || strings.Contains(msg, "bind"):
		return diag.AtKey(diag.CodeDockerCommandFailed, "dockerRunCmdExtraArgs", "could not create a container from the image %s: %s", j.Image, msg).
			WithFix("Check the -v volumes of dockerRunCmdExtraArgs, dockerPrivateKey and cacheLocation: host paths must exist.").
			Wrap(err)
	}
	return diag.AtKey(diag.CodeDockerCommandFailed, j.ImageKey, "could not create a container from the image %s: %s", j.Image, msg).Wrap(err)
}

func (e *Engine) wrap(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return diag.AtKey(diag.CodeDockerCommandFailed, "dockerizePip", "%s failed: %s", what, shortError(err)).Wrap(err)
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// lines is a writer that splits output into lines for a callback and keeps the last n.
type lines struct {
	mu      sync.Mutex
	n       int
	on      func(string)
	keep    []string
	partial []byte
}

func newLines(n int, on func(string)) *lines { return &lines{n: n, on: on} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.add(strings.TrimRight(string(l.partial[:i]), "\r"))
		l.partial = l.partial[i+1:]
	}
	if len(l.partial) > 64<<10 {
		l.add(string(l.partial))
		l.partial = nil
	}
	return len(p), nil
}

func (l *lines) add(s string) {
	if l.on != nil {
		l.on(s)
	}
	l.keep = append(l.keep, s)
	if len(l.keep) > l.n {
		l.keep = l.keep[len(l.keep)-l.n:]
	}
}

func (l *lines) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.add(string(l.partial))
		l.partial = nil
	}
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.keep, "\n")
}
