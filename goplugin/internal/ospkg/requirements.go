// Package ospkg handles the OS packages of a service: the apt-requirements.txt file (as Vercel's
// WSGI builder reads it) that lists packages to install in the Docker build container before pip
// runs, the commands that install them with the image's package manager, and the choice of the
// shared libraries to copy into the artifact's lib/ folder.
//
// Everything here is pure: the Docker installer runs the commands and copies the files.
package ospkg

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// DefaultFile is the file name looked up beside the requirements file.
const DefaultFile = "apt-requirements.txt"

// nameRE accepts Debian names (lower-case letters, digits, + - .) and RPM names (also upper
// case and _), starting with a letter or digit, so that no name can be read as an option.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9+._-]*$`)

const maxNameLen = 200

// ValidName reports whether s is a valid Debian or RPM package name.
func ValidName(s string) bool {
	return len(s) <= maxNameLen && nameRE.MatchString(s)
}

// Parse reads package names from r: one or more names per line separated by spaces, blank
// lines and comments (from "#" to the end of the line) ignored, duplicates dropped (the first
// occurrence keeps its place). display names the file in errors.
func Parse(display string, r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var out []string
	seen := map[string]bool{}
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		for _, name := range strings.Fields(text) {
			if !ValidName(name) {
				return nil, invalidName(display, line, name)
			}
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, diag.AtFile(diag.CodeOSPackagesInvalid, display, "cannot be read: %v", err)
	}
	return out, nil
}

func invalidName(display string, line int, name string) error {
	hint := "Write one OS package name per line (or several separated by spaces), e.g. libpq5; " +
		"names use letters, digits and + - . _ and start with a letter or digit."
	switch {
	case strings.ContainsAny(name, "=<>"):
		hint = "Versions cannot be pinned in " + display + "; write the package name alone (the image's distribution decides the version)."
	case strings.HasPrefix(name, "-"):
		hint = "Options cannot be given in " + display + "; write package names only."
	case strings.Contains(name, ":"):
		hint = "Architecture qualifiers are not supported; write the package name alone (the build container has the function's architecture)."
	}
	return diag.AtFile(diag.CodeOSPackagesInvalid, display, "line %d: %q is not a valid package name", line, name).WithFix("%s", hint)
}

// Read parses the file at path; display names it in errors (e.g. the path relative to the
// service). A missing file gives (nil, nil, false).
func Read(path, display string) (pkgs []string, found bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, diag.AtFile(diag.CodeOSPackagesInvalid, display, "cannot be read: %v", err)
	}
	pkgs, err = Parse(display, bytes.NewReader(data))
	return pkgs, true, err
}

// NeedsDocker is the error for a service that lists OS packages but does not build in Docker.
func NeedsDocker(display string, pkgs []string) error {
	list := strings.Join(pkgs, ", ")
	if len(pkgs) > 5 {
		list = strings.Join(pkgs[:5], ", ") + fmt.Sprintf(" and %d more", len(pkgs)-5)
	}
	return diag.AtFile(diag.CodeOSPackagesNeedDock, display, "lists OS packages (%s), which can only be installed in a Docker build", list).
		WithFix("Set %s: true (the packages are installed in the build image and "+
			"the libraries your Python packages load are copied into the artifact's lib/), or remove %s.", diag.ConfigPath("dockerizePip"), display)
}
