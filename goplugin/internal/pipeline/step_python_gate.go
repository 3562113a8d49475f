package pipeline

import "context"

// pythonGate stops the hook when no function runs Python and no layer is requested for a Python
// provider (spec B.3, v4 rules). With announce, it says so (verbose).
type pythonGate struct{ announce bool }

func (pythonGate) String() string { return "python-functions" }

func (g pythonGate) Run(_ context.Context, s *state) error {
	if anyPython(s.req, s.opts.Layer.Enabled || len(s.opts.Layers) > 0) {
		return nil
	}
	if g.announce {
		s.emit.Verbose("No Python function in this service: skipping Python requirements.")
	}
	return skipHook("no Python function")
}
