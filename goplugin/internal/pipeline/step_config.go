package pipeline

import (
	"context"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
)

// loadConfig parses custom.pythonRequirements, logs its warnings, and stops the hook when
// enabled is false.
type loadConfig struct{}

func (loadConfig) String() string { return "config" }

func (loadConfig) Run(_ context.Context, s *state) error {
	raw := s.req.Service.Custom["pythonRequirements"]
	opts, warnings, err := config.Parse(raw, config.Host{GOOS: s.d.GOOS, ProviderRuntime: s.req.Service.Provider.Runtime})
	if err != nil {
		return err
	}
	for _, w := range warnings {
		s.emit.Warning(w)
	}
	s.opts = opts
	if !opts.Enabled {
		if s.req.Phase == protocol.PhaseBefore {
			s.emit.Info("Skipping python requirements packaging because custom.pythonRequirements.enabled is set to false.")
		}
		return skipHook("custom.pythonRequirements.enabled is false")
	}
	return nil
}
