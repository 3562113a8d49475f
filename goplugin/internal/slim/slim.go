// Package slim removes files matching slim patterns from an installed tree and strips shared
// libraries (spec C.9).
//
// Patterns follow the original plugin's node-glob semantics, matched with gobwas/glob: paths are
// relative to the tree with '/' separators, '*' stays within one path segment, and '**' also
// matches zero folders, so '**/*.pyc' matches a top-level 'x.pyc' and 'a/**/b' matches 'a/b'.
// A matching folder is removed with everything in it.
package slim

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gobwas/glob"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
)

// DefaultPatterns are the original plugin's default slim patterns.
var DefaultPatterns = []string{"**/*.py[c|o]", "**/__pycache__*", "**/*.dist-info*"}

// Matcher matches tree-relative paths against a set of patterns.
type Matcher struct{ globs []*glob.Pattern }

// Compile compiles patterns (and their zero-folder '**' variants). The error names the pattern.
func Compile(patterns []string) (*Matcher, error) {
	m := &Matcher{}
	for _, p := range patterns {
		for _, v := range variants(p) {
			g, err := glob.Compile(v, '/')
			if err != nil {
				return nil, fmt.Errorf("invalid glob %q: %w", p, err)
			}
			m.globs = append(m.globs, g)
		}
	}
	return m, nil
}

// variants expands '**/' so that it may also match no folder at all.
func variants(p string) []string {
	p = strings.TrimPrefix(p, "./")
	out := []string{p}
	seen := map[string]bool{p: true}
	for i := 0; i < len(out); i++ {
		cur := out[i]
		for _, alt := range []string{strings.Replace(cur, "/**/", "/", 1), trimLeadingGlobstar(cur)} {
			if alt != "" && !seen[alt] {
				seen[alt] = true
				out = append(out, alt)
			}
		}
	}
	return out
}

func trimLeadingGlobstar(p string) string {
	if strings.HasPrefix(p, "**/") {
		return p[3:]
	}
	return ""
}

// Match reports whether rel (a '/'-separated path relative to the tree) matches.
func (m *Matcher) Match(rel string) bool {
	for _, g := range m.globs {
		if g.Match(rel) {
			return true
		}
	}
	return false
}

// Remove deletes every file and folder under root that matches, and returns the removed paths
// (relative, sorted).
func Remove(root string, m *Matcher) ([]string, error) {
	var removed []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if !m.Match(rel) {
			return nil
		}
		if err := os.RemoveAll(p); err != nil {
			return err
		}
		removed = append(removed, rel)
		if d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	})
	sort.Strings(removed)
	return removed, err
}

// SharedLibraries lists the .so files under root (absolute paths, sorted).
func SharedLibraries(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && (strings.HasSuffix(d.Name(), ".so") || strings.Contains(d.Name(), ".so.")) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// Strip runs `strip` on the given libraries, in batches. A missing strip binary is an error that
// names the strip option.
func Strip(ctx context.Context, r proc.Runner, libs []string, env []string) error {
	const batch = 200
	for i := 0; i < len(libs); i += batch {
		j := min(i+batch, len(libs))
		res, err := r.Run(ctx, proc.Cmd{Name: "strip", Args: libs[i:j], Env: env})
		if err == nil {
			continue
		}
		if _, ok := err.(*proc.NotFoundError); ok {
			return &diag.Error{Code: "PYREQS_STRIP_NOT_FOUND", Key: diag.ConfigPath("strip"),
				Message: "slim is on but the strip program was not found",
				Hint:    "Install binutils (e.g. apt-get install binutils), or set custom.pythonRequirements.strip: false to keep shared libraries unstripped."}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &diag.Error{Code: "PYREQS_STRIP_FAILED", Key: diag.ConfigPath("strip"),
			Message: "strip failed on the installed shared libraries",
			Hint:    "Set custom.pythonRequirements.strip: false to skip stripping.",
			Output:  redact.String(proc.Tail(res.Output, 15))}
	}
	return nil
}
