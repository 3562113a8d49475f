package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/container"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/install"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
)

// dockerState is the dockerizePip state of one run: the parsed extra arguments, the Dockerfile,
// and the engine (connected on the first cache miss, so a fully cached build needs no engine).
type dockerState struct {
	runArgs    container.RunArgs
	buildArgs  container.BuildArgs
	dockerfile string // absolute path; "" unless dockerFile is set
	dfDigest   string // sha256 of the Dockerfile and the build arguments (cache key)

	once sync.Once
	eng  *container.Engine
	err  error

	mu     sync.Mutex
	logged map[string]bool
}

// prepareDocker validates the docker options that can be checked without an engine, before
// any cache lookup: a rejected flag or a missing Dockerfile fails even when everything is cached.
func (r *run) prepareDocker() error {
	d := &dockerState{logged: map[string]bool{}}
	var err error
	if d.runArgs, err = container.ParseRunArgs(r.opts.DockerRunCmdExtraArgs, r.d.Environ, r.svcDir); err != nil {
		return err
	}
	if d.buildArgs, err = container.ParseBuildArgs(r.opts.DockerBuildCmdExtraArgs, r.d.Environ); err != nil {
		return err
	}
	if f := r.opts.DockerFile; f != "" {
		if !filepath.IsAbs(f) {
			f = filepath.Join(r.svcDir, f)
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return &diag.Error{Code: "PYREQS_DOCKERFILE_NOT_FOUND", Key: diag.ConfigPath("dockerFile"),
				Message: fmt.Sprintf("the Dockerfile %s cannot be read: %v", r.rel(f), unwrapPathError(err)),
				Hint:    "Fix custom.pythonRequirements.dockerFile: it is a path relative to the service folder."}
		}
		h := sha256.New()
		h.Write(data)
		names := make([]string, 0, len(d.buildArgs.BuildArgs))
		for k := range d.buildArgs.BuildArgs {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(h, "\x00%s=%s", k, *d.buildArgs.BuildArgs[k])
		}
		fmt.Fprintf(h, "\x00target=%s\x00platform=%s", d.buildArgs.Target, d.buildArgs.Platform)
		d.dockerfile, d.dfDigest = f, hex.EncodeToString(h.Sum(nil))
	}
	if r.opts.DockerSsh {
		if _, err := r.sshFiles(); err != nil {
			return err
		}
	}
	r.dock = d
	return nil
}

// dockerKey is the key header line for an install in a container: the image (or the
// Dockerfile's digest), the platform, the interpreter name and the extra files.
func (r *run) dockerKey(u *unit) string {
	var b strings.Builder
	if r.dock.dockerfile != "" {
		fmt.Fprintf(&b, "# docker: dockerfile=%s sha256=%s", filepath.ToSlash(r.rel(r.dock.dockerfile)), r.dock.dfDigest)
	} else {
		fmt.Fprintf(&b, "# docker: image=%s", r.imageRef(u))
	}
	if r.dock.runArgs.Platform != "" {
		fmt.Fprintf(&b, " platform=%s", r.dock.runArgs.Platform)
	}
	fmt.Fprintf(&b, " pythonBin=%s", r.dockerPython(u))
	if len(r.opts.DockerExtraFiles) > 0 {
		fmt.Fprintf(&b, " extraFiles=%s", strings.Join(r.opts.DockerExtraFiles, ","))
	}
	b.WriteString("\n")
	return b.String()
}

// imageRef is the image to run for u: dockerImage, or the SAM build image of u's runtime and
// architecture (the function's, falling back to the provider's).
func (r *run) imageRef(u *unit) string {
	if r.opts.DockerImage != "" {
		return r.opts.DockerImage
	}
	return fmt.Sprintf("public.ecr.aws/sam/build-%s:latest-%s", u.Runtime, u.Arch)
}

// dockerPython is the interpreter run in the container: pythonBin when set, else the unit's
// runtime (python3.12), the interpreter its default image provides.
func (r *run) dockerPython(u *unit) string {
	if !r.opts.PythonBinSet && isPython(u.Runtime) {
		return u.Runtime
	}
	return r.opts.PythonBin
}

// engine connects to the Docker engine once per run.
func (r *run) engine(ctx context.Context) (*container.Engine, error) {
	d := r.dock
	d.once.Do(func() {
		newAPI := r.d.Docker
		if newAPI == nil {
			newAPI = container.NewClient
		}
		api, err := newAPI()
		if err != nil {
			d.err = err
			return
		}
		d.eng, d.err = container.Connect(ctx, api, r.emit, r.svcDir)
	})
	return d.eng, d.err
}

// dockerInstall installs u's requirements into tmp inside a container.
func (r *run) dockerInstall(ctx context.Context, u *unit, tmp, downloadCache string) error {
	eng, err := r.engine(ctx)
	if err != nil {
		return err
	}
	d := r.dock
	var platform *ocispec.Platform
	if d.runArgs.Platform != "" {
		p, _ := container.ParsePlatform(d.runArgs.Platform)
		platform = &p
	} else {
		platform = eng.PlatformFor(u.Arch)
	}
	image, key := r.imageRef(u), "dockerImage"
	switch {
	case d.dockerfile != "":
		key = "dockerFile"
		bp := platform
		if d.buildArgs.Platform != "" {
			p, _ := container.ParsePlatform(d.buildArgs.Platform)
			bp = &p
		}
		sum := sha256.Sum256([]byte(r.svcDir + "\x00" + d.dockerfile))
		image, err = eng.BuildImage(ctx, container.BuildSpec{Dir: r.svcDir, Dockerfile: d.dockerfile,
			Tag: "sls-py-reqs-custom-" + hex.EncodeToString(sum[:6]), Args: d.buildArgs, Platform: bp})
		if err != nil {
			return err
		}
	default:
		if r.opts.DockerImage == "" {
			key = "dockerizePip"
		}
		if err := eng.EnsureImage(ctx, image, platform, key); err != nil {
			return err
		}
	}
	d.mu.Lock()
	if !d.logged[image] {
		d.logged[image] = true
		r.emit.Info("Docker Image: " + image)
	}
	d.mu.Unlock()

	spec := install.Spec{Installer: r.opts.Installer, Python: &install.Interpreter{Bin: r.dockerPython(u)},
		Requirements: container.InputDir + "/requirements.txt", Target: container.TaskDir, ExtraArgs: r.opts.PipCmdExtraArgs}
	if downloadCache != "" {
		spec.DownloadCache = container.DownloadCacheDir
		if !eng.Local() {
			r.emit.Verbose("The Docker engine is remote: the download cache is its volume " + container.DownloadVolume)
		}
	}
	name, args := spec.Args()
	secrets := redact.EnvSecrets(r.d.Environ)
	r.emit.Verbose("Running in a container of " + image + ": " + redact.String(name+" "+strings.Join(args, " "), secrets...))
	reqs, err := os.ReadFile(u.ReqOut)
	if err != nil {
		return err
	}
	job := container.Job{
		Image: image, ImageKey: key, Platform: platform,
		Command:       append([]string{name}, args...),
		Inputs:        []container.File{{Name: "requirements.txt", Mode: 0o644, Data: reqs}},
		Env:           container.ResolveEnv(r.opts.DockerEnv, r.d.Environ),
		Run:           d.runArgs,
		DownloadCache: downloadCache,
		Strip:         r.opts.Slim && r.opts.Strip,
		Target:        tmp,
		ExtraFiles:    r.opts.DockerExtraFiles,
		OnLine:        func(l string) { r.emit.Debug(redact.String(l, secrets...)) },
	}
	if r.d.GOOS == "linux" && !r.opts.DockerRootless {
		job.Owner = &container.Owner{UID: os.Getuid(), GID: os.Getgid()}
	}
	if r.opts.DockerSsh {
		if job.SSH, err = r.sshFiles(); err != nil {
			return err
		}
	}
	res, err := eng.Install(ctx, job)
	var x *container.ExitError
	if errors.As(err, &x) {
		return r.dockerExitError(u, x, secrets)
	}
	if err != nil {
		return err
	}
	if len(res.StripFailed) > 0 {
		r.emit.Warning("strip could not process some shared libraries; they are kept unstripped:\n" +
			redact.String(strings.Join(res.StripFailed, "\n"), secrets...))
	}
	return nil
}

// dockerExitError explains a failed step of the container.
func (r *run) dockerExitError(u *unit, x *container.ExitError, secrets []string) error {
	out := redact.String(x.Output, secrets...)
	where := "the image " + x.Image
	if x.Platform != "" {
		where += " (" + x.Platform + ")"
	}
	switch {
	case x.Step == "strip":
		return &diag.Error{Code: "PYREQS_STRIP_NOT_FOUND", Key: diag.ConfigPath("strip"),
			Message: "slim is on but " + where + " has no strip program",
			Hint:    "Use an image with binutils (the SAM build images have it; with dockerFile: install binutils), or set custom.pythonRequirements.strip: false.",
			Output:  out}
	case x.Code == 127 || x.Code == 126:
		key, bin := "pythonBin", r.dockerPython(u)
		if r.opts.Installer == config.InstallerUv {
			key, bin = "installer", "uv"
		}
		return &diag.Error{Code: "PYTHON_REQUIREMENTS_COMMAND_NOT_FOUND", Key: diag.ConfigPath(key),
			Message: fmt.Sprintf("%s was not found in %s", bin, where),
			Hint: fmt.Sprintf("Set custom.pythonRequirements.pythonBin to the interpreter the image has (e.g. python3), "+
				"or use an image that provides %s.", bin),
			Output: out}
	case x.Code == 143 || x.Code == 137:
		return &diag.Error{Code: "PYTHON_REQUIREMENTS_DOCKER_COMMAND_FAILED", Key: diag.ConfigPath("dockerizePip"),
			Message: fmt.Sprintf("the install container (%s) was stopped (exit code %d)", where, x.Code),
			Hint:    "Something stopped the container (docker stop, the OOM killer): check the engine's memory limits.", Output: out}
	}
	tool := "pip"
	if r.opts.Installer == config.InstallerUv {
		tool = "uv pip"
	}
	return &diag.Error{Code: "PYTHON_REQUIREMENTS_DOCKER_COMMAND_FAILED",
		Message: fmt.Sprintf("%s failed inside the container (%s, exit code %d) installing %s", tool, where, x.Code, r.rel(u.ReqOut)),
		Hint: "Check the package names and versions in your requirements file and the index settings (pipCmdExtraArgs, dockerEnv); " +
			"inside the container the index must be reachable from the container's network (dockerRunCmdExtraArgs: ['--network', 'host']). " +
			"Run with --verbose to see pip's full output.",
		Output: out}
}

// sshFiles resolves dockerSsh: the private key (dockerPrivateKey, default ~/.ssh/id_rsa),
// ~/.ssh/known_hosts when it exists, and SSH_AUTH_SOCK when it is set.
func (r *run) sshFiles() (*container.SSH, error) {
	home := r.d.getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	key := r.opts.DockerPrivateKey
	if key == "" {
		key = filepath.Join(home, ".ssh", "id_rsa")
	} else if strings.HasPrefix(key, "~/") {
		key = filepath.Join(home, key[2:])
	} else if !filepath.IsAbs(key) {
		key = filepath.Join(r.svcDir, key)
	}
	if fi, err := os.Stat(key); err != nil || fi.IsDir() {
		return nil, &diag.Error{Code: "PYREQS_DOCKER_SSH", Key: diag.ConfigPath("dockerPrivateKey"),
			Message: fmt.Sprintf("dockerSsh is on but the private key %s does not exist", key),
			Hint:    "Set custom.pythonRequirements.dockerPrivateKey to your key (e.g. ~/.ssh/id_ed25519), or turn dockerSsh off."}
	}
	s := &container.SSH{Key: key, AgentSock: r.d.getenv("SSH_AUTH_SOCK")}
	if kh := filepath.Join(home, ".ssh", "known_hosts"); exists(kh) {
		s.KnownHosts = kh
	} else {
		r.emit.Verbose("dockerSsh: no " + kh + ": ssh inside the container will not know any host key")
	}
	return s, nil
}
