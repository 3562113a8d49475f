package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const regenerate = "run `go generate ./goplugin/internal/config` and commit the result"

// TestGeneratedFilesAreFresh fails when schema/python-requirements.schema.json,
// schema/function-properties.schema.json or the options table of README.md (between its
// markers) differs from what optionTable, layerTable and functionTable generate.
func TestGeneratedFilesAreFresh(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	for file, want := range map[string][]byte{
		"schema/python-requirements.schema.json": SchemaJSON(),
		"schema/function-properties.schema.json": FunctionSchemaJSON(),
	} {
		got, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: %s", file, regenerate)
		}
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := ReplaceREADMETable(string(readme))
	if err != nil {
		t.Fatalf("%v: put the markers around the options table, then %s", err, regenerate)
	}
	if fresh != string(readme) {
		t.Errorf("the options table of README.md is stale: %s", regenerate)
	}
}

// TestTableIsComplete: every option has what the generators need.
func TestTableIsComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range optionTable {
		if seen[s.Key] {
			t.Errorf("%s: defined twice", s.Key)
		}
		seen[s.Key] = true
		if s.Kind == 0 || s.decode == nil || len(s.Description) < 10 {
			t.Errorf("%s: kind, decoder or description missing", s.Key)
		}
		if s.Path && s.Example == "" {
			t.Errorf("%s: a path option needs an Example for its hint", s.Key)
		}
		if (s.Kind == String || s.Kind == List) && s.What == "" {
			t.Errorf("%s: What missing", s.Key)
		}
		if (s.Kind == Bool || s.Kind == Choice || s.Kind == LayerKind || s.Kind == Count) && s.Default == nil {
			t.Errorf("%s: a %v option needs a Default", s.Key, s.Kind)
		}
		if s.Kind == Choice && len(s.Allowed) < 2 {
			t.Errorf("%s: a choice needs Allowed values", s.Key)
		}
	}
	for _, p := range layerTable {
		if len(p.desc) < 10 || len(p.schema) == 0 {
			t.Errorf("layer.%s: description or schema missing", p.key)
		}
	}
}

// TestDefaultsAreTheTableDefaults: writing every option's documented default explicitly gives
// the options of an empty block.
func TestDefaultsAreTheTableDefaults(t *testing.T) {
	explicit := map[string]any{}
	for _, s := range optionTable {
		if s.Default != nil {
			explicit[s.Key] = s.Default
		}
	}
	raw, _ := json.Marshal(explicit)
	got, _, err := Parse(raw, linux)
	if err != nil {
		t.Fatal(err)
	}
	got.FileNameSet = false
	empty, _, _ := Parse(nil, linux)
	if diff := compareOptions(got, empty); diff != "" {
		t.Errorf("defaults written out differ from an empty block:\n%s", diff)
	}
	if empty.FileName != "requirements.txt" || !empty.Strip || empty.Installer != InstallerPip || !empty.UseStaticCache {
		t.Errorf("defaults: %+v", empty)
	}
}

// TestKindsAgree checks, for every option, a set of values typical of its kind against both the
// generated schema and the decoder: each value is accepted by both or refused by both. This
// keeps the hand-written decoders of the special options in line with their Kind.
func TestKindsAgree(t *testing.T) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("s.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("s.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range optionTable {
		for _, v := range kindValues(&s) {
			raw := fmt.Sprintf(`{%q: %s}`, s.Key, v)
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			schemaOK := sch.Validate(inst) == nil
			_, _, parseErr := Parse([]byte(raw), linux)
			if schemaOK != (parseErr == nil) {
				t.Errorf("%s: schema accepts: %v, decoder: %v", raw, schemaOK, parseErr)
			}
		}
	}
}

func kindValues(s *Spec) []string {
	common := []string{`null`, `{"a": 1}`, `[1]`}
	switch s.Kind {
	case Bool:
		out := append(common, `true`, `false`, `"true"`, `"false"`, `"yes"`, `"OFF"`, `"On"`, `"maybe"`, `1`, `"TRUE"`, `"y"`)
		for _, a := range s.Allowed {
			out = append(out, fmt.Sprintf("%q", a))
		}
		return out
	case String:
		out := append(common, `"x"`, `""`, `"true"`, `false`, `true`, `1`, `["x"]`)
		if s.Pattern != "" {
			out = append(out, fmt.Sprintf("%q", s.Example), `"s3://bucket"`, `"s3://b/p/q/"`, `"https://b/p"`, `"s3:///p"`, `"s3://k:s@b/p"`, `"s3://b/p?x=1"`)
		}
		return out
	case List:
		return append(common, `[]`, `["a", "B=c"]`, `[""]`, `["=x"]`, `"a"`, `false`, `true`, `1`)
	case Count:
		return append(common, `0`, `3`, `"12"`, `-1`, `1.5`, `"x"`, `"-1"`, `true`, `false`)
	case Choice:
		out := append(common, `"other"`, `true`, `false`, `""`)
		for _, a := range s.Allowed {
			out = append(out, fmt.Sprintf("%q", a))
		}
		return out
	case NamedLayersKind:
		return append(common, `true`, `"x"`, `{}`, `{"web": {"path": "layers/web"}}`, `{"web": {}}`, `{"web": {"path": "l", "slim": "on"}}`,
			`{"web": {"path": "l", "nmae": "x"}}`, `{"1web": {"path": "l"}}`, `{"web": {"path": "l", "compatibleRuntimes": ["python3.11"]}}`)
	case LayerKind:
		return append(common, `true`, `false`, `"yes"`, `"x"`, `1`, `{}`, `{"name": "deps"}`, `{"nmae": "x"}`,
			`{"retain": "on"}`, `{"compatibleRuntimes": "python3.11"}`, `{"compatibleRuntimes": ["python3.11"]}`)
	}
	return nil
}
