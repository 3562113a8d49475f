// Package size measures Lambda artifacts before they are uploaded: the zipped size of a
// function's artifact, the unzipped size of the artifact plus the layers it attaches, the number
// of layers, and which installed package fills how much of each zip.
//
// Measuring reads only the zips' central directories (the uncompressed size of every entry is
// recorded there), plus the few small *.dist-info/RECORD and top_level.txt files that map entries
// to distributions, so it costs milliseconds even for artifacts of thousands of files. Check turns
// a Report into per-function verdicts against Lambda's limits; the renderers write it as a text
// table, a JSON document, a metafile and a self-contained HTML page.
package size

import (
	"archive/zip"
	"fmt"
	"os"
	"sort"
)

// Zip is one zip to measure.
type Zip struct {
	// Name is how reports show the zip, e.g. ".serverless/hello.zip" (Path when empty).
	Name string
	// Path is the zip file on disk.
	Path string
	// Layer marks a Lambda layer: its packages live under python/ or
	// python/lib/python3.X/site-packages/, which is stripped before attributing entries.
	Layer bool
	// Root, when set, is stripped from entry names before attributing them (e.g. "package/" for
	// Scaleway artifacts). It overrides the layer detection.
	Root string
	// Dists optionally maps PEP 503 distribution names to the files they installed (relative to
	// the package root, '/' separators, a "<name>-<version>.dist-info/" folder entry among them):
	// the cache entry's .pyreqs/dists.json. It attributes entries when slim removed the
	// *.dist-info folders from the zip.
	Dists map[string][]string
}

func (z Zip) display() string {
	if z.Name != "" {
		return z.Name
	}
	return z.Path
}

// Artifact is the measurement of one zip.
type Artifact struct {
	Name     string    `json:"name"`
	Kind     string    `json:"kind"`     // "function" or "layer"
	Zipped   int64     `json:"zipped"`   // size of the zip file
	Unzipped int64     `json:"unzipped"` // sum of the entries' uncompressed sizes
	Files    int       `json:"files"`    // file entries (folder entries are not counted)
	Packages []Package `json:"packages"` // by unzipped bytes, largest first
	// Entries lists every file entry, in zip order; it feeds the metafile and the treemap.
	Entries []Entry `json:"-"`
}

// Entry is one file of a zip.
type Entry struct {
	Name       string // full entry name in the zip
	Path       string // name relative to the package root (layer prefix stripped)
	Bytes      int64  // uncompressed
	Compressed int64
	Package    string // the Package.Name it is attributed to
}

// Package is a distribution (or, without metadata, a top-level folder or file) in an artifact.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	// Kind says how entries were attributed: "dist" (from *.dist-info RECORD, top_level.txt or
	// the cache's dists.json), "folder" or "file" (by top-level name, no metadata).
	Kind   string  `json:"kind"`
	Files  int     `json:"files"`
	Bytes  int64   `json:"bytes"`  // unzipped
	Zipped int64   `json:"zipped"` // compressed bytes of its entries
	Share  float64 `json:"share"`  // Bytes / artifact unzipped, 0..1
	// Slimmable is what slim's default patterns remove: __pycache__, *.pyc/*.pyo, *.dist-info.
	Slimmable int64 `json:"slimmable"`
	// Tests counts files in tests/ or test/ folders (removable with a slimPatterns entry).
	Tests int64 `json:"tests"`
}

// Function is one function to measure: its artifact and the layers it attaches.
type Function struct {
	Name     string
	Artifact Zip
	// Layers are the layer zips this plugin built (or otherwise has on disk) that the function
	// attaches.
	Layers []Zip
	// UnknownLayers counts the layers attached by ARN (or otherwise not on disk): they count
	// towards the 5-layer limit, but their size is unknown.
	UnknownLayers int
}

// FunctionSize is the measurement of one function.
type FunctionSize struct {
	Name          string   `json:"name"`
	Artifact      string   `json:"artifact"`      // Artifact.Name of its code zip
	Layers        []string `json:"layers"`        // Artifact.Name of each measured layer
	UnknownLayers int      `json:"unknownLayers"` // layers by ARN, size unknown
	Zipped        int64    `json:"zipped"`        // the code zip's size
	Unzipped      int64    `json:"unzipped"`      // code + measured layers, unzipped
	LayerCount    int      `json:"layerCount"`    // len(Layers) + UnknownLayers
}

// Report is the measurement of a set of functions; each distinct zip is measured once.
type Report struct {
	Functions []FunctionSize `json:"functions"`
	Artifacts []*Artifact    `json:"artifacts"` // sorted by name
	byName    map[string]*Artifact
}

// Artifact returns the measured artifact called name, or nil.
func (r *Report) Artifact(name string) *Artifact {
	if a, ok := r.byName[name]; ok {
		return a
	}
	for _, a := range r.Artifacts { // a Report built by hand or decoded from JSON
		if a.Name == name {
			return a
		}
	}
	return nil
}

// Measure measures every function's artifact and layers. A zip shared by several functions (a
// service packaged as one artifact, a shared layer) is read once.
func Measure(fns []Function) (*Report, error) {
	r := &Report{byName: map[string]*Artifact{}}
	get := func(z Zip, kind string) (*Artifact, error) {
		if a, ok := r.byName[z.display()]; ok {
			return a, nil
		}
		a, err := MeasureZip(z)
		if err != nil {
			return nil, err
		}
		a.Kind = kind
		r.byName[a.Name] = a
		r.Artifacts = append(r.Artifacts, a)
		return a, nil
	}
	for _, f := range fns {
		a, err := get(f.Artifact, "function")
		if err != nil {
			return nil, err
		}
		fs := FunctionSize{Name: f.Name, Artifact: a.Name, Layers: []string{}, UnknownLayers: f.UnknownLayers,
			Zipped: a.Zipped, Unzipped: a.Unzipped, LayerCount: len(f.Layers) + f.UnknownLayers}
		for _, lz := range f.Layers {
			lz.Layer = true
			l, err := get(lz, "layer")
			if err != nil {
				return nil, err
			}
			fs.Layers = append(fs.Layers, l.Name)
			fs.Unzipped += l.Unzipped
		}
		r.Functions = append(r.Functions, fs)
	}
	sort.Slice(r.Artifacts, func(i, j int) bool { return r.Artifacts[i].Name < r.Artifacts[j].Name })
	return r, nil
}

// MeasureZip measures one zip from its central directory and attributes its entries to packages.
func MeasureZip(z Zip) (*Artifact, error) {
	zr, err := zip.OpenReader(z.Path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", z.display(), err)
	}
	defer zr.Close()
	kind := "function"
	if z.Layer {
		kind = "layer"
	}
	a := &Artifact{Name: z.display(), Kind: kind, Packages: []Package{}}
	fi, err := os.Stat(z.Path)
	if err != nil {
		return nil, err
	}
	a.Zipped = fi.Size()
	files := make([]*zip.File, 0, len(zr.File))
	for _, f := range zr.File {
		if f.Mode().IsDir() || len(f.Name) > 0 && f.Name[len(f.Name)-1] == '/' {
			continue
		}
		files = append(files, f)
		a.Unzipped += int64(f.UncompressedSize64)
	}
	a.Files = len(files)
	if err := attribute(a, files, z); err != nil {
		return nil, fmt.Errorf("reading %s: %w", z.display(), err)
	}
	return a, nil
}
