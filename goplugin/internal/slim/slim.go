// Package slim removes files matching slim patterns from an installed tree and strips shared
// libraries (spec C.9).
//
// Patterns mean what they meant to the original plugin, which deleted every match of
// glob.sync(<folder>/<pattern>) (node-glob 7 / minimatch, default options). Each pattern is
// brace-expanded ({a,b}), split into '/'-separated segments, and every segment is compiled with
// gobwas/glob ('*', '?', '[...]', '[!...]' or '[^...]', '\' escapes). A segment that is exactly
// '**' matches zero or more folders. As in node-glob without the dot option, a file or folder
// whose name starts with '.' is matched only by a segment that itself starts with '.', and '**'
// never enters such folders. A trailing '/' matches folders only. A matching folder is removed
// with everything in it.
package slim

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gobwas/glob"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

// DefaultPatterns are the original plugin's default slim patterns.
var DefaultPatterns = []string{"**/*.py[c|o]", "**/__pycache__*", "**/*.dist-info*"}

// Matcher matches tree-relative paths against a set of patterns.
type Matcher struct{ pats []pattern }

// pattern is one brace-expanded pattern: its segments, and whether it matches folders only.
type pattern struct {
	segs    []segment
	dirOnly bool
}

// segment is one path segment of a pattern: '**', or a glob for one name.
type segment struct {
	globstar bool
	dot      bool // the segment starts with a literal '.', so it may match dot names
	g        *glob.Pattern
}

// PatternError is a pattern that cannot be compiled.
type PatternError struct {
	Index   int
	Pattern string
	Err     error
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("invalid glob %q: %v", e.Pattern, e.Err)
}

func (e *PatternError) Unwrap() error { return e.Err }

// Compile compiles patterns. The error is a *PatternError naming the pattern.
func Compile(patterns []string) (*Matcher, error) {
	m := &Matcher{}
	for i, p := range patterns {
		for _, alt := range expandBraces(p) {
			pat, err := compileOne(alt)
			if err != nil {
				return nil, &PatternError{Index: i, Pattern: p, Err: err}
			}
			m.pats = append(m.pats, pat)
		}
	}
	return m, nil
}

func compileOne(p string) (pattern, error) {
	var pat pattern
	p = strings.TrimLeft(p, "/") // <folder>//x is <folder>/x
	for strings.HasPrefix(p, "./") {
		p = strings.TrimLeft(p[2:], "/")
	}
	if strings.HasSuffix(p, "/") {
		pat.dirOnly = true
		p = strings.TrimRight(p, "/")
	}
	if p == "" {
		return pat, errors.New("the pattern is empty")
	}
	for _, s := range strings.Split(p, "/") {
		switch s {
		case "", ".":
			continue
		case "**":
			if n := len(pat.segs); n > 0 && pat.segs[n-1].globstar {
				continue // a/**/**/b is a/**/b
			}
			pat.segs = append(pat.segs, segment{globstar: true})
			continue
		}
		g, err := glob.Compile(segmentGlob(s))
		if err != nil {
			return pat, err
		}
		pat.segs = append(pat.segs, segment{g: g, dot: strings.HasPrefix(s, ".")})
	}
	if len(pat.segs) == 0 {
		return pat, errors.New("the pattern names no file")
	}
	return pat, nil
}

// segmentGlob turns one minimatch segment into gobwas syntax: braces left after expansion are
// literal, and '[^' is a negated class like '[!'.
func segmentGlob(s string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			b.WriteByte(c)
			b.WriteByte(s[i+1])
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
			if i+1 < len(s) && s[i+1] == '^' {
				b.WriteByte('!')
				i++
			}
			if i+1 < len(s) && s[i+1] == ']' { // a leading ']' is a member
				b.WriteString(`\]`)
				i++
			}
		case c == '{' || c == '}' || c == ',':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// expandBraces expands the first {a,b,...} group (outside classes, not escaped, with a comma at
// its top level), recursively, as brace-expansion does before minimatch sees the pattern.
func expandBraces(p string) []string {
	open, depth, inClass := -1, 0, false
	commas := []int{}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '{':
			if depth == 0 {
				open = i
				commas = commas[:0]
			}
			depth++
		case c == ',' && depth == 1:
			commas = append(commas, i)
		case c == '}' && depth > 0:
			depth--
			if depth == 0 {
				if len(commas) == 0 {
					open = -1
					continue // {a} is literal
				}
				var out []string
				start := open + 1
				for _, cut := range append(commas, i) {
					for _, rest := range expandBraces(p[i+1:]) {
						for _, alt := range expandBraces(p[start:cut]) {
							out = append(out, p[:open]+alt+rest)
						}
					}
					start = cut + 1
				}
				return out
			}
		}
	}
	return []string{p}
}

// Match reports whether rel (a '/'-separated path relative to the tree) matches; isDir tells
// whether it is a folder.
func (m *Matcher) Match(rel string, isDir bool) bool {
	names := strings.Split(rel, "/")
	for _, p := range m.pats {
		if p.dirOnly && !isDir {
			continue
		}
		if matchSegs(p.segs, names) {
			return true
		}
	}
	return false
}

func matchSegs(segs []segment, names []string) bool {
	if len(segs) == 0 {
		return len(names) == 0
	}
	s := segs[0]
	if s.globstar {
		if matchSegs(segs[1:], names) {
			return true
		}
		return len(names) > 0 && !strings.HasPrefix(names[0], ".") && matchSegs(segs, names[1:])
	}
	if len(names) == 0 {
		return false
	}
	if strings.HasPrefix(names[0], ".") && !s.dot {
		return false
	}
	return s.g.Match(names[0]) && matchSegs(segs[1:], names[1:])
}

// Remove deletes every file and folder under root that matches, and returns the removed paths
// (relative, sorted). Symbolic links are removed, never followed.
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
		if !m.Match(rel, d.IsDir()) {
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

// SharedLibraries lists the files named *.so under root (absolute paths, sorted): the files the
// original's `find <folder> -name *.so -exec strip {} ;` stripped. Versioned libraries
// (libx.so.1) are left alone, as they were.
func SharedLibraries(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(d.Name(), ".so") {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// Strip runs `strip` on the given libraries, in batches. A missing strip program is an error that
// names the strip option. A library strip cannot handle (not ELF, another architecture) is left as
// it is, like the original's `find -exec strip` did: the returned text (strip's output) is for a
// warning, empty when every library was stripped.
func Strip(ctx context.Context, r proc.Runner, libs []string, env []string) (failed string, err error) {
	const batch = 200
	var outputs []string
	for i := 0; i < len(libs); i += batch {
		j := min(i+batch, len(libs))
		res, err := r.Run(ctx, proc.Cmd{Name: "strip", Args: libs[i:j], Env: env})
		if err == nil {
			continue
		}
		var nf *proc.NotFoundError
		if errors.As(err, &nf) {
			return "", diag.AtKey(diag.CodeStripNotFound, "strip", "slim is on but the strip program was not found").
				WithFix("Install binutils (e.g. apt-get install binutils), or set %s: false to keep shared libraries unstripped.", diag.ConfigPath("strip"))
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		var ee *proc.ExitError
		if !errors.As(err, &ee) {
			return "", diag.AtKey(diag.CodeStripFailed, "strip", "running strip failed: %v", err).Wrap(err)
		}
		out := res.Output
		if len(out) == 0 {
			out = ee.Result.Output
		}
		if tail := strings.TrimSpace(proc.Tail(out, 10)); tail != "" {
			outputs = append(outputs, tail) // shown through the emitter, which redacts
		} else {
			outputs = append(outputs, fmt.Sprintf("strip exited with code %d", ee.Result.ExitCode))
		}
	}
	return strings.Join(outputs, "\n"), nil
}
