package pipeline

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/remote"
)

// countingTier fails every call with err and counts the calls.
type countingTier struct {
	err              error
	fetches, publish int
}

func (c *countingTier) String() string { return "s3://b/p" }
func (c *countingTier) Fetch(context.Context, string, string) (bool, error) {
	c.fetches++
	return false, c.err
}
func (c *countingTier) Publish(context.Context, string, string) error {
	c.publish++
	return c.err
}

// A store that cannot be reached is one warning for the whole run: the tier is switched off, so
// later entries neither wait for it again nor upload.
func TestGuardedRemoteOneWarningThenOff(t *testing.T) {
	var out bytes.Buffer
	tier := &countingTier{err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	g := &guardedRemote{tier: tier, emit: protocol.NewEmitter(&out)}
	ctx := context.Background()
	for _, name := range []string{"a", "b", "c"} {
		if _, err := g.Fetch(ctx, name, t.TempDir()); err != nil {
			g.failed("fetch", err)
		}
		if err := g.Publish(ctx, name, t.TempDir()); err != nil {
			g.failed("publish", err)
		}
	}
	if tier.fetches != 1 || tier.publish != 0 {
		t.Errorf("after the first failure the tier was still called: %d fetches, %d uploads", tier.fetches, tier.publish)
	}
	if n := strings.Count(out.String(), `"type":"warning"`); n != 1 || !strings.Contains(out.String(), "PYREQS_REMOTE_CACHE_UNAVAILABLE") ||
		!strings.Contains(out.String(), "cannot be reached") {
		t.Errorf("want one warning naming the cause, got %d:\n%s", n, out.String())
	}
}

// A corrupt entry is a warning of its own and leaves the tier on (the rebuilt entry is uploaded).
func TestGuardedRemoteCorruptKeepsTier(t *testing.T) {
	var out bytes.Buffer
	tier := &countingTier{}
	g := &guardedRemote{tier: tier, emit: protocol.NewEmitter(&out)}
	g.failed("fetch", &remote.CorruptError{Key: "p/a/content-x.tar", Reason: "13 bytes with another sha256"})
	if err := g.Publish(context.Background(), "a", t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if tier.publish != 1 || !strings.Contains(out.String(), "PYREQS_REMOTE_CACHE_CORRUPT") {
		t.Errorf("uploads %d, output:\n%s", tier.publish, out.String())
	}
}
