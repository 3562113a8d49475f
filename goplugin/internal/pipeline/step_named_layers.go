package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/workspace"
)

// namedLayers (before hook) reads custom.pythonRequirements.layers and the functions'
// requirementsLayers and checks them before anything is installed; requirementSets then adds
// one requirements set per named layer, built like the others (once per distinct set and
// target, in parallel).
type namedLayers struct{}

func (namedLayers) String() string { return "named-layers" }

func (namedLayers) Run(_ context.Context, s *state) error {
	layers, attach, err := s.planLayers()
	if err != nil {
		return err
	}
	if len(layers) == 0 {
		return skip("no named layers")
	}
	s.layers, s.attach = layers, attach
	for _, l := range layers {
		var keys []string
		for _, f := range l.fns {
			keys = append(keys, f.Key)
		}
		attached := "no function attaches it"
		if len(keys) > 0 {
			attached = "attached to " + strings.Join(keys, ", ")
		}
		s.emit.Verbose(fmt.Sprintf("Layer %s (%s): %s, for %s %s; %s", l.cfg.Name, l.key(), l.cfg.Path, l.Runtime, l.Arch, attached))
	}
	return nil
}

// namedLayerZips (after hook) writes each named layer's .serverless/pythonRequirements<Name>.zip
// (its requirements under python/, cached in its cache entry like the layer option's),
// registers it as the layer pythonRequirements<Name>, and adds {Ref:
// PythonRequirements<Name>LambdaLayer} to the layers of each function that lists it in
// requirementsLayers. It also records, per function, the layer zips it attaches (LayerZips).
type namedLayerZips struct{}

func (namedLayerZips) String() string { return "named-layer-zips" }

func (namedLayerZips) Run(ctx context.Context, s *state) error {
	layers, attach, err := s.planLayers()
	if err != nil {
		return err
	}
	s.layers, s.attach = layers, attach
	zips := map[string]string{}
	if len(layers) > 0 {
		s.emit.Progress("python-named-layers", "Packaging Python requirements layers", false)
		defer s.emit.Progress("python-named-layers", "", true)
	}
	for _, l := range layers {
		dst, err := s.writeNamedLayer(ctx, l)
		if err != nil {
			return err
		}
		zips[l.cfg.Name] = dst
		if s.edits.Layers == nil {
			s.edits.Layers = map[string]map[string]any{}
		}
		s.edits.Layers[l.key()] = s.namedLayerProps(l, dst)
	}
	for _, k := range sortedKeys(attach) {
		if attach[k].added {
			if s.edits.FunctionLayers == nil {
				s.edits.FunctionLayers = map[string][]any{}
			}
			s.edits.FunctionLayers[k] = attach[k].final
		}
	}
	s.recordLayerZips(zips)
	if len(layers) == 0 {
		return skip("no named layers")
	}
	return nil
}

// writeNamedLayer writes the layer's zip from its built cache entry and returns its path.
func (r *state) writeNamedLayer(ctx context.Context, l *namedLayer) (string, error) {
	dir := r.ws.NamedLayerDir(l.key())
	entry, err := workspace.BuiltEntryAt(filepath.Join(dir, workspace.PointerName), filepath.Join(dir, workspace.LinkName))
	if err != nil {
		return "", diag.Errorf(diag.CodeNoArtifact, "the requirements of layer %s were not built (%s is missing)", l.cfg.Name,
			r.rel(filepath.Join(dir, workspace.PointerName))).WithFix("Run sls package again; the before hook builds the layers.")
	}
	noDeploy := r.layerOptions(l).NoDeploy
	in := archive.Input{Zip: cache.PackedPath(entry), Prefix: "python/"}
	if len(noDeploy) > 0 {
		drop := noDeployFiles(entry, noDeploy)
		in.Keep = func(name string) bool { return !drop(strings.TrimPrefix(name, "python/")) }
	}
	dst := r.ws.NamedLayerZip(l.key())
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	cached, hit, err := cachedLayerZip(ctx, entry, noDeploy, []archive.Input{in})
	if err != nil {
		r.emit.Verbose(fmt.Sprintf("Not caching the zip of layer %s (%v): building it in .serverless", l.cfg.Name, err))
		if _, err := archive.Merge(ctx, dst, []archive.Input{in}, archive.PackOptions{}); err != nil {
			return "", fmt.Errorf("writing %s: %w", r.rel(dst), err)
		}
		return dst, nil
	}
	if hit {
		r.emit.Verbose(fmt.Sprintf("Layer %s: using the cached zip %s", l.cfg.Name, cached))
	} else {
		r.emit.Verbose(fmt.Sprintf("Layer %s: zipped into %s", l.cfg.Name, cached))
	}
	if err := workspace.LinkOrCopy(cached, dst); err != nil {
		return "", fmt.Errorf("writing %s: %w", r.rel(dst), err)
	}
	return dst, nil
}

// namedLayerProps are the Serverless layer properties of a named layer: the defaults, then the
// layer's own properties.
func (r *state) namedLayerProps(l *namedLayer, artifact string) map[string]any {
	stage := r.req.Stage
	if stage == "" {
		stage = r.req.Service.Provider.Stage
	}
	if stage == "" {
		stage = "dev"
	}
	props := map[string]any{
		"artifact":                artifact,
		"name":                    fmt.Sprintf("%s-%s-python-requirements-%s", r.req.Service.Name, stage, strings.ToLower(l.cfg.Name)),
		"description":             fmt.Sprintf("Python requirements of layer %s generated by serverless-pyreqs.", l.cfg.Name),
		"compatibleRuntimes":      l.Runtimes,
		"compatibleArchitectures": l.Archs,
	}
	for k, v := range l.cfg.Props {
		props[k] = jsonClone(v)
	}
	return props
}

// recordLayerZips sets LayerZips: per target function, the zips of the layers it attaches
// that serverless-pyreqs builds (its named layers in the order written, then
// pythonRequirements.zip when it references PythonRequirementsLambdaLayer).
func (r *state) recordLayerZips(named map[string]string) {
	r.LayerZips = map[string][]string{}
	for _, f := range r.fns {
		var out []string
		var layers []any
		if fl := r.attach[f.Key]; fl != nil {
			for _, n := range fl.names {
				out = append(out, named[n])
			}
			layers = fl.final
		} else {
			raw := f.Obj.Layers
			if len(raw) == 0 || string(raw) == "null" {
				raw = r.req.Service.Provider.Layers
			}
			_ = json.Unmarshal(raw, &layers)
		}
		if r.opts.Layer.Enabled {
			ref := compactJSON(map[string]any{"Ref": config.LayerLogicalID("pythonRequirements")})
			for _, v := range layers {
				if compactJSON(v) == ref && exists(r.ws.LayerZip()) {
					out = append(out, r.ws.LayerZip())
					break
				}
			}
		}
		if len(out) > 0 {
			r.LayerZips[f.Key] = out
		}
	}
}

// layerSourceDir checks that a named layer's path is a folder.
func (r *state) layerSourceDir(l *namedLayer, dir string) error {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return diag.AtKey(diag.CodeLayerNotFound, l.cfgKey("path"), "the folder %s of layer %s does not exist", r.rel(dir), l.cfg.Name).
			WithFix("Fix %s: a folder of the service holding the layer's requirements source.", l.cfgKey("path"))
	}
	return nil
}

// noLayerSource is the error for a layer folder without a requirements source of its own.
func (r *state) noLayerSource(l *namedLayer, dir string, o *config.Options) error {
	return diag.AtKey(diag.CodeLayerNotFound, l.cfgKey("path"), "the folder %s of layer %s holds no requirements source", r.rel(dir), l.cfg.Name).
		WithFix("Add %s (or a Pipfile, a Poetry or uv project, or a pyproject.toml with [project].dependencies) to %s.", o.FileName, r.rel(dir))
}

// emptyLayer is the error for a layer whose requirements are empty (after noDeploy).
func (r *state) emptyLayer(l *namedLayer) error {
	return diag.AtKey(diag.CodeLayerNotFound, l.cfgKey("path"), "layer %s has no requirements to install (after noDeploy)", l.cfg.Name).
		WithFix("Add requirements to the layer's source in %s, or remove the layer.", l.cfg.Path)
}
