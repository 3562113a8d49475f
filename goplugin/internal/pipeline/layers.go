package pipeline

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/workspace"
)

// maxLayers is the most layers Lambda lets a function attach.
const maxLayers = 5

// namedLayer is one entry of custom.pythonRequirements.layers with what the service makes of it:
// the functions that attach it and the target it is built for.
type namedLayer struct {
	cfg     *config.NamedLayer
	fns     []*fn  // the target functions that attach it, in key order
	Runtime string // the runtime it is built for
	Arch    string // the architecture it is built for
	// Runtimes and Archs are its compatibleRuntimes and compatibleArchitectures.
	Runtimes []string
	Archs    []string
}

// key is the Serverless layer key, pythonRequirements<Name>.
func (l *namedLayer) key() string { return l.cfg.LayerKey() }

// cfgKey is the option path of the layer, for errors.
func (l *namedLayer) cfgKey(sub string) string {
	k := diag.ConfigPath("layers") + "." + l.cfg.Name
	if sub != "" {
		k += "." + sub
	}
	return k
}

// fnLayers is what a function attaches: its named layers and the list its layers become.
type fnLayers struct {
	names []string // named layers attached, in the order written
	final []any    // the function's layers (or provider.layers) plus the named layers' Refs
	added bool     // final differs from what the function has
}

// planLayers reads the named layers and every target function's requirementsLayers, and checks
// them: unknown names, the layer limit, a logical id taken by a layer of the service, and the
// architecture and runtimes of the functions that attach each layer.
func (r *state) planLayers() ([]*namedLayer, map[string]*fnLayers, error) {
	if len(r.opts.Layers) == 0 {
		for _, f := range r.fns {
			if names, err := config.ParseRequirementsLayers(f.Key, f.Obj.RequirementsLayers); err != nil {
				return nil, nil, err
			} else if len(names) > 0 {
				return nil, nil, unknownLayer(f.Key, 0, names[0], nil)
			}
		}
		return nil, nil, nil
	}
	svc := &r.req.Service
	layers := make([]*namedLayer, len(r.opts.Layers))
	byName := map[string]*namedLayer{}
	for i := range r.opts.Layers {
		l := &namedLayer{cfg: &r.opts.Layers[i]}
		layers[i], byName[l.cfg.Name] = l, l
		for _, k := range sortedKeys(svc.Layers) {
			if strings.EqualFold(config.LayerLogicalID(k), l.cfg.LogicalID()) {
				return nil, nil, diag.AtKey(diag.CodeLayerDuplicate, l.cfgKey(""),
					"is a duplicate layer name: the layer %s of the top-level layers block also becomes %s", k, l.cfg.LogicalID()).
					WithFix("Rename the named layer or the layer under layers:.")
			}
		}
	}
	attach := map[string]*fnLayers{}
	for _, f := range r.fns {
		names, err := config.ParseRequirementsLayers(f.Key, f.Obj.RequirementsLayers)
		if err != nil {
			return nil, nil, err
		}
		if len(names) == 0 {
			continue
		}
		fl := &fnLayers{}
		for i, n := range names {
			l := byName[n]
			if l == nil {
				return nil, nil, unknownLayer(f.Key, i, n, r.opts.LayerNames())
			}
			if !slices.Contains(fl.names, n) {
				fl.names = append(fl.names, n)
				l.fns = append(l.fns, f)
			}
		}
		if fl.final, fl.added, err = r.functionLayerList(f, fl.names, byName); err != nil {
			return nil, nil, err
		}
		attach[f.Key] = fl
	}
	for _, l := range layers {
		if err := r.target(l); err != nil {
			return nil, nil, err
		}
	}
	return layers, attach, nil
}

func unknownLayer(fnKey string, i int, name string, known []string) error {
	opt := diag.ConfigPath("layers")
	fix := fmt.Sprintf("Define it under %s (with its path), or remove it from the list.", opt)
	if len(known) > 0 {
		fix = fmt.Sprintf("Use one of the layers defined under %s (%s), or define %s there.",
			opt, strings.Join(known, ", "), name)
	}
	return diag.AtKey(diag.CodeLayerUnknown, fmt.Sprintf("functions.%s.requirementsLayers[%d]", fnKey, i),
		"names the layer %q, which %s does not define", name, opt).WithFix("%s", fix)
}

// functionLayerList is the function's layers after attaching its named layers: its own layers,
// or provider.layers when it has none (a function's layers replace the provider's), plus a Ref
// to each named layer it does not reference yet. More than five is an error.
func (r *state) functionLayerList(f *fn, names []string, byName map[string]*namedLayer) ([]any, bool, error) {
	raw := f.Obj.Layers
	if len(raw) == 0 || string(raw) == "null" {
		raw = r.req.Service.Provider.Layers
	}
	var list []any
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, false, diag.Config("functions."+f.Key+".layers", "must be a list of layer ARNs or {Ref: ...} objects")
		}
	}
	added := false
	for _, n := range names {
		ref := map[string]any{"Ref": byName[n].cfg.LogicalID()}
		if !slices.ContainsFunc(list, func(v any) bool { return compactJSON(v) == compactJSON(ref) }) {
			list = append(list, ref)
			added = true
		}
	}
	if len(list) > maxLayers {
		return nil, false, diag.AtKey(diag.CodeSizeLayers, "functions."+f.Key+".requirementsLayers",
			"function %q would attach %d layers (its layers or provider.layers, plus requirementsLayers %s); Lambda allows at most %d",
			f.Key, len(list), strings.Join(names, ", "), maxLayers).
			WithFix("Merge layers (one named layer can hold the requirements of several), or remove some from functions.%s.layers, provider.layers or requirementsLayers.", f.Key)
	}
	return list, added, nil
}

// target sets the layer's build target and compatible runtimes and architectures from the
// functions that attach it, and checks that they agree with the layer's own properties.
func (r *state) target(l *namedLayer) error {
	prov := r.req.Service.Provider
	l.Runtimes, _ = l.cfg.Props["compatibleRuntimes"].([]string)
	l.Archs, _ = l.cfg.Props["compatibleArchitectures"].([]string)
	for _, f := range l.fns {
		if f.Arch() != l.fns[0].Arch() {
			return diag.AtKey(diag.CodeLayerMismatch, l.cfgKey(""),
				"layer %s is attached to function %q (%s) and function %q (%s): one layer is built for one architecture",
				l.cfg.Name, l.fns[0].Key, l.fns[0].Arch(), f.Key, f.Arch())
		}
		if len(l.Archs) > 0 && !slices.Contains(l.Archs, f.Arch()) {
			return diag.AtKey(diag.CodeLayerMismatch, l.cfgKey("compatibleArchitectures"),
				"layer %s is for %s, but function %q attaches it and runs on %s",
				l.cfg.Name, strings.Join(l.Archs, ", "), f.Key, f.Arch())
		}
		if !isPython(f.Runtime) || len(l.Runtimes) > 0 && !slices.Contains(l.Runtimes, f.Runtime) {
			want := strings.Join(l.Runtimes, ", ")
			if want == "" {
				want = "Python runtimes"
			}
			return diag.AtKey(diag.CodeLayerMismatch, l.cfgKey("compatibleRuntimes"),
				"layer %s is for %s, but function %q attaches it and runs %s", l.cfg.Name, want, f.Key, f.Runtime)
		}
	}
	switch {
	case len(l.fns) > 0:
		l.Arch = l.fns[0].Arch()
	case len(l.Archs) > 0 && slices.Contains(l.Archs, prov.Architecture):
		l.Arch = prov.Architecture
	case len(l.Archs) > 0:
		l.Arch = l.Archs[0]
	default:
		l.Arch = prov.Architecture
	}
	if l.Arch == "" {
		l.Arch = "x86_64"
	}
	if len(l.Archs) == 0 {
		l.Archs = []string{l.Arch}
	}
	if len(l.Runtimes) == 0 {
		for _, f := range l.fns {
			if !slices.Contains(l.Runtimes, f.Runtime) {
				l.Runtimes = append(l.Runtimes, f.Runtime)
			}
		}
		sort.Strings(l.Runtimes)
	}
	switch {
	case len(l.fns) > 0:
		l.Runtime = l.fns[0].Runtime
	case len(l.Runtimes) > 0 && slices.Contains(l.Runtimes, prov.Runtime):
		l.Runtime = prov.Runtime
	case len(l.Runtimes) > 0:
		l.Runtime = l.Runtimes[0]
	default:
		l.Runtime = prov.Runtime
	}
	if !isPython(l.Runtime) {
		return diag.AtKey(diag.CodeLayerMismatch, l.cfgKey("compatibleRuntimes"),
			"layer %s has no Python runtime: no Python function attaches it and provider.runtime is %q", l.cfg.Name, l.Runtime).
			WithFix("Set compatibleRuntimes (such as [python3.12]) on the layer, or attach it to a Python function.")
	}
	if len(l.Runtimes) == 0 {
		l.Runtimes = []string{l.Runtime}
	}
	return nil
}

// Arch is the function's architecture (x86_64 when unset).
func (f *fn) Arch() string {
	if f.Architecture == "" {
		return "x86_64"
	}
	return f.Architecture
}

// layerUnits are the requirements sets of the named layers: one per layer, read from its path
// with its own fileName, built for its target.
func (r *state) layerUnits() []*unit {
	var out []*unit
	for _, l := range r.layers {
		dir := r.ws.NamedLayerDir(l.key())
		out = append(out, &unit{
			Module: l.cfg.Path, Layer: l, Runtime: l.Runtime, Arch: l.Arch,
			ReqOut:   filepath.Join(dir, workspace.RequirementsFile),
			LinkPath: filepath.Join(dir, workspace.LinkName),
			Pointer:  filepath.Join(dir, workspace.PointerName),
		})
	}
	return out
}

// unitOptions are the options a unit is read and built with: a named layer's slim, noDeploy
// and fileName replace the block's.
func (r *state) unitOptions(u *unit) *config.Options {
	if u.Layer == nil {
		return r.opts
	}
	o := *r.opts
	c := u.Layer.cfg
	if c.Slim != nil {
		o.Slim = *c.Slim
	}
	if c.NoDeploy != nil {
		o.NoDeploy = c.NoDeploy
	}
	if c.FileName != "" {
		o.FileName, o.FileNameSet = c.FileName, true
	}
	return &o
}

// layerOptions are the options of a named layer (as unitOptions).
func (r *state) layerOptions(l *namedLayer) *config.Options { return r.unitOptions(&unit{Layer: l}) }

func compactJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
