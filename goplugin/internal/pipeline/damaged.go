package pipeline

import (
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// reportDamaged warns, once per entry, that a cache entry did not match its marker and is rebuilt.
func (r *state) reportDamaged(de *cache.DamagedError) {
	r.emit.Warn(diag.WarnAtFile(diag.CodeCacheDamaged, de.Entry,
		"the static cache entry is damaged (%s); it is rebuilt", de.Reason))
}
