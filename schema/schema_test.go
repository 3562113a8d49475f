package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func decode(t *testing.T, name string, raw []byte) map[string]any {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s is not valid JSON: %v", name, err)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		t.Fatalf("%s: top level is %T, want an object", name, doc)
	}
	return m
}

// TestCompilesAsDraft07 checks both files against the draft-07 meta-schema.
func TestCompilesAsDraft07(t *testing.T) {
	for name, raw := range map[string][]byte{
		"python-requirements.schema.json": PythonRequirements,
		"function-properties.schema.json": FunctionProperties,
	} {
		t.Run(name, func(t *testing.T) {
			doc := decode(t, name, raw)
			if got := doc["$schema"]; got != "http://json-schema.org/draft-07/schema#" {
				t.Errorf("$schema = %v, want draft-07", got)
			}
			c := jsonschema.NewCompiler()
			if err := c.AddResource(name, doc); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Compile(name); err != nil {
				t.Fatalf("does not compile: %v", err)
			}
		})
	}
}

// walk calls fn for every subschema of s, with a JSON-pointer-like path.
func walk(path string, s any, fn func(path string, s map[string]any)) {
	m, ok := s.(map[string]any)
	if !ok {
		return
	}
	fn(path, m)
	for _, kw := range []string{"properties", "patternProperties", "definitions"} {
		if props, ok := m[kw].(map[string]any); ok {
			for k, sub := range props {
				walk(path+"/"+kw+"/"+k, sub, fn)
			}
		}
	}
	for _, kw := range []string{"items", "not", "if", "then", "else", "additionalProperties"} {
		walk(path+"/"+kw, m[kw], fn)
	}
	for _, kw := range []string{"anyOf", "allOf", "oneOf"} {
		if list, ok := m[kw].([]any); ok {
			for i, sub := range list {
				walk(fmt.Sprintf("%s/%s/%d", path, kw, i), sub, fn)
			}
		}
	}
}

// TestServerlessCompatible checks the rules that let the schema be merged into Serverless v3's
// own schema and compiled by its AJV (strict: true, so strictTypes; coerceTypes: 'array'):
// no $ref (it would resolve against Serverless's root), no union types, and a `type` beside
// every keyword that only applies to one type.
func TestServerlessCompatible(t *testing.T) {
	needs := map[string][]string{
		"properties": {"object"}, "additionalProperties": {"object"}, "required": {"object"},
		"items": {"array"}, "maxItems": {"array"}, "minItems": {"array"},
		"pattern": {"string"}, "minLength": {"string"}, "maxLength": {"string"},
		"minimum": {"number", "integer"}, "maximum": {"number", "integer"},
	}
	for name, raw := range map[string][]byte{
		"python-requirements": PythonRequirements,
		"function-properties": FunctionProperties,
	} {
		walk(name, decode(t, name, raw), func(path string, s map[string]any) {
			if path == "function-properties" {
				return // only its "properties" are merged into Serverless's function schema
			}
			if _, ok := s["$ref"]; ok {
				t.Errorf("%s: uses $ref", path)
			}
			typ, hasType := s["type"]
			if _, isList := typ.([]any); isList {
				t.Errorf("%s: union type %v (AJV strictTypes refuses it; use anyOf)", path, typ)
			}
			for kw, types := range needs {
				if _, ok := s[kw]; ok && (!hasType || !slices.Contains(types, fmt.Sprint(typ))) {
					t.Errorf("%s: keyword %q needs type %v beside it (got %v)", path, kw, types, typ)
				}
			}
		})
	}
}

// TestBooleanOptionsAreEnums: a boolean option written as {"type": "boolean"} would let AJV's
// coercion turn null into false (and false into null in a null branch); enums are never coerced.
func TestBooleanOptionsAreEnums(t *testing.T) {
	walk("", decode(t, "python-requirements", PythonRequirements), func(path string, s map[string]any) {
		if s["type"] == "boolean" || s["type"] == "null" {
			t.Errorf("%s: type %v; use an enum so AJV never coerces the value", path, s["type"])
		}
	})
}

// objectBranch returns the object form of the block or of layer: the `then` of
// `if: {type: object}`.
func objectBranch(t *testing.T, s map[string]any) map[string]any {
	t.Helper()
	if cond, _ := s["if"].(map[string]any); cond == nil || cond["type"] != "object" || len(cond) != 1 {
		t.Fatalf("if = %v, want {type: object}", s["if"])
	}
	then, ok := s["then"].(map[string]any)
	if !ok || then["type"] != "object" {
		t.Fatalf("then = %v, want the object form", s["then"])
	}
	return then
}

// TestObjectFormsAreNotAnyOfBranches: Serverless (v3 and osls) turns the errors of an anyOf whose
// branches all fail into "unsupported object format"; the block and layer are if/then/else so
// that a misspelt key is reported as "unrecognized property '<key>'".
func TestObjectFormsAreNotAnyOfBranches(t *testing.T) {
	root := decode(t, "python-requirements", PythonRequirements)
	layer := objectBranch(t, root)["properties"].(map[string]any)["layer"].(map[string]any)
	for name, s := range map[string]map[string]any{"block": root, "layer": layer} {
		if _, ok := s["anyOf"]; ok {
			t.Errorf("%s: has anyOf at its top", name)
		}
		if _, ok := s["else"].(map[string]any)["enum"]; !ok {
			t.Errorf("%s: else = %v, want the enum of true/false values", name, s["else"])
		}
	}
}

func TestDescriptions(t *testing.T) {
	root := decode(t, "python-requirements", PythonRequirements)
	obj := objectBranch(t, root)
	if obj["additionalProperties"] != false {
		t.Errorf("additionalProperties = %v, want false so Serverless reports typos", obj["additionalProperties"])
	}
	props := obj["properties"].(map[string]any)
	layer := objectBranch(t, props["layer"].(map[string]any))
	if layer["additionalProperties"] != false {
		t.Errorf("layer additionalProperties = %v, want false", layer["additionalProperties"])
	}
	fn := decode(t, "function-properties", FunctionProperties)["properties"].(map[string]any)
	for what, set := range map[string]map[string]any{
		"option": props, "layer property": layer["properties"].(map[string]any), "function property": fn,
	} {
		for k, v := range set {
			d, _ := v.(map[string]any)["description"].(string)
			if len(strings.TrimSpace(d)) < 10 {
				t.Errorf("%s %s: description %q is missing or too short", what, k, d)
			}
		}
	}
	var keys []string
	for k := range fn {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := []string{"app", "module", "requirementsLayers", "vendor"}; !slices.Equal(keys, want) {
		t.Errorf("function properties = %v, want %v", keys, want)
	}
	for _, k := range keys {
		want := "string"
		if k == "requirementsLayers" {
			want = "array"
		}
		if typ := fn[k].(map[string]any)["type"]; typ != want {
			t.Errorf("function property %s: type %v, want %s", k, typ, want)
		}
	}
}

// TestValues spot-checks the schema itself; testdata/config is checked against the schema and
// the Go decoder together in goplugin/internal/config.
func TestValues(t *testing.T) {
	c := jsonschema.NewCompiler()
	if err := c.AddResource("s.json", decode(t, "python-requirements", PythonRequirements)); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("s.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		doc   string
		valid bool
	}{
		{`true`, true},
		{`null`, true},
		{`"false"`, true},
		{`"yes"`, true},
		{`"maybe"`, false},
		{`{"zip": "Yes", "slim": "OFF", "strip": "on", "dockerizePip": "No", "layer": {"retain": "oFF"}}`, true},
		{`{"zip": "y"}`, false},
		{`{"layer": "YES"}`, true},
		{`{"dockerizePip": "YES", "pipCmdExtraArgs": ["--cache-dir x"]}`, false},
		{`{"cacheLocation": "true"}`, false},
		{`{"cacheLocation": "./true-cache"}`, true},
		{`{"vendor": "true"}`, false},
		{`{}`, true},
		{`{"zip": "true", "slim": false, "strip": null}`, true},
		{`{"zip": "TRUE"}`, false},
		{`{"dockerizePip": "non-linux"}`, true},
		{`{"dockerizePip": "linux"}`, false},
		{`{"staticCacheMaxVersions": "12"}`, true},
		{`{"staticCacheMaxVersions": "-1"}`, false},
		{`{"installer": null}`, true},
		{`{"installer": "poetry"}`, false},
		{`{"dockerImage": "a", "dockerFile": ""}`, true},
		{`{"dockerImage": "a", "dockerFile": "b"}`, false},
		{`{"dockerizePip": false, "pipCmdExtraArgs": ["--cache-dir x"]}`, true},
		{`{"dockerizePip": "non-linux", "pipCmdExtraArgs": ["--cache-dir x"]}`, true},
		{`{"dockerizePip": true, "pipCmdExtraArgs": ["--cache-dir x"]}`, false},
		{`{"dockerizePip": true, "pipCmdExtraArgs": ["--cache-dirs"]}`, true},
		{`{"dockerizePip": true, "pipCmdExtraArgs": null}`, true},
		{`{"layer": {"retain": "true", "compatibleArchitectures": ["x86_64", "arm64"]}}`, true},
		{`{"layer": {"compatibleArchitectures": ["x86_64", "arm64", "arm64"]}}`, false},
		{`{"layer": {"allowedAccounts": ["12345"]}}`, false},
		{`{"layer": {"name": "arn:aws:lambda:eu-west-1:123456789012:layer:deps"}}`, true},
		{`{"dockerEnv": ["A", "B=", "C=d=e"]}`, true},
		{`{"dockerEnv": [""]}`, false},
		{`{"slimPatterns": [""]}`, false},
		{`{"typo": 1}`, false},
	} {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(tc.doc))
		if err != nil {
			t.Fatal(err)
		}
		err = sch.Validate(v)
		if got := err == nil; got != tc.valid {
			t.Errorf("%s: valid = %v, want %v (%v)", tc.doc, got, tc.valid, err)
		}
	}
}

// TestNoTrailingGarbage keeps the embedded files plain JSON documents with a final newline.
func TestNoTrailingGarbage(t *testing.T) {
	for name, raw := range map[string][]byte{"python-requirements": PythonRequirements, "function-properties": FunctionProperties} {
		dec := json.NewDecoder(bytes.NewReader(raw))
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if dec.More() {
			t.Errorf("%s: data after the JSON document", name)
		}
		if !bytes.HasSuffix(raw, []byte("}\n")) {
			t.Errorf("%s: want a final newline", name)
		}
	}
}
