package pipeline

import (
	"sort"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// job is one artifact to write: inputs merged into dst.
type job struct {
	dst    string
	inputs []archive.Input
	label  string
	src    string   // the artifact read (the framework's or the user's)
	fnKeys []string // functions whose artifact becomes dst
	moved  bool     // dst differs from the framework's artifact
	// ownCode: add the bytecode of the service's own files (compileFunctionCode), under root.
	ownCode bool
	root    string
}

// injectJobs lists the artifacts to write: one per individually packaged Python function, one
// per shared artifact; artifacts that get nothing are left untouched.
func (r *state) injectJobs() ([]*job, error) {
	var jobs []*job
	sharedDone := map[string]*job{}
	root := ""
	if r.req.Service.Provider.Name == "scaleway" {
		root = "package/"
	}
	// Requirements and vendor files go into the artifacts unless zip or layer mode holds them;
	// compileFunctionCode rewrites the artifacts in every mode.
	reqs, own := !r.opts.Zip && !r.opts.Layer.Enabled, r.compileOwnCode()
	for _, f := range r.pythonFuncs() {
		if f.Individual {
			art := r.functionArtifact(f)
			if art == "" {
				return nil, r.noArtifact(f.Key)
			}
			if r.remoteArtifact(art, "functions."+f.Key) {
				continue
			}
			j := &job{dst: art, src: art, label: f.Key, fnKeys: []string{f.Key}, ownCode: own, root: root}
			base := archive.Input{Zip: art}
			if f.Module != "." && !r.opts.Layer.Enabled {
				name := f.Obj.Name
				if name == "" {
					name = f.Key
				}
				j.dst = r.ws.ModuleArtifact(f.Module, name)
				j.moved = true
				base.StripPrefix = f.Module + "/"
				base.KeepAlso = keepFrameworkExtras
			}
			j.inputs = append(j.inputs, base)
			if reqs {
				ins, err := r.requirementInputs(f.Module, root)
				if err != nil {
					return nil, err
				}
				j.inputs = append(j.inputs, ins...)
				j.inputs = append(j.inputs, r.vendorInputs(f, root)...)
			}
			if len(j.inputs) == 1 && !j.moved && !own {
				continue // nothing to add: leave the framework's artifact untouched
			}
			if !j.moved && !r.ws.InDotServerless(art) {
				// A user-supplied artifact is never modified in place: write a copy into .serverless.
				j.dst = r.ws.ArtifactCopy(f.Key, art)
				j.moved = true
			}
			jobs = append(jobs, j)
			continue
		}
		if !reqs && !own {
			continue
		}
		if f.Vendor != "" && reqs {
			r.emit.Warn(diag.WarnAtKey(diag.CodeVendorIgnored, "functions."+f.Key+".vendor",
				"is ignored because the function is not packaged individually (all shared functions use one artifact).").
				WithFix("Use %s, or package.individually: true.", diag.ConfigPath("vendor")))
		}
		art := r.sharedArtifact(f)
		if art == "" {
			return nil, r.noArtifact(f.Key)
		}
		if r.remoteArtifact(art, "functions."+f.Key) {
			continue
		}
		if j := sharedDone[art]; j != nil {
			j.fnKeys = append(j.fnKeys, f.Key)
			continue
		}
		j := &job{dst: art, src: art, label: "service", fnKeys: []string{f.Key}, inputs: []archive.Input{{Zip: art}},
			ownCode: own, root: root}
		if reqs {
			ins, err := r.requirementInputs(".", root)
			if err != nil {
				return nil, err
			}
			j.inputs = append(j.inputs, ins...)
			j.inputs = append(j.inputs, r.vendorInputs(nil, root)...)
		}
		if !r.ws.InDotServerless(art) {
			// A user-supplied artifact is never modified in place: write a copy into .serverless.
			j.dst = r.ws.ArtifactCopy("", art)
			j.moved = true
		}
		sharedDone[art] = j
		if len(j.inputs) == 1 && !own {
			continue
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// recordMoved points the service and functions at the artifacts written somewhere else than
// where the framework expects them.
func (r *state) recordMoved(jobs []*job) {
	edits := r.edits
	for _, j := range jobs {
		if !j.moved {
			continue
		}
		if j.label == "service" && r.ws.Abs(r.req.Service.Package.Artifact) == j.src {
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
}

func (r *state) noArtifact(key string) error {
	return diag.Errorf(diag.CodeNoArtifact, "no package artifact is known for function %q, so its requirements cannot be injected", key).
		WithFix("This happens when another plugin removes package.artifact. Run sls package again, or report the plugin combination.")
}

// keepFrameworkExtras keeps the files the framework adds at the zip root when a module is moved up.
func keepFrameworkExtras(name string) bool {
	return strings.HasPrefix(name, "serverless_sdk/") || (!strings.Contains(name, "/") && strings.HasPrefix(name, "s_") && strings.HasSuffix(name, ".py"))
}

// remoteArtifact warns about an artifact deployed from S3 (s3:// or https://): there is no local
// zip to put the requirements into.
func (r *state) remoteArtifact(art, owner string) bool {
	if !strings.Contains(art, "://") {
		return false
	}
	r.emit.Warn(diag.WarnAtKey(diag.CodeRemoteArtifact, owner+".package.artifact", "is %s, a remote object: its Python requirements cannot be injected.", art).
		WithFix("Build them into that zip yourself, or set package.artifact to a local file."))
	return true
}

// ownArtifact is the artifact Serverless holds on the function itself ("" if none).
func (r *state) ownArtifact(key string) string {
	if f := r.req.Service.Functions[key]; f != nil && f.Package != nil && f.Package.Artifact != "" {
		return r.ws.Abs(f.Package.Artifact)
	}
	if fo := r.req.FunctionObj; fo != nil && r.req.Options.Function == key && fo.Package != nil && fo.Package.Artifact != "" {
		return r.ws.Abs(fo.Package.Artifact)
	}
	return ""
}

// functionArtifact is the artifact Serverless wrote for an individually packaged function.
func (r *state) functionArtifact(f *fn) string {
	if f.Obj.Package != nil && f.Obj.Package.Artifact != "" {
		return r.ws.Abs(f.Obj.Package.Artifact)
	}
	if fo := r.req.FunctionObj; fo != nil && fo.Package != nil && fo.Package.Artifact != "" && r.req.Options.Function == f.Key {
		return r.ws.Abs(fo.Package.Artifact)
	}
	if p := r.ws.FunctionArtifact(f.Key); exists(p) {
		return p
	}
	return ""
}

// sharedArtifact is the artifact of a function that is not packaged individually: its own when
// Serverless set one (during deploy function it is the function's zip, or the service's
// package.artifact; a function-level package.artifact is used as it is), else the service's.
func (r *state) sharedArtifact(f *fn) string {
	if a := r.ownArtifact(f.Key); a != "" {
		return a
	}
	if a := r.req.Service.Package.Artifact; a != "" {
		return r.ws.Abs(a)
	}
	if p := r.ws.ServiceArtifact(r.req.Service.Name); exists(p) {
		return p
	}
	return ""
}

// requirementInputs returns the packed requirements of a module (nothing when it has none): the
// copy of the entry's packed zip that the before hook kept in .serverless, never the cache entry
// itself, which another run may have removed since. A module whose requirements were built (its
// pointer file exists) but whose copy is missing is an error: never an artifact without them.
func (r *state) requirementInputs(module, root string) ([]archive.Input, error) {
	packed := r.ws.Packed(module)
	if !exists(packed) {
		if !exists(r.ws.Pointer(module)) {
			return nil, nil
		}
		return nil, diag.AtFile(diag.CodeBuildMissing, packed,
			"the requirements built by the first packaging step are missing, so they cannot be put into the artifact")
	}
	in := archive.Input{Zip: packed, Prefix: root}
	if len(r.opts.NoDeploy) > 0 {
		dists, err := readDists(r.ws.Dists(module))
		if err != nil {
			return nil, diag.AtFile(diag.CodeBuildMissing, r.ws.Dists(module),
				"the distribution lists of the first packaging step cannot be read (%v), so noDeploy cannot be applied", err)
		}
		drop := noDeployFilesIn(dists, r.opts.NoDeploy)
		in.Keep = func(name string) bool { return !drop(strings.TrimPrefix(name, root)) }
	}
	return []archive.Input{in}, nil
}

// vendorInputs returns the service vendor folder and, for an individual function, its own.
func (r *state) vendorInputs(f *fn, root string) []archive.Input {
	var out []archive.Input
	add := func(dir string) {
		if dir == "" {
			return
		}
		out = append(out, archive.Input{Dir: r.ws.Abs(dir), Prefix: root})
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
