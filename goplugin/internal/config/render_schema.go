package config

import (
	"strings"
)

// SchemaJSON returns schema/python-requirements.schema.json, generated from optionTable and
// layerTable.
//
// The block and `layer` are true/false or an object. They are written as
// `if: {type: object}, then: {the object}, else: {the scalar values}` rather than `anyOf`:
// under `anyOf`, Serverless (v3 and osls) reports a misspelt key as "unsupported object
// format"; with if/then it reports "unrecognized property '<key>'".
//
// The rules that keep it embeddable in Serverless's own schema (checked in schema/): no $ref,
// no union types, a `type` beside every type-specific keyword, and every boolean an enum, so
// that AJV's type coercion never rewrites a valid value.
func SchemaJSON() []byte {
	props := obj{}
	for _, s := range optionTable {
		props = append(props, kv{s.Key, optionSchema(&s)})
	}
	object := obj{
		{"type", "object"},
		{"additionalProperties", false},
		{"properties", props},
	}
	object = append(object, crossOptionRules()...)
	root := obj{
		{"$schema", "http://json-schema.org/draft-07/schema#"},
		{"title", "custom.pythonRequirements"},
		{"description", "Options of serverless-pyreqs (compatible with serverless-python-requirements): true, false, or an object of options. Generated from goplugin/internal/config/options.go by `go generate ./goplugin/internal/config`."},
	}
	root = append(root, trueFalseOrObject(boolEnum(true), object)...)
	return marshal(root)
}

// trueFalseOrObject is if/then/else: an object is checked against object, anything else
// against the scalar enum.
func trueFalseOrObject(scalars []any, object obj) obj {
	return obj{
		{"if", obj{{"type", "object"}}},
		{"then", object},
		{"else", obj{{"enum", scalars}}},
	}
}

func optionSchema(s *Spec) obj {
	o := obj{{"description", schemaDescription(s)}}
	unset := []any{nil}
	if s.FalseUnset {
		unset = []any{false, nil}
	}
	switch s.Kind {
	case Bool:
		values := boolEnum(false)
		for _, a := range s.Allowed {
			values = append(values, a)
		}
		o = append(o, kv{"enum", append(values, nil)})
	case Choice:
		var values []any
		for _, a := range s.Allowed {
			values = append(values, a)
		}
		o = append(o, kv{"enum", append(values, nil)})
	case String:
		str := obj{{"type", "string"}}
		if s.NonEmpty {
			str = append(str, kv{"minLength", 1})
		}
		if s.Pattern != "" {
			str = append(str, kv{"pattern", s.Pattern})
		}
		if s.Path {
			// What AJV's coercion makes of `true` before the plugin sees it.
			str = append(str, kv{"not", obj{{"enum", []any{"true"}}}})
		}
		o = append(o, kv{"anyOf", []any{obj{{"enum", unset}}, str}})
	case List:
		item := obj{{"type", "string"}}
		if s.NonEmpty {
			item = append(item, kv{"minLength", 1})
		}
		if s.ItemPattern != "" {
			item = append(item, kv{"pattern", s.ItemPattern})
		}
		o = append(o, kv{"anyOf", []any{obj{{"enum", unset}}, obj{{"type", "array"}, {"items", item}}}})
	case Count:
		o = append(o, kv{"anyOf", []any{
			obj{{"enum", unset}},
			obj{{"type", "integer"}, {"minimum", 0}},
			obj{{"type", "string"}, {"pattern", "^[0-9]+$"}},
		}})
	case LayerKind:
		props := obj{}
		for _, p := range layerTable {
			props = append(props, kv{p.key, append(obj{{"description", p.desc}}, p.schema...)})
		}
		o = append(o, trueFalseOrObject(boolEnum(true), obj{
			{"type", "object"},
			{"additionalProperties", false},
			{"properties", props},
		})...)
	case NamedLayersKind:
		o = append(o, namedLayersSchema()...)
	default:
		panic("config: option " + s.Key + " has no kind")
	}
	return o
}

// schemaDescription is the description as plain text, with the default and the accepted legacy
// forms.
func schemaDescription(s *Spec) string {
	d := strings.ReplaceAll(s.Description, "`", "")
	if def := defaultText(s, false); def != "" && !strings.Contains(d, "Default:") {
		d += " Default: " + def + "."
	}
	if s.Kind == Bool || s.Kind == LayerKind {
		d += " The strings 'true' and 'false', and yes, no, on and off in any case, are accepted."
	}
	return d
}

// boolEnum lists true, false, the legacy strings 'true' and 'false', and the YAML 1.1 words in
// every case (an enum, not a pattern: AJV never coerces an enum), then null if nullable.
func boolEnum(nullable bool) []any {
	out := []any{true, false, "true", "false"}
	for _, w := range append(append([]string{}, yamlTrue...), yamlFalse...) {
		for _, c := range caseVariants(w) {
			out = append(out, c)
		}
	}
	if nullable {
		out = append(out, nil)
	}
	return out
}

// caseVariants returns every upper/lower-case spelling of an ASCII word, lowercase first.
func caseVariants(w string) []string {
	out := []string{""}
	for _, r := range w {
		var next []string
		for _, p := range out {
			next = append(next, p+strings.ToLower(string(r)), p+strings.ToUpper(string(r)))
		}
		out = next
	}
	return out
}

// crossOptionRules are the checks that involve two options, as the decoder's validate makes
// them.
func crossOptionRules() obj {
	notSet := obj{{"not", obj{{"enum", []any{false, nil, ""}}}}}
	return obj{
		{"not", obj{
			{"$comment", "dockerImage and dockerFile cannot both be set."},
			{"type", "object"},
			{"required", []any{"dockerImage", "dockerFile"}},
			{"properties", obj{{"dockerImage", notSet}, {"dockerFile", notSet}}},
		}},
		{"if", obj{
			{"$comment", "pip's --cache-dir cannot be used with Docker; use useDownloadCache."},
			{"type", "object"},
			{"required", []any{"dockerizePip"}},
			{"properties", obj{{"dockerizePip", obj{{"enum", dockerOnValues()}}}}},
		}},
		{"then", obj{
			{"type", "object"},
			{"properties", obj{{"pipCmdExtraArgs", obj{{"anyOf", []any{
				obj{{"enum", []any{nil}}},
				obj{{"type", "array"}, {"items", obj{
					{"type", "string"},
					{"not", obj{{"type", "string"}, {"pattern", `(^|\s)--cache-dir(=|\s|$)`}}},
				}}},
			}}}}}},
		}},
	}
}

// dockerOnValues are the values of dockerizePip that mean true.
func dockerOnValues() []any {
	out := []any{true, "true"}
	for _, w := range yamlTrue {
		for _, c := range caseVariants(w) {
			out = append(out, c)
		}
	}
	return out
}

// FunctionSchemaJSON returns schema/function-properties.schema.json, from functionTable.
func FunctionSchemaJSON() []byte {
	props := obj{}
	for _, f := range functionTable {
		if f.list {
			props = append(props, kv{f.Key, obj{{"description", f.Description}, {"type", "array"}, {"items", obj{{"type", "string"}, {"minLength", 1}}}}})
			continue
		}
		props = append(props, kv{f.Key, obj{{"description", f.Description}, {"type", "string"}}})
	}
	return marshal(obj{
		{"$schema", "http://json-schema.org/draft-07/schema#"},
		{"title", "serverless-pyreqs function properties"},
		{"description", "Function-level properties read by serverless-pyreqs; register with configSchemaHandler.defineFunctionProperties('aws', ...). Generated from goplugin/internal/config by `go generate ./goplugin/internal/config`."},
		{"properties", props},
	})
}
