package pipeline

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
)

// injectArtifacts puts the installed requirements and the vendor files into the built artifacts
// (spec C.8), moving module functions up first. Every artifact is written once, straight from
// already-compressed entries, in parallel. Layer mode injects nothing into function artifacts.
// With compileFunctionCode, the bytecode of the service's own files is added too (in every mode).
type injectArtifacts struct{}

func (injectArtifacts) String() string { return "inject" }

func (injectArtifacts) Run(ctx context.Context, s *state) error {
	if s.opts.Layer.Enabled && !s.compileOwnCode() {
		return skip("layer mode: the requirements are in the layer")
	}
	start := time.Now()
	jobs, err := s.injectJobs()
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		return nil
	}
	s.emit.Progress("python-inject-requirements", "Injecting required Python packages to package", false)
	defer s.emit.Progress("python-inject-requirements", "", true)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, s.workers))
	for _, j := range jobs {
		g.Go(func() error {
			inputs := j.inputs
			if j.ownCode {
				own, cleanup, err := s.functionBytecode(gctx, j, j.root)
				if err != nil {
					return fmt.Errorf("compiling the function code of %s: %w", s.rel(j.src), err)
				}
				defer cleanup()
				inputs = append(append([]archive.Input{}, inputs...), own...)
			}
			if _, err := archive.Merge(gctx, j.dst, inputs, archive.PackOptions{}); err != nil {
				return fmt.Errorf("writing %s: %w", s.rel(j.dst), err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	s.recordMoved(jobs)
	s.emit.Verbose(fmt.Sprintf("Injected requirements into %d artifact(s) in %.2fs", len(jobs), time.Since(start).Seconds()))
	return nil
}
