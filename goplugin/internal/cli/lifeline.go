package cli

import (
	"context"
	"errors"
	"io"
)

// errShimGone is the cause of the cancellation when the shim's end of stdin closes.
var errShimGone = errors.New("the Serverless plugin's process is gone (stdin closed)")

// lifeline is the part of the request that says how the shim holds stdin.
type lifeline struct {
	// HoldsStdin: the shim keeps pyreqs's stdin open until the run ends, so end of file before
	// that means the node process is gone (killed outright): pyreqs stops at once, as on SIGTERM,
	// instead of running on with nobody to report to.
	HoldsStdin bool `json:"holdsStdin"`
}

// cancelOnEOF returns a context that is cancelled with errShimGone when r (the rest of stdin,
// after the request) reaches end of file or fails. The reading goroutine ends with r.
func cancelOnEOF(ctx context.Context, r io.Reader) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	go func() {
		_, _ = io.Copy(io.Discard, r)
		cancel(errShimGone)
	}()
	return ctx, func() { cancel(context.Canceled) }
}
