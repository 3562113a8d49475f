package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
			s.emit.Warning(fmt.Sprintf("%s is left from an earlier packaging with zip: true and would be packaged as it is. "+
				"Delete it (or run sls requirements clean), or exclude it with a package pattern '!%s'.", s.rel(p), filepath.ToSlash(s.rel(p))))
		}
	}
	return nil
}
