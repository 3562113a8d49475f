package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/remote"
)

// remoteTier connects the remoteCache tier (an S3 bucket) behind the static cache. It does not
// contact the store: the build step's first lookup does. A tier that cannot even be configured
// (an unknown profile) is one warning and the run goes on without it.
type remoteTier struct{}

func (remoteTier) String() string { return "remote-tier" }

func (remoteTier) Run(ctx context.Context, s *state) error {
	if s.opts.RemoteCache == "" {
		return skip("no remoteCache")
	}
	if !s.opts.UseStaticCache {
		return skip("useStaticCache is false: the remote tier sits behind the static cache")
	}
	tier, err := openRemote(ctx, s)
	if err != nil {
		s.emit.Warn(remoteDown(s.opts.RemoteCache, err))
		return nil
	}
	s.remote = &guardedRemote{tier: tier, emit: s.emit}
	s.emit.Verbose("Remote cache tier: " + tier.String())
	return nil
}

// openRemote prepares the S3 tier of remoteCache with the service's provider.profile and
// provider.region as defaults of the AWS chain.
func openRemote(ctx context.Context, s *state) (*remote.S3, error) {
	loc, err := remote.ParseURL(s.opts.RemoteCache)
	if err != nil { // config validation refuses it first
		return nil, diag.AtKey(diag.CodeConfigInvalid, "remoteCache", "%v", err)
	}
	p := s.req.Service.Provider
	return remote.NewS3(ctx, loc, remote.S3Options{Profile: p.Profile, Region: p.Region, Getenv: s.d.getenv})
}

// remoteDown is the one warning of a run whose remote tier failed.
func remoteDown(url string, err error) *diag.Warning {
	return diag.WarnAtKey(diag.CodeRemoteCacheDown, "remoteCache",
		"the remote cache %s is not used in this run: %s. The requirements are built locally.", url, remote.Cause(err))
}

// guardedRemote turns remote failures into warnings: the first failure that is not a corrupt
// entry (credentials, access, bucket, network) is one warning and switches the tier off for the
// rest of the run, so a dead endpoint costs one timeout and one line; a corrupt entry is one
// warning per entry, and the entry rebuilt locally is uploaded again (repairing it).
type guardedRemote struct {
	tier cache.Remote
	emit *protocol.Emitter

	mu   sync.Mutex
	down bool
}

func (g *guardedRemote) String() string { return g.tier.String() }

func (g *guardedRemote) off() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.down
}

// Fetch implements cache.Remote; a switched-off tier is a miss.
func (g *guardedRemote) Fetch(ctx context.Context, name, metaDir string) (bool, error) {
	if g.off() {
		return false, nil
	}
	start := time.Now()
	hit, err := g.tier.Fetch(ctx, name, metaDir)
	if hit && err == nil {
		g.emit.Verbose(fmt.Sprintf("Downloaded %s from %s in %.1fs", name, g.tier, time.Since(start).Seconds()))
	}
	return hit, err
}

// Publish implements cache.Remote; a switched-off tier uploads nothing.
func (g *guardedRemote) Publish(ctx context.Context, name, metaDir string) error {
	if g.off() {
		return nil
	}
	start := time.Now()
	if err := g.tier.Publish(ctx, name, metaDir); err != nil {
		return err
	}
	g.emit.Info(fmt.Sprintf("Uploaded the requirements to the remote cache %s in %.1fs", g.tier, time.Since(start).Seconds()))
	return nil
}

// failed is cache.EnsureOptions.OnRemoteError.
func (g *guardedRemote) failed(op string, err error) {
	var ce *remote.CorruptError
	if errors.As(err, &ce) {
		g.emit.Warn(diag.WarnAtKey(diag.CodeRemoteCacheCorrupt, "remoteCache",
			"%s: it is not used; the requirements are built locally and uploaded again.", remote.Cause(err)))
		return
	}
	g.mu.Lock()
	first := !g.down
	g.down = true
	g.mu.Unlock()
	if first {
		g.emit.Warn(remoteDown(g.tier.String(), err))
	}
}

// ensureOptions are the static cache's options of this run: the remote tier when there is one.
func (r *state) ensureOptions() cache.EnsureOptions {
	if r.remote == nil {
		return cache.EnsureOptions{}
	}
	return cache.EnsureOptions{
		Remote: r.remote,
		Unpack: func(ctx context.Context, tmp string) error {
			_, err := archive.Extract(ctx, cache.PackedPath(tmp), tmp)
			return err
		},
		OnRemoteError: r.remote.failed,
	}
}
