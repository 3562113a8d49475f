package pipeline

import (
	"context"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/installer"
)

// chooseInstaller picks the installer for the options and the host (installer.Select) and lets
// it check what it can before any cache lookup.
type chooseInstaller struct{}

func (chooseInstaller) String() string { return "installer" }

func (chooseInstaller) Run(ctx context.Context, s *state) error {
	if err := nothingToInstall(s); err != nil {
		return err
	}
	s.inst = installer.Select(s.installerEnv())
	sets := make([]installer.Set, 0, len(s.todo))
	for _, u := range s.todo {
		sets = append(sets, s.set(u))
	}
	return s.inst.Prepare(ctx, sets)
}

// set is the installer's view of a unit.
func (r *state) set(u *unit) installer.Set {
	return installer.Set{Module: u.Module, Requirements: u.ReqOut, Runtime: u.Runtime, Arch: u.Arch, DownloadCache: r.downloadCache,
		OSPackages: u.OSPackages, OSPackagesFile: u.OSFile, LocalPackages: u.localNames()}
}
