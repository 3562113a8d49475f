package pipeline

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/workspace"
)

// linkEntries writes each set's pointer file, hard-links (copies across file systems) the built
// entry's packed zip and dists file into .serverless, which is all the after hook reads, so it
// never depends on the cache entry still being there; and points the .serverless requirements
// link at the built folder (for people and tools; on Windows without Developer Mode packaging
// goes on without it).
type linkEntries struct{}

func (linkEntries) String() string { return "link" }

func (linkEntries) Run(_ context.Context, s *state) error {
	if err := nothingToInstall(s); err != nil {
		return err
	}
	for _, u := range s.todo {
		if u.Pointer == "" {
			if err := workspace.LinkOrCopy(cache.PackedPath(u.Dir), s.ws.Packed(u.Module)); err != nil {
				return fmt.Errorf("keeping the packed requirements in %s: %w", s.rel(s.ws.Packed(u.Module)), err)
			}
			if err := workspace.LinkOrCopy(filepath.Join(u.Dir, cache.MetaDir, distsFile), s.ws.Dists(u.Module)); err != nil {
				return fmt.Errorf("keeping the distribution lists in %s: %w", s.rel(s.ws.Dists(u.Module)), err)
			}
		}
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
