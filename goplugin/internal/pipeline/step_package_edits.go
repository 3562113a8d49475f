package pipeline

import (
	"context"
	"path/filepath"
	"strings"
)

// packageEdits asks the shim to give every function a package, keeps a cache folder inside the
// service out of the artifacts, and sets each module-less Python function's module to ".".
type packageEdits struct{}

func (packageEdits) String() string { return "package-edits" }

func (packageEdits) Run(_ context.Context, s *state) error {
	edits := s.edits
	edits.EnsureFunctionPackage = true
	if rel, err := filepath.Rel(s.ws.Dir, s.cacheRoot); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		// A cache inside the service would be packed into every artifact: keep it out.
		edits.ServicePatterns = append(edits.ServicePatterns, "!"+filepath.ToSlash(rel)+"/**")
	}
	for _, f := range s.pythonFuncs() {
		if len(f.Obj.Module) == 0 || string(f.Obj.Module) == "null" {
			if edits.FunctionModules == nil {
				edits.FunctionModules = map[string]string{}
			}
			edits.FunctionModules[f.Key] = f.Module
		}
	}
	return nil
}
