package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/size"
)

// writeReport is `sls requirements report`: per function and layer, zipped and unzipped sizes
// against Lambda's limits and the packages by size, and per requirements set whether the static
// cache will hit (and on a miss, which key lines differ from the nearest entry). It installs
// nothing: the sizes come from the artifacts in .serverless when `sls package` wrote them, else
// from the warm cache entries the key headers name. --json writes the document as JSON; --html
// writes the page and its metafile and prints both paths.
type writeReport struct{}

func (writeReport) String() string { return "report" }

func (writeReport) Run(ctx context.Context, s *state) error {
	sets, keyed, err := s.cacheSets(ctx)
	if err != nil {
		return err
	}
	fns, notes := s.reportFunctions(keyed)
	rep, err := size.Measure(fns)
	if err != nil {
		return err
	}
	verdicts := size.Check(rep, size.Options{WarnOnly: s.opts.SizeCheck == config.SizeCheckWarn})
	doc := size.NewDocument(rep, verdicts, size.DefaultLimits, sets)
	for _, n := range notes {
		s.emit.Info(n)
	}
	var out bytes.Buffer
	if s.req.Options.JSON {
		err = doc.WriteJSON(&out)
	} else {
		err = doc.WriteText(&out, size.TextOptions{Top: 20})
	}
	if err != nil {
		return err
	}
	if p := s.req.Options.HTML; p != "" {
		if !filepath.IsAbs(p) {
			base := s.req.Cwd
			if base == "" {
				base = s.req.ServicePath
			}
			p = filepath.Join(base, p)
		}
		meta, err := doc.WriteFiles(p)
		if err != nil {
			return diag.AtFile(diag.CodeError, p, "cannot write the HTML report: %v", unwrapPathError(err))
		}
		paths := fmt.Sprintf("HTML report: %s\nMetafile: %s", p, meta)
		if s.req.Options.JSON {
			s.emit.Info(paths) // keep stdout pure JSON
		} else {
			out.WriteString("\n" + paths + "\n")
		}
	}
	s.emit.Output(out.String())
	return nil
}

// cacheSets explains the static cache of every requirements set to install, from the key header
// the before hook would write (nothing is written). It returns the explanations and, per module,
// the cache entry folder the set needs.
func (r *state) cacheSets(ctx context.Context) ([]size.CacheSetSummary, map[string]string, error) {
	keyed := map[string]string{}
	if r.inst == nil || len(r.todo) == 0 {
		return nil, keyed, nil
	}
	entries, err := size.ReadCacheEntries(r.cacheRoot)
	if err != nil {
		entries = nil // no cache folder yet: every set is a miss
	}
	var out []size.CacheSetSummary
	for _, u := range r.todo {
		content := append([]byte(r.keyHeader(u)+r.planBytecode(ctx, u)), u.Lines...) // as writeKeyHeaders
		ex := size.ExplainCache(content, u.Arch, entries)
		out = append(out, size.CacheSetSummary{Requirements: r.rel(u.ReqOut), CacheExplanation: ex})
		keyed[u.Module] = filepath.Join(r.cacheRoot, ex.Entry)
	}
	return out, keyed, nil
}

// reportFunctions lists the zips of every Python function: its packaged artifact in
// .serverless, else its requirements from the warm cache entry (without the function's own
// code). notes say which functions were measured from the cache or not at all.
func (r *state) reportFunctions(keyed map[string]string) ([]size.Function, []string) {
	var fns []size.Function
	var notes []string
	layer := r.ws.LayerZip()
	if !r.opts.Layer.Enabled {
		layer = ""
	}
	for _, f := range r.pythonFuncs() {
		if art := r.builtArtifact(f); art != "" {
			fns = append(fns, r.sizeFunction(f, art, layer))
			continue
		}
		module := "."
		if f.Individual {
			module = f.Module
		}
		dir := keyed[module]
		if dir == "" || !cache.Complete(dir) || !exists(cache.PackedPath(dir)) {
			notes = append(notes, fmt.Sprintf("%s: no artifact in .serverless and no warm cache entry: run `sls package` to measure it.", f.Key))
			continue
		}
		packed := cache.PackedPath(dir)
		sf := size.Function{Name: f.Key, Artifact: size.Zip{Name: "cache " + filepath.Base(dir) + " (requirements only)", Path: packed, Dists: readEntryDists(dir)}}
		ours, others := r.attachedLayers(f)
		sf.UnknownLayers = others
		if ours { // the layer's content is the entry's packed zip: count it once
			sf.Artifact.Name = "cache " + filepath.Base(dir) + " (layer content)"
		}
		notes = append(notes, fmt.Sprintf("%s: measured from the cache (requirements only); run `sls package` to include its code.", f.Key))
		fns = append(fns, sf)
	}
	return fns, notes
}

// builtArtifact is the artifact `sls package` left in .serverless for a function ("" if none).
func (r *state) builtArtifact(f *fn) string {
	var p string
	switch {
	case f.Obj.Package != nil && f.Obj.Package.Artifact != "":
		p = r.ws.Abs(f.Obj.Package.Artifact)
	case f.Individual && f.Module != ".":
		name := f.Obj.Name
		if name == "" {
			name = f.Key
		}
		p = r.ws.ModuleArtifact(f.Module, name)
	case f.Individual:
		p = r.ws.FunctionArtifact(f.Key)
	case r.req.Service.Package.Artifact != "":
		p = r.ws.Abs(r.req.Service.Package.Artifact)
	default:
		p = r.ws.ServiceArtifact(r.req.Service.Name)
	}
	if !exists(p) {
		return ""
	}
	return p
}
