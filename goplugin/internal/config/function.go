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
}

// functionTable defines the function-level properties; schema/function-properties.schema.json
// is generated from it.
var functionTable = []FunctionSpec{
	{"module", "Folder, relative to the service, holding this function's requirements file (and pyproject.toml). Default: '.'.", "./hello"},
	{"vendor", "Folder whose contents are copied into this function's requirements (packaged individually only).", "./vendored"},
}

// FunctionOptions are the function-level properties of one function, as written ("" when
// absent or null). Module is not normalised.
type FunctionOptions struct {
	Module string
	Vendor string
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
	e := diag.Config(key, "must be a folder path relative to the service, as a string (got %s)", got)
	fix := fmt.Sprintf("Write it as a single path, for example:\n  functions:\n    %s:\n      %s: %s", name, spec.Key, spec.example)
	if _, isList := v.([]any); isList && spec.Key == "vendor" {
		fix += "\nOne vendor folder per function; to ship more, put them under one folder."
	}
	e.WithFix("%s", fix)
	return e
}
