package requirements

import (
	"regexp"
	"strings"
)

var nameRunRE = regexp.MustCompile(`[-_.]+`)

// NormalizeName returns the PEP 503 normalised form of a distribution name: lower case, every
// run of '-', '_' and '.' replaced by a single '-'. Surrounding whitespace is removed.
func NormalizeName(s string) string {
	return nameRunRE.ReplaceAllString(strings.ToLower(strings.TrimSpace(s)), "-")
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '.'
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// archiveSuffixes are the file name endings pip treats as a distribution file, not a name.
var archiveSuffixes = []string{
	".whl", ".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz", ".tar.xz", ".txz",
	".tlz", ".tar.lz", ".tar.lzma",
}

func isArchiveName(s string) bool {
	s = strings.ToLower(s)
	for _, suf := range archiveSuffixes {
		if strings.HasSuffix(s, suf) {
			return true
		}
	}
	return false
}

// ParseName returns the distribution name a PEP 508 requirement starts with, as written (not
// normalised), or "" when the requirement is a URL or a path. The name ends at whitespace, '[',
// ';', '@', '(', ',' or a version operator (== != ~= === <= >= < > =), so
// `Boto3[crt]>=1 ; python_version>"3"`, `my_pkg @ https://...`, `foo~=1.0` and `foo!=2` all
// yield their name. A name must start and end with a letter or digit.
func ParseName(req string) string {
	s := strings.TrimLeftFunc(req, isPySpace)
	i := 0
	for i < len(s) && isNameChar(s[i]) {
		i++
	}
	if i == 0 {
		return ""
	}
	name := s[:i]
	if !isAlnum(name[0]) || !isAlnum(name[len(name)-1]) || isArchiveName(name) {
		return ""
	}
	if i < len(s) {
		switch c := s[i]; c {
		case '[', ';', '@', '(', ',', '=', '!', '~', '<', '>':
		default:
			if c < 0x80 && !isPySpace(rune(c)) {
				return "" // '/', ':', '\', '+' ...: a path or a URL
			}
			if c >= 0x80 && !startsWithPySpace(s[i:]) {
				return ""
			}
		}
	}
	return name
}

func startsWithPySpace(s string) bool {
	return s != "" && strings.TrimLeftFunc(s, isPySpace) != s
}

var eggRE = regexp.MustCompile(`[#&]egg=([^&\s]*)`)

// linkName returns the normalised distribution name a URL or path requirement names, if it
// says: the #egg= fragment of a URL (e.g. git+https://host/org/repo.git#egg=some-egg) or the
// name part of a wheel file name. "" when the link does not name a distribution.
func linkName(link string) string {
	if m := eggRE.FindStringSubmatch(link); m != nil {
		if n := ParseName(m[1]); n != "" {
			return NormalizeName(n)
		}
	}
	loc := link
	if i := strings.IndexFunc(loc, isPySpace); i >= 0 {
		loc = loc[:i]
	}
	if i := strings.IndexAny(loc, "#?;"); i >= 0 {
		loc = loc[:i]
	}
	if i := strings.LastIndexAny(loc, `/\`); i >= 0 {
		loc = loc[i+1:]
	}
	if strings.HasSuffix(strings.ToLower(loc), ".whl") {
		if n := ParseName(strings.SplitN(loc, "-", 2)[0]); n != "" {
			return NormalizeName(n)
		}
	}
	return ""
}

// requirementName returns the normalised distribution name of a requirement line (a line that
// is not an option line), or "" when it cannot be known without building it.
func requirementName(text string) string {
	args, _ := argsPart(text)
	if n := ParseName(args); n != "" {
		return NormalizeName(n)
	}
	return linkName(args)
}
