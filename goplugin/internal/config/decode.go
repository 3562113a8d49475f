package config

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// decoder collects errors and warnings while decoding one block.
type decoder struct {
	errs     []*diag.Error
	warnings []*diag.Warning
	// cacheDirElems are the indexes of pipCmdExtraArgs elements holding --cache-dir; whether
	// that is an error depends on dockerizePip, so validate decides.
	cacheDirElems []int
}

func (d *decoder) fail(key, format string, args ...any) {
	d.errs = append(d.errs, diag.Config(key, format, args...))
}

func (d *decoder) failHint(key, hint, format string, args ...any) {
	d.errs = append(d.errs, diag.Config(key, format, args...).WithFix("%s", hint))
}

// hint sets the hint of the last error.
func (d *decoder) hint(h string) {
	if len(d.errs) > 0 {
		d.errs[len(d.errs)-1].WithFix("%s", h)
	}
}

func (d *decoder) warn(w *diag.Warning) {
	d.warnings = append(d.warnings, w)
}

// err returns the first error, with any further ones listed in its hint, or nil.
func (d *decoder) err() error {
	if len(d.errs) == 0 {
		return nil
	}
	first := d.errs[0]
	if len(d.errs) > 1 {
		var b strings.Builder
		b.WriteString(first.Fix())
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "Also fix:")
		for _, e := range d.errs[1:] {
			b.WriteString("\n  ")
			b.WriteString(strings.ReplaceAll(e.Error(), "\n", "\n    "))
		}
		first.WithFix("%s", b.String())
	}
	return first
}

// decodeBlock decodes the value of custom.pythonRequirements into o.
func (d *decoder) decodeBlock(o *Options, v any) {
	switch v := v.(type) {
	case nil:
		return
	case bool:
		o.Enabled = v
		return
	case string:
		if b, ok := parseBool(v); ok {
			o.Enabled = b
			return
		}
	case map[string]any:
		d.decodeMap(o, v)
		return
	}
	d.fail("", "must be true, false or an object of options (got %s)", describeValue(v))
}

func (d *decoder) decodeMap(o *Options, m map[string]any) {
	for i := range optionTable {
		s := &optionTable[i]
		if v, ok := m[s.Key]; ok && v != nil {
			s.decode(d, s, o, v)
		}
	}
	o.FileNameSet = m["fileName"] != nil
	o.PythonBinSet = m["pythonBin"] != nil
	var unknown []string
	for k := range m {
		if !slices.ContainsFunc(optionTable, func(s Spec) bool { return s.Key == k }) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		w := diag.WarnAtKey(diag.CodeUnknownOption, k, "is not an option of serverless-pyreqs and is ignored.")
		if s := suggest(k, KnownKeys()); s != "" {
			w.WithFix("Did you mean %s? Rename the key, or remove it.", s)
		}
		d.warn(w)
	}
}

// parseBool accepts the legacy string booleans: 'true' and 'false', and the YAML 1.1 words yes,
// no, on and off in any case (the original read `zip: yes` as true).
func parseBool(s string) (bool, bool) {
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	for _, w := range yamlTrue {
		if strings.EqualFold(s, w) {
			return true, true
		}
	}
	for _, w := range yamlFalse {
		if strings.EqualFold(s, w) {
			return false, true
		}
	}
	return false, false
}

// The YAML 1.1 boolean words accepted in any case.
var (
	yamlTrue  = []string{"yes", "on"}
	yamlFalse = []string{"no", "off"}
)

// boolValue decodes a boolean or a legacy string boolean.
func boolValue(v any) (bool, bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		return parseBool(v)
	}
	return false, false
}

// boolean decodes true, false or a legacy string boolean into dst.
func (d *decoder) boolean(key string, v any, dst *bool) {
	if b, ok := boolValue(v); ok {
		*dst = b
		return
	}
	d.fail(key, "must be true or false (got %s)", describeValue(v))
}

// str decodes a string. With allowFalse, false means "not set" and gives "" (the original
// treated every falsy value as unset for these options).
func (d *decoder) str(key string, v any, what string, allowFalse bool) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case bool:
		if !v && allowFalse {
			return "", true
		}
	}
	if allowFalse {
		d.fail(key, "must be %s, or false (got %s)", what, describeKind(v))
	} else {
		d.fail(key, "must be %s (got %s)", what, describeKind(v))
	}
	return "", false
}

// list decodes a list of strings. With allowFalse, false means "not set" and gives nil.
// Values are never shown in errors about lists: they may carry secrets (dockerEnv).
func (d *decoder) list(key string, v any, what string, allowFalse bool) ([]string, bool) {
	switch v := v.(type) {
	case []any:
		out := make([]string, 0, len(v))
		ok := true
		for i, item := range v {
			s, isStr := item.(string)
			if !isStr {
				d.fail(fmt.Sprintf("%s[%d]", key, i), "must be a string (got %s)", describeKind(item))
				ok = false
				continue
			}
			out = append(out, s)
		}
		return out, ok
	case bool:
		if !v && allowFalse {
			return nil, true
		}
	}
	or := ""
	if allowFalse {
		or = ", or false"
	}
	e := diag.Config(key, "must be a list of %s%s (got %s)", what, or, describeKind(v))
	if _, isStr := v.(string); isStr {
		e.WithFix("Write a YAML list, one item per line:\n  %s:\n    - first\n    - second", key)
	}
	d.errs = append(d.errs, e)
	return nil, false
}

// wholeNumber accepts a non-negative integer as a number (of any Go numeric type) or as a
// string of digits.
func wholeNumber(v any) (int, bool) {
	var f float64
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return clampInt(i)
		}
		x, err := v.Float64()
		if err != nil {
			return 0, false
		}
		f = x
	case float64:
		f = v
	case float32:
		f = float64(v)
	case int:
		return clampInt(int64(v))
	case int64:
		return clampInt(v)
	case int32:
		return clampInt(int64(v))
	case uint64:
		if v > math.MaxInt32 {
			return math.MaxInt32, true
		}
		return int(v), true
	case uint32:
		return clampInt(int64(v))
	case uint:
		return clampInt(int64(min(uint64(v), math.MaxInt32)))
	case string:
		if v == "" || strings.TrimLeft(v, "0123456789") != "" {
			return 0, false
		}
		i, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return math.MaxInt32, true // absurdly large: keep everything
		}
		return clampInt(i)
	default:
		return 0, false
	}
	if f < 0 || f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return clampInt(int64(min(f, math.MaxInt32)))
}

func clampInt(i int64) (int, bool) {
	if i < 0 {
		return 0, false
	}
	return int(min(i, math.MaxInt32)), true
}

// describeKind names the JSON type of v for an error message, without its value.
func describeKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	case string:
		return "a string"
	case json.Number, float64, float32, int, int64, int32, uint64, uint32, uint:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

// describeValue is describeKind plus the value for short scalars, for options whose values
// are flags or small numbers, never secrets.
func describeValue(v any) string {
	switch v := v.(type) {
	case string:
		if len(v) <= 40 {
			return strconv.Quote(v)
		}
		return "a long string"
	case json.Number:
		return v.String()
	case float64, float32, int, int64, int32, uint64, uint32, uint:
		return fmt.Sprint(v)
	}
	return describeKind(v)
}
