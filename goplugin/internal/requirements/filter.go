package requirements

import (
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// FilterDiag prepares lines for installation into a package folder, keeping their order:
//   - Editable lines become plain requirements (an install target cannot hold editable
//     installs), each with the warning "Stripping -e flag from requirement <X>"
//     (PYREQS_EDITABLE_STRIPPED).
//   - Requirements whose distribution name matches a noDeploy entry (PEP 503 normalised:
//     case-insensitive, '-', '_' and '.' equivalent) are dropped, together with the --hash
//     options on their logical line. Entries may be written like requirements ("Boto3[crt]").
//   - Option lines are always kept. Duplicates are kept (pip decides).
//
// Requirements without a known name (local paths, URLs without #egg=) are never dropped. A
// requirements file included by URL while noDeploy is set gives PYREQS_REMOTE_INCLUDE_NODEPLOY.
func FilterDiag(lines []Line, noDeploy []string) (kept []Line, warnings []*diag.Warning) {
	drop := make(map[string]bool, len(noDeploy))
	for _, e := range noDeploy {
		n := ParseName(e)
		if n == "" {
			n = e
		}
		if n = NormalizeName(n); n != "" {
			drop[n] = true
		}
	}
	kept = make([]Line, 0, len(lines))
	for _, l := range lines {
		switch l.Kind {
		case Editable:
			req := editableRequirement(l.Text)
			warnings = append(warnings, diag.WarnAtFile(diag.CodeEditableStripped, l.File, "Stripping -e flag from requirement %s", req))
			l.Kind, l.Text = Requirement, req
			if l.Name == "" {
				l.Name = linkName(req)
			}
		case Requirement:
			if l.Name == "" {
				l.Name = requirementName(l.Text)
			}
		case Option:
			if len(drop) > 0 && isRemoteInclude(l.Text) {
				warnings = append(warnings, diag.WarnAtFile(diag.CodeRemoteInclude, l.File,
					"line %d includes a requirements file by URL; noDeploy is not applied to its contents", l.LineNo))
			}
			kept = append(kept, l)
			continue
		}
		if l.Name != "" && drop[l.Name] {
			continue
		}
		kept = append(kept, l)
	}
	return kept, warnings
}

// editableRequirement returns what an -e line installs: everything after the flag, with the
// target unquoted ("-e './my pkg' --config-settings x=y" gives "./my pkg --config-settings x=y").
func editableRequirement(text string) string {
	toks, err := shellSplit(text)
	if err == nil {
		if v, rest, ok, has := optionValue(text, toks, 'e', "--editable"); ok && has {
			return v + rest
		}
	}
	// Not an -e line pip could read: drop the flag, keep the rest as written.
	for _, p := range []string{"--editable=", "--editable", "-e"} {
		if strings.HasPrefix(text, p) {
			return trimPySpace(text[len(p):])
		}
	}
	return text
}

// isRemoteInclude reports an -r/--requirement option whose file is a URL, left for pip to fetch.
func isRemoteInclude(text string) bool {
	toks, err := shellSplit(text)
	if err != nil {
		return false
	}
	v, _, ok, has := optionValue(text, toks, 'r', "--requirement")
	return ok && has && isURL(v)
}

// Render writes lines as a requirements file: each line's Text followed by "\n", in order.
// No lines give an empty file.
func Render(lines []Line) []byte {
	n := 0
	for _, l := range lines {
		n += len(l.Text) + 1
	}
	b := make([]byte, 0, n)
	for _, l := range lines {
		b = append(b, l.Text...)
		b = append(b, '\n')
	}
	return b
}
