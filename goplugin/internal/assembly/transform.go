package assembly

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
)

// Transformer changes the few entries that cannot be copied raw, such as shared libraries that
// slim's strip rewrites or sources compiled to bytecode. Assemble asks Select about every entry
// by its final name, inflates the selected ones into a scratch folder (dir/<name>, with their
// modes) and calls Apply once with all of them, so a single long-lived process (a strip run over
// many files, a bytecode compiler fed paths over a pipe) handles the whole set.
type Transformer interface {
	Select(name string) bool
	Apply(ctx context.Context, dir string, names []string) (Changes, error)
}

// Changes is what Apply did in its folder. Selected entries it does not mention keep their raw
// copy; Modified ones are read back from dir and compressed; Added files (new names, relative
// to dir, for example "pkg/__pycache__/mod.cpython-312.pyc") become new entries; Removed entries
// are left out.
type Changes struct {
	Modified []string
	Added    []string
	Removed  []string
}

func (a *assembler) transform(ctx context.Context) error {
	dir := filepath.Join(a.scratch, "transform")
	index := map[string]int{}
	var names []string
	for i, e := range a.entries {
		if !a.opt.Transform.Select(e.name) {
			continue
		}
		index[e.name] = i
		names = append(names, e.name)
		p := filepath.Join(dir, filepath.FromSlash(e.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		var err error
		if e.file != "" {
			err = copyFile(e.file, p)
		} else {
			perm := os.FileMode(0o644)
			if e.m.exec {
				perm = 0o755
			}
			err = copyOut(e.m, p, perm)
		}
		if err != nil {
			return fmt.Errorf("transform %s: %w", e.name, err)
		}
	}
	a.transformed = len(names)
	if len(names) == 0 {
		return nil
	}
	ch, err := a.opt.Transform.Apply(ctx, dir, names)
	if err != nil {
		return err
	}
	for _, n := range ch.Modified {
		i, ok := index[n]
		if !ok {
			return fmt.Errorf("transform: modified %q was not selected", n)
		}
		a.entries[i].file = filepath.Join(dir, filepath.FromSlash(n))
	}
	for _, n := range ch.Added {
		if n == "" || path.Clean(n) != n || n == ".." || path.IsAbs(n) || len(n) > 2 && n[:3] == "../" {
			return fmt.Errorf("transform: added name %q is not a clean relative path", n)
		}
		if err := a.put(outEntry{name: n, file: filepath.Join(dir, filepath.FromSlash(n)), dist: "(transform)"}); err != nil {
			return err
		}
	}
	if len(ch.Removed) > 0 {
		drop := map[string]bool{}
		for _, n := range ch.Removed {
			drop[n] = true
		}
		a.entries = slices.DeleteFunc(a.entries, func(e outEntry) bool { return drop[e.name] })
	}
	return nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src) // generated files only: small
	if err != nil {
		return err
	}
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	if err := os.WriteFile(dst, b, info.Mode().Perm()); err != nil {
		return err
	}
	return os.Chmod(dst, info.Mode().Perm())
}
