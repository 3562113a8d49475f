package config

import "fmt"

// Kind is the shape of an option's value. It decides the option's JSON Schema, the "Values"
// column of the README table, and, for the plain kinds, how the value is decoded.
type Kind int

const (
	// Bool is true or false; the strings 'true' and 'false', and the YAML 1.1 words yes, no, on
	// and off in any case, are accepted with their meaning. Allowed lists extra string values
	// (dockerizePip's 'non-linux').
	Bool Kind = iota + 1
	// String is a string. With FalseUnset, false means "not set".
	String
	// List is a list of strings. With FalseUnset, false means "not set".
	List
	// Count is a whole number of 0 or more, or a string of digits.
	Count
	// Choice is one of Allowed.
	Choice
	// LayerKind is true, false, or an object of layer properties (layerTable).
	LayerKind
	// NamedLayersKind is an object of named layers (layers.go).
	NamedLayersKind
)

// Spec defines one key of custom.pythonRequirements. optionTable is the only place an option is
// defined: the decoder, the defaults, KnownKeys, the JSON Schema
// (schema/python-requirements.schema.json) and the README options table all derive from it
// (`go generate ./goplugin/internal/config` writes the last two).
type Spec struct {
	Key  string
	Kind Kind
	// Default is the value of an absent key, written as it would appear in the JSON block; it is
	// decoded by the option's own decoder to build the defaults. nil: no default value (empty
	// lists, unset strings), or one that depends on the host (pythonBin); see DefaultDoc.
	Default any
	// DefaultDoc is the README's default cell (markdown) when Default alone does not say it.
	DefaultDoc string
	// Description says what the option does: the schema's description and the README's
	// meaning. Plain text; `code` spans are shown as code in the README and as plain text in the
	// schema.
	Description string
	// Docs is appended to the README meaning only (links to README sections).
	Docs string
	// What names a valid value in errors and in the README ("a folder path"; for lists, what
	// the items are: "glob patterns").
	What string
	// Allowed: the values of a Choice; for a Bool, extra string values.
	Allowed []string
	// FalseUnset: false (like null) means "not set", as the original treated falsy values.
	FalseUnset bool
	// Path: a file or folder path. The string 'true' is refused: it is what Serverless's
	// validation makes of `true` before the plugin sees the value.
	Path bool
	// Example is a valid value, shown in the hint of an error.
	Example string
	// NonEmpty: a String must not be empty; the items of a List must not be empty.
	NonEmpty bool
	// ItemPattern: a regular expression (ECMA-262 and RE2 alike) every List item matches. The
	// decoder checks the same rule in its own words.
	ItemPattern string
	// Pattern: a regular expression (ECMA-262 and RE2 alike) a String value matches, in the
	// schema; the decoder checks the same rule in its own words.
	Pattern string

	// decode stores a non-null value. Options of the plain kinds get one from the kind and the
	// field (see boolField, stringField, listField).
	decode func(d *decoder, s *Spec, o *Options, v any)
}

// KnownKeys returns every key of custom.pythonRequirements, in the order of spec A.2.
func KnownKeys() []string {
	keys := make([]string, len(optionTable))
	for i, opt := range optionTable {
		keys[i] = opt.Key
	}
	return keys
}

// boolField decodes a Bool into the field.
func boolField(field func(o *Options) *bool) func(d *decoder, s *Spec, o *Options, v any) {
	return func(d *decoder, s *Spec, o *Options, v any) { d.boolean(s.Key, v, field(o)) }
}

// stringField decodes a String into the field, with the checks its Spec asks for.
func stringField(field func(o *Options) *string) func(d *decoder, s *Spec, o *Options, v any) {
	return func(d *decoder, s *Spec, o *Options, v any) {
		key := s.Key
		str, ok := d.str(key, v, s.What, s.FalseUnset)
		if ok && s.NonEmpty && str == "" {
			d.fail(key, "must be %s, not an empty string", s.What)
			return
		}
		if ok && s.Path && str == "true" {
			d.fail(key, "must be %s, or false (got true)", s.What)
			ok = false
		}
		if !ok {
			if s.Path {
				d.hint(fmt.Sprintf("Write a path, such as %s: %s, or remove the key to use the default.", key, s.Example))
			}
			return
		}
		*field(o) = str
	}
}

// listField decodes a List into the field.
func listField(field func(o *Options) *[]string) func(d *decoder, s *Spec, o *Options, v any) {
	return func(d *decoder, s *Spec, o *Options, v any) {
		if l, ok := d.list(s.Key, v, s.What, s.FalseUnset); ok {
			*field(o) = l
		}
	}
}
