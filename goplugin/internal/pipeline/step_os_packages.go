package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/ospkg"
)

// osPackages reads the apt-requirements.txt (aptRequirementsFile) beside each set's
// requirements file: its packages are installed in the build container before pip (docker
// installer), and are part of the set's cache key. Without Docker, the file is an error.
type osPackages struct{}

func (osPackages) String() string { return "os-packages" }

func (osPackages) Run(_ context.Context, s *state) error {
	name := s.opts.AptRequirementsFile
	if name == "" {
		name = ospkg.DefaultFile
	}
	found := false
	for _, u := range s.units {
		dir := filepath.Dir(filepath.Join(s.ws.Dir, filepath.FromSlash(u.Module), filepath.FromSlash(s.opts.FileName)))
		file := filepath.Join(dir, filepath.FromSlash(name))
		display := filepath.ToSlash(s.rel(file))
		pkgs, ok, err := ospkg.Read(file, display)
		if err != nil {
			if d, isDiag := diag.As(err); isDiag && d.File == "" {
				d.File = display
			}
			return err
		}
		if !ok || len(pkgs) == 0 {
			continue
		}
		if !s.opts.Dockerized(s.d.GOOS) {
			fix := ""
			if d, isDiag := diag.As(ospkg.NeedsDocker(display, pkgs)); isDiag {
				fix = d.Fix()
			}
			return diag.AtFile(diag.CodeOSPackagesNeedDock, display,
				"lists OS packages (%s) for %s, which can only be installed in a Docker build",
				strings.Join(pkgs, ", "), functionList(u)).WithFix("%s", fix)
		}
		u.OSPackages, u.OSFile = pkgs, display
		found = true
		s.emit.Verbose(fmt.Sprintf("OS packages from %s: %s", display, strings.Join(pkgs, " ")))
	}
	if !found {
		return skip("no " + name)
	}
	return nil
}

// functionList names a set's functions for messages: "functions.a, functions.b".
func functionList(u *unit) string {
	if len(u.Funcs) == 0 {
		return "the layer"
	}
	names := make([]string, len(u.Funcs))
	for i, f := range u.Funcs {
		names[i] = "functions." + f.Key
	}
	return strings.Join(names, ", ")
}
