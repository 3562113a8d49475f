package pipeline

import (
	"context"
	"sort"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/binarycheck"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// checkVendor reads the headers of the native files in the vendor folders (custom.pythonRequirements.vendor
// for every Python function, functions.<f>.vendor for its function) and warns, per folder and
// architecture, about those that cannot load on the functions' targets. Vendor folders are
// copied as they are, so this is a warning, not an error.
type checkVendor struct{}

func (checkVendor) String() string { return "vendor-check" }

func (checkVendor) Run(_ context.Context, s *state) error {
	type folder struct{ key, dir string }
	archs := map[folder]map[string]bool{}
	add := func(key, dir, arch string) {
		if dir == "" {
			return
		}
		f := folder{key, dir}
		if archs[f] == nil {
			archs[f] = map[string]bool{}
		}
		archs[f][arch] = true
	}
	for _, f := range s.pythonFuncs() {
		add("vendor", s.opts.Vendor, f.Architecture)
		if f.Individual {
			add("functions."+f.Key+".vendor", f.Vendor, f.Architecture)
		}
	}
	if len(archs) == 0 {
		return skip("no vendor folder")
	}
	folders := make([]folder, 0, len(archs))
	for f := range archs {
		folders = append(folders, f)
	}
	sort.Slice(folders, func(i, j int) bool { return folders[i].key < folders[j].key })
	for _, f := range folders {
		dir := s.ws.Abs(f.dir)
		if !exists(dir) {
			continue // the injection step reports a missing folder
		}
		for _, arch := range sortedKeys(archs[f]) {
			problems, err := binarycheck.Check(dir, lambdaMachine(arch))
			if err != nil {
				return err
			}
			if len(problems) == 0 {
				continue
			}
			lines := make([]string, len(problems))
			for i, p := range problems {
				lines[i] = "  " + p.String()
			}
			s.emit.Warn(diag.WarnAtKey(diag.CodeVendorWrongPlatform, f.key,
				"the vendor folder %s holds %d native file(s) that cannot load on Lambda's linux/%s:\n%s",
				f.dir, len(problems), lambdaMachine(arch), strings.Join(lines, "\n")))
		}
	}
	return nil
}
