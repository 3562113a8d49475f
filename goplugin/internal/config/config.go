// Package config decodes, defaults and validates custom.pythonRequirements.
//
// Parse runs three steps: decode (strict and typed; every error names its key), defaults (the
// original plugin's defaults, spec A.1/A.2) and validate (cross-option checks, glob compilation).
// Legacy string booleans ('true', 'false') are accepted with their real meaning for every boolean
// option, and 'non-linux' for dockerizePip, because users pass them through ${env:...}. A null value
// for any key means "not set" and selects the default.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/slim"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// DockerizeMode is the resolved value of dockerizePip.
type DockerizeMode int

const (
	DockerOff      DockerizeMode = iota // false
	DockerOn                            // true
	DockerNonLinux                      // 'non-linux': on unless the host is Linux
	// DockerWhenNeeded ('when-needed'): install for the target without Docker, and use Docker only
	// for the sets that have a compiled package without a wheel for the target.
	DockerWhenNeeded
)

// Enabled reports whether every install runs in Docker on a host with the given GOOS
// ('when-needed' is not: it uses Docker only as a fallback, set by set).
func (m DockerizeMode) Enabled(goos string) bool {
	switch m {
	case DockerOn:
		return true
	case DockerNonLinux:
		return goos != "linux"
	}
	return false
}

func (m DockerizeMode) String() string {
	switch m {
	case DockerOn:
		return "true"
	case DockerNonLinux:
		return "non-linux"
	case DockerWhenNeeded:
		return "when-needed"
	}
	return "false"
}

// Layer is the `layer` option: absent/false (Enabled=false), true ({}), or an object of layer
// properties that override the defaults.
type Layer struct {
	Enabled bool
	// Props holds the user's layer properties with normalised types: name, description,
	// licenseInfo and artifact are strings; compatibleRuntimes, compatibleArchitectures and
	// allowedAccounts are []string; retain is a bool. Keys the user did not give are absent.
	Props map[string]any
}

// Options is custom.pythonRequirements after decoding and defaults.
type Options struct {
	// Enabled is false when the block is `false` or has `enabled: false` (Serverless v4 switch).
	Enabled bool

	Zip                        bool
	Slim                       bool
	Strip                      bool // default true; only meaningful with Slim
	SlimPatterns               []string
	SlimPatternsAppendDefaults bool // default true
	CompileBytecode            bool // default true
	CompileFunctionCode        bool
	Layer                      Layer
	CleanupZipHelper           bool // default true
	InvalidateCaches           bool
	FileName                   string // default requirements.txt
	FileNameSet                bool   // true when the user set fileName explicitly
	UsePipenv                  bool   // default true
	UsePoetry                  bool   // default true
	UseUv                      bool   // default true
	Installer                  string // "pip" (default) or "uv"
	Assemble                   bool   // default true: pip installs on the host assemble the artifact from wheels
	PythonBin                  string // resolved default: see Parse
	PythonBinSet               bool   // true when the user set pythonBin explicitly
	DockerizePip               DockerizeMode
	DockerSsh                  bool
	DockerPrivateKey           string // "" means the default <home>/.ssh/id_rsa
	DockerImage                string // "" means the default SAM build image
	DockerFile                 string
	DockerEnv                  []string
	DockerBuildCmdExtraArgs    []string
	DockerRunCmdExtraArgs      []string
	DockerExtraFiles           []string
	DockerRootless             bool
	UseStaticCache             bool   // default true
	AllowPathsOutsideProject   bool   // default false
	UseDownloadCache           bool   // default true
	CacheLocation              string // "" means the platform default
	StaticCacheMaxVersions     int
	RemoteCache                string // "" means no remote tier; else a valid s3://bucket/prefix URL
	// PipCmdExtraArgs holds argv tokens: every element of the user's list split on whitespace,
	// all tokens kept.
	PipCmdExtraArgs        []string
	NoDeploy               []string
	Vendor                 string
	RequirePoetryLockFile  bool
	PoetryWithGroups       []string
	PoetryWithoutGroups    []string
	PoetryOnlyGroups       []string
	UvOptionalDependencies []string
	UvWithGroups           []string
	UvWithoutGroups        []string
	UvOnlyGroups           []string
	// WSGIApplicationName is the application object looked up in `app:` files ("" = app,
	// application, handler in that order).
	WSGIApplicationName string
	// AptRequirementsFile is the OS packages file beside each requirements file.
	AptRequirementsFile string
	// SizeCheck is "error" (default) or "warn".
	SizeCheck string

	// SlimPatternList is the effective list of slim patterns: the defaults followed by
	// slimPatterns, or slimPatterns alone when slimPatternsAppendDefaults is false and
	// slimPatterns is given. Part of the static cache key.
	SlimPatternList []string

	// Layers are the named layers of `layers`, sorted by name.
	Layers []NamedLayer
}

// Dockerized reports whether installs run in Docker on a host with the given GOOS.
func (o *Options) Dockerized(goos string) bool { return o.DockerizePip.Enabled(goos) }

// Host is what Parse needs to know about the machine and the service.
type Host struct {
	GOOS            string // runtime.GOOS of the machine running pyreqs
	ProviderRuntime string // provider.runtime, may be empty
}

// DefaultSlimPatterns are deleted by slim unless slimPatternsAppendDefaults is false.
var DefaultSlimPatterns = []string{"**/*.py[c|o]", "**/__pycache__*", "**/*.dist-info*"}

// InstallerPip and InstallerUv are the values of Options.Installer.
const (
	InstallerPip = "pip"
	InstallerUv  = "uv"
)

// SizeCheckError and SizeCheckWarn are the values of Options.SizeCheck.
const (
	SizeCheckError = "error"
	SizeCheckWarn  = "warn"
)

// Parse decodes raw (the JSON bytes of custom.pythonRequirements as the shim sends it; may be
// empty/`null` when the block is absent → all defaults, enabled), applies defaults, validates.
// Warnings carry their catalog codes; emit them with protocol.Emitter.Warn. A user mistake is returned as a *diag.Error
// that names the key; when there are several, the first is returned and the others are listed
// in its hint.
func Parse(raw []byte, host Host) (opts *Options, warnings []*diag.Warning, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ParseValue(nil, host)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, diag.Config("", "is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, diag.Config("", "is not valid JSON: unexpected data after the value")
	}
	return ParseValue(v, host)
}

// ParseValue is Parse for an already decoded value: nil, a bool, a string, or a map[string]any
// as produced by encoding/json (with or without UseNumber) or goccy/go-yaml.
func ParseValue(v any, host Host) (opts *Options, warnings []*diag.Warning, err error) {
	d := &decoder{}
	o := defaults()
	d.decodeBlock(o, v)
	if len(d.errs) == 0 {
		resolveDefaults(o, host)
		d.validate(o, host)
	}
	if err := d.err(); err != nil {
		return nil, nil, err
	}
	return o, d.warnings, nil
}

// defaults returns the options of an empty block (spec A.2), before the host-dependent
// pythonBin default: every Default of optionTable, decoded by its option's own decoder.
func defaults() *Options {
	d := &decoder{}
	o := &Options{}
	for i := range optionTable {
		s := &optionTable[i]
		if s.Default != nil {
			s.decode(d, s, o, s.Default)
		}
	}
	if err := d.err(); err != nil {
		panic("config: optionTable has an invalid default: " + err.Error())
	}
	return o
}

// runtimeStyle matches a whole pythonBin such as python39 or python311 (Scaleway and Google
// runtime names), never a path that merely contains one (spec G.4 #26).
var runtimeStyle = regexp.MustCompile(`^python3([0-9]+)$`)

// resolveDefaults applies the pythonBin default and rewrite (spec A.1 steps 2–4 and 6).
func resolveDefaults(o *Options, host Host) {
	if !o.PythonBinSet {
		switch {
		case host.GOOS == "windows" && o.Dockerized(host.GOOS):
			o.PythonBin = "python" // the interpreter inside the container
		case host.GOOS == "windows":
			o.PythonBin = "python.exe"
		case strings.HasPrefix(host.ProviderRuntime, "python"):
			o.PythonBin = host.ProviderRuntime
		default:
			o.PythonBin = "python"
		}
	}
	if m := runtimeStyle.FindStringSubmatch(o.PythonBin); m != nil {
		o.PythonBin = "python3." + m[1]
	}
}

// validate runs the checks that involve more than one key, and compiles the slim globs.
func (d *decoder) validate(o *Options, host Host) {
	if o.DockerImage != "" && o.DockerFile != "" {
		d.failHint("dockerImage", "Remove one of them: dockerImage runs an existing image, dockerFile builds one.",
			"cannot be combined with %s: give a dockerImage or a dockerFile, not both", diag.ConfigPath("dockerFile"))
	}
	docker := o.Dockerized(host.GOOS)
	// With 'non-linux' the docker options are meant for the hosts where it applies: no warning.
	if o.DockerizePip == DockerOff {
		var set []string
		if o.DockerSsh {
			set = append(set, "dockerSsh")
		}
		for _, kv := range [][2]string{{"dockerImage", o.DockerImage}, {"dockerFile", o.DockerFile}, {"dockerPrivateKey", o.DockerPrivateKey}} {
			if kv[1] != "" {
				set = append(set, kv[0])
			}
		}
		if len(set) > 0 {
			d.warn(diag.Warnf(diag.CodeDockerOptionIgnored, "You provided a docker related option but dockerizePip is set to false (%s ignored).", strings.Join(paths(set), ", ")))
		}
	}
	for _, i := range d.cacheDirElems {
		key := fmt.Sprintf("pipCmdExtraArgs[%d]", i)
		if docker {
			d.failHint(key, "Remove it and keep useDownloadCache: true (the default); the download cache is mounted into the container for you.",
				"You cannot use --cache-dir with Docker any more, please use the new option useDownloadCache instead.")
		} else {
			d.warn(diag.WarnAtKey(diag.CodeCacheDirDeprecated, key, "You are using a deprecated --cache-dir inside your pipCmdExtraArgs which may not work properly, please use the useDownloadCache option instead."))
		}
	}

	list := []string{}
	if o.SlimPatterns == nil || o.SlimPatternsAppendDefaults {
		list = append(list, DefaultSlimPatterns...)
	}
	list = append(list, o.SlimPatterns...)
	o.SlimPatternList = list
	for i, p := range o.SlimPatterns {
		// Compiled by the same matcher that slim uses, so a bad pattern fails here, before pip runs.
		if strings.TrimSpace(p) == "" {
			d.fail(fmt.Sprintf("slimPatterns[%d]", i), "must not be empty (remove the entry)")
		} else if _, err := slim.Compile([]string{p}); err != nil {
			d.fail(fmt.Sprintf("slimPatterns[%d]", i), "is not a valid glob pattern %q: %v (fix the pattern; see the glob syntax of node-glob)", p, errors.Unwrap(err))
		}
	}
}

func paths(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = diag.ConfigPath(k)
	}
	return out
}
