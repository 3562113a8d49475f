package pipeline

import (
	"context"
	"os"
	"path/filepath"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// checkPaths checks the paths of the configuration on disk before anything reads them: vendor
// folders and function modules exist and are folders, the requirements file is a file (not a
// folder, not a dangling symlink), and none of them (nor dockerFile) leaves the project unless
// allowPathsOutsideProject is set. dockerExtraFiles are paths inside the container: not checked.
type checkPaths struct{}

func (checkPaths) String() string { return "check-paths" }

func (checkPaths) Run(_ context.Context, s *state) error {
	if v := s.opts.Vendor; v != "" {
		if err := s.checkFolder("vendor", s.ws.Abs(v), "the vendor folder"); err != nil {
			return err
		}
	}
	for _, f := range s.pythonFuncs() {
		if f.Module != "." {
			key := "functions." + f.Key + ".module"
			dir := s.ws.ModuleDir(f.Module)
			if err := s.guardPath(key, dir); err != nil {
				return err
			}
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				what := "does not exist"
				if err == nil {
					what = "is a file, not a folder"
				}
				return diag.AtKey(diag.CodeModuleNotFound, key, "the module folder %s %s", s.rel(dir), what).
					WithFix("Set functions.%s.module to the folder (relative to the service) that holds the function's handler and its requirements file.", f.Key)
			}
		}
		if f.Vendor != "" {
			if err := s.checkFolder("functions."+f.Key+".vendor", s.ws.Abs(f.Vendor), "the function's vendor folder"); err != nil {
				return err
			}
		}
	}
	if s.opts.DockerFile != "" {
		if err := s.guardPath(diag.ConfigPath("dockerFile"), s.ws.Abs(s.opts.DockerFile)); err != nil {
			return err
		}
	}
	for _, u := range s.units { // before hook only: the after hook reads no requirements file
		if err := s.checkRequirementsFile(filepath.Join(s.ws.ModuleDir(u.Module), filepath.FromSlash(s.opts.FileName))); err != nil {
			return err
		}
	}
	return nil
}

// checkFolder checks a folder option: inside the project, existing, a folder.
func (r *state) checkFolder(key, dir, what string) error {
	full := key
	if key == "vendor" {
		full = diag.ConfigPath(key)
	}
	if err := r.guardPath(full, dir); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return diag.AtKey(diag.CodePathInvalid, full, "%s %s does not exist", what, r.rel(dir)).
			WithFix("Create the folder, or set %s to a folder relative to the service folder (or remove it).", full)
	case !fi.IsDir():
		return diag.AtKey(diag.CodePathInvalid, full, "%s %s is a file, not a folder", what, r.rel(dir)).
			WithFix("Set %s to the folder whose files are added to the artifact.", full)
	}
	return nil
}

// checkRequirementsFile refuses a requirements file outside the project, a folder, or a dangling
// symlink (which would otherwise read as "no requirements").
func (r *state) checkRequirementsFile(p string) error {
	key := diag.ConfigPath("fileName")
	li, err := os.Lstat(p)
	if err != nil {
		if r.opts.FileNameSet {
			return r.guardPath(key, p)
		}
		return nil // no requirements file: sources decide (pyproject, Pipfile, none)
	}
	if err := r.guardPath(key, p); err != nil {
		return err
	}
	fi, err := os.Stat(p)
	switch {
	case err != nil && li.Mode()&os.ModeSymlink != 0:
		target, _ := os.Readlink(p)
		e := diag.AtKey(diag.CodePathInvalid, key, "the requirements file is a symbolic link to %s, which does not exist", target).
			WithFix("Point the link at an existing requirements file, or remove it.")
		e.File = p
		return e
	case err == nil && fi.IsDir():
		e := diag.AtKey(diag.CodePathInvalid, key, "the requirements file is a folder").
			WithFix("Set %s to a requirements file (e.g. requirements.txt), relative to the service or module folder.", key)
		e.File = p
		return e
	}
	return nil
}
