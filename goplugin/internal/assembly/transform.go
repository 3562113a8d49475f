package assembly

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"
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
// copy; Modified ones are read back from dir and compressed; Added files (relative to dir, for
// example "pkg/__pycache__/mod.cpython-312.pyc") become new entries, or replace an unselected
// entry of the same name (a wheel's own bytecode); Removed entries are left out.
type Changes struct {
	Modified []string
	Added    []string
	Removed  []string
}

// transform inflates the selected entries and applies the Transformer. The files go where the
// tree is extracted (Options.ExtractDir) when there is one, since they must be written there
// anyway: each is written once, and the extraction leaves them (see inTree); else into a
// scratch folder.
func (a *assembler) transform(ctx context.Context) error {
	dir := filepath.Join(a.scratch, "transform")
	if a.opt.ExtractDir != "" {
		dir = a.opt.ExtractDir
		a.inTree = map[string]bool{}
	}
	index := map[string]int{}
	var names []string
	for i, e := range a.entries {
		if !a.opt.Transform.Select(e.name) {
			continue
		}
		index[e.name] = i
		names = append(names, e.name)
	}
	a.transformed = len(names)
	if len(names) == 0 {
		return nil
	}
	made := map[string]bool{}
	for _, n := range names {
		if d := filepath.Dir(filepath.Join(dir, filepath.FromSlash(n))); !made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			made[d] = true
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, n := range names {
		e := a.entries[index[n]]
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			p := filepath.Join(dir, filepath.FromSlash(e.name))
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
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if a.inTree != nil {
		for _, n := range names {
			a.inTree[n] = true
		}
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
	at := map[string]int{}
	for i, e := range a.entries {
		at[e.name] = i
	}
	for _, n := range ch.Added {
		if n == "" || path.Clean(n) != n || n == ".." || path.IsAbs(n) || len(n) > 2 && n[:3] == "../" {
			return fmt.Errorf("transform: added name %q is not a clean relative path", n)
		}
		p := filepath.Join(dir, filepath.FromSlash(n))
		if a.inTree != nil {
			a.inTree[n] = true
		}
		if i, ok := at[n]; ok { // replaces a wheel's file of that name (its own stale bytecode)
			if _, selected := index[n]; selected {
				return fmt.Errorf("transform: added %q was selected (report it as modified)", n)
			}
			a.entries[i].file, a.entries[i].m = p, member{}
			continue
		}
		if err := a.put(outEntry{name: n, file: p, dist: "(transform)"}); err != nil {
			return err
		}
		at[n] = len(a.entries) - 1
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

// pruneTree removes from the tree the transform's files that are not in the output (removed by
// the Transformer, or excluded), so the tree holds exactly the zip's files; kept is the set of
// output names.
func (a *assembler) pruneTree(kept map[string]bool) error {
	for n := range a.inTree {
		if kept[n] {
			continue
		}
		delete(a.inTree, n)
		if err := os.Remove(filepath.Join(a.opt.ExtractDir, filepath.FromSlash(n))); err != nil && !os.IsNotExist(err) {
			return err
		}
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
