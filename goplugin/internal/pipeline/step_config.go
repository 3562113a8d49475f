package pipeline

import (
	"context"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
)

// loadConfig parses custom.pythonRequirements, warns about its unknown keys and about a misspelt
// block name (custom.pythonRequirments), and stops the hook when enabled is false. Every hook
// warns again; the shim shows each warning once per run.
type loadConfig struct{}

func (loadConfig) String() string { return "config" }

func (loadConfig) Run(_ context.Context, s *state) error {
	for _, w := range config.CheckCustomBlock(s.req.Service.Custom) {
		s.emit.Warn(w)
	}
	raw := s.req.Service.Custom[config.BlockName]
	opts, warnings, err := config.Parse(raw, config.Host{GOOS: s.d.GOOS, ProviderRuntime: s.req.Service.Provider.Runtime})
	if err != nil {
		return err
	}
	for _, w := range warnings {
		s.emit.Warn(w)
	}
	s.opts = opts
	if !opts.Enabled {
		if s.req.Phase == protocol.PhaseBefore {
			s.emit.Info("Skipping python requirements packaging because " + diag.ConfigPath("enabled") + " is set to false.")
		}
		return skipHook(diag.ConfigPath("enabled") + " is false")
	}
	return nil
}
