package pipeline

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/requirements"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/slim"
)

//go:embed assets/unzip_requirements.py
var unzipHelper []byte

const helperName = "unzip_requirements.py"

// zipMode writes unzip_requirements.py and .requirements.zip into the service (or module)
// folders and adds them to the package patterns, so the framework packs them (spec C.7).
func (r *run) zipMode(ctx context.Context, us []*unit, edits *protocol.Edits) error {
	for _, u := range us {
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
		dir := filepath.Join(r.svcDir, filepath.FromSlash(u.Module))
		label := ""
		if u.Module != "." {
			label = " to " + u.Module
		}
		r.emit.Info("Adding Python requirements helper" + label)
		if err := writeFileAtomic(filepath.Join(dir, helperName), unzipHelper); err != nil {
			return err
		}
		progressID := "python-pack-requirements"
		if u.Module != "." {
			progressID += "-" + u.Module
		}
		r.emit.Progress(progressID, "Zipping required Python packages"+strings.Replace(label, " to ", " for ", 1), false)
		var vendorFn *fn
		if len(individual) > 0 {
			vendorFn = individual[0]
		}
		inputs := append(r.requirementInputs(u.Module, ""), r.vendorInputs(vendorFn, "")...)
		_, err := archive.Merge(ctx, filepath.Join(dir, ".requirements.zip"), inputs, archive.PackOptions{})
		r.emit.Progress(progressID, "", true)
		if err != nil {
			return fmt.Errorf("writing %s: %w", r.rel(filepath.Join(dir, ".requirements.zip")), err)
		}
		if shared {
			edits.ServicePatterns = appendUnique(edits.ServicePatterns, helperName, ".requirements.zip")
		}
		for _, f := range individual {
			if edits.FunctionPatterns == nil {
				edits.FunctionPatterns = map[string][]string{}
			}
			if u.Module == "." {
				edits.FunctionPatterns[f.Key] = appendUnique(edits.FunctionPatterns[f.Key], helperName, ".requirements.zip")
			} else {
				edits.FunctionPatterns[f.Key] = appendUnique(edits.FunctionPatterns[f.Key],
					u.Module+"/"+helperName, u.Module+"/.requirements.zip")
			}
		}
	}
	return nil
}

// removeZipHelpers deletes, after packaging and when cleanupZipHelper is on, what zip mode wrote
// into the source tree: the helper copies and the .requirements.zip archives (both are in the
// artifacts by now). The original left .requirements.zip behind, where default patterns packed it
// again once zip was switched off (spec G.1 #9).
func (r *run) removeZipHelpers() error {
	for _, m := range r.zipModules() {
		dir := filepath.Join(r.svcDir, filepath.FromSlash(m))
		label := ""
		if m != "." {
			label = " from " + m
		}
		for _, name := range []string{helperName, ".requirements.zip"} {
			p := filepath.Join(dir, name)
			if _, err := os.Lstat(p); err != nil {
				continue
			}
			if name == helperName {
				r.emit.Verbose("Removing Python requirements helper" + label)
			}
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("removing %s: %w", r.rel(p), err)
			}
		}
	}
	return nil
}

// zipModules lists the folders zip mode writes into: the service root for shared functions, and
// each module of individually packaged ones.
func (r *run) zipModules() []string {
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

// warnStaleZip warns, when zip is off, about a .requirements.zip left in a folder the framework
// packs: default patterns would ship it, outdated, beside the injected requirements.
func (r *run) warnStaleZip() {
	for _, m := range r.zipModules() {
		p := filepath.Join(r.svcDir, filepath.FromSlash(m), ".requirements.zip")
		if _, err := os.Lstat(p); err == nil {
			r.emit.Warning(fmt.Sprintf("%s is left from an earlier packaging with zip: true and would be packaged as it is. "+
				"Delete it (or run sls requirements clean), or exclude it with a package pattern '!%s'.", r.rel(p), filepath.ToSlash(r.rel(p))))
		}
	}
}

// slimPatternError names the slimPatterns entry that cannot be compiled (config validation
// normally reports it first).
func slimPatternError(o *config.Options, err error) error {
	var pe *slim.PatternError
	if !errors.As(err, &pe) {
		return err
	}
	key := "slimPatterns"
	if i := pe.Index - (len(o.SlimPatternList) - len(o.SlimPatterns)); i >= 0 {
		key = fmt.Sprintf("slimPatterns[%d]", i)
	}
	return &diag.Error{Code: "PYREQS_CONFIG_INVALID", Key: diag.ConfigPath(key),
		Message: fmt.Sprintf("is not a valid glob pattern %q: %v", pe.Pattern, pe.Err),
		Hint:    "Fix the pattern: '*' matches within a folder, '**' any number of folders, [abc] one character of a set, {a,b} alternatives."}
}

// layer writes .serverless/pythonRequirements.zip (the service-root requirements under python/)
// and registers it as service.layers.pythonRequirements (spec C.11).
//
// The requirements part is cached in the cache entry (.pyreqs/layer[-<noDeploy key>].zip), built
// once from the entry's packed zip; an unchanged service links it into .serverless without
// writing a byte. Vendor files are never cached: with vendor set, the layer zip is assembled from
// the cached zip and the vendor folder (raw copies plus the vendor files), so a changed vendor
// folder is always picked up.
func (r *run) layer(ctx context.Context, edits *protocol.Edits) error {
	inputs := r.requirementInputs(".", "python/")
	if len(inputs) == 0 {
		r.emit.Warning("layer is set but the service has no requirements (" + r.opts.FileName +
			" at the service root): no PythonRequirementsLambdaLayer was created.")
		return nil
	}
	dst := filepath.Join(r.svcDir, ".serverless", "pythonRequirements.zip")
	r.emit.Progress("python-layer-requirements", "Packaging Python Requirements Lambda Layer", false)
	err := r.writeLayer(ctx, dst, inputs)
	r.emit.Progress("python-layer-requirements", "", true)
	if err != nil {
		return fmt.Errorf("writing %s: %w", r.rel(dst), err)
	}
	svc := r.req.Service
	stage := r.req.Stage
	if stage == "" {
		stage = svc.Provider.Stage
	}
	if stage == "" {
		stage = "dev"
	}
	arch := svc.Provider.Architecture
	if arch == "" {
		arch = "x86_64"
	}
	layer := map[string]any{
		"artifact":                dst,
		"name":                    fmt.Sprintf("%s-%s-python-requirements", svc.Name, stage),
		"description":             "Python requirements generated by serverless-python-requirements.",
		"compatibleRuntimes":      r.layerRuntimes(),
		"compatibleArchitectures": []string{arch},
	}
	for k, v := range r.opts.Layer.Props {
		layer[k] = jsonClone(v)
	}
	edits.Layers = map[string]map[string]any{"pythonRequirements": layer}
	return nil
}

// writeLayer makes dst from the cached requirements layer zip (built on a miss) and the vendor
// folder.
func (r *run) writeLayer(ctx context.Context, dst string, reqInputs []archive.Input) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	vendor := r.vendorInputs(nil, "python/")
	cached, err := r.cachedLayer(ctx, reqInputs)
	if err != nil {
		// A read-only cache (a shared CI cache, for example) only costs the reuse.
		r.emit.Verbose(fmt.Sprintf("Not caching the layer zip (%v): building it in .serverless", err))
		_, err := archive.Merge(ctx, dst, append(reqInputs, vendor...), archive.PackOptions{})
		return err
	}
	if len(vendor) > 0 {
		_, err := archive.Merge(ctx, dst, append([]archive.Input{{Zip: cached}}, vendor...), archive.PackOptions{})
		return err
	}
	return linkOrCopy(cached, dst)
}

// cachedLayer returns the cached requirements layer zip of the service-root entry, building it
// when missing. The name covers noDeploy, the only setting outside the cache key that changes it.
func (r *run) cachedLayer(ctx context.Context, reqInputs []archive.Input) (string, error) {
	entry, err := r.builtEntry(".")
	if err != nil {
		return "", err
	}
	name := "layer.zip"
	if len(r.opts.NoDeploy) > 0 {
		names := make([]string, 0, len(r.opts.NoDeploy))
		for _, n := range r.opts.NoDeploy {
			names = append(names, requirements.NormalizeName(n))
		}
		sort.Strings(names)
		sum := sha256.Sum256([]byte(strings.Join(names, "\n")))
		name = "layer-" + hex.EncodeToString(sum[:8]) + ".zip"
	}
	p := filepath.Join(entry, cache.MetaDir, name)
	if exists(p) {
		r.emit.Info("Found cached Python Requirements Lambda Layer file")
		return p, nil
	}
	if _, err := archive.Merge(ctx, p, reqInputs, archive.PackOptions{}); err != nil {
		return "", err
	}
	return p, nil
}

// layerRuntimes is the default compatibleRuntimes: the provider runtime (as the original), plus
// the other Python runtimes of the functions, so a mixed service lists every runtime that uses it.
func (r *run) layerRuntimes() []string {
	out := []string{}
	seen := map[string]bool{}
	add := func(rt string) {
		if rt != "" && !seen[rt] {
			seen[rt] = true
			out = append(out, rt)
		}
	}
	if prt := r.req.Service.Provider.Runtime; isPython(prt) || len(r.pythonFuncs()) == 0 {
		add(prt)
	}
	var others []string
	for _, f := range r.pythonFuncs() {
		others = append(others, f.Runtime)
	}
	sort.Strings(others)
	for _, rt := range others {
		add(rt)
	}
	return out
}

// linkOrCopy makes dst the same content as src: a hard link, or a copy across file systems.
func linkOrCopy(src, dst string) error {
	if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeAtomic(dst, in)
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
