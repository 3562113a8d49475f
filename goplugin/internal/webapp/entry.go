package webapp

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// DefaultNames are the objects an app file is searched for, in this order, when neither the
// `app` value nor wsgiApplicationName names one (Vercel's order).
var DefaultNames = []string{"app", "application", "handler"}

// EntryInput is what ParseEntry needs to know about one function.
type EntryInput struct {
	// Function is the function's key under `functions`.
	Function string
	// App is the function's `app` value: "api/index.py" or "api/index.py:web".
	App string
	// Handler is the function's `handler` value, if any. An app function needs none; one that
	// differs from the handler this package sets is an error.
	Handler string
	// ServiceDir is the service folder (absolute).
	ServiceDir string
	// ModuleDir is the function's `module` folder relative to ServiceDir ("" or "." when unset).
	// App is relative to it.
	ModuleDir string
	// ModuleAtRoot says that the module folder's content is the artifact's root, as when the
	// function is packaged individually; otherwise the artifact's root is the service folder.
	ModuleAtRoot bool
	// WSGIApplicationName is custom.pythonRequirements.wsgiApplicationName ("" when unset). When
	// set, it is the only name looked up in files named without ":attribute".
	WSGIApplicationName string
}

// Entry is a validated app entry point.
type Entry struct {
	// Function is the function's key under `functions`.
	Function string
	// Source is the app file as written in `app`, cleaned, relative to the module folder.
	Source string
	// ArtifactPath is the app file's path inside the artifact (slash-separated).
	ArtifactPath string
	// Module is the dotted module path the adapter imports, e.g. "api.index".
	Module string
	// Attribute is the object named after ":" in `app`, or "".
	Attribute string
	// Names are the objects looked up, in order, when Attribute is "".
	Names []string
	// HandlerModule is the generated module of this function, e.g. "_pyreqs_app_web".
	HandlerModule string
	// Handler is the value to set as the function's handler, e.g. "_pyreqs_app_web.handler".
	Handler string
}

// File is a file to add at the artifact's root.
type File struct {
	Path string      // slash-separated, relative to the artifact's root
	Data []byte      // content
	Mode fs.FileMode // permission bits
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// pythonKeywords cannot be module or attribute names.
var pythonKeywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true,
	"async": true, "await": true, "break": true, "class": true, "continue": true, "def": true,
	"del": true, "elif": true, "else": true, "except": true, "finally": true, "for": true,
	"from": true, "global": true, "if": true, "import": true, "in": true, "is": true,
	"lambda": true, "nonlocal": true, "not": true, "or": true, "pass": true, "raise": true,
	"return": true, "try": true, "while": true, "with": true, "yield": true,
}

// IsIdentifier reports whether s can be a Python module or attribute name (ASCII only).
func IsIdentifier(s string) bool {
	return identRE.MatchString(s) && !pythonKeywords[s]
}

// ParseEntry validates a function's `app` value against the service's files and computes the
// module to import and the handler to set. Every error names functions.<f>.app (or
// custom.pythonRequirements.wsgiApplicationName) and says what to write instead.
func ParseEntry(in EntryInput) (Entry, error) {
	key := "functions." + in.Function + ".app"
	bad := func(format string, args ...any) (Entry, error) {
		return Entry{}, diag.Config(key, format, args...)
	}
	if in.WSGIApplicationName != "" && !IsIdentifier(in.WSGIApplicationName) {
		return Entry{}, diag.Config("wsgiApplicationName",
			"%q is not a Python name; write the name of the application object, e.g. application",
			in.WSGIApplicationName)
	}
	value := strings.TrimSpace(in.App)
	if value == "" {
		return bad("must name a Python file relative to the service folder, e.g. api/index.py or api/index.py:app")
	}
	file, attr := value, ""
	if i := strings.LastIndex(value, ":"); i >= 0 && !isWindowsDrive(value, i) {
		file, attr = value[:i], value[i+1:]
		if !IsIdentifier(attr) {
			return bad("%q after ':' is not a Python name; write the application object's name, e.g. %s:app", attr, file)
		}
	}
	file = strings.ReplaceAll(file, `\`, "/")
	if path.IsAbs(file) || isWindowsDrive(file, 1) {
		return bad("%s is an absolute path; write the file's path relative to the %s, e.g. api/index.py", file, folderName(in))
	}
	clean := path.Clean(file)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return bad("%s leaves the %s; the application must be inside it", file, folderName(in))
	}
	if path.Ext(clean) != ".py" {
		return bad("%s is not a Python file; name the .py file that defines the application, e.g. api/index.py", file)
	}
	moduleDir := path.Clean(strings.ReplaceAll(in.ModuleDir, `\`, "/"))
	if moduleDir == "" {
		moduleDir = "."
	}
	inService := path.Join(moduleDir, clean)
	if inService == ".." || strings.HasPrefix(inService, "../") || path.IsAbs(inService) {
		return bad("%s leaves the service folder (module %s); the application must be inside it", file, in.ModuleDir)
	}
	artifactPath := inService
	if in.ModuleAtRoot {
		artifactPath = clean
	}
	module, err := modulePath(artifactPath)
	if err != nil {
		return bad("%s: %v", file, err)
	}
	if top := strings.SplitN(module, ".", 2)[0]; top == AdapterModule || strings.HasPrefix(top, HandlerModulePrefix) {
		return bad("%s: the name %s is reserved for serverless-pyreqs' adapter; rename the file", file, top)
	}
	st, err := os.Stat(filepath.Join(in.ServiceDir, filepath.FromSlash(inService)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return bad("%s does not exist in the %s; write the path of the file that defines the application, relative to that folder", file, folderName(in))
	case err != nil:
		return bad("cannot read %s: %v", file, err)
	case !st.Mode().IsRegular():
		return bad("%s is not a file", file)
	}
	handlerModule := HandlerModuleName(in.Function)
	handler := handlerModule + ".handler"
	if h := strings.TrimSpace(in.Handler); h != "" && h != handler {
		return Entry{}, diag.Config("functions."+in.Function,
			"has both handler (%s) and app (%s); a function with app needs no handler: remove one of them", h, value)
	}
	names := DefaultNames
	if in.WSGIApplicationName != "" {
		names = []string{in.WSGIApplicationName}
	}
	return Entry{
		Function:      in.Function,
		Source:        clean,
		ArtifactPath:  artifactPath,
		Module:        module,
		Attribute:     attr,
		Names:         append([]string(nil), names...),
		HandlerModule: handlerModule,
		Handler:       handler,
	}, nil
}

func isWindowsDrive(s string, colon int) bool {
	return colon == 1 && len(s) > 1 && s[1] == ':' &&
		(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z')
}

func folderName(in EntryInput) string {
	if d := path.Clean(in.ModuleDir); in.ModuleDir != "" && d != "." {
		return "module folder " + d
	}
	return "service folder"
}

// modulePath turns "api/index.py" into "api.index" ("api/__init__.py" into "api").
func modulePath(p string) (string, error) {
	parts := strings.Split(strings.TrimSuffix(p, ".py"), "/")
	if parts[len(parts)-1] == "__init__" {
		parts = parts[:len(parts)-1]
		if len(parts) == 0 {
			return "", fmt.Errorf("a top-level __init__.py cannot be imported; put the application in a module such as index.py")
		}
	}
	for i, part := range parts {
		if !IsIdentifier(part) {
			what := "folder"
			if i == len(parts)-1 {
				what = "file name"
			}
			return "", fmt.Errorf("%q is not a valid Python module name (letters, digits and _, not starting with a digit, not a keyword); rename the %s", part, what)
		}
	}
	return strings.Join(parts, "."), nil
}

// HandlerModuleName is the generated module of a function: "_pyreqs_app_" and the function's
// name, with characters that Python names cannot hold replaced by "_" and, if any were, a short
// hash of the name so that "my-fn" and "my_fn" stay apart.
func HandlerModuleName(function string) string {
	var b strings.Builder
	changed := false
	for _, r := range function {
		if r < 128 && (r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
			changed = true
		}
	}
	name := HandlerModulePrefix + b.String()
	if changed || function == "" {
		sum := sha256.Sum256([]byte(function))
		name += "_" + hex.EncodeToString(sum[:4])
	}
	return name
}
