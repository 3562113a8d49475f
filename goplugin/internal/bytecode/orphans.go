package bytecode

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// RemoveOrphans deletes the bytecode that no source file backs any more, for slim runs after
// compiling: __pycache__/<name>.<cacheTag>.pyc whose <name>.py next to the __pycache__ folder is
// gone (Python never loads such a file: it imports bytecode from __pycache__ only with its
// source), and __pycache__ folders left empty. It returns the removed paths, relative to root
// and '/'-separated, sorted.
func RemoveOrphans(root, cacheTag string) ([]string, error) {
	suffix := "." + cacheTag + ".pyc"
	var caches []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "__pycache__" {
			caches = append(caches, p)
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var removed []string
	rel := func(p string) string {
		r, _ := filepath.Rel(root, p)
		return filepath.ToSlash(r)
	}
	for _, c := range caches {
		ents, err := os.ReadDir(c)
		if err != nil {
			return nil, err
		}
		left := len(ents)
		for _, e := range ents {
			stem, ok := strings.CutSuffix(e.Name(), suffix)
			if !ok || e.IsDir() {
				continue
			}
			if _, err := os.Lstat(filepath.Join(filepath.Dir(c), stem+".py")); err == nil {
				continue
			} else if !os.IsNotExist(err) {
				return nil, err
			}
			if err := os.Remove(filepath.Join(c, e.Name())); err != nil {
				return nil, err
			}
			removed = append(removed, rel(filepath.Join(c, e.Name())))
			left--
		}
		if left == 0 {
			if err := os.Remove(c); err != nil {
				return nil, err
			}
			removed = append(removed, rel(c))
		}
	}
	sort.Strings(removed)
	return removed, nil
}
