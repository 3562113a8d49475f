package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/requirements"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/source"
)

// prepareUnits finds each unit's requirements source (a Poetry project, uv.lock, Pipfile, the
// requirements file or PEP 621 dependencies: see package source for the order), exports it when
// a tool is needed, and says which source is used when several exist.
func (r *state) prepareUnits(ctx context.Context, us []*unit) error {
	tools := &source.Tools{Runner: r.d.Runner, Environ: r.d.Environ, Log: r.emit, Rel: r.rel}
	exported := map[string]*source.Result{} // a source shared by several units is exported once
	for _, u := range us {
		dir := r.ws.ModuleDir(u.Module)
		opts := r.unitOptions(u)
		if u.Layer != nil {
			if err := r.layerSourceDir(u.Layer, dir); err != nil {
				return err
			}
		}
		src, err := source.Detect(r.ws.Dir, dir, opts)
		if err != nil {
			return err
		}
		if u.Layer != nil && (src == nil || src.Shared) {
			return r.noLayerSource(u.Layer, dir, opts)
		}
		file := filepath.Join(dir, filepath.FromSlash(opts.FileName))
		if opts.FileNameSet && !exists(file) && (src == nil || src.Kind == source.PEP621) {
			return diag.AtKey(diag.CodeRequirementsNotFound, "fileName", "the requirements file %s does not exist", r.rel(file))
		}
		if src == nil {
			r.emit.Verbose(fmt.Sprintf("No %s in %s: no requirements to install", r.opts.FileName, r.rel(dir)))
			u.Empty = true
			continue
		}
		if err := r.mustExistDir(dir, u); err != nil {
			return err
		}
		r.reportSource(u, src)
		key := fmt.Sprintf("%d\x00%s\x00%s", src.Kind, src.File, src.Package)
		res := exported[key]
		if res == nil {
			if res, err = tools.Export(ctx, src, opts); err != nil {
				return err
			}
			exported[key] = res
		}
		u.Source, u.Exported, u.SourceKind = res.Path, res.Data, src.Kind
		u.SourceFile = src.File
	}
	return nil
}

// readSource reads the unit's requirements: the requirements file itself, or a tool's export
// (whose relative paths belong to the project folder).
func (u *unit) readSource(guard requirements.Guard) ([]requirements.Line, error) {
	if u.Exported == nil {
		return requirements.ReadGuarded(u.Source, guard)
	}
	return requirements.ParseGuarded(u.Exported, u.Source, guard)
}

// sourceMessage is the original's log line for the unit's source (spec E #27).
func (r *state) sourceMessage(u *unit) string {
	if u.SourceKind == source.Requirements || u.SourceKind == 0 {
		return fmt.Sprintf("Generated requirements from %s in %s", r.rel(u.Source), r.rel(u.ReqOut))
	}
	return fmt.Sprintf("Parsed requirements.txt from %s in %s", r.rel(u.SourceFile), r.rel(u.ReqOut))
}

// reportSource says which source a unit uses when that is not obvious: several sources in one
// folder (a notice, shown without --verbose), or a module using the service folder's.
func (r *state) reportSource(u *unit, s *source.Source) {
	where := "the service"
	if u.Layer != nil {
		where = "layer " + u.Layer.cfg.Name
	} else if u.Module != "." {
		where = "module " + u.Module
	}
	if s.Shared {
		r.emit.Info(fmt.Sprintf("%s has no requirements source of its own: using %s of the service folder", upperFirst(where), r.rel(s.File)))
		return
	}
	if len(s.Ignored) == 0 {
		return
	}
	var ignored []string
	for _, f := range s.Ignored {
		name := r.rel(f.File)
		if f.Kind == source.PEP621 {
			name += " ([project].dependencies)"
		}
		ignored = append(ignored, name)
	}
	msg := fmt.Sprintf("Python requirements of %s come from %s (%s); ignoring %s.",
		where, r.rel(s.File), s.Kind, strings.Join(ignored, ", "))
	if opt := s.Kind.Option(); opt != "" {
		msg += fmt.Sprintf(" Set %s: false to use %s instead.", diag.ConfigPath(opt), r.rel(s.Ignored[0].File))
	} else if s.Ignored[0].Kind == source.PEP621 {
		msg += " The [project].dependencies of pyproject.toml are read only when there is no requirements file."
	}
	r.emit.Log("notice", msg)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (r *state) mustExistDir(dir string, u *unit) error {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		key := "functions"
		if len(u.Funcs) > 0 {
			key = "functions." + u.Funcs[0].Key + ".module"
		}
		return diag.AtKey(diag.CodeModuleNotFound, key, "the module folder %s does not exist", r.rel(dir))
	}
	return nil
}
