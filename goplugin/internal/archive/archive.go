// Package archive writes the zip files of Lambda artifacts: fast, deterministic and atomic.
//
// The expensive step, deflating an installed requirements tree, happens once: PackTree compresses
// the tree in parallel into a "packed" zip kept in the cache. Every artifact is then built by
// Merge, which copies already-compressed entries raw (zip.Writer.CreateRaw with
// zip.File.OpenRaw) from the packed zip and from the framework's function zip, and compresses
// only the few loose files it is given. A warm build therefore runs at disk speed.
//
// Output is deterministic: entries are sorted by name (byte order), names use '/', trees yield
// file entries only, every compressed entry has the fixed time 1980-01-01 00:00:00 (DOS fields
// only, no extended timestamp), mode 0644 or 0755 (0755 when any exec bit is set on disk) stored
// with a Unix "version made by", and the Stored-or-Deflated decision depends only on the content.
// Raw-copied entries keep their header byte for byte except the name, so Merge is deterministic
// whenever its inputs are. Outputs are written to a temporary file beside the destination,
// synced and renamed over it; on error or cancellation the destination is left untouched.
package archive

import (
	"archive/zip"
	"context"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"
)

// DefaultLevel is the deflate level used when PackOptions.Level is 0.
//
// Measured with klauspost/compress v1.20.3 (PackTree, Workers=1, CPU time, best of 3) on two
// trees: a real site-packages sample (botocore, cryptography, networkx, pip, pygments,
// setuptools, yaml with their __pycache__: 5,473 files, 84.1 MB) and the generated benchmark tree
// (genBenchTree: 3,906 files, 52.1 MB of source-like text and random bytes):
//
//	level  site-packages: size  vs 9    MB/s/core   generated: size  vs 9    MB/s/core
//	1      40.74 MB             +9.5%   117         28.71 MB         +5.6%   111
//	4      38.69 MB             +4.0%    92         27.77 MB         +2.1%   128
//	5      38.06 MB             +2.3%    86         27.58 MB         +1.4%    98
//	6      37.83 MB             +1.7%    82         27.57 MB         +1.4%    99
//	7      37.49 MB             +0.8%    40         27.37 MB         +0.6%    42
//	9      37.20 MB              0       12         27.20 MB          0       22
//
// Level 6 is within 2% of level 9 at 7 times its speed, and costs only a few percent more CPU
// than level 5; levels 7 to 9 switch to a much slower matcher for under 2% gain. Packing happens
// once per cache entry, so the last percent matters more than in a per-run compressor, but not 7x.
const DefaultLevel = 6

// PackOptions control how files are compressed and named.
type PackOptions struct {
	// Prefix is prepended to every entry name PackTree writes, e.g. "python/" (include the
	// trailing slash). Merge ignores it: each Input has its own Prefix.
	Prefix string
	// Exclude, when non-nil, is asked about every file and directory of a tree (PackTree's root,
	// and every Dir input of Merge). rel is relative to the tree's root and uses '/'. Returning
	// true skips the file, or the whole subtree of a directory.
	Exclude func(rel string, isDir bool) bool
	// Level is the deflate level, 1 (fastest) to 9 (smallest). 0 means DefaultLevel.
	Level int
	// Workers is the number of files compressed concurrently. 0 means runtime.GOMAXPROCS(0).
	Workers int
	// Window bounds the bytes of file data (raw and compressed) held in memory at once by files
	// being compressed or waiting for their turn to be written. 0 means 96 MiB. Files larger than
	// 8 MiB are streamed through a temporary file instead and count 1 MiB each.
	Window int64
}

func (o PackOptions) withDefaults() PackOptions {
	if o.Level == 0 {
		o.Level = DefaultLevel
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Window <= 0 {
		o.Window = defaultWindow
	}
	return o
}

func (o PackOptions) validate() error {
	if o.Level < 0 || o.Level > 9 {
		return fmt.Errorf("archive: deflate level %d out of range 1..9", o.Level)
	}
	return nil
}

// Stats describe a written archive.
type Stats struct {
	Entries int   // entries written
	Bytes   int64 // total uncompressed size of the entries
	Written int64 // size of the zip file
}

// PackTree writes a deterministic zip of the regular files under root to dst. Symlinks are
// followed to their targets (broken ones are skipped, loops are not entered); directories and
// special files yield no entries. Entry names are opt.Prefix plus the path relative to root.
func PackTree(ctx context.Context, root, dst string, opt PackOptions) (Stats, error) {
	if err := opt.validate(); err != nil {
		return Stats{}, err
	}
	files, err := walkTree(ctx, root, opt.Exclude)
	if err != nil {
		return Stats{}, err
	}
	entries := make([]entry, len(files))
	for i, f := range files {
		entries[i] = entry{name: opt.Prefix + f.rel, file: f.diskFile}
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	return writeArchive(ctx, dst, entries, opt)
}

// FileInput is one file of an Input: the file at Path on disk (symlinks followed) becomes the
// entry Name ('/'-separated, relative, not ending in '/').
type FileInput struct {
	Path string
	Name string
}

// Input is one source of entries for Merge. Exactly one of Zip, Dir and Files is used.
//
// Every entry name the source produces goes through, in order: StripPrefix/KeepAlso, Prefix,
// Keep.
type Input struct {
	// Zip is a zip file whose entries are copied raw, directory entries included.
	Zip string
	// Dir is a directory whose regular files are compressed as PackTree does (names relative to
	// Dir; PackOptions.Exclude applies).
	Dir string
	// Files are individual files to compress.
	Files []FileInput

	// StripPrefix, when set, keeps only the entries under this directory and removes it from
	// their names (moveModuleUp: "mod" or "mod/" turns "mod/handler.py" into "handler.py"). The
	// directory's own entry ("mod/") is dropped. "" keeps every entry as it is.
	StripPrefix string
	// KeepAlso, with StripPrefix, also keeps the entries outside the prefix for which it returns
	// true, with their names unchanged (e.g. serverless_sdk/ and s_*.py).
	KeepAlso func(name string) bool
	// Prefix is then prepended to every name, e.g. "python/" for a layer or "package/" for
	// Scaleway (include the trailing slash).
	Prefix string
	// Keep is a final filter on the resulting name; nil keeps everything.
	Keep func(name string) bool
}

func (in *Input) mapName(name string) (string, bool) {
	if in.StripPrefix != "" {
		p := strings.TrimSuffix(strings.TrimPrefix(in.StripPrefix, "./"), "/") + "/"
		switch {
		case strings.HasPrefix(name, p):
			name = name[len(p):]
			if name == "" {
				return "", false
			}
		case in.KeepAlso != nil && in.KeepAlso(name):
		default:
			return "", false
		}
	}
	name = in.Prefix + name
	if in.Keep != nil && !in.Keep(name) {
		return "", false
	}
	return name, true
}

// Merge writes dst from the inputs in order. When two inputs (or two entries of one input)
// produce the same entry name, the later one wins. Output entries are sorted by name (byte order).
// dst may be the same path as an input Zip: the output is built in a temporary file and renamed
// over dst only when complete (in-place injection). opt.Prefix is not used.
func Merge(ctx context.Context, dst string, inputs []Input, opt PackOptions) (Stats, error) {
	if err := opt.validate(); err != nil {
		return Stats{}, err
	}
	var readers []*zip.ReadCloser
	defer func() {
		for _, r := range readers {
			r.Close()
		}
	}()
	index := map[string]int{}
	var entries []entry
	add := func(e entry) {
		if i, ok := index[e.name]; ok {
			entries[i] = e
			return
		}
		index[e.name] = len(entries)
		entries = append(entries, e)
	}
	for i := range inputs {
		in := &inputs[i]
		set := 0
		for _, b := range []bool{in.Zip != "", in.Dir != "", in.Files != nil} {
			if b {
				set++
			}
		}
		if set != 1 {
			return Stats{}, fmt.Errorf("archive: merge input %d: exactly one of Zip, Dir and Files must be set", i)
		}
		switch {
		case in.Zip != "":
			r, err := zip.OpenReader(in.Zip)
			if err != nil {
				return Stats{}, fmt.Errorf("archive: open %s: %w", in.Zip, err)
			}
			readers = append(readers, r)
			for _, f := range r.File {
				if name, ok := in.mapName(f.Name); ok {
					add(entry{name: name, zf: f, src: in.Zip})
				}
			}
		case in.Dir != "":
			files, err := walkTree(ctx, in.Dir, opt.Exclude)
			if err != nil {
				return Stats{}, err
			}
			for _, f := range files {
				if name, ok := in.mapName(f.rel); ok {
					add(entry{name: name, file: f.diskFile})
				}
			}
		default:
			for _, fi := range in.Files {
				if err := validName(fi.Name); err != nil {
					return Stats{}, fmt.Errorf("archive: merge file %s: %w", fi.Path, err)
				}
				d, err := statFile(fi.Path)
				if err != nil {
					return Stats{}, err
				}
				if name, ok := in.mapName(fi.Name); ok {
					add(entry{name: name, file: d})
				}
			}
		}
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	return writeArchive(ctx, dst, entries, opt)
}

func validName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty entry name")
	case strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || strings.Contains(name, "\\"):
		return fmt.Errorf("entry name %q must be relative, use '/' and name a file", name)
	case path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../"):
		return fmt.Errorf("entry name %q is not a clean relative path", name)
	}
	return nil
}

// Names returns the entry names of a zip file in archive order.
func Names(zipPath string) ([]string, error) {
	r, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, fmt.Errorf("archive: open %s: %w", zipPath, err)
	}
	defer r.Close()
	names := make([]string, len(r.File))
	for i, f := range r.File {
		names[i] = f.Name
	}
	return names, nil
}
