package assembly

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/workspace"
)

// Wheel is one wheel to assemble.
type Wheel struct {
	Path string // the wheel file
	Dist string // its distribution name (any spelling; PEP 503-normalised to find its .dist-info)
}

// Options control Assemble.
type Options struct {
	// Shebang is the first line of every script in bin/ (console scripts, and .data/scripts
	// starting with "#!python"), e.g. "#!/usr/bin/python3". pip writes "#!" and its
	// interpreter's path. "" means "#!python".
	Shebang string
	// Transform, when set, changes the entries it selects (see Transformer).
	Transform Transformer
	// Exclude, when set, leaves out the entries (by final name) for which it returns true, e.g.
	// slim's patterns. The dists file still lists every installed file.
	Exclude func(name string) bool
	// DistsFile, when set, receives the JSON map of distribution files (Result.Dists), written
	// atomically (its folder is created): the pipeline's .pyreqs/dists.json.
	DistsFile string
	// ExtractDir, when set, also receives the assembled files (see archive.Extract), for cache entries
	// that keep the installed tree on disk.
	ExtractDir string
	// Pack sets the deflate level and workers for the entries that are compressed (generated and
	// transformed files); Prefix and Exclude are not used.
	Pack archive.PackOptions
}

// Result describes an assembled zip.
type Result struct {
	// Dists maps each distribution (PEP 503-normalised) to the files it installed, relative to
	// the zip root with '/' separators, its .dist-info folder as "<dir>/": the format of the
	// pipeline's dists.json, which noDeploy filtering reads.
	Dists       map[string][]string
	Stats       archive.Stats
	Raw         int // entries copied raw from wheels
	Compressed  int // entries compressed (generated RECORDs and scripts, transformed files)
	Transformed int // entries selected by the Transformer
	// Times of the parts of Assemble: the Transformer (its sources written out and Apply), the
	// zip, and the tree (Options.ExtractDir).
	TransformTime, ZipTime, ExtractTime time.Duration
}

// Assemble writes dst, a deterministic zip of the files `pip install --target` would install
// from wheels, copying each member's compressed bytes as they are. A wheel whose layout is not
// reproduced exactly gives an *UnsupportedError (fall back to pip). dst is written atomically.
func Assemble(ctx context.Context, wheels []Wheel, dst string, opt Options) (*Result, error) {
	if opt.Shebang == "" {
		opt.Shebang = "#!python"
	}
	scratch, err := os.MkdirTemp(filepath.Dir(dst), ".pyreqs-assemble-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scratch)
	a := &assembler{opt: opt, scratch: scratch, owner: map[string]string{}, dists: map[string][]string{}}
	defer a.close()
	for _, wh := range wheels {
		w, err := openWheel(wh.Path, wh.Dist)
		if err != nil {
			return nil, err
		}
		a.open = append(a.open, w)
		if err := a.add(w); err != nil {
			return nil, err
		}
	}
	if err := a.checkBin(); err != nil {
		return nil, err
	}
	start := time.Now()
	if opt.Transform != nil {
		// While the transform runs (a compiler's processes), the entries it cannot change are
		// written into the tree.
		g, gctx := errgroup.WithContext(ctx)
		if opt.ExtractDir != "" {
			ms := a.unchanged()
			g.Go(func() error {
				_, err := archive.ExtractMembers(gctx, opt.ExtractDir, ms)
				return err
			})
		}
		g.Go(func() error { return a.transform(gctx) })
		if err := g.Wait(); err != nil {
			return nil, err
		}
	}
	transformTime := time.Since(start)
	start = time.Now()
	var inputs []archive.Input
	var raws []archive.RawEntry
	var files []archive.FileInput
	kept := map[string]bool{}
	for _, e := range a.entries {
		if opt.Exclude != nil && opt.Exclude(e.name) {
			continue
		}
		kept[e.name] = true
		if e.file != "" {
			files = append(files, archive.FileInput{Path: e.file, Name: e.name})
		} else {
			raws = append(raws, archive.RawEntry{File: e.m.zf, Name: e.name, Exec: e.m.exec})
		}
	}
	if len(raws) > 0 {
		inputs = append(inputs, archive.Input{Raw: raws})
	}
	if len(files) > 0 {
		inputs = append(inputs, archive.Input{Files: files})
	}
	st, err := archive.Merge(ctx, dst, inputs, opt.Pack)
	if err != nil {
		return nil, err
	}
	res := &Result{Dists: a.dists, Stats: st, Raw: len(raws), Compressed: len(files), Transformed: a.transformed,
		TransformTime: transformTime, ZipTime: time.Since(start)}
	if opt.DistsFile != "" {
		b, err := json.Marshal(a.dists)
		if err != nil {
			return nil, err
		}
		if err := workspace.WriteFile(opt.DistsFile, b); err != nil {
			return nil, err
		}
	}
	if opt.ExtractDir != "" {
		start = time.Now()
		if err := a.pruneTree(kept); err != nil {
			return nil, err
		}
		if _, err := archive.ExtractExcept(ctx, dst, opt.ExtractDir, func(name string) bool { return a.inTree[name] || a.early[name] }); err != nil {
			return nil, err
		}
		res.ExtractTime = time.Since(start)
	}
	return res, nil
}

// outEntry is one entry of the output: a wheel member copied raw, or a file in the scratch
// folder (generated or transformed) to compress.
type outEntry struct {
	name string
	m    member // when file == ""
	file string
	dist string
}

type assembler struct {
	opt         Options
	scratch     string
	open        []*wheel
	entries     []outEntry
	owner       map[string]string // entry name -> distribution, to detect overlaps
	dists       map[string][]string
	transformed int
	n           int
	inTree      map[string]bool // files the transform wrote into Options.ExtractDir
	early       map[string]bool // files written into Options.ExtractDir during the transform
}

// unchanged lists the wheel members the Transformer does not select and Exclude keeps (as they
// are before the transform: a wheel's own bytecode stays excluded until the transform adds
// bytecode of that name, which then replaces it in the tree), and records them in a.early.
func (a *assembler) unchanged() []archive.Member {
	a.early = map[string]bool{}
	var ms []archive.Member
	for _, e := range a.entries {
		if e.file != "" || a.opt.Transform.Select(e.name) || a.opt.Exclude != nil && a.opt.Exclude(e.name) {
			continue
		}
		a.early[e.name] = true
		ms = append(ms, archive.Member{File: e.m.zf, Name: e.name, Exec: e.m.exec})
	}
	return ms
}

func (a *assembler) close() {
	for _, w := range a.open {
		w.Close()
	}
}

func (a *assembler) put(e outEntry) error {
	if prev, ok := a.owner[e.name]; ok {
		return unsupported(e.dist, "it installs %s, which %s installs too (pip would overwrite one with the other)", e.name, prev)
	}
	a.owner[e.name] = e.dist
	a.entries = append(a.entries, e)
	return nil
}

// writeScratch stores generated content in the scratch folder and returns its path.
func (a *assembler) writeScratch(b []byte, perm os.FileMode) (string, error) {
	a.n++
	p := filepath.Join(a.scratch, fmt.Sprintf("g%06d", a.n))
	if err := os.WriteFile(p, b, perm); err != nil {
		return "", err
	}
	return p, os.Chmod(p, perm) // exact mode whatever the umask
}

func (a *assembler) add(w *wheel) error {
	installed := map[string]string{}
	changed := map[string]recordRow{}
	generated := map[string]recordRow{}
	recordName := w.infoDir + "/RECORD"
	for _, m := range w.files {
		installed[m.src] = m.record
		if m.src == recordName {
			continue // replaced by the RECORD pip writes
		}
		if !m.script {
			if err := a.put(outEntry{name: m.dest, m: m, dist: w.dist}); err != nil {
				return err
			}
			continue
		}
		if m.zf.UncompressedSize64 > smallFileMax {
			return unsupported(w.dist, "script %s is larger than %d bytes", m.src, smallFileMax)
		}
		b, err := readZipFile(m.zf)
		if err != nil {
			return fmt.Errorf("wheel %s: %w", w.path, err)
		}
		fixed, ok := fixScript(b, a.opt.Shebang)
		if !ok {
			if err := a.put(outEntry{name: m.dest, m: m, dist: w.dist}); err != nil {
				return err
			}
			continue
		}
		perm := os.FileMode(0o644)
		if m.exec {
			perm = 0o755
		}
		p, err := a.writeScratch(fixed, perm)
		if err != nil {
			return err
		}
		h, n := recordHash(fixed)
		changed[m.record] = recordRow{m.record, h, n}
		if err := a.put(outEntry{name: m.dest, file: p, dist: w.dist}); err != nil {
			return err
		}
	}
	for _, name := range w.names {
		b := consoleScript(a.opt.Shebang, w.console[name])
		p, err := a.writeScratch(b, 0o755)
		if err != nil {
			return err
		}
		rp := "../../bin/" + name
		h, n := recordHash(b)
		generated[rp] = recordRow{rp, h, n}
		if err := a.put(outEntry{name: "bin/" + name, file: p, dist: w.dist}); err != nil {
			return err
		}
	}
	rows := installedRecord(w.record, installed, changed, generated)
	p, err := a.writeScratch(encodeRecord(rows), 0o644)
	if err != nil {
		return err
	}
	if err := a.put(outEntry{name: recordName, file: p, dist: w.dist}); err != nil {
		return err
	}
	dist, files := distFiles(w.infoDir, rows)
	a.dists[dist] = append(a.dists[dist], files...)
	return nil
}

// checkBin refuses a wheel that installs a top-level bin/ folder of its own when scripts go to
// bin/ too: pip --target moves its library folder's bin/ first and then skips the scripts'
// bin/ (it already exists), which is not reproduced here.
func (a *assembler) checkBin() error {
	var libBin, script string
	for _, e := range a.entries {
		if !strings.HasPrefix(e.name, "bin/") {
			continue
		}
		if e.file == "" && !e.m.script {
			libBin = e.dist
		} else {
			script = e.dist
		}
	}
	if libBin != "" && script != "" {
		return unsupported(libBin, "it installs a top-level bin/ folder, where %s's scripts go too", script)
	}
	return nil
}

// copyOut inflates a wheel member into a file.
func copyOut(m member, dst string, perm os.FileMode) error {
	r, err := m.zf.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
