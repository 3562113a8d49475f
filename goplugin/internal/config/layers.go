package config

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// NamedLayer is one entry of the `layers` option: a requirements layer of its own, built from the
// requirements source in Path and registered as the Serverless layer LayerKey()
// (pythonRequirements<Name>).
type NamedLayer struct {
	// Name is the key under `layers` (numeric).
	Name string
	// Path is the folder holding the layer's requirements source, a clean relative path.
	Path string
	// Props are the layer properties given (as in Layer.Props; never artifact).
	Props map[string]any
	// Slim is the layer's slim (nil: the block's).
	Slim *bool
	// NoDeploy is the layer's noDeploy (nil: the block's).
	NoDeploy []string
	// FileName is the layer's requirements file name ("": the block's).
	FileName string
}

// namedLayerRE is what a layer name may look like: it becomes part of a CloudFormation logical id.
var namedLayerRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// LayerKey is the Serverless layer key: pythonRequirements<Name>.
func (l *NamedLayer) LayerKey() string { return "pythonRequirements" + upperFirst(l.Name) }

// LogicalID is the CloudFormation logical id Serverless gives the layer:
// PythonRequirements<Name>LambdaLayer ('-' becomes Dash and '_' Underscore, as Serverless does).
func (l *NamedLayer) LogicalID() string { return LayerLogicalID(l.LayerKey()) }

// LayerLogicalID is Serverless v3's logical id of the layer key (getLambdaLayerLogicalId).
func LayerLogicalID(key string) string {
	n := strings.NewReplacer("-", "Dash", "_", "Underscore").Replace(key)
	return upperFirst(n) + "LambdaLayer"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// namedLayerExtra are the per-layer options besides the layer properties.
var namedLayerExtra = []struct{ key, desc string }{
	{"path", "Folder holding the layer's requirements source (requirements file, Pipfile, Poetry or uv project, or PEP 621 pyproject.toml), relative to the service."},
	{"slim", "slim for this layer. Default: the block's slim."},
	{"noDeploy", "noDeploy for this layer. Default: the block's noDeploy."},
	{"fileName", "Requirements file name in the layer's folder. Default: the block's fileName."},
}

// namedLayerKeys returns every key accepted in a named layer.
func namedLayerKeys() []string {
	var out []string
	for _, e := range namedLayerExtra {
		out = append(out, e.key)
	}
	for _, p := range layerTable {
		if p.key != "artifact" {
			out = append(out, p.key)
		}
	}
	return out
}

// namedLayers decodes the `layers` option.
func (d *decoder) namedLayers(v any) []NamedLayer {
	m, ok := v.(map[string]any)
	if !ok {
		d.failHint("layers", "Write an object of named layers, such as layers: { numeric: { path: layers/numeric } }.",
			"must be an object of named layers (got %s)", describeKind(v))
		return nil
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []NamedLayer
	byID := map[string]string{}
	for _, name := range names {
		key := "custom.pythonRequirements.layers." + name
		if !namedLayerRE.MatchString(name) {
			d.failHint(key, "Rename it: a layer name starts with a letter and holds letters, digits, '-' or '_'.",
				"is not a valid layer name")
			continue
		}
		l := NamedLayer{Name: name}
		id := strings.ToLower(l.LogicalID())
		if other, dup := byID[id]; dup {
			d.errs = append(d.errs, diag.AtKey(diag.CodeLayerDuplicate, key,
				"is a duplicate layer name: %s and %s both become %s", other, name, l.LogicalID()).
				WithFix("Rename one of them: layer names that differ only in case give the same CloudFormation resource."))
			continue
		}
		byID[id] = name
		obj, ok := m[name].(map[string]any)
		if !ok {
			d.failHint(key, fmt.Sprintf("Write layers:\n  %s:\n    path: layers/%s", name, name),
				"must be an object with at least path (got %s)", describeKind(m[name]))
			continue
		}
		if d.namedLayer(key, obj, &l) {
			out = append(out, l)
		}
	}
	return out
}

func (d *decoder) namedLayer(key string, m map[string]any, l *NamedLayer) bool {
	n := len(d.errs)
	l.Props = map[string]any{}
	for _, p := range layerTable {
		v, ok := m[p.key]
		if !ok || p.key == "artifact" {
			continue
		}
		if val, ok := p.decode(d, key+"."+p.key, v); ok {
			l.Props[p.key] = val
		}
	}
	if v, ok := m["path"]; !ok || v == nil {
		d.failHint(key+".path", fmt.Sprintf("Add the folder of the layer's requirements, such as path: layers/%s.", l.Name),
			"is missing")
	} else if s, ok := d.str(key+".path", v, "a folder path relative to the service", false); ok {
		c := path.Clean(strings.ReplaceAll(strings.TrimSpace(s), "\\", "/"))
		if s == "" || s == "true" || path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
			d.fail(key+".path", "must be a folder inside the service (a relative path without ..), got %q", s)
		}
		l.Path = c
	}
	if v, ok := m["slim"]; ok && v != nil {
		var b bool
		d.boolean(key+".slim", v, &b)
		l.Slim = &b
	}
	if v, ok := m["noDeploy"]; ok && v != nil {
		if nd, ok := d.list(key+".noDeploy", v, "distribution names", false); ok {
			l.NoDeploy = nd
		}
	}
	if v, ok := m["fileName"]; ok && v != nil {
		if s, ok := d.str(key+".fileName", v, "a file name such as requirements.txt", false); ok {
			if s == "" {
				d.fail(key+".fileName", "must be a file name such as requirements.txt, not an empty string")
			}
			l.FileName = s
		}
	}
	var unknown []string
	for k := range m {
		if !slices.Contains(namedLayerKeys(), k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		hint := "Allowed properties of a named layer: " + strings.Join(namedLayerKeys(), ", ") + "."
		if s := suggest(k, namedLayerKeys()); s != "" {
			hint = fmt.Sprintf("Did you mean %s? %s", s, hint)
		}
		d.failHint(key+"."+k, hint, "is not a property of a named layer")
	}
	return len(d.errs) == n
}

// LayerByName returns the named layer, or nil.
func (o *Options) LayerByName(name string) *NamedLayer {
	for i := range o.Layers {
		if o.Layers[i].Name == name {
			return &o.Layers[i]
		}
	}
	return nil
}

// LayerNames lists the names of the named layers, sorted.
func (o *Options) LayerNames() []string {
	out := make([]string, len(o.Layers))
	for i, l := range o.Layers {
		out[i] = l.Name
	}
	return out
}

// namedLayersSchema is the JSON Schema of `layers`.
func namedLayersSchema() obj {
	props := obj{}
	for _, e := range namedLayerExtra {
		var s obj
		switch e.key {
		case "path", "fileName":
			s = obj{{"type", "string"}, {"minLength", 1}}
		case "slim":
			s = obj{{"enum", boolEnum(false)}}
		case "noDeploy":
			s = obj{{"type", "array"}, {"items", obj{{"type", "string"}}}}
		}
		props = append(props, kv{e.key, append(obj{{"description", e.desc}}, s...)})
	}
	for _, p := range layerTable {
		if p.key != "artifact" {
			props = append(props, kv{p.key, append(obj{{"description", p.desc}}, p.schema...)})
		}
	}
	return obj{{"anyOf", []any{
		obj{{"enum", []any{nil}}},
		obj{
			{"type", "object"},
			{"propertyNames", obj{{"type", "string"}, {"pattern", namedLayerRE.String()}}},
			{"additionalProperties", obj{
				{"type", "object"},
				{"additionalProperties", false},
				{"required", []any{"path"}},
				{"properties", props},
			}},
		},
	}}}
}
