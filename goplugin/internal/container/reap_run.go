package container

import (
	"context"
	"fmt"
	"time"
)

// ReapQuietly reaps the containers of runs that are gone (see Reap) when an engine answers within
// a few seconds, and says what it did in a verbose line. It never fails: a build that needs no
// engine (everything cached) must not need one for reaping either. newAPI nil means NewClient.
func ReapQuietly(ctx context.Context, newAPI func() (API, error), ev Events) int {
	if newAPI == nil {
		newAPI = NewClient
	}
	api, err := newAPI()
	if err != nil {
		ev.Verbose(fmt.Sprintf("Not reaping leftover install containers: %v", err))
		return 0
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	n, err := Reap(rctx, api)
	switch {
	case err != nil:
		ev.Verbose(fmt.Sprintf("Not reaping (all) leftover install containers: %v", err))
	case n > 0:
		ev.Verbose(fmt.Sprintf("Removed %d install container(s) left behind by runs that are gone", n))
	}
	return n
}
