package size

import (
	"encoding/json"
	"io"
)

// DocumentVersion changes when the JSON document or metafile changes incompatibly.
const DocumentVersion = 1

// Document is everything the report shows; the JSON output (`--json`) is this value.
type Document struct {
	Version   int               `json:"version"`
	Limits    Limits            `json:"limits"`
	Functions []FunctionReport  `json:"functions"`
	Artifacts []*Artifact       `json:"artifacts"`
	Cache     []CacheSetSummary `json:"cache"`
}

// FunctionReport is a function's sizes and its verdict.
type FunctionReport struct {
	FunctionSize
	Level    Level     `json:"level"`
	Messages []Message `json:"messages"`
}

// CacheSetSummary is the static cache explanation of one requirements set.
type CacheSetSummary struct {
	// Requirements is the generated file, e.g. ".serverless/requirements.txt".
	Requirements string `json:"requirements"`
	CacheExplanation
}

// NewDocument assembles a document from a report, its verdicts (from Check with the same
// limits; nil runs Check with DirectUpload off) and the cache explanations (may be nil).
func NewDocument(r *Report, verdicts []Verdict, lim Limits, sets []CacheSetSummary) *Document {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	if verdicts == nil {
		verdicts = Check(r, Options{Limits: lim})
	}
	byFn := map[string]Verdict{}
	for _, v := range verdicts {
		byFn[v.Function] = v
	}
	d := &Document{Version: DocumentVersion, Limits: lim, Artifacts: r.Artifacts, Functions: []FunctionReport{}, Cache: sets}
	if d.Artifacts == nil {
		d.Artifacts = []*Artifact{}
	}
	if d.Cache == nil {
		d.Cache = []CacheSetSummary{}
	}
	for _, f := range r.Functions {
		v, ok := byFn[f.Name]
		if !ok {
			v = Verdict{Level: OK, Messages: []Message{}}
		}
		d.Functions = append(d.Functions, FunctionReport{FunctionSize: f, Level: v.Level, Messages: v.Messages})
	}
	return d
}

// WriteJSON writes the document as indented JSON.
func (d *Document) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// Metafile is the machine-readable companion of the HTML page, modelled on esbuild's metafile:
// outputs (the zips) list their inputs (the entries) with the bytes each takes in the output.
type Metafile struct {
	Version   int                     `json:"version"`
	Limits    Limits                  `json:"limits"`
	Outputs   map[string]MetaOutput   `json:"outputs"`
	Functions map[string]MetaFunction `json:"functions"`
}

// MetaOutput is one zip.
type MetaOutput struct {
	Kind          string                 `json:"kind"`          // "function" or "layer"
	Bytes         int64                  `json:"bytes"`         // the zip's size
	UnzippedBytes int64                  `json:"unzippedBytes"` // sum of the entries' sizes
	Inputs        map[string]MetaInput   `json:"inputs"`        // by entry name
	Packages      map[string]MetaPackage `json:"packages"`      // by package name
}

// MetaInput is one entry of a zip.
type MetaInput struct {
	Bytes         int64  `json:"bytes"`          // uncompressed
	BytesInOutput int64  `json:"bytesInOutput"`  // compressed
	Package       string `json:"package"`        // the MetaPackage it belongs to
	Path          string `json:"path,omitempty"` // relative to the package root when not the entry name (layers)
}

// MetaPackage is one package of a zip.
type MetaPackage struct {
	Version       string  `json:"version,omitempty"`
	Kind          string  `json:"kind"`
	Files         int     `json:"files"`
	Bytes         int64   `json:"bytes"`
	BytesInOutput int64   `json:"bytesInOutput"`
	Share         float64 `json:"share"`
}

// MetaFunction is one function.
type MetaFunction struct {
	Output        string   `json:"output"`
	Layers        []string `json:"layers"`
	UnknownLayers int      `json:"unknownLayers"`
	Bytes         int64    `json:"bytes"`
	UnzippedBytes int64    `json:"unzippedBytes"`
	LayerCount    int      `json:"layerCount"`
	Level         Level    `json:"level"`
}

// Metafile returns the document's metafile.
func (d *Document) Metafile() *Metafile {
	m := &Metafile{Version: DocumentVersion, Limits: d.Limits, Outputs: map[string]MetaOutput{}, Functions: map[string]MetaFunction{}}
	for _, a := range d.Artifacts {
		o := MetaOutput{Kind: a.Kind, Bytes: a.Zipped, UnzippedBytes: a.Unzipped,
			Inputs: make(map[string]MetaInput, len(a.Entries)), Packages: make(map[string]MetaPackage, len(a.Packages))}
		for _, e := range a.Entries {
			in := MetaInput{Bytes: e.Bytes, BytesInOutput: e.Compressed, Package: e.Package}
			if e.Path != e.Name {
				in.Path = e.Path
			}
			o.Inputs[e.Name] = in
		}
		for _, p := range a.Packages {
			key := p.Name
			if _, dup := o.Packages[key]; dup { // a dist and a loose folder of the same name
				key = p.Name + " (" + p.Kind + ")"
			}
			o.Packages[key] = MetaPackage{Version: p.Version, Kind: p.Kind, Files: p.Files, Bytes: p.Bytes, BytesInOutput: p.Zipped, Share: p.Share}
		}
		m.Outputs[a.Name] = o
	}
	for _, f := range d.Functions {
		m.Functions[f.Name] = MetaFunction{Output: f.Artifact, Layers: f.Layers, UnknownLayers: f.UnknownLayers,
			Bytes: f.Zipped, UnzippedBytes: f.Unzipped, LayerCount: f.LayerCount, Level: f.Level}
	}
	return m
}

// WriteJSON writes the metafile as JSON.
func (m *Metafile) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(m)
}
