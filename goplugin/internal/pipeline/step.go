package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// Step is one named step of a hook.
type Step interface {
	// String is the step's name, used in logs and in its errors.
	String() string
	// Run does the step's work on the state. It returns a *SkipError (skip, skipHook) when the
	// step does not apply.
	Run(ctx context.Context, s *state) error
}

// SkipError says a step did not apply; with Rest, no later step of the hook applies either.
type SkipError struct {
	Reason string
	Rest   bool
}

func (e *SkipError) Error() string { return "skipped: " + e.Reason }

// skip reports that the step does not apply; the hook goes on with the next step.
func skip(reason string) error { return &SkipError{Reason: reason} }

// skipHook reports that neither the step nor any later step of the hook applies.
func skipHook(reason string) error { return &SkipError{Reason: reason, Rest: true} }

// IsSkip reports whether err is a skip.
func IsSkip(err error) bool {
	var s *SkipError
	return errors.As(err, &s)
}

// runHook runs the steps in order. It logs (verbose) each step's time or why it was skipped,
// stops at the first error and names the step in it: a *diag.Error (already written for the user)
// passes through unchanged, any other error is wrapped as "<step>: <error>".
func runHook(ctx context.Context, s *state, steps []Step) error {
	for _, st := range steps {
		start := time.Now()
		err := st.Run(ctx, s)
		var sk *SkipError
		switch {
		case errors.As(err, &sk):
			s.emit.Verbose(fmt.Sprintf("Step %s: skipped (%s)", st, sk.Reason))
			if sk.Rest {
				return nil
			}
		case err != nil:
			if _, ok := diag.As(err); ok {
				return err
			}
			return fmt.Errorf("%s: %w", st, err)
		default:
			s.emit.Verbose(fmt.Sprintf("Step %s: %.2fs", st, time.Since(start).Seconds()))
		}
	}
	return nil
}
