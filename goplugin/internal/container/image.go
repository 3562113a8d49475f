package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// ParsePlatform parses an OS/ARCH[/VARIANT] platform such as linux/arm64.
func ParsePlatform(s string) (ocispec.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return ocispec.Platform{}, fmt.Errorf("not OS/ARCH[/VARIANT]")
	}
	p := ocispec.Platform{OS: parts[0], Architecture: NormalizeArch(parts[1])}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// FormatPlatform renders p as OS/ARCH[/VARIANT] ("" for nil).
func FormatPlatform(p *ocispec.Platform) string {
	if p == nil {
		return ""
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// PlatformFor returns the platform to ask for when installing for a Lambda architecture
// (x86_64 or arm64): nil when the engine runs it natively, else linux/<arch>, with a warning
// when this Linux machine's engine has no emulator registered for it.
func (e *Engine) PlatformFor(lambdaArch string) *ocispec.Platform {
	want := NormalizeArch(lambdaArch)
	if want == "" || want == e.arch {
		return nil
	}
	p := &ocispec.Platform{OS: "linux", Architecture: want}
	if e.local && emulatorMissing(want) {
		e.ev.Warn(diag.Warnf(diag.CodeNoEmulator, "The functions target %s but the Docker engine runs on %s and no emulator for %s is registered "+
			"(binfmt_misc): containers for %s will fail to start.", lambdaArch, e.arch, want, FormatPlatform(p)).
			WithFix("Register QEMU emulation (docker run --privileged --rm tonistiigi/binfmt --install %s, or install qemu-user-static), "+
				"or build on a %s machine.", want, want))
	}
	return p
}

// binfmtDir is where Linux lists registered emulators.
var binfmtDir = "/proc/sys/fs/binfmt_misc"

// emulatorMissing reports whether no binfmt_misc handler for arch is registered on this Linux
// host. Elsewhere (Docker Desktop runs its own VM with emulation) it answers false.
func emulatorMissing(arch string) bool {
	if _, err := os.Stat(binfmtDir); err != nil {
		return false
	}
	names := map[string][]string{"arm64": {"qemu-aarch64", "aarch64"}, "amd64": {"qemu-x86_64", "x86_64"}}[arch]
	entries, err := os.ReadDir(binfmtDir)
	if err != nil {
		return false
	}
	for _, ent := range entries {
		for _, n := range names {
			if strings.Contains(ent.Name(), n) {
				return false
			}
		}
	}
	return true
}

// EnsureImage makes ref available on the engine, pulling it (with progress) when it is missing.
// key is the option the image comes from (dockerImage, or dockerizePip for the default image),
// named in errors. Concurrent calls for the same image pull once.
func (e *Engine) EnsureImage(ctx context.Context, ref string, platform *ocispec.Platform, key string) error {
	_, err := e.onceFor("pull:"+ref+"@"+FormatPlatform(platform), func() (string, error) {
		_, err := e.api.ImageInspect(ctx, ref)
		if err == nil {
			return ref, nil
		}
		if !cerrdefs.IsNotFound(err) {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return "", diag.AtKey(diag.CodeDockerImage, key, "could not inspect the Docker image %q: %s", ref, shortError(err)).Wrap(err)
		}
		return ref, e.pull(ctx, ref, platform, key)
	})
	return err
}

func (e *Engine) onceFor(k string, f func() (string, error)) (string, error) {
	e.mu.Lock()
	o := e.images[k]
	if o == nil {
		o = &once{done: make(chan struct{})}
		e.images[k] = o
		e.mu.Unlock()
		o.ref, o.err = f()
		close(o.done)
		return o.ref, o.err
	}
	e.mu.Unlock()
	<-o.done
	return o.ref, o.err
}

func (e *Engine) pull(ctx context.Context, ref string, platform *ocispec.Platform, key string) error {
	id := "docker-pull"
	e.ev.Info(fmt.Sprintf("Pulling Docker image %s", ref))
	e.ev.Progress(id, "Pulling Docker image "+ref, false)
	defer e.ev.Progress(id, "", true)
	opts := client.ImagePullOptions{RegistryAuth: e.pullAuth(ctx, ref)}
	if platform != nil {
		opts.Platforms = []ocispec.Platform{*platform}
	}
	var err error
	for attempt, delay := 1, pullBackoff; ; attempt, delay = attempt+1, delay*2 {
		err = e.pullOnce(ctx, ref, opts, id)
		if err == nil || ctx.Err() != nil || permanent(err) || permanentPull(err) || attempt == 3 {
			break
		}
		e.ev.Verbose(fmt.Sprintf("Pulling %s failed (%s); retrying in %v", ref, shortError(err), delay))
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	hint := "Check the image name and tag and your network connection. For a private registry, log in (docker login <registry>) " +
		"and run `docker pull " + ref + "` once: the engine then has the image and no pull is needed."
	if key == "dockerizePip" {
		hint += " Or set " + diag.ConfigPath("dockerImage") + " to an image you have locally."
	}
	return diag.AtKey(diag.CodeDockerPullFailed, key, "could not pull the Docker image %q: %s", ref, shortError(err)).WithFix("%s", hint).Wrap(err)
}

// pullBackoff is the wait before the second pull attempt (doubled for the third).
var pullBackoff = time.Second

// permanentPull recognises registry answers in a pull stream that a retry cannot change.
func permanentPull(err error) bool {
	s := strings.ToLower(err.Error())
	for _, k := range []string{"not found", "manifest unknown", "denied", "unauthorized", "no such host", "invalid reference"} {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

func (e *Engine) pullOnce(ctx context.Context, ref string, opts client.ImagePullOptions, id string) error {
	rc, err := e.api.ImagePull(ctx, ref, opts)
	if err != nil {
		return err
	}
	defer rc.Close()
	layers := map[string]bool{} // id → done
	dec := json.NewDecoder(rc)
	last := ""
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if m.Error != nil {
			return errors.New(m.Error.Message)
		}
		if m.ID != "" && m.Status != "" && !strings.HasPrefix(m.Status, "Pulling from") {
			done := strings.HasPrefix(m.Status, "Pull complete") || strings.HasPrefix(m.Status, "Already exists")
			layers[m.ID] = layers[m.ID] || done
		}
		n := 0
		for _, d := range layers {
			if d {
				n++
			}
		}
		msg := fmt.Sprintf("Pulling Docker image %s: %d/%d layers", ref, n, len(layers))
		if msg != last {
			e.ev.Progress(id, msg, false)
			last = msg
		}
		if m.Status != "" && m.ID == "" {
			e.ev.Debug(m.Status)
		}
	}
}

// BuildSpec is an image build from a Dockerfile.
type BuildSpec struct {
	Dir        string // the build context: the service folder
	Dockerfile string // absolute path of the Dockerfile
	Tag        string
	Args       BuildArgs
	Platform   *ocispec.Platform
}

// BuildImage builds the image of s (once per tag and platform per Engine), streaming the build
// output as progress and verbose logs, and returns the tag. The context honours the folder's
// .dockerignore; without one, .git, node_modules and .serverless are left out.
func (e *Engine) BuildImage(ctx context.Context, s BuildSpec) (string, error) {
	return e.onceFor("build:"+s.Tag+"@"+FormatPlatform(s.Platform), func() (string, error) { return e.build(ctx, s) })
}

func (e *Engine) build(ctx context.Context, s BuildSpec) (string, error) {
	const key = "dockerFile"
	df, err := os.ReadFile(s.Dockerfile)
	if err != nil {
		return "", diag.AtKey(diag.CodeDockerfileNotFound, key, "the Dockerfile %s cannot be read: %v", s.Dockerfile, errors.Unwrap(err))
	}
	ignore := defaultIgnore
	if data, err := os.ReadFile(filepath.Join(s.Dir, ".dockerignore")); err == nil {
		ignore = data
	}
	m := parseIgnore(ignore)
	dfName := ""
	var extra []File
	if rel, err := filepath.Rel(s.Dir, s.Dockerfile); err == nil && !strings.HasPrefix(rel, "..") {
		dfName = filepath.ToSlash(rel)
	} else { // outside the context, as `docker build -f`: sent under a generated name
		dfName = ".pyreqs.Dockerfile"
		extra = append(extra, File{Name: dfName, Mode: 0o644, Data: df})
	}
	ctxTar := tarTree(s.Dir, m.filter(dfName, ".dockerignore"), extra)
	defer ctxTar.Close()

	opts := client.ImageBuildOptions{
		Tags: []string{s.Tag}, Dockerfile: dfName, Remove: true, ForceRemove: true,
		BuildArgs: s.Args.BuildArgs, Target: s.Args.Target, NoCache: s.Args.NoCache, PullParent: s.Args.Pull,
		NetworkMode: s.Args.Network, ExtraHosts: s.Args.AddHosts,
		Labels: map[string]string{LabelTool: "1"}, AuthConfigs: e.buildAuths(ctx, df),
	}
	if s.Platform != nil {
		opts.Platforms = []ocispec.Platform{*s.Platform}
	}
	rel := s.Dockerfile
	if r, err := filepath.Rel(s.Dir, s.Dockerfile); err == nil && !strings.HasPrefix(r, "..") {
		rel = r
	}
	e.ev.Info("Building custom docker image from " + rel)
	id := "docker-build"
	e.ev.Progress(id, "Building custom docker image from "+rel, false)
	defer e.ev.Progress(id, "", true)

	res, err := e.api.ImageBuild(ctx, ctxTar, opts)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", diag.AtKey(diag.CodeDockerBuildFailed, key, "building the image from %s failed: %s", rel, shortError(err)).Wrap(err)
	}
	defer res.Body.Close()
	tail := newLines(40, func(l string) {
		e.ev.Verbose(l)
		if strings.HasPrefix(l, "Step ") {
			e.ev.Progress(id, "Building custom docker image from "+rel+": "+l, false)
		}
	})
	dec := json.NewDecoder(res.Body)
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return "", fmt.Errorf("reading the build output: %w", err)
		}
		if m.Stream != "" {
			_, _ = tail.Write([]byte(m.Stream))
		}
		if m.Error != nil {
			tail.flush()
			return "", diag.AtKey(diag.CodeDockerBuildFailed, key, "building the image from %s failed: %s", rel, strings.TrimSpace(m.Error.Message)).
				WithFix("Fix the Dockerfile (the build output is below; run with --verbose to see all of it).").
				WithOutput(tail.String())
		}
	}
	tail.flush()
	e.ev.Verbose("Built image " + s.Tag)
	return s.Tag, nil
}
