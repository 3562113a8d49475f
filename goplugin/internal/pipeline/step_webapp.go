package pipeline

import (
	"context"
	"os"
)

// webappHandlers points every function with `app:` at its generated adapter module (edits
// functionHandlers, applied by the shim before Serverless compiles the functions) after checking
// the app file without importing it.
type webappHandlers struct{}

func (webappHandlers) String() string { return "webapp-handlers" }

func (webappHandlers) Run(ctx context.Context, s *state) error {
	apps, err := s.appEntries()
	if err != nil {
		return err
	}
	if len(apps) == 0 {
		return skip("no function names an app")
	}
	adapter, dir, err := writeAdapter()
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, a := range apps {
		if err := s.checkApp(ctx, a, adapter); err != nil {
			return err
		}
		if s.edits.FunctionHandlers == nil {
			s.edits.FunctionHandlers = map[string]string{}
		}
		s.edits.FunctionHandlers[a.f.Key] = a.entry.Handler
		s.emit.Verbose("functions." + a.f.Key + ".app: " + a.entry.Source + " served by " + a.entry.Handler)
	}
	return nil
}
