package size

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/requirements"
)

// maxMetaFile bounds how much of a RECORD or top_level.txt is read.
const maxMetaFile = 16 << 20

// owners maps entries to distributions: exact files first, then top-level names.
type owners struct {
	file  map[string]*Package // rel path -> dist
	top   map[string]*Package // top-level folder, file or module name -> dist
	clash map[string]bool     // top-level names claimed by two dists (namespace packages)
	dists map[string]*Package // normalised name -> dist
}

func newOwners() *owners {
	return &owners{file: map[string]*Package{}, top: map[string]*Package{}, clash: map[string]bool{}, dists: map[string]*Package{}}
}

func (o *owners) dist(name, version string) *Package {
	n := requirements.NormalizeName(name)
	p := o.dists[n]
	if p == nil {
		p = &Package{Name: n, Kind: "dist"}
		o.dists[n] = p
	}
	if p.Version == "" {
		p.Version = version
	}
	return p
}

func (o *owners) claimTop(name string, p *Package) {
	if name == "" || name == "." || name == ".." || o.clash[name] {
		return
	}
	if q, ok := o.top[name]; ok && q != p {
		delete(o.top, name)
		o.clash[name] = true
		return
	}
	o.top[name] = p
}

// claimFile records that p installed rel (a RECORD path); its top-level name is claimed too, so
// files the RECORD does not list (bytecode compiled later) follow their folder.
func (o *owners) claimFile(rel string, p *Package) {
	for strings.HasPrefix(rel, "../") { // console scripts: ../../bin/x with --target
		rel = rel[3:]
	}
	rel = path.Clean(rel)
	if rel == "." || strings.HasPrefix(rel, "../") {
		return
	}
	o.file[rel] = p
	top, _, isDir := strings.Cut(rel, "/")
	if isDir && sharedDirs[top] {
		return // folders several distributions write into: their RECORD lines decide
	}
	o.claimTop(top, p)
	o.claimTop(moduleName(top), p)
}

// sharedDirs are top-level folders that hold files of many distributions.
var sharedDirs = map[string]bool{"__pycache__": true, "bin": true}

// metaDir splits "<name>-<version>.dist-info" (or .egg-info) into name and version.
func metaDir(top string) (name, version string, ok bool) {
	base, found := strings.CutSuffix(top, ".dist-info")
	if !found {
		if base, found = strings.CutSuffix(top, ".egg-info"); !found {
			return "", "", false
		}
	}
	name, version, _ = strings.Cut(base, "-")
	if v, _, ok := strings.Cut(version, "-py"); ok { // egg-info: name-1.0-py3.12
		version = v
	}
	return name, version, name != ""
}

// moduleName is the import name a top-level entry provides: "six.py" and
// "_cffi_backend.cpython-312-x86_64-linux-gnu.so" give "six" and "_cffi_backend"; "numpy.libs"
// gives "numpy".
func moduleName(top string) string {
	if i := strings.IndexByte(top, '.'); i > 0 {
		return top[:i]
	}
	return top
}

// relName strips the layer root (python/ or python/lib/python3.X/site-packages/) or z.Root.
func relName(name string, z Zip) string {
	if z.Root != "" {
		return strings.TrimPrefix(name, z.Root)
	}
	if !z.Layer {
		return name
	}
	rest, ok := strings.CutPrefix(name, "python/")
	if !ok {
		return name
	}
	if lib, ok := strings.CutPrefix(rest, "lib/"); ok {
		if pyver, sp, ok := strings.Cut(lib, "/"); ok && strings.HasPrefix(pyver, "python") {
			if r, ok := strings.CutPrefix(sp, "site-packages/"); ok {
				return r
			}
		}
	}
	return rest
}

// attribute fills a.Entries and a.Packages.
func attribute(a *Artifact, files []*zip.File, z Zip) error {
	o := newOwners()
	a.Entries = make([]Entry, len(files))
	for i, f := range files {
		a.Entries[i] = Entry{Name: f.Name, Path: relName(f.Name, z), Bytes: int64(f.UncompressedSize64), Compressed: int64(f.CompressedSize64)}
	}
	// Metadata folders first: RECORD maps files, top_level.txt maps import names.
	for i, f := range files {
		top, rest, found := strings.Cut(a.Entries[i].Path, "/")
		if !found {
			continue
		}
		name, version, ok := metaDir(top)
		if !ok {
			continue
		}
		p := o.dist(name, version)
		o.claimTop(top, p)
		switch rest {
		case "RECORD":
			if err := readRecord(f, func(rel string) { o.claimFile(rel, p) }); err != nil {
				return err
			}
		case "top_level.txt":
			if err := readLines(f, func(l string) { o.claimTop(l, p) }); err != nil {
				return err
			}
		}
	}
	// The cache's dists.json, for zips whose metadata slim removed.
	for dist, fs := range z.Dists {
		var p *Package
		for _, rel := range fs {
			if d, ok := strings.CutSuffix(rel, "/"); ok {
				if name, version, ok := metaDir(d); ok && requirements.NormalizeName(name) == dist {
					p = o.dist(name, version)
				}
			}
		}
		if p == nil {
			p = o.dist(dist, "")
		}
		for _, rel := range fs {
			if d, ok := strings.CutSuffix(rel, "/"); ok {
				o.claimTop(d, p)
				continue
			}
			if _, taken := o.file[path.Clean(rel)]; !taken {
				o.claimFile(rel, p)
			}
		}
	}
	loose := map[string]*Package{}
	for i := range a.Entries {
		e := &a.Entries[i]
		p := o.owner(e.Path)
		if p == nil {
			top, _, isDir := strings.Cut(e.Path, "/")
			key := top
			if isDir {
				key += "/"
			}
			if p = loose[key]; p == nil {
				p = &Package{Name: top, Kind: "file"}
				if isDir {
					p.Kind = "folder"
				}
				loose[key] = p
			}
		}
		e.Package = p.Name
		p.Files++
		p.Bytes += e.Bytes
		p.Zipped += e.Compressed
		if slimmable(e.Path) {
			p.Slimmable += e.Bytes
		}
		if inTests(e.Path) {
			p.Tests += e.Bytes
		}
	}
	// A loose folder and a dist of the same name would be two rows called alike: keep them
	// apart by the kind, and report only packages that hold files.
	for _, p := range o.dists {
		if p.Files > 0 {
			a.Packages = append(a.Packages, *p)
		}
	}
	for _, p := range loose {
		a.Packages = append(a.Packages, *p)
	}
	for i := range a.Packages {
		if a.Unzipped > 0 {
			a.Packages[i].Share = float64(a.Packages[i].Bytes) / float64(a.Unzipped)
		}
	}
	sortPackages(a.Packages)
	return nil
}

// owner finds the distribution of a file: its RECORD line, then its top-level folder, file or
// module name.
func (o *owners) owner(rel string) *Package {
	if p := o.file[rel]; p != nil {
		return p
	}
	top, _, _ := strings.Cut(rel, "/")
	if top == "__pycache__" { // __pycache__/six.cpython-312.pyc belongs to six.py's owner
		return o.top[moduleName(path.Base(rel))]
	}
	if p := o.top[top]; p != nil {
		return p
	}
	return o.top[moduleName(top)]
}

// sortPackages orders by unzipped bytes, largest first, then by name and kind.
func sortPackages(ps []Package) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Bytes != ps[j].Bytes {
			return ps[i].Bytes > ps[j].Bytes
		}
		if ps[i].Name != ps[j].Name {
			return ps[i].Name < ps[j].Name
		}
		return ps[i].Kind < ps[j].Kind
	})
}

// slimmable reports whether slim's default patterns remove the file.
func slimmable(rel string) bool {
	if strings.HasSuffix(rel, ".pyc") || strings.HasSuffix(rel, ".pyo") {
		return true
	}
	for seg := range strings.SplitSeq(rel, "/") {
		if strings.HasPrefix(seg, "__pycache__") || strings.Contains(seg, ".dist-info") {
			return true
		}
	}
	return false
}

// inTests reports whether the file is inside a tests/ or test/ folder.
func inTests(rel string) bool {
	dir := path.Dir(rel)
	for seg := range strings.SplitSeq(dir, "/") {
		if seg == "tests" || seg == "test" {
			return true
		}
	}
	return false
}

func readRecord(f *zip.File, each func(string)) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	cr := csv.NewReader(io.LimitReader(rc, maxMetaFile))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if _, ok := err.(*csv.ParseError); ok {
				continue // a damaged line: attribute what can be read
			}
			return err
		}
		if len(rec) > 0 && rec[0] != "" {
			each(rec[0])
		}
	}
}

func readLines(f *zip.File, each func(string)) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	sc := bufio.NewScanner(io.LimitReader(rc, maxMetaFile))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			each(strings.Trim(l, "/"))
		}
	}
	return sc.Err()
}
