package pipeline

import (
	"context"
	"fmt"
	"os"
)

// removeZipHelpers deletes, after packaging and when zip and cleanupZipHelper are on, what zip
// mode wrote into the source tree: the helper copies and the .requirements.zip archives (both are
// in the artifacts by now). The original left .requirements.zip behind, where default patterns
// packed it again once zip was switched off (spec G.1 #9).
type removeZipHelpers struct{}

func (removeZipHelpers) String() string { return "zip-cleanup" }

func (removeZipHelpers) Run(_ context.Context, s *state) error {
	if !s.opts.Zip || !s.opts.CleanupZipHelper {
		return skip("zip or cleanupZipHelper is off")
	}
	for _, m := range s.zipModules() {
		label := ""
		if m != "." {
			label = " from " + m
		}
		for _, p := range []string{s.ws.ZipHelper(m), s.ws.RequirementsZip(m)} {
			if _, err := os.Lstat(p); err != nil {
				continue
			}
			if p == s.ws.ZipHelper(m) {
				s.emit.Verbose("Removing Python requirements helper" + label)
			}
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("removing %s: %w", s.rel(p), err)
			}
		}
	}
	return nil
}
