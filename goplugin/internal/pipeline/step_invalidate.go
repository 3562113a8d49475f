package pipeline

import (
	"context"
	"fmt"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
)

// invalidateCaches runs at after:package:cleanup. With invalidateCaches it really empties the
// static cache (the original returned its clean function without calling it), so the build that
// follows installs everything fresh. The download cache is kept: it only saves network.
type invalidateCaches struct{}

func (invalidateCaches) String() string { return "invalidate-caches" }

func (invalidateCaches) Run(_ context.Context, s *state) error {
	if !s.opts.InvalidateCaches {
		return skip("invalidateCaches is off")
	}
	res, err := cache.Clean(s.cacheRoot, false)
	if err != nil {
		return fmt.Errorf("invalidating caches in %s: %w", s.cacheRoot, err)
	}
	s.emit.Info(fmt.Sprintf("invalidateCaches: removed %d static cache entries from %s", res.Entries, s.cacheRoot))
	return nil
}
