package pipeline

import (
	"context"
	"fmt"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
)

// pruneCache keeps at most staticCacheMaxVersions entries in the static cache (never the ones
// this run uses).
type pruneCache struct{}

func (pruneCache) String() string { return "prune" }

func (pruneCache) Run(_ context.Context, s *state) error {
	if err := nothingToInstall(s); err != nil {
		return err
	}
	if !s.opts.UseStaticCache || s.opts.StaticCacheMaxVersions <= 0 {
		return skip("staticCacheMaxVersions is not set")
	}
	keep := map[string]bool{}
	for _, n := range s.names {
		keep[n] = true
	}
	n, err := cache.Prune(s.cacheRoot, s.opts.StaticCacheMaxVersions, keep)
	if err != nil {
		return err
	}
	if n > 0 {
		s.emit.Info(fmt.Sprintf("Removed %d items from cache because of staticCacheMaxVersions", n))
	}
	return nil
}
