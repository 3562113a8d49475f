package pipeline

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/workspace"
)

//go:embed assets/unzip_requirements.py
var unzipHelper []byte

// zipMode (zip: true) writes unzip_requirements.py and .requirements.zip into the service (or
// module) folders and adds them to the package patterns, so the framework packs them (spec C.7).
type zipMode struct{}

func (zipMode) String() string { return "zip" }

func (zipMode) Run(ctx context.Context, s *state) error {
	if !s.opts.Zip {
		return skip("zip is off")
	}
	edits := s.edits
	for _, u := range s.units {
		shared, individual := false, []*fn{}
		for _, f := range u.Funcs {
			if f.Individual {
				individual = append(individual, f)
			} else {
				shared = true
			}
		}
		if !shared && len(individual) == 0 {
			continue // a layer-only unit
		}
		label := ""
		if u.Module != "." {
			label = " to " + u.Module
		}
		s.emit.Info("Adding Python requirements helper" + label)
		if err := workspace.WriteFile(s.ws.ZipHelper(u.Module), unzipHelper); err != nil {
			return err
		}
		progressID := "python-pack-requirements"
		if u.Module != "." {
			progressID += "-" + u.Module
		}
		s.emit.Progress(progressID, "Zipping required Python packages"+strings.Replace(label, " to ", " for ", 1), false)
		var vendorFn *fn
		if len(individual) > 0 {
			vendorFn = individual[0]
		}
		reqs, err := s.requirementInputs(u.Module, "")
		if err != nil {
			s.emit.Progress(progressID, "", true)
			return err
		}
		inputs := append(reqs, s.vendorInputs(vendorFn, "")...)
		dst := s.ws.RequirementsZip(u.Module)
		_, err = archive.Merge(ctx, dst, inputs, archive.PackOptions{})
		s.emit.Progress(progressID, "", true)
		if err != nil {
			return fmt.Errorf("writing %s: %w", s.rel(dst), err)
		}
		if shared {
			edits.ServicePatterns = appendUnique(edits.ServicePatterns, workspace.ZipHelperName, workspace.RequirementsZipName)
		}
		for _, f := range individual {
			if edits.FunctionPatterns == nil {
				edits.FunctionPatterns = map[string][]string{}
			}
			if u.Module == "." {
				edits.FunctionPatterns[f.Key] = appendUnique(edits.FunctionPatterns[f.Key], workspace.ZipHelperName, workspace.RequirementsZipName)
			} else {
				edits.FunctionPatterns[f.Key] = appendUnique(edits.FunctionPatterns[f.Key],
					u.Module+"/"+workspace.ZipHelperName, u.Module+"/"+workspace.RequirementsZipName)
			}
		}
	}
	return nil
}

// zipModules lists the folders zip mode writes into: the service root for shared functions, and
// each module of individually packaged ones.
func (r *state) zipModules() []string {
	modules := map[string]bool{}
	for _, f := range r.pythonFuncs() {
		if f.Individual {
			modules[f.Module] = true
		} else {
			modules["."] = true
		}
	}
	return sortedKeys(modules)
}

func appendUnique(list []string, items ...string) []string {
	for _, it := range items {
		found := false
		for _, x := range list {
			found = found || x == it
		}
		if !found {
			list = append(list, it)
		}
	}
	return list
}
