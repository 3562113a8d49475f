package requirements

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the text-level rules pip applies to a requirements file before it looks at
// individual lines (pip/_internal/req/req_file.py: preprocess, join_lines, ignore_comments,
// break_args_options, shlex.split). They are re-implemented from pip's documented behaviour so
// that a file we render is read by pip exactly as the user's original would have been.

// rawLine is one logical line: continuations joined, comment removed, trimmed, not empty.
type rawLine struct {
	no   int // 1-based number of the first physical line
	text string
}

// isPySpace reports whether r is whitespace for Python's str.strip() and the re module's \s
// (str.isspace): Go's unicode.IsSpace plus the separators U+001C..U+001F.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

func trimPySpace(s string) string { return strings.TrimFunc(s, isPySpace) }

// splitLines splits s like Python's str.splitlines(): on \n, \r, \r\n, \v, \f, \x1c, \x1d,
// \x1e, \x85, \u2028 and \u2029, without keeping the line ends. A trailing line end does not
// produce an empty last line.
func splitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			lines = append(lines, s[start:i])
			i += size
			start = i
		case '\r':
			lines = append(lines, s[start:i])
			i += size
			if i < len(s) && s[i] == '\n' {
				i++
			}
			start = i
		default:
			i += size
		}
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

// startsWithComment is pip's COMMENT_RE.match: the line is a comment, possibly indented.
func startsWithComment(line string) bool {
	return strings.HasPrefix(strings.TrimLeftFunc(line, isPySpace), "#")
}

// stripComment is pip's COMMENT_RE.sub: a '#' at the start of the line or preceded by
// whitespace starts a comment that runs to the end of the line. A '#' inside a word (a URL
// fragment such as #egg= or #sha256=) does not.
func stripComment(line string) string {
	for j := 0; j < len(line); j++ {
		if line[j] != '#' {
			continue
		}
		if j == 0 {
			return ""
		}
		if r, _ := utf8.DecodeLastRuneInString(line[:j]); isPySpace(r) {
			return line[:j]
		}
	}
	return line
}

// preprocess turns file content into logical lines the way pip does: split into physical lines,
// join a line ending in a backslash with the next one (the backslash is removed, nothing is
// inserted; a comment line ends a continuation), remove comments, trim, drop empty lines.
// Line endings do not matter: CRLF files continue exactly like LF files.
func preprocess(content string) []rawLine {
	var joined []rawLine
	var parts []string
	joining := false
	primary := 0
	for i, line := range splitLines(content) {
		no := i + 1
		comment := startsWithComment(line)
		if !strings.HasSuffix(line, `\`) || comment {
			if comment {
				line = " " + line // so the comment is removed below even when joined
			}
			if joining {
				parts = append(parts, line)
				joined = append(joined, rawLine{primary, strings.Join(parts, "")})
				parts, joining = nil, false
			} else {
				joined = append(joined, rawLine{no, line})
			}
			continue
		}
		if !joining {
			primary, joining = no, true
		}
		parts = append(parts, strings.Trim(line, `\`))
	}
	if joining {
		joined = append(joined, rawLine{primary, strings.Join(parts, "")})
	}
	out := joined[:0]
	for _, l := range joined {
		l.text = trimPySpace(stripComment(l.text))
		if l.text != "" {
			out = append(out, l)
		}
	}
	return out
}

// argsPart is pip's break_args_options: the requirement part of a line is every space-separated
// token before the first one that starts with '-'; the rest are per-requirement options
// (--hash, --config-settings ...). Option lines have an empty requirement part.
func argsPart(line string) (args, opts string) {
	i := 0
	for {
		if strings.HasPrefix(line[i:], "-") {
			break
		}
		sp := strings.IndexByte(line[i:], ' ')
		if sp < 0 {
			return line, ""
		}
		i += sp + 1
	}
	if i == 0 {
		return "", line
	}
	return line[:i-1], line[i:]
}

// token is one shell word of an option line, with its byte span in the line.
type token struct {
	val        string
	start, end int
}

var (
	errNoClosingQuote = errors.New("no closing quotation")
	errNoEscapedChar  = errors.New("no escaped character")
)

// shellSplit splits s like Python's shlex.split (POSIX mode), which pip applies to the options
// part of a line: words are separated by space, tab, CR or LF; single quotes are literal;
// in double quotes a backslash only escapes '"' and '\'; outside quotes it escapes any char.
func shellSplit(s string) ([]token, error) {
	var toks []token
	i := 0
	for {
		for i < len(s) && strings.IndexByte(" \t\r\n", s[i]) >= 0 {
			i++
		}
		if i >= len(s) {
			return toks, nil
		}
		start := i
		var b strings.Builder
	word:
		for i < len(s) {
			c := s[i]
			switch {
			case strings.IndexByte(" \t\r\n", c) >= 0:
				break word
			case c == '\\':
				if i+1 >= len(s) {
					return nil, errNoEscapedChar
				}
				_, size := utf8.DecodeRuneInString(s[i+1:])
				b.WriteString(s[i+1 : i+1+size])
				i += 1 + size
			case c == '\'':
				end := strings.IndexByte(s[i+1:], '\'')
				if end < 0 {
					return nil, errNoClosingQuote
				}
				b.WriteString(s[i+1 : i+1+end])
				i += end + 2
			case c == '"':
				i++
				for {
					if i >= len(s) {
						return nil, errNoClosingQuote
					}
					if s[i] == '"' {
						i++
						break
					}
					if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
						b.WriteByte(s[i+1])
						i += 2
						continue
					}
					if s[i] == '\\' && i+1 >= len(s) {
						return nil, errNoClosingQuote
					}
					b.WriteByte(s[i])
					i++
				}
			default:
				b.WriteByte(c)
				i++
			}
		}
		toks = append(toks, token{val: b.String(), start: start, end: i})
	}
}

// shellQuote quotes s so that shellSplit (and pip's shlex.split) returns it as one word, and
// pip's comment removal cannot cut it: it is left bare unless it is empty, contains whitespace,
// a quote or a backslash, or starts with '#'.
func shellQuote(s string) string {
	if s != "" && !strings.HasPrefix(s, "#") && !strings.ContainsFunc(s, func(r rune) bool {
		return isPySpace(r) || r == '\'' || r == '"' || r == '\\'
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

var envVarRE = regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`)

// expandEnv replaces ${NAME} (upper-case letters, digits, underscore) with the variable's value
// when it is set and not empty, as pip does; anything else is left as it is.
func expandEnv(s string) string {
	return envVarRE.ReplaceAllStringFunc(s, func(m string) string {
		if v := os.Getenv(m[2 : len(m)-1]); v != "" {
			return v
		}
		return m
	})
}
