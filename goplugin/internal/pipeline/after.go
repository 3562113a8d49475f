package pipeline

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/requirements"
)

// job is one artifact to write: inputs merged into dst.
type job struct {
	dst    string
	inputs []archive.Input
	label  string
	fnKeys []string // functions whose artifact becomes dst
	moved  bool     // dst differs from the framework's artifact
}

// after injects the installed requirements into the built artifacts (spec C.8), moving module
// functions up first. Every artifact is written once, straight from already-compressed entries.
func (r *run) after(ctx context.Context, edits *protocol.Edits) error {
	if !anyPython(r.req, r.opts.Layer.Enabled) {
		return nil
	}
	if r.opts.Zip && r.opts.CleanupZipHelper {
		if err := r.removeZipHelpers(); err != nil {
			return err
		}
	}
	if r.opts.Layer.Enabled {
		return r.layer(ctx, edits) // layer mode injects nothing into function artifacts
	}
	start := time.Now()
	var jobs []*job
	sharedDone := map[string]*job{}
	root := ""
	if r.req.Service.Provider.Name == "scaleway" {
		root = "package/"
	}
	for _, f := range r.pythonFuncs() {
		if f.Individual {
			art := r.functionArtifact(f)
			if art == "" {
				return r.noArtifact(f.Key)
			}
			j := &job{dst: art, label: f.Key, fnKeys: []string{f.Key}}
			base := archive.Input{Zip: art}
			if f.Module != "." {
				name := f.Obj.Name
				if name == "" {
					name = f.Key
				}
				j.dst = filepath.Join(r.svcDir, ".serverless", strings.ReplaceAll(f.Module, "/", "-")+"-"+name+".zip")
				j.moved = true
				base.StripPrefix = f.Module + "/"
				base.KeepAlso = keepFrameworkExtras
			}
			j.inputs = append(j.inputs, base)
			if !r.opts.Zip {
				j.inputs = append(j.inputs, r.requirementInputs(f.Module, root)...)
				j.inputs = append(j.inputs, r.vendorInputs(f, root)...)
			}
			if len(j.inputs) == 1 && !j.moved {
				continue // nothing to add: leave the framework's artifact untouched
			}
			jobs = append(jobs, j)
			continue
		}
		if r.opts.Zip {
			continue
		}
		art := r.sharedArtifact()
		if art == "" {
			return r.noArtifact(f.Key)
		}
		if sharedDone[art] != nil {
			continue
		}
		if f.Vendor != "" {
			r.emit.Warning(fmt.Sprintf("functions.%s.vendor is ignored because the function is not packaged individually "+
				"(all shared functions use one artifact). Use custom.pythonRequirements.vendor, or package.individually: true.", f.Key))
		}
		j := &job{dst: art, label: "service", inputs: []archive.Input{{Zip: art}}}
		j.inputs = append(j.inputs, r.requirementInputs(".", root)...)
		j.inputs = append(j.inputs, r.vendorInputs(nil, root)...)
		if !r.isFrameworkArtifact(art) {
			// A user-supplied artifact is never modified in place: write a copy into .serverless.
			j.dst = filepath.Join(r.svcDir, ".serverless", filepath.Base(art))
			j.moved = true
		}
		sharedDone[art] = j
		if len(j.inputs) == 1 {
			continue
		}
		jobs = append(jobs, j)
	}
	if len(jobs) == 0 {
		return nil
	}
	r.emit.Progress("python-inject-requirements", "Injecting required Python packages to package", false)
	defer r.emit.Progress("python-inject-requirements", "", true)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, r.workers))
	for _, j := range jobs {
		g.Go(func() error {
			if _, err := archive.Merge(gctx, j.dst, j.inputs, archive.PackOptions{}); err != nil {
				return fmt.Errorf("writing %s: %w", r.rel(j.dst), err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, j := range jobs {
		if !j.moved {
			continue
		}
		if edits.FunctionArtifacts == nil {
			edits.FunctionArtifacts = map[string]string{}
		}
		if j.label == "service" {
			edits.ServiceArtifact = j.dst
			continue
		}
		for _, k := range j.fnKeys {
			edits.FunctionArtifacts[k] = j.dst
		}
	}
	r.emit.Verbose(fmt.Sprintf("Injected requirements into %d artifact(s) in %.2fs", len(jobs), time.Since(start).Seconds()))
	return nil
}

func (r *run) noArtifact(key string) error {
	return diag.New("PYREQS_NO_ARTIFACT",
		fmt.Sprintf("no package artifact is known for function %q, so its requirements cannot be injected", key),
		"This happens when another plugin removes package.artifact. Run sls package again, or report the plugin combination.")
}

// keepFrameworkExtras keeps the files the framework adds at the zip root when a module is moved up.
func keepFrameworkExtras(name string) bool {
	return strings.HasPrefix(name, "serverless_sdk/") || (!strings.Contains(name, "/") && strings.HasPrefix(name, "s_") && strings.HasSuffix(name, ".py"))
}

func (r *run) abs(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(r.svcDir, p)
}

// functionArtifact is the artifact Serverless wrote for an individually packaged function.
func (r *run) functionArtifact(f *fn) string {
	if f.Obj.Package != nil && f.Obj.Package.Artifact != "" {
		return r.abs(f.Obj.Package.Artifact)
	}
	if fo := r.req.FunctionObj; fo != nil && fo.Package != nil && fo.Package.Artifact != "" && r.req.Options.Function == f.Key {
		return r.abs(fo.Package.Artifact)
	}
	p := filepath.Join(r.svcDir, ".serverless", f.Key+".zip")
	if exists(p) {
		return p
	}
	return ""
}

// sharedArtifact is the service artifact (or, during deploy function, the function's zip).
func (r *run) sharedArtifact() string {
	if a := r.req.Service.Package.Artifact; a != "" {
		return r.abs(a)
	}
	if fo := r.req.FunctionObj; fo != nil && fo.Package != nil && fo.Package.Artifact != "" {
		return r.abs(fo.Package.Artifact)
	}
	for _, f := range r.pythonFuncs() {
		if !f.Individual && f.Obj.Package != nil && f.Obj.Package.Artifact != "" {
			return r.abs(f.Obj.Package.Artifact)
		}
	}
	p := filepath.Join(r.svcDir, ".serverless", r.req.Service.Name+".zip")
	if exists(p) {
		return p
	}
	return ""
}

func (r *run) isFrameworkArtifact(p string) bool {
	rel, err := filepath.Rel(filepath.Join(r.svcDir, ".serverless"), p)
	return err == nil && !strings.HasPrefix(rel, "..")
}

// requirementInputs returns the packed requirements of a module (nothing when it has none).
func (r *run) requirementInputs(module, root string) []archive.Input {
	link := dotServerless(r.svcDir, module, "requirements")
	dir, err := filepath.EvalSymlinks(link)
	if err != nil {
		return nil
	}
	packed := cache.PackedPath(dir)
	if !exists(packed) {
		return nil
	}
	in := archive.Input{Zip: packed, Prefix: root}
	if len(r.opts.NoDeploy) > 0 {
		drop := noDeployFiles(dir, r.opts.NoDeploy)
		in.Keep = func(name string) bool { return !drop(strings.TrimPrefix(name, root)) }
	}
	return []archive.Input{in}
}

// vendorInputs returns the service vendor folder and, for an individual function, its own.
func (r *run) vendorInputs(f *fn, root string) []archive.Input {
	var out []archive.Input
	add := func(dir string) {
		if dir == "" {
			return
		}
		out = append(out, archive.Input{Dir: r.abs(dir), Prefix: root})
	}
	add(r.opts.Vendor)
	if f != nil {
		add(f.Vendor)
	}
	return out
}

// noDeployFiles returns a predicate for files that belong to noDeploy distributions: every file
// listed in their RECORD, plus (as the original did) top-level entries whose leading name matches.
func noDeployFiles(dir string, noDeploy []string) func(string) bool {
	names := map[string]bool{}
	for _, n := range noDeploy {
		names[requirements.NormalizeName(n)] = true
	}
	files := map[string]bool{}
	prefixes := map[string]bool{}
	des, _ := os.ReadDir(dir)
	for _, de := range des {
		n := de.Name()
		if !de.IsDir() || !strings.HasSuffix(n, ".dist-info") {
			continue
		}
		dist := strings.SplitN(strings.TrimSuffix(n, ".dist-info"), "-", 2)[0]
		if !names[requirements.NormalizeName(dist)] {
			continue
		}
		prefixes[n+"/"] = true
		f, err := os.Open(filepath.Join(dir, n, "RECORD"))
		if err != nil {
			continue
		}
		cr := csv.NewReader(f)
		cr.FieldsPerRecord = -1
		for {
			rec, err := cr.Read()
			if err != nil {
				break
			}
			p := rec[0]
			for strings.HasPrefix(p, "../") {
				p = p[3:]
			}
			files[path.Clean(p)] = true
		}
		f.Close()
	}
	return func(name string) bool {
		if files[name] {
			return true
		}
		for p := range prefixes {
			if strings.HasPrefix(name, p) {
				return true
			}
		}
		first := name
		if i := strings.IndexAny(first, "/-"); i >= 0 {
			first = first[:i]
		}
		first = strings.TrimSuffix(strings.TrimSuffix(first, ".pyc"), ".py")
		return names[requirements.NormalizeName(first)]
	}
}

// sortedKeys is a helper for deterministic iteration.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
