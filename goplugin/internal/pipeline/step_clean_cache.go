package pipeline

import (
	"context"
	"fmt"
	"os"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/container"
)

// cleanCache removes the plugin's own entries from the cache folder and nothing else: entries,
// the download cache, and the leftovers of killed builds (never those a live build holds). It
// also reaps the install containers of runs that are gone, when a Docker engine answers.
type cleanCache struct{}

func (cleanCache) String() string { return "clean-cache" }

func (cleanCache) Run(ctx context.Context, s *state) error {
	if n := container.ReapQuietly(ctx, s.d.Docker, s.emit); n > 0 {
		s.emit.Info(fmt.Sprintf("Removed %d install container(s) left behind by interrupted runs", n))
	}
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
	if res.Other > 0 {
		s.emit.Info(fmt.Sprintf("Removed %d leftover(s) of interrupted builds (temporary folders, locks, layer zips)", res.Other))
	}
	if res.Busy > 0 {
		s.emit.Info(fmt.Sprintf("Kept %d temporary folder(s) and lock(s) that a running build holds", res.Busy))
	}
	return nil
}
