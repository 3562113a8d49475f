package pipeline

import (
	"context"
	"fmt"
	"os"
)

// cleanWorkspace removes what the plugin wrote into the service (workspace.CleanTargets): the
// requirements links/folders, pointer files and generated requirements.txt files in .serverless,
// the zip-mode archives and helpers, the layer zip, and the legacy .requirements folder.
type cleanWorkspace struct{}

func (cleanWorkspace) String() string { return "clean" }

func (cleanWorkspace) Run(_ context.Context, s *state) error {
	modules := map[string]bool{".": true}
	for _, f := range s.pythonFuncs() {
		if f.Individual {
			modules[f.Module] = true
		}
	}
	removed := 0
	var layerKeys []string
	for _, l := range s.opts.Layers {
		layerKeys = append(layerKeys, l.LayerKey())
	}
	targets := append(s.ws.CleanTargets(sortedKeys(modules), s.opts.CleanupZipHelper), s.ws.NamedLayerTargets(layerKeys)...)
	for _, t := range targets {
		if _, err := os.Lstat(t); err != nil {
			continue
		}
		if err := os.RemoveAll(t); err != nil {
			return fmt.Errorf("removing %s: %w", s.rel(t), err)
		}
		removed++
		s.emit.Verbose("Removed " + s.rel(t))
	}
	s.emit.Info(fmt.Sprintf("Removed %d Python requirements file(s) from the service", removed))
	return nil
}
