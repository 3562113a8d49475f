package pipeline

import "context"

// requirementSets groups the Python functions into requirements sets (units): the service root
// for shared functions and the layer, one per module of individually packaged functions.
type requirementSets struct{}

func (requirementSets) String() string { return "requirement-sets" }

func (requirementSets) Run(_ context.Context, s *state) error {
	s.units = append(units(s.req, s.fns, s.opts.Layer.Enabled), s.layerUnits()...)
	if len(s.units) == 0 {
		return skipHook("no requirements set")
	}
	return nil
}
