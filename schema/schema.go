// Package schema embeds the JSON Schemas that the npm shim registers with Serverless's
// configSchemaHandler, so the Go side can test its decoder against the very same files.
package schema

import _ "embed"

// PythonRequirements is the JSON Schema (draft-07) of the value of custom.pythonRequirements.
// It is generated from the option table of goplugin/internal/config: edit
// goplugin/internal/config/options.go and run `go generate ./goplugin/internal/config`.
//
// It uses no $ref, so it can be merged into Serverless's own schema unchanged, and it is valid
// under Serverless v3's AJV settings (strict mode, coerceTypes: 'array'). Every boolean option
// is an enum rather than a typed schema, so AJV's type coercion never rewrites a user's value.
//
//go:embed python-requirements.schema.json
var PythonRequirements []byte

// FunctionProperties (generated like PythonRequirements) is a `{ "properties": {...} }` object of the function-level keys `module`
// and `vendor`, for configSchemaHandler.defineFunctionProperties('aws', ...).
//
//go:embed function-properties.schema.json
var FunctionProperties []byte
