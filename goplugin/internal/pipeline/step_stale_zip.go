package pipeline

import (
	"context"
	"os"
	"path/filepath"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// warnStaleZip (zip: false) warns about a .requirements.zip left in a folder the framework
// packs: default patterns would ship it, outdated, beside the injected requirements.
type warnStaleZip struct{}

func (warnStaleZip) String() string { return "stale-zip" }

func (warnStaleZip) Run(_ context.Context, s *state) error {
	if s.opts.Zip {
		return skip("zip is on")
	}
	for _, m := range s.zipModules() {
		p := s.ws.RequirementsZip(m)
		if _, err := os.Lstat(p); err == nil {
			s.emit.Warn(diag.WarnAtFile(diag.CodeStaleZip, s.rel(p), "is left from an earlier packaging with zip: true and would be packaged as it is.").
				WithFix("Delete it (or run sls requirements clean), or exclude it with a package pattern '!%s'.", filepath.ToSlash(s.rel(p))))
		}
	}
	return nil
}
