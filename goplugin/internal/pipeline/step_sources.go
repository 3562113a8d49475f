package pipeline

import "context"

// findSources finds each set's requirements source (a Poetry project, uv.lock, Pipfile, the
// requirements file or PEP 621 dependencies) and exports it when a tool is needed.
type findSources struct{}

func (findSources) String() string { return "sources" }

func (findSources) Run(ctx context.Context, s *state) error { return s.prepareUnits(ctx, s.units) }
