package localdeps

import (
	"bufio"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/gobwas/glob"
)

// ignore is the subset of .gitignore that build outputs use: blank lines and comments skipped,
// a trailing '/' for folders only, a leading or inner '/' anchoring the pattern at the package
// folder, '*', '?', '[...]' and '**' wildcards. Negations ('!') are not supported: a negated
// line is ignored, so such a file is digested (never wrongly skipped).
type ignore struct {
	rules []rule
}

type rule struct {
	g        *glob.Pattern
	dirOnly  bool
	anchored bool
}

func loadIgnore(dir string) ignore {
	f, err := os.Open(filepath.Join(dir, ".gitignore"))
	if err != nil {
		return ignore{}
	}
	defer f.Close()
	var ig ignore
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "!") {
			continue
		}
		r := rule{}
		if strings.HasSuffix(line, "/") {
			r.dirOnly = true
			line = strings.TrimSuffix(line, "/")
		}
		if strings.Contains(line, "/") {
			r.anchored = true
			line = strings.TrimPrefix(line, "/")
		}
		g, err := glob.Compile(line, '/')
		if err != nil {
			continue
		}
		r.g = g
		ig.rules = append(ig.rules, r)
	}
	return ig
}

// match reports whether rel (slash-separated, relative to the package folder) is ignored.
func (ig ignore) match(rel string, isDir bool) bool {
	for _, r := range ig.rules {
		if r.dirOnly && !isDir {
			continue
		}
		if r.anchored {
			if r.g.Match(rel) {
				return true
			}
			continue
		}
		if r.g.Match(path.Base(rel)) {
			return true
		}
	}
	return false
}
