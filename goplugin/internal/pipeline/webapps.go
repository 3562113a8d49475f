package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/webapp"
)

// appEntry is a Python function that names a web application with `app:`.
type appEntry struct {
	f     *fn
	entry webapp.Entry
}

// appEntries parses functions.<f>.app of every Python target function that has one, in key
// order. Errors name functions.<f>.app.
func (r *state) appEntries() ([]appEntry, error) {
	var out []appEntry
	for _, f := range r.pythonFuncs() {
		app, err := config.ParseApp(f.Key, f.Obj.App)
		if err != nil {
			return nil, err
		}
		if app == "" {
			continue
		}
		e, err := webapp.ParseEntry(webapp.EntryInput{
			Function:            f.Key,
			App:                 app,
			Handler:             f.Obj.Handler,
			ServiceDir:          r.ws.Dir,
			ModuleDir:           f.Module,
			ModuleAtRoot:        f.Individual && f.Module != "." && !r.opts.Layer.Enabled, // inject moves modules up, except in layer mode
			WSGIApplicationName: r.opts.WSGIApplicationName,
		})
		if err != nil {
			return nil, withAppFix(err)
		}
		out = append(out, appEntry{f: f, entry: e})
	}
	return out, nil
}

// checkApp runs the adapter's static check of an app file with a host interpreter: the
// function's runtime (python3.12), then pythonBin, then python3. No interpreter, or one too old
// to run the check, skips it (the adapter reports the same mistakes at cold start).
func (r *state) checkApp(ctx context.Context, a appEntry, adapterPath string) error {
	appFile := filepath.Join(r.ws.Dir, filepath.FromSlash(a.f.Module), filepath.FromSlash(a.entry.Source))
	args := a.entry.CheckArgs(adapterPath, appFile)
	tried := map[string]bool{}
	for _, py := range []string{a.f.Runtime, r.opts.PythonBin, "python3"} {
		if py == "" || tried[py] {
			continue
		}
		tried[py] = true
		res, err := r.d.Runner.Run(ctx, proc.Cmd{Name: py, Args: args, Dir: r.ws.Dir})
		var nf *proc.NotFoundError
		var ex *proc.ExitError
		switch {
		case errors.As(err, &nf):
			continue
		case errors.As(err, &ex):
			r.emit.Debug(fmt.Sprintf("Checking functions.%s.app with %s failed (exit %d): %s", a.f.Key, py, ex.Result.ExitCode, proc.Tail(ex.Result.Output, 5)))
			continue
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		if err := a.entry.ParseCheck(res.Stdout); err != nil {
			if _, ok := diag.As(err); ok {
				return withAppFix(err)
			}
			r.emit.Debug(err.Error())
			continue
		}
		r.emit.Verbose(fmt.Sprintf("functions.%s.app: %s checked with %s", a.f.Key, a.entry.Source, py))
		return nil
	}
	r.emit.Verbose(fmt.Sprintf("functions.%s.app: no Python interpreter on this machine to check %s; it is checked when the function starts", a.f.Key, a.entry.Source))
	return nil
}

// writeAdapter writes the adapter into a new temporary folder and returns its path and the
// folder (to remove).
func writeAdapter() (file, dir string, err error) {
	dir, err = os.MkdirTemp("", "pyreqs-webapp-")
	if err != nil {
		return "", "", err
	}
	file = filepath.Join(dir, webapp.AdapterFile)
	if err := os.WriteFile(file, webapp.Adapter(), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", "", err
	}
	return file, dir, nil
}

// withAppFix replaces the generic fix of an option error about `app:` (the message already says
// what to write) with a pointer to the README section.
func withAppFix(err error) error {
	if d, ok := diag.As(err); ok && d.Hint == "" && d.Code == diag.CodeConfigInvalid {
		d.WithFix("%s", "The README's \"Web apps\" section describes app: (a Python file relative to the service or module folder, optionally :name) and wsgiApplicationName.")
	}
	return err
}
