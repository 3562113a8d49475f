package pipeline

import (
	"context"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// checkCacheWritable turns an unwritable cache root into an error that names cacheLocation,
// before anything is installed.
type checkCacheWritable struct{}

func (checkCacheWritable) String() string { return "cache-writable" }

func (checkCacheWritable) Run(_ context.Context, s *state) error {
	if err := nothingToInstall(s); err != nil {
		return err
	}
	if !s.opts.UseStaticCache && !s.opts.UseDownloadCache {
		return skip("useStaticCache and useDownloadCache are off")
	}
	return s.checkCacheWritable()
}

func (r *state) checkCacheWritable() error {
	if err := cache.CheckWritable(r.cacheRoot); err != nil {
		return diag.AtKey(diag.CodeCacheNotWritable, "cacheLocation", "the cache folder %s cannot be written: %v", r.cacheRoot, unwrapPathError(err))
	}
	return nil
}
