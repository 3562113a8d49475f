// Package requirements reads pip requirements files and filters them for packaging.
//
// Reading follows pip's own rules (pip/_internal/req/req_file.py), not the original plugin's:
// backslash continuations are joined for LF and CRLF files alike, comments are removed only
// where pip removes them (so `#egg=` and `#sha256=` fragments survive), `-r`/`--requirement`
// includes (every spelling) are expanded in place relative to the file that contains them,
// and relative paths in `-c`, `-f`, `-e` and plain path requirements are made absolute because
// the filtered file is written elsewhere. Nothing is ever reordered: pip gives meaning to the
// order of some options and to hash-pinned files.
//
// Not handled (left for pip to process at install time, verbatim): includes and constraints
// given as http(s)/file URLs, options abbreviated the optparse way (`--requir x`), and `-r`/`-c`
// that are not the first option on their line. noDeploy drops only the listed requirements;
// when a file uses `--require-hashes` or `--hash`, pip checks only the requirements that remain,
// so dropping one never breaks hash mode.
package requirements

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
)

// Kind says what a logical line of a requirements file is.
type Kind int

const (
	// Requirement is a requirement specifier, URL or path, with any per-requirement options
	// (--hash, --config-settings) that share its logical line.
	Requirement Kind = iota
	// Option is an option line kept verbatim (or with a path made absolute): -i, -c, -f,
	// --extra-index-url, --require-hashes, --pre, a -r to a URL ...
	Option
	// Editable is a `-e`/`--editable` line. Filter turns it into a Requirement (the install
	// target cannot hold editable installs) and returns a warning.
	Editable
)

func (k Kind) String() string {
	switch k {
	case Requirement:
		return "requirement"
	case Option:
		return "option"
	case Editable:
		return "editable"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Line is one logical line of a requirements file after includes are expanded.
type Line struct {
	Text   string // the line as pip should read it: joined, comment-free, trimmed, paths absolute
	Kind   Kind
	File   string // absolute path of the file the line comes from
	LineNo int    // 1-based number of the line's first physical line in File
	Name   string // PEP 503 normalised distribution name; "" for options and unnamed URLs/paths
}

// Error codes of the *diag.Error values this package returns.
const (
	CodeUnreadable = diag.CodeRequirementsUnreadable // a file (or included file) cannot be read
	CodeInvalid    = diag.CodeRequirementsInvalid    // a line pip could not parse, an include cycle
)

// fileNameKey is the option that names the top-level requirements file.
const fileNameKey = "fileName"

// Read reads the requirements file at path: decodes it (UTF-8, optional BOM; UTF-16/32 with a
// BOM), joins continuations, removes comments and blank lines, expands includes in place and
// makes relative paths absolute. It does not filter anything. Errors are *diag.Error values
// naming the file and line; a missing top-level file wraps fs.ErrNotExist.
func Read(path string) ([]Line, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("requirements: %w", err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		e := diag.AtFile(CodeUnreadable, abs, "cannot read the requirements file: %s", ioReason(err)).Wrap(err)
		e.Key = diag.ConfigPath(fileNameKey)
		return nil, e
	}
	r := &reader{}
	return r.parse(data, abs)
}

// Parse is Read for content already in memory (for example an exported lock file); path is
// where the content belongs, and includes and relative paths are resolved against its directory.
func Parse(data []byte, path string) ([]Line, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("requirements: %w", err)
	}
	r := &reader{}
	return r.parse(data, abs)
}

type frame struct {
	id, path string
}

type reader struct {
	stack []frame // files being read, outermost first
	out   []Line
	guard Guard // checks -r/-c files before they are read (nil: none)
}

// fileID identifies a file for cycle detection: its path with symlinks resolved.
func fileID(path string) string {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		return p
	}
	return filepath.Clean(path)
}

func (r *reader) parse(data []byte, abs string) ([]Line, error) {
	r.stack = append(r.stack, frame{fileID(abs), abs})
	if err := r.parseFile(data, abs); err != nil {
		return nil, err
	}
	return r.out, nil
}

func lineError(code diag.Code, file string, no int, format string, args ...any) *diag.Error {
	e := diag.AtFile(code, file, "line %d: %s", no, fmt.Sprintf(format, args...))
	e.Key = diag.ConfigPath(fileNameKey)
	return e
}

func (r *reader) parseFile(data []byte, file string) error {
	content, err := decode(data)
	if err != nil {
		e := diag.AtFile(CodeInvalid, file, "%v", err).WithFix("Save the file as UTF-8.")
		e.Key = diag.ConfigPath(fileNameKey)
		return e
	}
	dir := filepath.Dir(file)
	for _, l := range preprocess(content) {
		if err := r.line(l, file, dir); err != nil {
			return err
		}
	}
	return nil
}

func (r *reader) line(l rawLine, file, dir string) error {
	// Index URLs and VCS URLs may carry credentials: every output of this process masks them.
	redact.Learn(l.text)
	out := Line{Text: l.text, Kind: Requirement, File: file, LineNo: l.no}
	if !strings.HasPrefix(l.text, "-") {
		out.Text = absRequirementPath(l.text, dir)
		out.Name = requirementName(out.Text)
		r.out = append(r.out, out)
		return nil
	}
	out.Kind = Option
	toks, err := shellSplit(l.text)
	if err != nil {
		return lineError(CodeInvalid, file, l.no, "cannot split options (%v): %s", err, l.text)
	}
	missing := func(flag string) error {
		return lineError(CodeInvalid, file, l.no, "%s needs a value", flag)
	}
	if v, _, ok, has := optionValue(l.text, toks, 'r', "--requirement"); ok {
		if !has {
			return missing("-r/--requirement")
		}
		if isURL(v) {
			r.out = append(r.out, out) // pip fetches it at install time
			return nil
		}
		p := resolve(dir, expandEnv(v))
		if err := r.check(p, "-r", v, file, l.no); err != nil {
			return err
		}
		return r.include(p, v, file, l.no)
	}
	if v, rest, ok, has := optionValue(l.text, toks, 'c', "--constraint"); ok {
		if !has {
			return missing("-c/--constraint")
		}
		if !isURL(v) {
			p := resolve(dir, expandEnv(v))
			if err := r.check(p, "-c", v, file, l.no); err != nil {
				return err
			}
			out.Text = "-c " + shellQuote(p) + rest
		}
		r.out = append(r.out, out)
		return nil
	}
	if v, rest, ok, has := optionValue(l.text, toks, 'f', "--find-links"); ok {
		if !has {
			return missing("-f/--find-links")
		}
		// pip itself takes a relative find-links path relative to the requirements file only
		// when it exists there (otherwise relative to the working directory); same here.
		if x := expandEnv(v); !isURL(x) && !hasScheme(x) && !filepath.IsAbs(x) && exists(filepath.Join(dir, x)) {
			out.Text = "-f " + shellQuote(filepath.Join(dir, x)) + rest
		}
		r.out = append(r.out, out)
		return nil
	}
	if v, rest, ok, has := optionValue(l.text, toks, 'e', "--editable"); ok {
		if !has {
			return missing("-e/--editable")
		}
		target := absEditablePath(v, dir)
		out.Kind = Editable
		out.Text = "-e " + shellQuote(target) + rest
		out.Name = linkName(target)
		r.out = append(r.out, out)
		return nil
	}
	r.out = append(r.out, out)
	return nil
}

func (r *reader) include(path, written, file string, no int) error {
	id := fileID(path)
	for i, f := range r.stack {
		if f.id == id {
			chain := make([]string, 0, len(r.stack)-i+1)
			for _, g := range r.stack[i:] {
				chain = append(chain, g.path)
			}
			chain = append(chain, path)
			return lineError(CodeInvalid, file, no, "-r %s: include cycle: %s", written, strings.Join(chain, " -> ")).
				WithFix("Remove the line -r %s from %s (line %d), or another include of the chain: a requirements file cannot include itself, directly or through other files.",
					written, file, no)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fix := fmt.Sprintf("Fix the line -r %s in %s (line %d): an included path is relative to the folder of the file that includes it.", written, file, no)
		if errors.Is(err, fs.ErrNotExist) {
			fix = fmt.Sprintf("Create %s, or fix the line -r %s in %s (line %d): an included path is relative to the folder of the file that includes it.",
				path, written, file, no)
		}
		return lineError(CodeUnreadable, file, no, "included requirements file %s (-r %s) cannot be read: %s",
			path, written, ioReason(err)).WithFix("%s", fix).Wrap(err)
	}
	r.stack = append(r.stack, frame{id, path})
	err = r.parseFile(data, path)
	r.stack = r.stack[:len(r.stack)-1]
	return err
}

func ioReason(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "it does not exist"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// optionValue matches the first token of an option line against a short flag (-r) and a long
// flag (--requirement) in all of optparse's spellings: `-r v`, `-rv`, `--requirement v`,
// `--requirement=v`. ok is whether the flag matched, has whether it had a value; rest is the
// raw text after the value (empty or starting with whitespace).
func optionValue(text string, toks []token, short byte, long string) (value, rest string, ok, has bool) {
	if len(toks) == 0 {
		return "", "", false, false
	}
	t := toks[0].val
	switch {
	case t == "-"+string(short) || t == long:
		if len(toks) < 2 {
			return "", "", true, false
		}
		return toks[1].val, text[toks[1].end:], true, true
	case strings.HasPrefix(t, long+"="):
		return t[len(long)+1:], text[toks[0].end:], true, true
	case len(t) > 2 && t[0] == '-' && t[1] == short:
		return t[2:], text[toks[0].end:], true, true
	}
	return "", "", false, false
}

var (
	urlRE    = regexp.MustCompile(`(?i)^(http|https|file):`)
	schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]+:`)
)

// isURL is pip's SCHEME_RE test for includes and constraints.
func isURL(s string) bool { return urlRE.MatchString(s) }

// hasScheme reports a URL of any scheme (git+https:, file:, ...); a Windows drive letter (C:)
// is not a scheme.
func hasScheme(s string) bool { return schemeRE.MatchString(s) }

func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// isDotPath reports ".", "..", "./x", "../x" (and the backslash forms on Windows).
func isDotPath(p string) bool {
	if p == "." || p == ".." || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") {
		return true
	}
	return filepath.Separator == '\\' && (strings.HasPrefix(p, `.\`) || strings.HasPrefix(p, `..\`))
}

// splitExtras splits "path[extra1,extra2]" into the path and "[extra1,extra2]".
func splitExtras(s string) (string, string) {
	if strings.HasSuffix(s, "]") {
		if i := strings.LastIndexByte(s, '['); i > 0 {
			return s[:i], s[i:]
		}
	}
	return s, ""
}

// absEditablePath makes the target of an -e line absolute when it is a local path: always for
// ".", "..", "./x", "../x", and for any other non-URL that exists relative to dir.
func absEditablePath(target, dir string) string {
	p, extras := splitExtras(target)
	x := expandEnv(p)
	if p == "" || hasScheme(x) || filepath.IsAbs(x) {
		return target
	}
	if isDotPath(x) || exists(filepath.Join(dir, x)) {
		return filepath.Join(dir, x) + extras
	}
	return target
}

// absRequirementPath makes a plain requirement line that is a local relative path absolute,
// keeping extras, markers and per-requirement options. A path is what pip takes for one: it
// starts with '.', contains a path separator or is an archive file name; other than
// ".", "..", "./x" and "../x" it must exist relative to dir. Names, `name @ url` and URLs
// (including relative file: URLs) are left alone.
func absRequirementPath(text, dir string) string {
	args, _ := argsPart(text)
	spec := args
	if i := strings.IndexByte(spec, ';'); i >= 0 {
		spec = spec[:i]
	}
	spec = strings.TrimRightFunc(spec, isPySpace)
	p, _ := splitExtras(spec)
	x := expandEnv(p)
	if p == "" || hasScheme(x) || filepath.IsAbs(x) || ParseName(p) != "" {
		return text
	}
	if strings.ContainsFunc(p, isPySpace) && strings.Contains(p, "@") {
		return text // "name @ url" with a name ParseName refused; not a path
	}
	looksLikePath := strings.HasPrefix(x, ".") || strings.ContainsRune(x, '/') ||
		strings.ContainsRune(x, filepath.Separator) || isArchiveName(x)
	if isDotPath(x) || (looksLikePath && exists(filepath.Join(dir, x))) {
		return filepath.Join(dir, x) + text[len(p):]
	}
	return text
}

// decode returns the text of a requirements file: UTF-8 with or without a byte order mark,
// or UTF-16/UTF-32 with one (as pip's auto_decode accepts).
func decode(b []byte) (string, error) {
	switch {
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		b = b[3:]
	case len(b) >= 4 && b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0:
		return decode32(b[4:], false)
	case len(b) >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF:
		return decode32(b[4:], true)
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		return decode16(b[2:], false)
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		return decode16(b[2:], true)
	}
	if !utf8.Valid(b) {
		return "", errors.New("is not valid UTF-8 text")
	}
	return string(b), nil
}

func decode16(b []byte, big bool) (string, error) {
	if len(b)%2 != 0 {
		return "", errors.New("is not valid UTF-16 text (odd length)")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		if big {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return string(utf16.Decode(u)), nil
}

func decode32(b []byte, big bool) (string, error) {
	if len(b)%4 != 0 {
		return "", errors.New("is not valid UTF-32 text (length not a multiple of 4)")
	}
	var s strings.Builder
	for i := 0; i < len(b); i += 4 {
		var r uint32
		if big {
			r = uint32(b[i])<<24 | uint32(b[i+1])<<16 | uint32(b[i+2])<<8 | uint32(b[i+3])
		} else {
			r = uint32(b[i+3])<<24 | uint32(b[i+2])<<16 | uint32(b[i+1])<<8 | uint32(b[i])
		}
		if r > utf8.MaxRune || (r >= 0xD800 && r <= 0xDFFF) {
			return "", errors.New("is not valid UTF-32 text")
		}
		s.WriteRune(rune(r))
	}
	return s.String(), nil
}
