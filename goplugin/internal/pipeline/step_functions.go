package pipeline

import "context"

// targetFunctions lists the functions of the service (only the one named by --function).
type targetFunctions struct{}

func (targetFunctions) String() string { return "functions" }

func (targetFunctions) Run(_ context.Context, s *state) error {
	fns, err := functions(s.req)
	if err != nil {
		return err
	}
	s.fns = fns
	return nil
}
