package pipeline

import (
	"context"
	"fmt"
	"os"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/container"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/remote"
)

// cleanCache removes the plugin's own entries from the cache folder and nothing else: entries,
// the download cache, and the leftovers of killed builds (never those a live build holds); the
// remoteCache tier only with --remote. It also reaps the install containers of runs that are
// gone, when a Docker engine answers.
type cleanCache struct{}

func (cleanCache) String() string { return "clean-cache" }

func (cleanCache) Run(ctx context.Context, s *state) error {
	if n := container.ReapQuietly(ctx, s.d.Docker, s.emit); n > 0 {
		s.emit.Info(fmt.Sprintf("Removed %d install container(s) left behind by interrupted runs", n))
	}
	if err := cleanLocalCache(s); err != nil {
		return err
	}
	return cleanRemoteCache(ctx, s)
}

func cleanLocalCache(s *state) error {
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

// cleanRemoteCache empties the remoteCache prefix when asked with --remote, and otherwise says
// that it left it alone.
func cleanRemoteCache(ctx context.Context, s *state) error {
	if s.opts.RemoteCache == "" {
		if s.req.Options.Remote {
			s.emit.Info("--remote: " + diag.ConfigPath("remoteCache") + " is not set, so there is no remote cache to empty")
		}
		return nil
	}
	if !s.req.Options.Remote {
		s.emit.Info(fmt.Sprintf("The remote cache %s is left as it is: run `sls requirements cleanCache --remote` to empty it too", s.opts.RemoteCache))
		return nil
	}
	tier, err := openRemote(ctx, s)
	if err == nil {
		var n int
		n, err = tier.Clean(ctx)
		if err == nil {
			s.emit.Info(fmt.Sprintf("Removed %d objects from the remote cache %s", n, tier))
			return nil
		}
	}
	if d, ok := diag.As(err); ok {
		return d
	}
	return diag.AtKey(diag.CodeRemoteCacheClean, "remoteCache", "emptying the remote cache %s failed: %s", s.opts.RemoteCache, remote.Cause(err))
}
