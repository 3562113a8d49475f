package pipeline

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/requirements"
)

// distsFile records, per installed distribution, the files it installed. It is written before
// slim runs (slim deletes the *.dist-info folders that hold this information), so noDeploy can
// still find every file of a distribution afterwards.
const distsFile = "dists.json"

// installedDists maps each installed distribution (PEP 503-normalised name) to its files,
// relative to dir with '/' separators; its .dist-info folder is listed as "<name>.dist-info/".
func installedDists(dir string) map[string][]string {
	if b, err := os.ReadFile(filepath.Join(dir, cache.MetaDir, distsFile)); err == nil {
		var m map[string][]string
		if json.Unmarshal(b, &m) == nil {
			return m
		}
	}
	return scanDists(dir)
}

func scanDists(dir string) map[string][]string {
	out := map[string][]string{}
	des, _ := os.ReadDir(dir)
	for _, de := range des {
		n := de.Name()
		if !de.IsDir() || !strings.HasSuffix(n, ".dist-info") {
			continue
		}
		dist := requirements.NormalizeName(strings.SplitN(strings.TrimSuffix(n, ".dist-info"), "-", 2)[0])
		files := []string{n + "/"}
		if f, err := os.Open(filepath.Join(dir, n, "RECORD")); err == nil {
			cr := csv.NewReader(f)
			cr.FieldsPerRecord = -1
			for {
				rec, err := cr.Read()
				if err != nil {
					break
				}
				p := rec[0]
				for strings.HasPrefix(p, "../") { // console scripts: ../../bin/x with --target
					p = p[3:]
				}
				files = append(files, path.Clean(p))
			}
			f.Close()
		}
		out[dist] = append(out[dist], files...)
	}
	return out
}

// saveDists writes the distribution file lists into the entry's metadata folder.
func saveDists(dir string) error {
	b, err := json.Marshal(scanDists(dir))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, cache.MetaDir), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, cache.MetaDir, distsFile), b, 0o644)
}

// noDeployFiles returns a predicate for files that belong to noDeploy distributions: every file
// they installed, plus (as the original did) top-level entries whose leading name matches.
func noDeployFiles(dir string, noDeploy []string) func(string) bool {
	return noDeployFilesIn(installedDists(dir), noDeploy)
}

// readDists reads a dists file (see saveDists).
func readDists(p string) (map[string][]string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var m map[string][]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// noDeployFilesIn is noDeployFiles over already-read distribution lists.
func noDeployFilesIn(dists map[string][]string, noDeploy []string) func(string) bool {
	names := map[string]bool{}
	for _, n := range noDeploy {
		names[requirements.NormalizeName(n)] = true
	}
	files := map[string]bool{}
	var prefixes []string
	for dist, fs := range dists {
		if !names[dist] {
			continue
		}
		for _, f := range fs {
			if strings.HasSuffix(f, "/") {
				prefixes = append(prefixes, f)
			} else {
				files[f] = true
			}
		}
	}
	return func(name string) bool {
		if files[name] {
			return true
		}
		for _, p := range prefixes {
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
