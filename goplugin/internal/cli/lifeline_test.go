package cli

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

func TestCancelOnEOFCancelsWhenTheShimEndCloses(t *testing.T) {
	r, w := io.Pipe()
	ctx, cancel := cancelOnEOF(context.Background(), r)
	defer cancel()
	if _, err := w.Write([]byte("\n")); err != nil { // stray bytes after the request are ignored
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
		t.Fatal("cancelled while stdin is still open")
	case <-time.After(50 * time.Millisecond):
	}
	w.Close()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("not cancelled 5 s after stdin closed")
	}
	if !errors.Is(ctx.Err(), context.Canceled) || !errors.Is(context.Cause(ctx), errShimGone) {
		t.Errorf("err %v cause %v, want context.Canceled caused by errShimGone", ctx.Err(), context.Cause(ctx))
	}
}

func TestCancelOnEOFKeepsTheParentsCancellation(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	parent, stop := context.WithCancel(context.Background())
	ctx, cancel := cancelOnEOF(parent, r)
	defer cancel()
	stop()
	<-ctx.Done()
	if errors.Is(context.Cause(ctx), errShimGone) {
		t.Errorf("cause %v: the parent was cancelled, stdin is still open", context.Cause(ctx))
	}
}
