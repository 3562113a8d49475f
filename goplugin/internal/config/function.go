package config

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// FunctionSpec is one property that serverless-pyreqs reads under functions.<name>.
type FunctionSpec struct {
	Key         string
	Description string
	example     string // a valid value, for the hint
	list        bool   // a list of strings (else a string)
}

// functionTable defines the function-level properties; schema/function-properties.schema.json
// is generated from it.
var functionTable = []FunctionSpec{
	{"module", "Folder, relative to the service, holding this function's requirements file (and pyproject.toml). Default: '.'.", "./hello", false},
	{"vendor", "Folder whose contents are copied into this function's requirements (packaged individually only).", "./vendored", false},
	{"requirementsLayers", "Names of custom.pythonRequirements.layers to attach to this function (each adds {Ref: PythonRequirements<Name>LambdaLayer} to its layers).", "[numeric, web]", true},
	{"app", "Python file of a web application (WSGI, ASGI or BaseHTTPRequestHandler) to serve instead of a handler: 'api/index.py' (its app, application or handler object) or 'api/index.py:web'. The function then needs no handler.", "api/index.py", false},
}

// FunctionOptions are the function-level properties of one function, as written ("" when
// absent or null). Module is not normalised.
type FunctionOptions struct {
	Module string
	Vendor string
}

// ParseApp checks functions.<name>.app, given as the raw JSON of the request: absent or null
// gives "", a string is returned as written, anything else is an error naming the key.
func ParseApp(name string, raw json.RawMessage) (string, error) {
	var out string
	err := functionString(name, &functionTable[2], raw, &out)
	return out, err
}

// ParseFunction checks functions.<name>.module and functions.<name>.vendor, given as the raw JSON
// of the request (protocol.Function.Module and .Vendor). Each must be a string: a number, a
// list, an object or a boolean is an error naming the key, and so is the string 'true' (what
// Serverless's validation makes of `true` before the plugin sees it).
func ParseFunction(name string, module, vendor json.RawMessage) (FunctionOptions, error) {
	var out FunctionOptions
	for _, f := range []struct {
		spec *FunctionSpec
		raw  json.RawMessage
		dst  *string
	}{{&functionTable[0], module, &out.Module}, {&functionTable[1], vendor, &out.Vendor}} {
		if err := functionString(name, f.spec, f.raw, f.dst); err != nil {
			return FunctionOptions{}, err
		}
	}
	return out, nil
}

func functionString(name string, spec *FunctionSpec, raw json.RawMessage, dst *string) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	key := "functions." + name + "." + spec.Key
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return diag.Config(key, "is not valid JSON: %v", err)
	}
	s, isStr := v.(string)
	if isStr && s != "true" {
		*dst = s
		return nil
	}
	got := describeKind(v)
	if isStr {
		got = "true"
	}
	what := "a folder path relative to the service"
	if spec.Key == "app" {
		what = "a Python file path relative to the service (or module) folder, optionally with :name"
	}
	e := diag.Config(key, "must be %s, as a string (got %s)", what, got)
	fix := fmt.Sprintf("Write it as a single path, for example:\n  functions:\n    %s:\n      %s: %s", name, spec.Key, spec.example)
	if _, isList := v.([]any); isList && spec.Key == "vendor" {
		fix += "\nOne vendor folder per function; to ship more, put them under one folder."
	}
	e.WithFix("%s", fix)
	return e
}

// ParseRequirementsLayers checks functions.<name>.requirementsLayers (raw JSON of the request):
// a list of layer names, or absent/null. It does not check that the names exist.
func ParseRequirementsLayers(name string, raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	key := "functions." + name + ".requirementsLayers"
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, diag.Config(key, "is not valid JSON: %v", err)
	}
	d := &decoder{}
	l, ok := d.list(key, v, "names of custom.pythonRequirements.layers", false)
	if !ok {
		return nil, d.errs[0].WithFix("Write a list of layer names, for example:\n  functions:\n    %s:\n      requirementsLayers: [numeric, web]", name)
	}
	return l, nil
}
