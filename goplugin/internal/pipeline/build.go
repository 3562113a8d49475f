package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/install"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/slim"
)

// buildEntry installs a unit into its cache entry (or, without the static cache, straight into
// .serverless/[<module>/]requirements), then packs it once into the entry's packed zip.
func (r *run) buildEntry(ctx context.Context, u *unit, py *install.Interpreter, downloadCache string) (string, error) {
	build := func(ctx context.Context, tmp string) error {
		start := time.Now()
		progressID := "python-install"
		if u.Module != "." {
			progressID += "-" + u.Module
		}
		r.emit.Progress(progressID, fmt.Sprintf("Installing requirements from %s", r.rel(u.ReqOut)), false)
		defer r.emit.Progress(progressID, "", true)
		if r.opts.Dockerized(r.d.GOOS) { // py is nil: install in a container (docker.go)
			if err := r.dockerInstall(ctx, u, tmp, downloadCache); err != nil {
				return err
			}
		} else {
			secrets := redact.EnvSecrets(r.d.Environ)
			spec := install.Spec{
				Installer: r.opts.Installer, Python: py, Requirements: u.ReqOut, Target: tmp,
				ExtraArgs: r.opts.PipCmdExtraArgs, DownloadCache: downloadCache, Env: r.d.Environ, Dir: r.svcDir,
				TargetRuntime: u.Runtime, TargetArch: u.Arch,
				OnLine: func(l string) { r.emit.Debug(redact.String(l, secrets...)) },
			}
			name, args := spec.Args()
			r.emit.Verbose("Running: " + redact.String(name+" "+strings.Join(args, " "), secrets...))
			if err := install.Run(ctx, r.d.Runner, spec); err != nil {
				return err
			}
		}
		if err := r.postInstall(ctx, tmp); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(tmp, cache.MetaDir), 0o755); err != nil {
			return err
		}
		st, err := archive.PackTree(ctx, tmp, cache.PackedPath(tmp), archive.PackOptions{Exclude: excludeMeta})
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, cache.MetaDir, "requirements.txt"), mustRead(u.ReqOut), 0o644); err != nil {
			return err
		}
		r.emit.Info(fmt.Sprintf("Installed requirements from %s: %d files, %.1f MB (%.1f MB packed) in %.1fs",
			r.rel(u.ReqOut), st.Entries, float64(st.Bytes)/1e6, float64(st.Written)/1e6, time.Since(start).Seconds()))
		return nil
	}
	if !r.opts.UseStaticCache {
		dir := u.LinkPath
		if fi, err := os.Lstat(dir); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			if err := os.Remove(dir); err != nil {
				return "", err
			}
		}
		if err := cache.Replace(ctx, dir, build); err != nil {
			return "", err
		}
		return dir, nil
	}
	dir, hit, err := cache.Ensure(ctx, r.cacheRoot, u.Name, build)
	if err != nil {
		return "", err
	}
	if hit {
		r.emit.Info("Using static cache of requirements found at " + dir)
	}
	return dir, nil
}

// postInstall runs the steps between install and packing: strip, then slim (spec C.9).
func (r *run) postInstall(ctx context.Context, dir string) error {
	if err := saveDists(dir); err != nil { // before slim deletes the *.dist-info folders
		return err
	}
	if r.opts.Slim && r.opts.Strip && !r.opts.Dockerized(r.d.GOOS) { // in docker, strip ran in the container
		if r.d.GOOS == "linux" {
			libs, err := slim.SharedLibraries(dir)
			if err != nil {
				return err
			}
			failed, err := slim.Strip(ctx, r.d.Runner, libs, r.d.Environ)
			if err != nil {
				return err
			}
			if failed != "" {
				r.emit.Warning("strip could not process some shared libraries; they are kept unstripped:\n" + failed)
			}
			r.emit.Verbose(fmt.Sprintf("Stripped %d shared libraries", len(libs)))
		} else {
			r.emit.Verbose("Not stripping shared libraries: strip only runs on Linux hosts or inside docker")
		}
	}
	if r.opts.Slim {
		m, err := slim.Compile(r.opts.SlimPatternList)
		if err != nil {
			return slimPatternError(r.opts, err)
		}
		removed, err := slim.Remove(dir, m)
		if err != nil {
			return err
		}
		r.emit.Verbose(fmt.Sprintf("Slim removed %d files and folders", len(removed)))
	}
	// pip --no-compile leaves no bytecode, but a source build can; never ship it.
	return removePycache(dir)
}

func removePycache(dir string) error {
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "__pycache__" {
			dirs = append(dirs, p)
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	return nil
}
