package pipeline

import (
	"context"
	"fmt"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/workspace"
)

// linkEntries writes each set's pointer file (what the after hook reads) and points its
// .serverless requirements link at the built folder (for people and tools; on Windows without
// Developer Mode packaging goes on without it).
type linkEntries struct{}

func (linkEntries) String() string { return "link" }

func (linkEntries) Run(_ context.Context, s *state) error {
	if err := nothingToInstall(s); err != nil {
		return err
	}
	for _, u := range s.todo {
		if u.Pointer != "" {
			if err := workspace.WriteFile(u.Pointer, []byte(u.Dir+"\n")); err != nil {
				return err
			}
		} else if err := s.ws.WritePointer(u.Module, u.Dir); err != nil {
			return err
		}
		if u.Dir == u.LinkPath {
			continue
		}
		if err := workspace.Symlink(u.Dir, u.LinkPath); err != nil {
			if s.d.GOOS != "windows" {
				return fmt.Errorf("linking %s: %w", s.rel(u.LinkPath), err)
			}
			// Symlinks need Developer Mode on Windows; packaging does not depend on the link.
			s.emit.Verbose(fmt.Sprintf("Could not link %s to the cache (%v); packaging goes on without it", s.rel(u.LinkPath), err))
		}
	}
	return nil
}
