package assembly

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
)

// entryRE is distlib's grammar of an entry point ("name = module:attr [extras]"), which pip's
// script maker parses.
var entryRE = regexp.MustCompile(`^(\w+(?:\.\w+)*)\s*(?::\s*(\w+(?:\.\w+)*))?\s*(?:\[\s*[\w-]+(?:=\w+)?(?:,\s*\w+(?:=\w+)?)*\s*\])?\s*$`)

// pipSpecialScript matches the console scripts pip renames or adds versions of (pip, pip3,
// pip3.12, easy_install, easy_install-3.12): left to pip itself.
var pipSpecialScript = regexp.MustCompile(`^(pip(\d(\.\d+)?)?|easy_install(-\d\.\d+)?)$`)

// parseEntryPoints reads the console_scripts and gui_scripts groups as importlib.metadata does.
func (w *wheel) parseEntryPoints(b []byte) error {
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), smallFileMax)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.TrimSpace(line[1 : len(line)-1])
			continue
		}
		if section != "console_scripts" && section != "gui_scripts" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" {
			return unsupported(w.dist, "entry_points.txt line %q is not name = value", line)
		}
		if strings.ContainsAny(name, "/\\") || name == "." || name == ".." || strings.HasPrefix(name, "[") {
			return unsupported(w.dist, "script entry point name %q", name)
		}
		if pipSpecialScript.MatchString(name) {
			return unsupported(w.dist, "pip writes versioned variants of the %q script", name)
		}
		m := entryRE.FindStringSubmatch(value)
		if m == nil || m[2] == "" {
			return unsupported(w.dist, "script entry point %q = %q has no module:callable", name, value)
		}
		if _, dup := w.console[name]; !dup {
			w.names = append(w.names, name)
		}
		w.console[name] = m[1] + ":" + m[2]
	}
	return sc.Err()
}

// consoleScript is the launcher pip writes for an entry point "module:attr" (pip's
// PipScriptMaker template), after the shebang line.
func consoleScript(shebang, target string) []byte {
	module, attr, _ := strings.Cut(target, ":")
	importName, _, _ := strings.Cut(attr, ".")
	return []byte(shebang + "\n" +
		"import sys\n" +
		"from " + module + " import " + importName + "\n" +
		"if __name__ == '__main__':\n" +
		"    sys.argv[0] = sys.argv[0].removesuffix('.exe')\n" +
		"    sys.exit(" + attr + "())\n")
}

// fixScript mirrors pip's fix_script: a first line starting with "#!python" becomes the shebang.
// It reports whether the content changed.
func fixScript(b []byte, shebang string) ([]byte, bool) {
	if !bytes.HasPrefix(b, []byte("#!python")) {
		return b, false
	}
	rest := b[len(b):]
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		rest = b[i+1:]
	}
	return append([]byte(shebang+"\n"), rest...), true
}
