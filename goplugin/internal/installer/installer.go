// Package installer installs a requirements set into a folder. The pipeline holds one Installer
// per run, chosen by Select from the options and the host, and never asks how it installs: on the
// host with pip or uv (host.go), or in a container of the Docker engine (docker.go).
//
// # Adding an installer
//
// Write one file with a type implementing Installer and a constructor, and add one line to the
// registry in select.go: its name, when it applies (a function of the options and the host) and
// the constructor. The registry is ordered and the first entry that applies wins, so a more
// specific installer goes before a more general one (docker before host). Everything the
// installer's result depends on beyond the requirements text, the runtime, the architecture and
// the pip arguments (an interpreter, an image, a tool version) goes into KeyMaterial, so the
// static cache never serves one installer's result to another.
package installer

import (
	"context"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/container"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/workspace"
)

// Installer installs requirements sets. An Installer is used by one run: Prepare once, then
// KeyMaterial and Install per set (Install concurrently for different sets).
type Installer interface {
	// Name names the installer in logs ("host", "docker").
	Name() string
	// Prepare checks, before any cache lookup, what can be checked without installing (the
	// interpreter, the container arguments, the Dockerfile) and warns about sets it cannot serve
	// well. A fully cached build still runs Prepare.
	Prepare(ctx context.Context, sets []Set) error
	// KeyMaterial is what the installer adds to the cache key of a set.
	KeyMaterial(s Set) KeyMaterial
	// Install installs s.Requirements into destDir, an empty folder.
	Install(ctx context.Context, s Set, destDir string) error
	// StripsInside reports whether Install itself strips the shared libraries when slim and strip
	// are on (then the pipeline does not strip them again on the host).
	StripsInside() bool
}

// Set is one requirements set to install.
type Set struct {
	// Module is "." for the service root, else the module folder of individually packaged
	// functions.
	Module string
	// Requirements is the generated requirements file on the host.
	Requirements string
	// Runtime (python3.12) and Arch (x86_64, arm64) are the Lambda target of the set.
	Runtime string
	Arch    string
	// DownloadCache is the pip/uv download cache folder on the host; "" when it is off.
	DownloadCache string
	// OSPackages are OS packages to install before the requirements (apt-requirements.txt,
	// named by OSPackagesFile as the user sees it); only the docker installer can.
	OSPackages     []string
	OSPackagesFile string
	// LocalPackages are the names of the set's local path requirements (see install.Spec).
	LocalPackages []string
}

// KeyMaterial is an installer's part of the cache-key header of the generated requirements file.
type KeyMaterial struct {
	// Lines are complete header lines ("# python: ...\n").
	Lines string
	// PipVersion is the pip version on the "# installer:" line.
	PipVersion string
}

// Env is what an installer may use of the run.
type Env struct {
	Options   *config.Options
	GOOS      string
	GOARCH    string // runtime.GOARCH of the host, or a pretend host's
	Environ   []string
	Runner    proc.Runner
	Events    container.Events
	Workspace workspace.Workspace
	// Docker returns the Docker Engine API client (nil: container.NewClient).
	Docker func() (container.API, error)
}

// getenv returns the last value of k in the environment.
func (e Env) getenv(k string) string {
	for i := len(e.Environ) - 1; i >= 0; i-- {
		if kk, v, ok := cut(e.Environ[i]); ok && kk == k {
			return v
		}
	}
	return ""
}
