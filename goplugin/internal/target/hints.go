package target

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// VersionHint is what a project file says about the Python version it wants.
type VersionHint struct {
	File  string // ".python-version", "pyproject.toml" or "Pipfile.lock" (callers may prefix a module folder)
	Field string // "" for .python-version, "[project].requires-python", "_meta.requires.python_version"
	Value string // as written, e.g. "3.12", ">=3.12,<4"
}

// Source names the hint for a message, e.g. "pyproject.toml [project].requires-python".
func (h VersionHint) Source() string {
	if h.Field == "" {
		return h.File
	}
	return h.File + " " + h.Field
}

// ReadVersionHints reads the Python version hints in dir, as Vercel's Python runtime does:
// the first version line of .python-version, [project].requires-python of pyproject.toml and
// _meta.requires.python_version of Pipfile.lock. Missing files and fields give no hint; a file
// that exists but cannot be parsed is an error naming it.
func ReadVersionHints(dir string) ([]VersionHint, error) {
	var hints []VersionHint
	if data, err := readOptional(filepath.Join(dir, ".python-version")); err != nil {
		return nil, err
	} else if v := firstVersionLine(data); v != "" {
		hints = append(hints, VersionHint{File: ".python-version", Value: v})
	}
	if data, err := readOptional(filepath.Join(dir, "pyproject.toml")); err != nil {
		return nil, err
	} else if data != nil {
		var doc struct {
			Project struct {
				RequiresPython string `toml:"requires-python"`
			} `toml:"project"`
		}
		if err := toml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "pyproject.toml"), err)
		}
		if v := strings.TrimSpace(doc.Project.RequiresPython); v != "" {
			hints = append(hints, VersionHint{File: "pyproject.toml", Field: "[project].requires-python", Value: v})
		}
	}
	if data, err := readOptional(filepath.Join(dir, "Pipfile.lock")); err != nil {
		return nil, err
	} else if data != nil {
		var lock struct {
			Meta struct {
				Requires struct {
					PythonVersion string `json:"python_version"`
				} `json:"requires"`
			} `json:"_meta"`
		}
		if err := json.Unmarshal(data, &lock); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "Pipfile.lock"), err)
		}
		if v := strings.TrimSpace(lock.Meta.Requires.PythonVersion); v != "" {
			hints = append(hints, VersionHint{File: "Pipfile.lock", Field: "_meta.requires.python_version", Value: v})
		}
	}
	return hints, nil
}

func readOptional(p string) ([]byte, error) {
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return data, nil
}

// firstVersionLine is the first line of a .python-version that is not blank or a comment.
func firstVersionLine(data []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			return line
		}
	}
	return ""
}

// Agrees reports whether the hint accepts the target's Python version; ok is false when the
// hint's value is not understood (e.g. "system", "pypy3.10", a malformed specifier), and then
// it gives no warning either way.
func (h VersionHint) Agrees(t Target) (agrees, ok bool) {
	if filepath.Base(h.File) == "pyproject.toml" {
		return specifierAllows(h.Value, t.Minor())
	}
	v := h.Value
	for _, p := range []string{"cpython-", "cpython", "python"} {
		v = strings.TrimPrefix(v, p)
	}
	m := plainVersion.FindStringSubmatch(v)
	if m == nil {
		return false, false
	}
	return m[1] == "3" && m[2] == strconv.Itoa(t.Minor()), true
}

var plainVersion = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.\d+)?(?:[a-z]+\d*)?$`)

// Warnings returns one warning for each hint that disagrees with the target's runtime, naming both,
// e.g. ".python-version asks for Python 3.12, but the function's runtime is python3.11: …".
func Warnings(hints []VersionHint, t Target) []string {
	var out []string
	for _, h := range hints {
		if agrees, ok := h.Agrees(t); ok && !agrees {
			out = append(out, fmt.Sprintf("%s asks for Python %s, but the function's runtime is %s: the requirements are "+
				"installed for %s. Set the runtime (provider.runtime or the function's runtime) to the version "+
				"the project is written for, or change %s.", h.Source(), h.Value, t.Runtime(), t.Runtime(), h.File))
		}
	}
	return out
}

// specifierAllows evaluates a PEP 440 specifier set (">=3.9,<3.13", "~=3.11", "==3.12.*") for
// Python 3.minor: true when some patch release 3.minor.N satisfies every clause.
func specifierAllows(spec string, minor int) (allows, ok bool) {
	var clauses [][2]string
	for _, c := range strings.Split(spec, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		m := clause.FindStringSubmatch(c)
		if m == nil {
			return false, false
		}
		clauses = append(clauses, [2]string{m[1], m[2]})
	}
	if len(clauses) == 0 {
		return false, false
	}
	for patch := 0; patch <= 40; patch++ {
		v := []int{3, minor, patch}
		all := true
		for _, c := range clauses {
			sat, ok := satisfies(v, c[0], c[1])
			if !ok {
				return false, false
			}
			if !sat {
				all = false
				break
			}
		}
		if all {
			return true, true
		}
	}
	return false, true
}

var clause = regexp.MustCompile(`^(===|==|!=|~=|<=|>=|<|>)\s*([0-9][0-9a-z.*+!]*)$`)

func satisfies(v []int, op, ver string) (bool, bool) {
	wild := strings.HasSuffix(ver, ".*")
	rel, ok := release(strings.TrimSuffix(ver, ".*"))
	if !ok || (wild && op != "==" && op != "!=") {
		return false, false
	}
	switch op {
	case "==", "===":
		if wild {
			return prefixEqual(v, rel), true
		}
		return compare(v, rel) == 0, true
	case "!=":
		if wild {
			return !prefixEqual(v, rel), true
		}
		return compare(v, rel) != 0, true
	case ">=":
		return compare(v, rel) >= 0, true
	case "<=":
		return compare(v, rel) <= 0, true
	case ">":
		return compare(v, rel) > 0, true
	case "<":
		return compare(v, rel) < 0, true
	case "~=":
		if len(rel) < 2 {
			return false, false
		}
		return compare(v, rel) >= 0 && prefixEqual(v, rel[:len(rel)-1]), true
	}
	return false, false
}

// release parses the release segment of a version ("3.12.1rc1" → [3 12 1]); pre-, post- and
// dev-release suffixes are ignored, which is exact enough for Python versions.
func release(s string) ([]int, bool) {
	if i := strings.IndexFunc(s, func(r rune) bool { return r != '.' && (r < '0' || r > '9') }); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	var out []int
	for _, p := range strings.Split(s, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, false
		}
		out = append(out, n)
	}
	return out, len(out) > 0
}

func compare(a, b []int) int {
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func prefixEqual(v, prefix []int) bool {
	for i, p := range prefix {
		x := 0
		if i < len(v) {
			x = v[i]
		}
		if x != p {
			return false
		}
	}
	return true
}
