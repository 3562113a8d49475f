package config

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/schema"
)

// The sample configs shared with the JS tests. See testdata/config/README.md for the layout.
const samples = "../../../testdata/config"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.PythonRequirements))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("python-requirements.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("python-requirements.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func sampleFiles(t *testing.T, dir string, atLeast int) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(samples, dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < atLeast {
		t.Fatalf("%s: %d samples, want at least %d", dir, len(files), atLeast)
	}
	return files
}

// check validates one sample with the schema and with Parse (on a Linux host, provider runtime
// python3.12).
func check(t *testing.T, sch *jsonschema.Schema, file string) (schemaErr error, opts *Options, warnings []*diag.Warning, parseErr error) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s is not JSON: %v", file, err)
	}
	schemaErr = sch.Validate(doc)
	opts, warnings, parseErr = Parse(raw, linux)
	return
}

// keyOf returns the key a sample named "<key>--<case>.json" is about; "block" is the block.
func keyOf(file string) string {
	key, _, _ := strings.Cut(strings.TrimSuffix(filepath.Base(file), ".json"), "--")
	if key == "block" {
		return ""
	}
	return key
}

func TestSamplesAgree(t *testing.T) {
	sch := compileSchema(t)

	t.Run("valid", func(t *testing.T) {
		for _, f := range sampleFiles(t, "valid", 12) {
			schemaErr, _, warnings, parseErr := check(t, sch, f)
			if schemaErr != nil {
				t.Errorf("%s: schema rejects it: %v", f, schemaErr)
			}
			if parseErr != nil {
				t.Errorf("%s: Parse rejects it: %v", f, parseErr)
			}
			wantWarn := strings.HasPrefix(filepath.Base(f), "warn-")
			if got := len(warnings) > 0; got != wantWarn {
				t.Errorf("%s: warnings %v; want some: %v", f, warnings, wantWarn)
			}
		}
	})

	t.Run("invalid", func(t *testing.T) {
		for _, f := range sampleFiles(t, "invalid", 12) {
			schemaErr, _, _, parseErr := check(t, sch, f)
			if schemaErr == nil {
				t.Errorf("%s: schema accepts it", f)
			}
			if parseErr == nil {
				t.Errorf("%s: Parse accepts it", f)
				continue
			}
			if _, ok := diag.As(parseErr); !ok {
				t.Errorf("%s: %T is not a *diag.Error", f, parseErr)
			}
			key := diag.ConfigPath(keyOf(f))
			if !strings.HasPrefix(parseErr.Error(), key) {
				t.Errorf("%s: error does not name %s: %v", f, key, parseErr)
			}
		}
	})

	// Unknown keys: Serverless reports them through the schema (additionalProperties: false);
	// the binary only warns, as the original ignored them.
	t.Run("unknown-key", func(t *testing.T) {
		for _, f := range sampleFiles(t, "unknown-key", 1) {
			schemaErr, _, warnings, parseErr := check(t, sch, f)
			if schemaErr == nil {
				t.Errorf("%s: schema accepts it", f)
			}
			if parseErr != nil {
				t.Errorf("%s: Parse rejects it: %v", f, parseErr)
			}
			key := diag.ConfigPath(strings.TrimSuffix(filepath.Base(f), ".json"))
			if len(warnings) != 1 || (warnings[0].Key != key || !strings.Contains(warnings[0].Message, "is not an option")) {
				t.Errorf("%s: warnings %v, want one naming %s", f, warnings, key)
			}
		}
	})

	// Checks a JSON Schema cannot express (glob syntax): the schema accepts, Parse rejects.
	t.Run("semantic", func(t *testing.T) {
		for _, f := range sampleFiles(t, "semantic", 1) {
			schemaErr, _, _, parseErr := check(t, sch, f)
			if schemaErr != nil {
				t.Errorf("%s: schema rejects it (move it to invalid/): %v", f, schemaErr)
			}
			if parseErr == nil {
				t.Errorf("%s: Parse accepts it", f)
			} else if key := diag.ConfigPath(keyOf(f)); !strings.HasPrefix(parseErr.Error(), key) {
				t.Errorf("%s: error does not name %s: %v", f, key, parseErr)
			}
		}
	})
}

// TestEveryOptionSample keeps valid/every-option.json complete, so each option's accepted form
// is checked by both sides.
func TestEveryOptionSample(t *testing.T) {
	sch := compileSchema(t)
	f := filepath.Join(samples, "valid", "every-option.json")
	schemaErr, opts, _, parseErr := check(t, sch, f)
	if schemaErr != nil || parseErr != nil {
		t.Fatalf("schema: %v; Parse: %v", schemaErr, parseErr)
	}
	doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(mustRead(t, f)))
	for _, k := range KnownKeys() {
		if _, ok := doc.(map[string]any)[k]; !ok {
			t.Errorf("every-option.json lacks %s", k)
		}
	}
	if !opts.Zip || !opts.Slim || opts.Strip || opts.StaticCacheMaxVersions != 5 || opts.Layer.Props["name"] != "deps" {
		t.Errorf("every-option.json decoded to %+v", opts)
	}
}

func mustRead(t *testing.T, f string) []byte {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSchemaKeysMatchDecoder guards against drift: the schema's options and layer properties
// are exactly the decoder's.
func TestSchemaKeysMatchDecoder(t *testing.T) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.PythonRequirements))
	if err != nil {
		t.Fatal(err)
	}
	// The block and layer are if: {type: object}, then: {the object}, else: {scalars}.
	object := func(s any) map[string]any {
		then, ok := s.(map[string]any)["then"].(map[string]any)
		if !ok || then["type"] != "object" {
			t.Fatal("no object schema under then")
		}
		return then["properties"].(map[string]any)
	}
	keys := func(m map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	sorted := func(s []string) []string { s = slices.Clone(s); sort.Strings(s); return s }

	props := object(doc)
	if got, want := keys(props), sorted(KnownKeys()); !slices.Equal(got, want) {
		t.Errorf("schema options %v\ndecoder options %v", got, want)
	}
	if got, want := keys(object(props["layer"])), sorted(LayerKeys()); !slices.Equal(got, want) {
		t.Errorf("schema layer properties %v\ndecoder layer properties %v", got, want)
	}
}
