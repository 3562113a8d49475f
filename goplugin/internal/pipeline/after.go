package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
)

// job is one artifact to write: inputs merged into dst.
type job struct {
	dst    string
	inputs []archive.Input
	label  string
	src    string   // the artifact read (the framework's or the user's)
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
			if r.remoteArtifact(art, "functions."+f.Key) {
				continue
			}
			j := &job{dst: art, src: art, label: f.Key, fnKeys: []string{f.Key}}
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
			if !j.moved && !r.isFrameworkArtifact(art) {
				// A user-supplied artifact is never modified in place: write a copy into .serverless.
				j.dst = filepath.Join(r.svcDir, ".serverless", f.Key+"-"+filepath.Base(art))
				j.moved = true
			}
			jobs = append(jobs, j)
			continue
		}
		if r.opts.Zip {
			continue
		}
		if f.Vendor != "" {
			r.emit.Warning(fmt.Sprintf("functions.%s.vendor is ignored because the function is not packaged individually "+
				"(all shared functions use one artifact). Use custom.pythonRequirements.vendor, or package.individually: true.", f.Key))
		}
		art := r.sharedArtifact(f)
		if art == "" {
			return r.noArtifact(f.Key)
		}
		if r.remoteArtifact(art, "functions."+f.Key) {
			continue
		}
		if j := sharedDone[art]; j != nil {
			j.fnKeys = append(j.fnKeys, f.Key)
			continue
		}
		j := &job{dst: art, src: art, label: "service", fnKeys: []string{f.Key}, inputs: []archive.Input{{Zip: art}}}
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
		if j.label == "service" && r.abs(r.req.Service.Package.Artifact) == j.src {
			edits.ServiceArtifact = j.dst
		}
		for _, k := range j.fnKeys {
			// A shared function points at the service artifact unless Serverless gave it its own
			// (deploy function, or a function-level package.artifact).
			if j.label == "service" && r.ownArtifact(k) != j.src {
				continue
			}
			if edits.FunctionArtifacts == nil {
				edits.FunctionArtifacts = map[string]string{}
			}
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
	if p == "" || filepath.IsAbs(p) || strings.Contains(p, "://") {
		return p
	}
	return filepath.Join(r.svcDir, p)
}

// remoteArtifact warns about an artifact deployed from S3 (s3:// or https://): there is no local
// zip to put the requirements into.
func (r *run) remoteArtifact(art, owner string) bool {
	if !strings.Contains(art, "://") {
		return false
	}
	r.emit.Warning(fmt.Sprintf("%s.package.artifact is %s, a remote object: its Python requirements cannot be injected. "+
		"Build them into that zip yourself, or set package.artifact to a local file.", owner, art))
	return true
}

// ownArtifact is the artifact Serverless holds on the function itself ("" if none).
func (r *run) ownArtifact(key string) string {
	if f := r.req.Service.Functions[key]; f != nil && f.Package != nil && f.Package.Artifact != "" {
		return r.abs(f.Package.Artifact)
	}
	if fo := r.req.FunctionObj; fo != nil && r.req.Options.Function == key && fo.Package != nil && fo.Package.Artifact != "" {
		return r.abs(fo.Package.Artifact)
	}
	return ""
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

// sharedArtifact is the artifact of a function that is not packaged individually: its own when
// Serverless set one (during deploy function it is the function's zip, or the service's
// package.artifact; a function-level package.artifact is used as it is), else the service's.
func (r *run) sharedArtifact(f *fn) string {
	if a := r.ownArtifact(f.Key); a != "" {
		return a
	}
	if a := r.req.Service.Package.Artifact; a != "" {
		return r.abs(a)
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
	dir, err := r.builtEntry(module)
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

// sortedKeys is a helper for deterministic iteration.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
