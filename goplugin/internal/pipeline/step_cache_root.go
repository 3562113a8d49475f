package pipeline

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// resolveCacheRoot applies cacheLocation (relative to the service folder) or the platform default.
type resolveCacheRoot struct{}

func (resolveCacheRoot) String() string { return "cache-root" }

func (resolveCacheRoot) Run(_ context.Context, s *state) error {
	if loc := s.opts.CacheLocation; loc != "" {
		if strings.HasPrefix(loc, "~/") {
			if home := s.d.getenv("HOME"); home != "" {
				loc = filepath.Join(home, loc[2:])
			}
		}
		if !filepath.IsAbs(loc) {
			loc = filepath.Join(s.ws.Dir, loc)
		}
		s.cacheRoot = filepath.Clean(loc)
		return nil
	}
	root, err := cache.DefaultRoot(s.d.GOOS, s.d.getenv)
	if err != nil {
		return diag.AtKey(diag.CodeCacheLocation, "cacheLocation", "%s", err.Error())
	}
	s.cacheRoot = root
	return nil
}
