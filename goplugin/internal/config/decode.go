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

// option is one key of custom.pythonRequirements and how to decode its (non-null) value.
type option struct {
	key string
	set func(d *decoder, o *Options, v any)
}

// optionTable lists every key in the order of spec A.2; the decoder visits keys in this order, so
// errors and warnings come out in a stable order.
var optionTable = []option{
	{"enabled", func(d *decoder, o *Options, v any) { d.boolean("enabled", v, &o.Enabled) }},
	{"zip", func(d *decoder, o *Options, v any) { d.boolean("zip", v, &o.Zip) }},
	{"slim", func(d *decoder, o *Options, v any) { d.boolean("slim", v, &o.Slim) }},
	{"strip", func(d *decoder, o *Options, v any) { d.boolean("strip", v, &o.Strip) }},
	{"slimPatterns", func(d *decoder, o *Options, v any) {
		if l, ok := d.list("slimPatterns", v, "glob patterns", true); ok && l != nil {
			for i, p := range l {
				if p == "" {
					d.fail(fmt.Sprintf("slimPatterns[%d]", i), "must be a glob pattern, not an empty string")
				}
			}
			o.SlimPatterns = l
		}
	}},
	{"slimPatternsAppendDefaults", func(d *decoder, o *Options, v any) {
		d.boolean("slimPatternsAppendDefaults", v, &o.SlimPatternsAppendDefaults)
	}},
	{"layer", func(d *decoder, o *Options, v any) { o.Layer = d.layer(v) }},
	{"cleanupZipHelper", func(d *decoder, o *Options, v any) { d.boolean("cleanupZipHelper", v, &o.CleanupZipHelper) }},
	{"invalidateCaches", func(d *decoder, o *Options, v any) { d.boolean("invalidateCaches", v, &o.InvalidateCaches) }},
	{"fileName", func(d *decoder, o *Options, v any) {
		if s, ok := d.str("fileName", v, "a file name such as requirements.txt", false); ok {
			if s == "" {
				d.fail("fileName", "must be a file name such as requirements.txt, not an empty string")
				return
			}
			o.FileName, o.FileNameSet = s, true
		}
	}},
	{"usePipenv", func(d *decoder, o *Options, v any) { d.boolean("usePipenv", v, &o.UsePipenv) }},
	{"usePoetry", func(d *decoder, o *Options, v any) { d.boolean("usePoetry", v, &o.UsePoetry) }},
	{"useUv", func(d *decoder, o *Options, v any) { d.boolean("useUv", v, &o.UseUv) }},
	{"installer", func(d *decoder, o *Options, v any) {
		s, isStr := v.(string)
		if !isStr || (s != InstallerPip && s != InstallerUv) {
			d.fail("installer", `must be "pip" or "uv" (got %s)`, describeValue(v))
			return
		}
		o.Installer = s
	}},
	{"pythonBin", func(d *decoder, o *Options, v any) {
		if s, ok := d.str("pythonBin", v, "the name or path of a Python interpreter", false); ok {
			if s == "" {
				d.fail("pythonBin", "must be the name or path of a Python interpreter, not an empty string")
				return
			}
			o.PythonBin, o.PythonBinSet = s, true
		}
	}},
	{"dockerizePip", func(d *decoder, o *Options, v any) {
		switch v {
		case true, "true":
			o.DockerizePip = DockerOn
		case false, "false":
			o.DockerizePip = DockerOff
		case "non-linux":
			o.DockerizePip = DockerNonLinux
		default:
			d.fail("dockerizePip", "must be true, false or 'non-linux' (got %s)", describeValue(v))
		}
	}},
	{"dockerSsh", func(d *decoder, o *Options, v any) { d.boolean("dockerSsh", v, &o.DockerSsh) }},
	{"dockerPrivateKey", func(d *decoder, o *Options, v any) {
		o.DockerPrivateKey, _ = d.str("dockerPrivateKey", v, "the path of an SSH private key", true)
	}},
	{"dockerImage", func(d *decoder, o *Options, v any) {
		o.DockerImage, _ = d.str("dockerImage", v, "a Docker image reference", true)
	}},
	{"dockerFile", func(d *decoder, o *Options, v any) {
		o.DockerFile, _ = d.str("dockerFile", v, "the path of a Dockerfile", true)
	}},
	{"dockerEnv", func(d *decoder, o *Options, v any) {
		l, ok := d.list("dockerEnv", v, "NAME or NAME=value strings", true)
		if !ok {
			return
		}
		for i, s := range l {
			switch name, _, _ := strings.Cut(s, "="); {
			case s == "":
				d.fail(fmt.Sprintf("dockerEnv[%d]", i), "must be NAME or NAME=value, not an empty string")
			case name == "":
				d.fail(fmt.Sprintf("dockerEnv[%d]", i), "must be NAME or NAME=value; the name before '=' is missing")
			}
		}
		o.DockerEnv = l
	}},
	{"dockerBuildCmdExtraArgs", func(d *decoder, o *Options, v any) {
		o.DockerBuildCmdExtraArgs, _ = d.list("dockerBuildCmdExtraArgs", v, "docker build arguments", false)
	}},
	{"dockerRunCmdExtraArgs", func(d *decoder, o *Options, v any) {
		o.DockerRunCmdExtraArgs, _ = d.list("dockerRunCmdExtraArgs", v, "docker run arguments", false)
	}},
	{"dockerExtraFiles", func(d *decoder, o *Options, v any) {
		o.DockerExtraFiles, _ = d.list("dockerExtraFiles", v, "paths inside the container", false)
	}},
	{"dockerRootless", func(d *decoder, o *Options, v any) { d.boolean("dockerRootless", v, &o.DockerRootless) }},
	{"useStaticCache", func(d *decoder, o *Options, v any) { d.boolean("useStaticCache", v, &o.UseStaticCache) }},
	{"useDownloadCache", func(d *decoder, o *Options, v any) { d.boolean("useDownloadCache", v, &o.UseDownloadCache) }},
	{"cacheLocation", func(d *decoder, o *Options, v any) {
		o.CacheLocation, _ = d.str("cacheLocation", v, "a folder path", true)
	}},
	{"staticCacheMaxVersions", func(d *decoder, o *Options, v any) {
		n, ok := wholeNumber(v)
		if !ok {
			d.fail("staticCacheMaxVersions", "must be a whole number of cache folders to keep, 0 (keep all) or more (got %s)", describeValue(v))
			return
		}
		o.StaticCacheMaxVersions = n
	}},
	{"pipCmdExtraArgs", func(d *decoder, o *Options, v any) {
		l, ok := d.list("pipCmdExtraArgs", v, "pip install arguments", false)
		if !ok {
			return
		}
		for i, elem := range l {
			toks := strings.Fields(elem)
			for _, t := range toks {
				if t == "--cache-dir" || strings.HasPrefix(t, "--cache-dir=") {
					d.cacheDirElems = append(d.cacheDirElems, i)
					break
				}
			}
			o.PipCmdExtraArgs = append(o.PipCmdExtraArgs, toks...)
		}
	}},
	{"noDeploy", func(d *decoder, o *Options, v any) {
		o.NoDeploy, _ = d.list("noDeploy", v, "distribution names", false)
	}},
	{"vendor", func(d *decoder, o *Options, v any) {
		o.Vendor, _ = d.str("vendor", v, "a folder path", true)
	}},
	{"requirePoetryLockFile", func(d *decoder, o *Options, v any) {
		d.boolean("requirePoetryLockFile", v, &o.RequirePoetryLockFile)
	}},
	{"poetryWithGroups", func(d *decoder, o *Options, v any) {
		o.PoetryWithGroups, _ = d.list("poetryWithGroups", v, "poetry group names", false)
	}},
	{"poetryWithoutGroups", func(d *decoder, o *Options, v any) {
		o.PoetryWithoutGroups, _ = d.list("poetryWithoutGroups", v, "poetry group names", false)
	}},
	{"poetryOnlyGroups", func(d *decoder, o *Options, v any) {
		o.PoetryOnlyGroups, _ = d.list("poetryOnlyGroups", v, "poetry group names", false)
	}},
	{"uvOptionalDependencies", func(d *decoder, o *Options, v any) {
		o.UvOptionalDependencies, _ = d.list("uvOptionalDependencies", v, "extra names", false)
	}},
	{"uvWithGroups", func(d *decoder, o *Options, v any) {
		o.UvWithGroups, _ = d.list("uvWithGroups", v, "uv group names", false)
	}},
	{"uvWithoutGroups", func(d *decoder, o *Options, v any) {
		o.UvWithoutGroups, _ = d.list("uvWithoutGroups", v, "uv group names", false)
	}},
	{"uvOnlyGroups", func(d *decoder, o *Options, v any) {
		o.UvOnlyGroups, _ = d.list("uvOnlyGroups", v, "uv group names", false)
	}},
}

// KnownKeys returns every key of custom.pythonRequirements, in the order of spec A.2.
func KnownKeys() []string {
	keys := make([]string, len(optionTable))
	for i, opt := range optionTable {
		keys[i] = opt.key
	}
	return keys
}

// decoder collects errors and warnings while decoding one block.
type decoder struct {
	errs     []*diag.Error
	warnings []string
	// cacheDirElems are the indexes of pipCmdExtraArgs elements holding --cache-dir; whether
	// that is an error depends on dockerizePip, so validate decides.
	cacheDirElems []int
}

func (d *decoder) fail(key, format string, args ...any) {
	d.errs = append(d.errs, diag.Config(key, format, args...))
}

func (d *decoder) failHint(key, hint, format string, args ...any) {
	e := diag.Config(key, format, args...)
	e.Hint = hint
	d.errs = append(d.errs, e)
}

func (d *decoder) warn(format string, args ...any) {
	d.warnings = append(d.warnings, fmt.Sprintf(format, args...))
}

// err returns the first error, with any further ones listed in its hint, or nil.
func (d *decoder) err() error {
	if len(d.errs) == 0 {
		return nil
	}
	first := d.errs[0]
	if len(d.errs) > 1 {
		var b strings.Builder
		b.WriteString(first.Hint)
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "Also fix:")
		for _, e := range d.errs[1:] {
			b.WriteString("\n  ")
			b.WriteString(strings.ReplaceAll(e.Error(), "\n", "\n    "))
		}
		first.Hint = b.String()
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
	for _, opt := range optionTable {
		if v, ok := m[opt.key]; ok && v != nil {
			opt.set(d, o, v)
		}
	}
	var unknown []string
	for k := range m {
		if !slices.ContainsFunc(optionTable, func(opt option) bool { return opt.key == k }) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		msg := fmt.Sprintf("%s is not an option of serverless-pyreqs and is ignored.", diag.ConfigPath(k))
		if s := suggest(k, KnownKeys()); s != "" {
			msg += fmt.Sprintf(" Did you mean %s?", s)
		}
		d.warnings = append(d.warnings, msg)
	}
}

// parseBool accepts the legacy string booleans.
func parseBool(s string) (bool, bool) {
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// boolean decodes true, false, 'true' or 'false' into dst.
func (d *decoder) boolean(key string, v any, dst *bool) {
	switch v := v.(type) {
	case bool:
		*dst = v
		return
	case string:
		if b, ok := parseBool(v); ok {
			*dst = b
			return
		}
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
		e.Hint = fmt.Sprintf("Write a YAML list, one item per line:\n  %s:\n    - first\n    - second", key)
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
