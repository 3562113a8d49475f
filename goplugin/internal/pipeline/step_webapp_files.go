package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// webappFiles adds the web app adapter and each app function's generated handler module at the
// root of the artifacts of the functions with `app:`, after the requirements were injected (in
// every mode: layer, zip, individually, modules). Each artifact is rewritten once, from its
// already-compressed entries; the added files are deterministic.
type webappFiles struct{}

func (webappFiles) String() string { return "webapp-files" }

// webappArtifact is one artifact that gets adapter files.
type webappArtifact struct {
	src, dst string
	files    map[string][]byte
	fns      []appEntry
}

func (webappFiles) Run(ctx context.Context, s *state) error {
	apps, err := s.appEntries()
	if err != nil {
		return err
	}
	if len(apps) == 0 {
		return skip("no function names an app")
	}
	byArt := map[string]*webappArtifact{}
	for _, a := range apps {
		art := s.finalArtifact(a.f)
		switch {
		case art == "":
			return s.noArtifact(a.f.Key)
		case strings.Contains(art, "://"):
			return diag.AtKey(diag.CodeConfigInvalid, "functions."+a.f.Key+".app",
				"the function's package.artifact is %s, a remote object: the web app adapter cannot be added to it", art).
				WithFix("Let Serverless package the function (remove package.artifact), or set package.artifact to a local zip.")
		}
		w := byArt[art]
		if w == nil {
			w = &webappArtifact{src: art, dst: art, files: map[string][]byte{}}
			byArt[art] = w
		}
		w.fns = append(w.fns, a)
		for _, f := range a.entry.Files() {
			w.files[f.Path] = f.Data
		}
	}
	tmp, err := os.MkdirTemp("", "pyreqs-webapp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for i, art := range sortedKeys(byArt) {
		w := byArt[art]
		if !s.ws.InDotServerless(art) {
			// A user-supplied artifact is never modified in place: write a copy into .serverless.
			key := ""
			if w.fns[0].f.Individual {
				key = w.fns[0].f.Key
			}
			w.dst = s.ws.ArtifactCopy(key, art)
		}
		dir := filepath.Join(tmp, fmt.Sprint(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		var files []archive.FileInput
		for _, name := range sortedKeys(w.files) {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.WriteFile(p, w.files[name], 0o644); err != nil {
				return err
			}
			if err := os.Chmod(p, 0o644); err != nil {
				return err
			}
			files = append(files, archive.FileInput{Path: p, Name: name})
		}
		if _, err := archive.Merge(ctx, w.dst, []archive.Input{{Zip: art}, {Files: files}}, archive.PackOptions{}); err != nil {
			return fmt.Errorf("adding the web app adapter to %s: %w", s.rel(w.dst), err)
		}
		s.recordWebappArtifact(w)
		var names []string
		for _, a := range w.fns {
			names = append(names, a.f.Key+" ("+a.entry.Source+" → "+a.entry.Handler+")")
		}
		sort.Strings(names)
		s.emit.Verbose(fmt.Sprintf("Added the web app adapter to %s: %s", s.rel(w.dst), strings.Join(names, ", ")))
	}
	return nil
}

// finalArtifact is the artifact a function ends up with after injectArtifacts: the one it moved
// the function to, else the framework's.
func (r *state) finalArtifact(f *fn) string {
	if a := r.edits.FunctionArtifacts[f.Key]; a != "" {
		return a
	}
	if f.Individual {
		return r.functionArtifact(f)
	}
	if own := r.ownArtifact(f.Key); own != "" {
		return own
	}
	if a := r.edits.ServiceArtifact; a != "" {
		return a
	}
	return r.sharedArtifact(f)
}

// recordWebappArtifact points the functions (and the service) at a copy written into
// .serverless.
func (r *state) recordWebappArtifact(w *webappArtifact) {
	if w.dst == w.src {
		return
	}
	if r.edits.FunctionArtifacts == nil {
		r.edits.FunctionArtifacts = map[string]string{}
	}
	for _, a := range w.fns {
		r.edits.FunctionArtifacts[a.f.Key] = w.dst
	}
	if !w.fns[0].f.Individual && r.ws.Abs(r.req.Service.Package.Artifact) == w.src {
		r.edits.ServiceArtifact = w.dst
	}
}
