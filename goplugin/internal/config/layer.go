package config

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// The layer properties accepted in `layer: {...}`: the Serverless v3 `layers.<name>` properties
// that describe a published layer, plus `artifact`, which the original merged into the layer
// too. `path` and `package` are refused: the layer's content is the installed requirements.
var (
	layerNameRE    = regexp.MustCompile(`^((arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9_-]+)|[a-zA-Z0-9_-]+)$`)
	layerAccountRE = regexp.MustCompile(`^(\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root)$`)
)

// layerProp is one property of `layer: {...}`: its key, its description and JSON Schema (for the
// generated schema), and its decoder.
type layerProp struct {
	key    string
	desc   string
	schema obj
	decode func(d *decoder, key string, v any) (any, bool)
}

var layerTable = []layerProp{
	{"name", "Layer name. Default: <service>-<stage>-python-requirements.",
		obj{{"type", "string"}, {"minLength", 1}, {"maxLength", 140}, {"pattern", layerNameRE.String()}},
		func(d *decoder, key string, v any) (any, bool) {
			s, ok := d.str(key, v, "a layer name", false)
			if !ok {
				return nil, false
			}
			if n := utf8.RuneCountInString(s); n < 1 || n > 140 || !layerNameRE.MatchString(s) {
				d.fail(key, "must be 1 to 140 letters, digits, '-' or '_', or a layer ARN (got %q)", s)
				return nil, false
			}
			return s, true
		}},
	{"description", "Layer description.",
		obj{{"type", "string"}, {"maxLength", 256}},
		func(d *decoder, key string, v any) (any, bool) {
			return d.maxLenString(key, v, "a description", 256)
		}},
	{"compatibleRuntimes", "Runtimes the layer is compatible with, as a list. Default: [provider.runtime].",
		obj{{"type", "array"}, {"maxItems", 15}, {"items", obj{{"type", "string"}, {"minLength", 1}}}},
		func(d *decoder, key string, v any) (any, bool) {
			l, ok := d.list(key, v, "Lambda runtimes such as python3.12", false)
			if !ok {
				return nil, false
			}
			if len(l) > 15 {
				d.fail(key, "must list at most 15 runtimes (got %d)", len(l))
				ok = false
			}
			for i, s := range l {
				if s == "" {
					d.fail(fmt.Sprintf("%s[%d]", key, i), "must be a Lambda runtime such as python3.12, not an empty string")
					ok = false
				}
			}
			return l, ok
		}},
	{"compatibleArchitectures", "Instruction set architectures the layer is compatible with, as a list.",
		obj{{"type", "array"}, {"maxItems", 2}, {"items", obj{{"enum", []any{"x86_64", "arm64"}}}}},
		func(d *decoder, key string, v any) (any, bool) {
			l, ok := d.list(key, v, "architectures (x86_64, arm64)", false)
			if !ok {
				return nil, false
			}
			if len(l) > 2 {
				d.fail(key, "must list at most 2 architectures (got %d)", len(l))
				ok = false
			}
			for i, s := range l {
				if s != "x86_64" && s != "arm64" {
					d.fail(fmt.Sprintf("%s[%d]", key, i), `must be "x86_64" or "arm64" (got %s)`, describeValue(s))
					ok = false
				}
			}
			return l, ok
		}},
	{"licenseInfo", "The layer's software license (SPDX identifier, URL or text).",
		obj{{"type", "string"}, {"maxLength", 512}},
		func(d *decoder, key string, v any) (any, bool) {
			return d.maxLenString(key, v, "a license (SPDX identifier, URL or text)", 512)
		}},
	{"allowedAccounts", "AWS account ids (or '*') allowed to use the layer.",
		obj{{"type", "array"}, {"items", obj{{"type", "string"}, {"pattern", layerAccountRE.String()}}}},
		func(d *decoder, key string, v any) (any, bool) {
			l, ok := d.list(key, v, "AWS account ids or '*'", false)
			if !ok {
				return nil, false
			}
			for i, s := range l {
				if !layerAccountRE.MatchString(s) {
					d.fail(fmt.Sprintf("%s[%d]", key, i), "must be a 12-digit AWS account id, '*' or arn:aws:iam::<account>:root (got %s)", describeValue(s))
					ok = false
				}
			}
			return l, ok
		}},
	{"retain", "Keep old layer versions when a new one is deployed.",
		obj{{"enum", boolEnum(false)}},
		func(d *decoder, key string, v any) (any, bool) {
			var b bool
			n := len(d.errs)
			d.boolean(key, v, &b)
			return b, len(d.errs) == n
		}},
	{"artifact", "Path of the layer zip. Default: .serverless/pythonRequirements.zip.",
		obj{{"type", "string"}, {"minLength", 1}},
		func(d *decoder, key string, v any) (any, bool) {
			s, ok := d.str(key, v, "the path of the layer zip", false)
			if ok && s == "" {
				d.fail(key, "must be the path of the layer zip, not an empty string")
				return nil, false
			}
			return s, ok
		}},
}

// LayerKeys returns the properties accepted in `layer: {...}`.
func LayerKeys() []string {
	keys := make([]string, len(layerTable))
	for i, p := range layerTable {
		keys[i] = p.key
	}
	return keys
}

// layer decodes the `layer` option.
func (d *decoder) layer(v any) Layer {
	switch v := v.(type) {
	case bool:
		return Layer{Enabled: v}
	case string:
		if b, ok := parseBool(v); ok {
			return Layer{Enabled: b}
		}
	case map[string]any:
		return d.layerObject(v)
	}
	d.failHint("layer", "Write layer: true, or an object such as layer: { name: my-deps, compatibleArchitectures: [arm64] }.",
		"must be true, false or an object of layer properties (got %s)", describeValue(v))
	return Layer{}
}

func (d *decoder) layerObject(m map[string]any) Layer {
	props := map[string]any{}
	for _, p := range layerTable {
		v, ok := m[p.key]
		if !ok {
			continue
		}
		if val, ok := p.decode(d, "layer."+p.key, v); ok {
			props[p.key] = val
		}
	}
	var unknown []string
	for k := range m {
		if !slices.Contains(LayerKeys(), k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		key := "layer." + k
		switch k {
		case "path", "package":
			d.failHint(key, "Remove it. To ship files of your own, define a separate layer under the top-level layers: block.",
				"cannot be set: the layer's content is the installed requirements, built by serverless-pyreqs")
		default:
			hint := "Allowed layer properties: " + strings.Join(LayerKeys(), ", ") + "."
			if s := suggest(k, LayerKeys()); s != "" {
				hint = fmt.Sprintf("Did you mean %s? %s", s, hint)
			}
			d.failHint(key, hint, "is not a layer property")
		}
	}
	return Layer{Enabled: true, Props: props}
}

func (d *decoder) maxLenString(key string, v any, what string, limit int) (any, bool) {
	s, ok := d.str(key, v, what, false)
	if !ok {
		return nil, false
	}
	if n := utf8.RuneCountInString(s); n > limit {
		d.fail(key, "must be at most %d characters (got %d)", limit, n)
		return nil, false
	}
	return s, true
}
