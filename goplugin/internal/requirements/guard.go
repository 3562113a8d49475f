package requirements

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// Guard checks a file that a requirements file names (an -r include or a -c constraints file)
// before anything reads it; an error stops reading, and the error names the line, never the
// file's content.
type Guard func(path string) error

// ReadGuarded is Read with every -r/-c file checked by guard first.
func ReadGuarded(path string, guard Guard) ([]Line, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("requirements: %w", err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return Read(path) // the same error as Read
	}
	r := &reader{guard: guard}
	return r.parse(data, abs)
}

// ParseGuarded is Parse with every -r/-c file checked by guard first.
func ParseGuarded(data []byte, path string, guard Guard) ([]Line, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("requirements: %w", err)
	}
	r := &reader{guard: guard}
	return r.parse(data, abs)
}

// check runs the guard on a file named by an option of line no of file.
func (r *reader) check(path, flag, written, file string, no int) error {
	if r.guard == nil {
		return nil
	}
	if err := r.guard(path); err != nil {
		return lineError(diag.CodePathOutsideProject, file, no, "%s %s: %v", flag, written, err).
			WithFix("Move the file into the project, or set %s: true if reading it is intended.", diag.ConfigPath("allowPathsOutsideProject"))
	}
	return nil
}
