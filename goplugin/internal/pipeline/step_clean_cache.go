package pipeline

import (
	"context"
	"fmt"
	"os"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
)

// cleanCache removes the plugin's own entries from the cache folder and nothing else.
type cleanCache struct{}

func (cleanCache) String() string { return "clean-cache" }

func (cleanCache) Run(_ context.Context, s *state) error {
	if _, err := os.Stat(s.cacheRoot); err != nil {
		s.emit.Info("No static cache found")
		return nil
	}
	s.emit.Info("Removing static caches at: " + s.cacheRoot)
	res, err := cache.Clean(s.cacheRoot, true)
	if err != nil {
		return fmt.Errorf("cleaning the cache at %s: %w", s.cacheRoot, err)
	}
	download := ""
	if res.Download {
		download = " and the download cache"
	}
	s.emit.Info(fmt.Sprintf("Removed %d static cache entries%s", res.Entries, download))
	return nil
}
