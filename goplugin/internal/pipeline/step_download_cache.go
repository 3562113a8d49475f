package pipeline

import (
	"context"
	"os"
	"path/filepath"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
)

// downloadCache makes the pip/uv download cache folder (useDownloadCache).
type downloadCache struct{}

func (downloadCache) String() string { return "download-cache" }

func (downloadCache) Run(_ context.Context, s *state) error {
	if err := nothingToInstall(s); err != nil {
		return err
	}
	if !s.opts.UseDownloadCache {
		return skip("useDownloadCache is off")
	}
	dir := filepath.Join(s.cacheRoot, cache.DownloadDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		if cerr := s.checkCacheWritable(); cerr != nil {
			return cerr
		}
		return err
	}
	s.downloadCache = dir
	s.emit.Verbose("Using download cache directory " + dir)
	return nil
}
