package pipeline

import (
	"context"
	"fmt"

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
		return &diag.Error{
			Code: "PYREQS_CACHE_NOT_WRITABLE", Key: diag.ConfigPath("cacheLocation"),
			Message: fmt.Sprintf("the cache folder %s cannot be written: %v", r.cacheRoot, unwrapPathError(err)),
			Hint:    "Fix the folder's permissions, set custom.pythonRequirements.cacheLocation to a writable folder, or set useStaticCache: false and useDownloadCache: false.",
		}
	}
	return nil
}
