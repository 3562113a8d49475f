package size

import (
	"sort"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/requirements"
)

// Limits are Lambda's quotas that Check compares against.
type Limits struct {
	// Unzipped is the largest unzipped size of a function's code plus all its layers; Lambda
	// says "Unzipped size must be smaller than 262144000 bytes".
	Unzipped int64 `json:"unzipped"`
	// Zipped is the largest zip Lambda accepts uploaded directly (`sls deploy function`);
	// `sls deploy` uploads through S3, where only Unzipped applies.
	Zipped int64 `json:"zipped"`
	// Layers is the most layers a function can attach.
	Layers int `json:"layers"`
	// WarnRatio starts the warning band: a size over WarnRatio × limit gets a warning.
	WarnRatio float64 `json:"warnRatio"`
}

// DefaultLimits are the AWS Lambda quotas (250 MB = 262,144,000 bytes, 50 MB = 52,428,800
// bytes, 5 layers) with the warning band from 80%.
var DefaultLimits = Limits{Unzipped: 262_144_000, Zipped: 50 << 20, Layers: 5, WarnRatio: 0.8}

// Level is a verdict's severity.
type Level string

// The levels, from best to worst.
const (
	OK    Level = "ok"
	Warn  Level = "warn"
	Error Level = "error"
)

// Message codes. A code stays the same when WarnOnly turns an error into a warning; Level says
// which it is.
const (
	CodeUnzipped     = diag.CodeSizeUnzipped     // code + layers over the unzipped limit
	CodeUnzippedNear = diag.CodeSizeUnzippedNear // in the warning band
	CodeZipped       = diag.CodeSizeZipped       // direct upload over 50 MB
	CodeZippedNear   = diag.CodeSizeZippedNear   // direct upload in the warning band
	CodeLayers       = diag.CodeSizeLayers       // more than 5 layers
)

// Fix is what a suggestion proposes.
type Fix string

// The fixes a suggestion can name.
const (
	// FixNoDeploy: the package is in the Lambda Python runtime; list it in noDeploy.
	FixNoDeploy Fix = "noDeploy"
	// FixSlim: much of the package is bytecode, metadata or tests; slim (and slimPatterns).
	FixSlim Fix = "slim"
	// FixZip: ship requirements as a zip inside the artifact (zip: true); only its compressed
	// size counts towards the unzipped limit. It does not shrink the zipped artifact.
	FixZip Fix = "zip"
	// FixLayer: move requirements into a layer (layer: true), so the function's own zip (what
	// `sls deploy function` uploads) holds only code. Layers count towards the unzipped limit.
	FixLayer Fix = "layer"
	// FixDeploy: deploy with `sls deploy`, which uploads through S3 (no 50 MB limit).
	FixDeploy Fix = "deploy"
	// FixNone: nothing to suggest (e.g. the function's own code).
	FixNone Fix = ""
)

// RuntimePackages are distributions the AWS Lambda Python runtimes already provide (the AWS SDK
// and its dependencies): shipping them is usually unnecessary (noDeploy).
var RuntimePackages = []string{"boto3", "botocore", "s3transfer", "jmespath"}

// Options control Check.
type Options struct {
	Limits Limits // zero: DefaultLimits
	// DirectUpload adds the 50 MB zipped check (`sls deploy function` uploads the zip itself).
	DirectUpload bool
	// WarnOnly turns errors into warnings (the user's opt-out).
	WarnOnly bool
	// Top is how many packages a message lists (0: 5).
	Top int
}

// Verdict is the result of checking one function.
type Verdict struct {
	Function string    `json:"function"`
	Level    Level     `json:"level"`
	Messages []Message `json:"messages"`
}

// Message is one finding, as plain data for the message catalog: Text renders the proposed
// English wording.
type Message struct {
	Code     string `json:"code"`
	Level    Level  `json:"level"`
	Function string `json:"function"`
	Size     int64  `json:"size"`  // bytes, or the number of layers for CodeLayers
	Limit    int64  `json:"limit"` // bytes, or the layer limit for CodeLayers
	// Unknown counts layers attached by ARN whose size is not included in Size.
	Unknown int `json:"unknownLayers"`
	// Parts is what Size is made of: the function's zip, then each layer.
	Parts []Part `json:"parts"`
	// Packages are the largest packages with a suggestion each (CodeLayers has none).
	Packages []Suggestion `json:"packages"`
}

// Part is one zip counted in a Message's size.
type Part struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Bytes int64  `json:"bytes"`
}

// Suggestion is one large package and what to do about it.
type Suggestion struct {
	Package  string `json:"package"`
	Version  string `json:"version,omitempty"`
	Artifact string `json:"artifact"` // the zip it is in
	Bytes    int64  `json:"bytes"`    // unzipped, or zipped for the zipped checks
	Kind     string `json:"kind"`     // the Package.Kind: "dist", "folder" or "file"
	Fix      Fix    `json:"fix"`
	// Tests is the part of the package in tests/ folders (what a slimPatterns entry removes
	// beyond slim's defaults).
	Tests int64 `json:"tests"`
	// Saves estimates the bytes the fix removes from the checked size.
	Saves int64 `json:"saves"`
}

// Check compares every function of r with the limits and returns one verdict per function, in
// the order of r.Functions.
func Check(r *Report, o Options) []Verdict {
	lim := o.Limits
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	top := o.Top
	if top <= 0 {
		top = 5
	}
	out := make([]Verdict, 0, len(r.Functions))
	for _, f := range r.Functions {
		v := Verdict{Function: f.Name, Level: OK, Messages: []Message{}}
		parts := []Part{{Name: f.Artifact, Kind: "function", Bytes: r.Artifact(f.Artifact).Unzipped}}
		for _, l := range f.Layers {
			parts = append(parts, Part{Name: l, Kind: "layer", Bytes: r.Artifact(l).Unzipped})
		}
		add := func(code, near string, level Level, size, limit int64, zipped bool, ps []Part) {
			m := Message{Code: code, Level: level, Function: f.Name, Size: size, Limit: limit, Parts: ps}
			if level == Warn && near != "" {
				m.Code = near
			}
			if code != CodeLayers {
				m.Unknown = f.UnknownLayers
				m.Packages = suggest(r, f, zipped, top)
			}
			if m.Level == Error && o.WarnOnly {
				m.Level = Warn
			}
			v.Messages = append(v.Messages, m)
			if rank(m.Level) > rank(v.Level) {
				v.Level = m.Level
			}
		}
		if l := band(f.Unzipped, lim.Unzipped, lim.WarnRatio); l != OK {
			add(CodeUnzipped, CodeUnzippedNear, l, f.Unzipped, lim.Unzipped, false, parts)
		}
		if o.DirectUpload {
			if l := band(f.Zipped, lim.Zipped, lim.WarnRatio); l != OK {
				add(CodeZipped, CodeZippedNear, l, f.Zipped, lim.Zipped, true,
					[]Part{{Name: f.Artifact, Kind: "function", Bytes: f.Zipped}})
			}
		}
		if f.LayerCount > lim.Layers {
			add(CodeLayers, "", Error, int64(f.LayerCount), int64(lim.Layers), false, nil)
		}
		out = append(out, v)
	}
	return out
}

// band: Error at or over the limit (Lambda wants "smaller than"), Warn over ratio × limit.
func band(size, limit int64, ratio float64) Level {
	switch {
	case limit <= 0:
		return OK
	case size >= limit:
		return Error
	case ratio > 0 && float64(size) > ratio*float64(limit):
		return Warn
	}
	return OK
}

func rank(l Level) int {
	switch l {
	case Error:
		return 2
	case Warn:
		return 1
	}
	return 0
}

// suggest lists the largest packages of a function's zips (its code zip only when zipped) with a
// fix each.
func suggest(r *Report, f FunctionSize, zipped bool, top int) []Suggestion {
	names := []string{f.Artifact}
	if !zipped {
		names = append(names, f.Layers...)
	}
	var all []Suggestion
	for _, n := range names {
		a := r.Artifact(n)
		for _, p := range a.Packages {
			s := Suggestion{Package: p.Name, Version: p.Version, Artifact: a.Name, Bytes: p.Bytes, Kind: p.Kind, Tests: p.Tests}
			if zipped {
				s.Bytes = p.Zipped
			}
			s.Fix, s.Saves = fixFor(p, a.Kind, zipped)
			all = append(all, s)
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].Bytes != all[j].Bytes {
			return all[i].Bytes > all[j].Bytes
		}
		return all[i].Package < all[j].Package
	})
	if len(all) > top {
		all = all[:top]
	}
	if all == nil {
		all = []Suggestion{}
	}
	return all
}

// fixFor picks the most useful fix for a package and estimates what it saves.
func fixFor(p Package, kind string, zipped bool) (Fix, int64) {
	size := p.Bytes
	if zipped {
		size = p.Zipped
	}
	if IsRuntimePackage(p.Name) {
		return FixNoDeploy, size
	}
	slim := p.Slimmable + p.Tests
	if slim >= 1<<20 && slim*4 >= p.Bytes { // a quarter or more is bytecode, metadata or tests
		if zipped && p.Bytes > 0 {
			return FixSlim, slim * p.Zipped / p.Bytes
		}
		return FixSlim, slim
	}
	if zipped {
		if kind == "function" && p.Kind != "file" {
			return FixLayer, size
		}
		return FixDeploy, 0
	}
	if kind == "function" && p.Kind != "file" {
		return FixZip, max(0, p.Bytes-p.Zipped)
	}
	return FixNone, 0
}

// IsRuntimePackage reports whether name (any spelling) is in RuntimePackages.
func IsRuntimePackage(name string) bool {
	n := requirements.NormalizeName(name)
	for _, r := range RuntimePackages {
		if n == r {
			return true
		}
	}
	return false
}
