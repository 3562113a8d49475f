package container

import (
	"bufio"
	"bytes"
	"path"
	"strings"

	"github.com/gobwas/glob"
)

// defaultIgnore is the build context filter when the service has no .dockerignore: the folders
// that are never needed to build an image and can be huge.
var defaultIgnore = []byte(".git\nnode_modules\n.serverless\n")

// ignoreRule is one .dockerignore line.
type ignoreRule struct {
	text    string // the cleaned pattern
	g       *glob.Pattern
	exclude bool // false for "!pattern" exceptions
}

// ignoreMatcher applies .dockerignore rules: the last matching rule wins, and a rule that
// matches a folder matches everything below it.
type ignoreMatcher struct {
	rules []ignoreRule
}

// parseIgnore reads .dockerignore content. Lines that do not compile are skipped (as docker
// would fail on them, the build itself then reports the problem).
func parseIgnore(data []byte) *ignoreMatcher {
	m := &ignoreMatcher{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	c := glob.Compiler{Separators: []rune{'/'}, Globstar: true}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := ignoreRule{exclude: true}
		if strings.HasPrefix(line, "!") {
			r.exclude = false
			line = strings.TrimSpace(line[1:])
		}
		line = strings.TrimPrefix(path.Clean("/"+line), "/")
		if line == "" {
			continue
		}
		g, err := c.Compile(line)
		if err != nil {
			continue
		}
		r.g, r.text = g, line
		m.rules = append(m.rules, r)
	}
	return m
}

// excluded reports whether rel (slash-separated, relative to the context root) is left out.
func (m *ignoreMatcher) excluded(rel string) bool {
	out := false
	for _, r := range m.rules {
		if r.matches(rel) {
			out = r.exclude
		}
	}
	return out
}

func (r ignoreRule) matches(rel string) bool {
	for p := rel; ; {
		if r.g.Match(p) {
			return true
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}

// filter is the tarTree filter. An excluded folder is pruned unless an exception could bring
// back something below it; then it is walked but its own entry is left out.
func (m *ignoreMatcher) filter(keep ...string) func(rel string, isDir bool) walk {
	return func(rel string, isDir bool) walk {
		for _, k := range keep {
			if rel == k || strings.HasPrefix(k, rel+"/") {
				return include
			}
		}
		if !m.excluded(rel) {
			return include
		}
		if isDir && m.exceptionBelow(rel) {
			return descend
		}
		return prune
	}
}

// exceptionBelow reports whether an exception pattern could match a path under dir: its text
// starts with dir/ or has a wildcard before that point.
func (m *ignoreMatcher) exceptionBelow(dir string) bool {
	for _, r := range m.rules {
		if r.exclude {
			continue
		}
		if strings.HasPrefix(r.text, dir+"/") {
			return true
		}
		if i := strings.IndexAny(r.text, "*?[{\\"); i >= 0 && i <= len(dir) && strings.HasPrefix(dir, r.text[:i]) {
			return true
		}
	}
	return false
}
