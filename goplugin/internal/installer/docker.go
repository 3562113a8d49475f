package installer

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
)

// docker installs in a container of the Docker engine (dockerizePip): the image (dockerImage,
// the SAM build image of the runtime, or one built from dockerFile), the run arguments, the
// download cache volume, dockerSsh and dockerExtraFiles. The engine is connected on the first
// cache miss, so a fully cached build needs no engine.
type docker struct {
	env Env

	runArgs    container.RunArgs
	buildArgs  container.BuildArgs
	dockerfile string // absolute path; "" unless dockerFile is set
	dfDigest   string // sha256 of the Dockerfile and the build arguments (cache key)

	once sync.Once
	eng  *container.Engine
	err  error

	mu     sync.Mutex
	logged map[string]bool
	once2  sync.Once // the verbose line about uv in the container
}

func newDocker(e Env) Installer { return &docker{env: e, logged: map[string]bool{}} }

func (d *docker) Name() string { return "docker" }

// StripsInside is true: with slim and strip on, strip runs in the container.
func (d *docker) StripsInside() bool { return true }

// Prepare reaps the install containers of runs that are gone (when an engine answers), and
// validates the docker options that can be checked without an engine, before any cache lookup: a
// rejected flag or a missing Dockerfile fails even when everything is cached.
func (d *docker) Prepare(ctx context.Context, _ []Set) error {
	container.ReapQuietly(ctx, d.env.Docker, d.env.Events) // containers of killed runs
	o, ws := d.env.Options, d.env.Workspace
	var err error
	if d.runArgs, err = container.ParseRunArgs(o.DockerRunCmdExtraArgs, d.env.Environ, ws.Dir); err != nil {
		return err
	}
	if d.buildArgs, err = container.ParseBuildArgs(o.DockerBuildCmdExtraArgs, d.env.Environ); err != nil {
		return err
	}
	if f := o.DockerFile; f != "" {
		if !filepath.IsAbs(f) {
			f = filepath.Join(ws.Dir, f)
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return diag.AtKey(diag.CodeDockerfileNotFound, "dockerFile", "the Dockerfile %s cannot be read: %v", ws.Rel(f), unwrapPathError(err))
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
	if o.DockerSsh {
		if _, err := d.sshFiles(); err != nil {
			return err
		}
	}
	return nil
}

// KeyMaterial is the image (or the Dockerfile's digest), the platform, the interpreter name and
// the extra files; pip's version is the image's.
func (d *docker) KeyMaterial(s Set) KeyMaterial {
	var b strings.Builder
	if d.dockerfile != "" {
		fmt.Fprintf(&b, "# docker: dockerfile=%s sha256=%s", filepath.ToSlash(d.env.Workspace.Rel(d.dockerfile)), d.dfDigest)
	} else {
		fmt.Fprintf(&b, "# docker: image=%s", d.imageRef(s))
	}
	if d.runArgs.Platform != "" {
		fmt.Fprintf(&b, " platform=%s", d.runArgs.Platform)
	}
	fmt.Fprintf(&b, " pythonBin=%s", d.python(s))
	if files := d.env.Options.DockerExtraFiles; len(files) > 0 {
		fmt.Fprintf(&b, " extraFiles=%s", strings.Join(files, ","))
	}
	b.WriteString("\n")
	b.WriteString(osPackagesKey(s))
	return KeyMaterial{Lines: b.String(), PipVersion: "image's"}
}

// imageRef is the image to run for s: dockerImage, or the SAM build image of its runtime and
// architecture.
func (d *docker) imageRef(s Set) string {
	if img := d.env.Options.DockerImage; img != "" {
		return img
	}
	return fmt.Sprintf("public.ecr.aws/sam/build-%s:latest-%s", s.Runtime, s.Arch)
}

// python is the interpreter run in the container: pythonBin when set, else the set's runtime
// (python3.12), the interpreter its default image provides.
func (d *docker) python(s Set) string {
	o := d.env.Options
	if !o.PythonBinSet && strings.HasPrefix(s.Runtime, "python") {
		return s.Runtime
	}
	return o.PythonBin
}

// engine connects to the Docker engine once per run.
func (d *docker) engine(ctx context.Context) (*container.Engine, error) {
	d.once.Do(func() {
		newAPI := d.env.Docker
		if newAPI == nil {
			newAPI = container.NewClient
		}
		api, err := newAPI()
		if err != nil {
			d.err = err
			return
		}
		d.eng, d.err = container.Connect(ctx, api, d.env.Events, d.env.Workspace.Dir)
	})
	return d.eng, d.err
}

// Install installs s's requirements into destDir inside a container.
func (d *docker) Install(ctx context.Context, s Set, destDir string) error {
	_, _, err := d.install(ctx, s, destDir, nil)
	return err
}

// install runs the install container, with after run in it before the files are copied out.
// It returns the image it ran.
func (d *docker) install(ctx context.Context, s Set, destDir string, after *container.After) (container.Result, string, error) {
	var none container.Result
	eng, err := d.engine(ctx)
	if err != nil {
		return none, "", err
	}
	o, ev, svcDir := d.env.Options, d.env.Events, d.env.Workspace.Dir
	var platform *ocispec.Platform
	if d.runArgs.Platform != "" {
		p, _ := container.ParsePlatform(d.runArgs.Platform)
		platform = &p
	} else {
		platform = eng.PlatformFor(s.Arch)
	}
	image, key := d.imageRef(s), "dockerImage"
	switch {
	case d.dockerfile != "":
		key = "dockerFile"
		bp := platform
		if d.buildArgs.Platform != "" {
			p, _ := container.ParsePlatform(d.buildArgs.Platform)
			bp = &p
		}
		sum := sha256.Sum256([]byte(svcDir + "\x00" + d.dockerfile))
		image, err = eng.BuildImage(ctx, container.BuildSpec{Dir: svcDir, Dockerfile: d.dockerfile,
			Tag: "sls-py-reqs-custom-" + hex.EncodeToString(sum[:6]), Args: d.buildArgs, Platform: bp})
		if err != nil {
			return none, "", err
		}
	default:
		if o.DockerImage == "" {
			key = "dockerizePip"
		}
		if err := eng.EnsureImage(ctx, image, platform, key); err != nil {
			return none, "", err
		}
	}
	d.mu.Lock()
	if !d.logged[image] {
		d.logged[image] = true
		ev.Info("Docker Image: " + image)
	}
	d.mu.Unlock()

	spec := install.Spec{Installer: o.Installer, Python: &install.Interpreter{Bin: d.python(s)},
		Requirements: container.InputDir + "/requirements.txt", Target: container.TaskDir, ExtraArgs: o.PipCmdExtraArgs,
		LocalPackages: s.LocalPackages}
	if s.DownloadCache != "" {
		spec.DownloadCache = container.DownloadCacheDir
		if !eng.Local() {
			ev.Verbose("The Docker engine is remote: the download cache is its volume " + container.DownloadVolume)
		}
	}
	name, args := spec.Args()
	ev.Verbose("Running in a container of " + image + ": " + name + " " + strings.Join(args, " "))
	reqs, err := os.ReadFile(s.Requirements)
	if err != nil {
		return none, "", err
	}
	command := append([]string{name}, args...)
	inputs := []container.File{{Name: "requirements.txt", Mode: 0o644, Data: reqs}}
	if o.Installer == config.InstallerUv {
		arch := s.Arch
		if platform != nil {
			arch = platform.Architecture
		}
		var extra []container.File
		var how string
		command, extra, how = d.uvInContainer(args, d.python(s), arch)
		inputs = append(inputs, extra...)
		d.once2.Do(func() {
			ev.Verbose("installer: uv in docker: the image's uv when it has one; otherwise this run " + how)
		})
	}
	command, err = withOSPackages(s, command)
	if err != nil {
		return none, "", err
	}
	job := container.Job{
		Image: image, ImageKey: key, Platform: platform,
		Command:       command,
		Inputs:        inputs,
		Env:           container.ResolveEnv(o.DockerEnv, d.env.Environ),
		Run:           d.runArgs,
		DownloadCache: s.DownloadCache,
		Strip:         o.Slim && o.Strip,
		Target:        destDir,
		ExtraFiles:    o.DockerExtraFiles,
		After:         after,
		OnLine: func(l string) {
			if strings.HasPrefix(l, "pyreqs: ") { // the uv wrapper says which uv it runs
				ev.Verbose(strings.TrimPrefix(l, "pyreqs: "))
				return
			}
			ev.Debug(l)
		},
	}
	if d.env.GOOS == "linux" && !o.DockerRootless {
		job.Owner = &container.Owner{UID: os.Getuid(), GID: os.Getgid()}
	}
	if o.DockerSsh {
		if job.SSH, err = d.sshFiles(); err != nil {
			return none, "", err
		}
	}
	res, err := eng.Install(ctx, job)
	var x *container.ExitError
	if errors.As(err, &x) {
		if oe := osPackagesError(s, x); oe != nil {
			return none, image, oe
		}
		return none, image, d.exitError(s, x)
	}
	if err != nil {
		return none, "", err
	}
	if len(res.StripFailed) > 0 {
		ev.Warn(diag.WarnAtKey(diag.CodeStripIncomplete, "strip", "strip could not process some shared libraries; they are kept unstripped:\n%s",
			strings.Join(res.StripFailed, "\n")))
	}
	return res, image, d.reportLibraries(s, destDir)
}
