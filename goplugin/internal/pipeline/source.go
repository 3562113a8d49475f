package pipeline

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// prepareUnits finds each unit's requirements source and filters it into .serverless.
func (r *run) prepareUnits(us []*unit) error {
	for _, u := range us {
		src := filepath.Join(r.svcDir, filepath.FromSlash(u.Module), filepath.FromSlash(r.opts.FileName))
		if !exists(src) {
			if r.opts.FileNameSet {
				return &diag.Error{
					Code: "PYREQS_REQUIREMENTS_NOT_FOUND", Key: diag.ConfigPath("fileName"),
					Message: fmt.Sprintf("the requirements file %s does not exist", r.rel(src)),
					Hint:    "Create it, or fix custom.pythonRequirements.fileName (it is relative to the service folder, or to each function's module folder).",
				}
			}
			r.emit.Verbose(fmt.Sprintf("No %s in %s: no requirements to install", r.opts.FileName, r.rel(filepath.Dir(src))))
			u.Empty = true
			continue
		}
		if err := r.mustExistDir(filepath.Join(r.svcDir, filepath.FromSlash(u.Module)), u); err != nil {
			return err
		}
		u.Source = src
	}
	return nil
}

func (r *run) mustExistDir(dir string, u *unit) error {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		key := "functions"
		if len(u.Funcs) > 0 {
			key = "functions." + u.Funcs[0].Key + ".module"
		}
		return &diag.Error{Code: "PYREQS_MODULE_NOT_FOUND", Key: key,
			Message: fmt.Sprintf("the module folder %s does not exist", r.rel(dir))}
	}
	return nil
}
