// Package diag holds the user-facing messages of serverless-pyreqs: the catalog of stable codes
// (catalog.go, documented in docs/errors.md) and the builders of errors and warnings that carry
// them. Errors that a user can fix (bad config, a missing tool, a failing pip) are *diag.Error
// values; everything else is a plain wrapped error and is reported as an internal failure.
package diag

import (
	"errors"
	"fmt"
	"strings"
)

// Error is a problem the user can act on.
type Error struct {
	Code    Code   // stable code from the catalog, e.g. PYREQS_CONFIG_INVALID
	Key     string // full config path, e.g. custom.pythonRequirements.dockerEnv (optional)
	File    string // file the problem is in, e.g. /svc/requirements.txt (optional)
	Message string // what is wrong
	Hint    string // what to do about it; empty means the catalog's fix for Code
	Output  string // tail of a subprocess's output (optional; redacted when emitted)
	Err     error  // underlying cause (optional, not shown unless there is no Message)
}

// Error renders the error as one text: "key: file: message", the hint (not the catalog's fix:
// the event on the wire carries that), then the output tail.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Where())
	b.WriteString(e.Text())
	if e.Hint != "" {
		b.WriteString("\n")
		b.WriteString(e.Hint)
	}
	if o := strings.TrimRight(e.Output, "\n"); o != "" {
		b.WriteString("\n--- output (last lines) ---\n")
		b.WriteString(o)
	}
	return b.String()
}

// Where is the "key: " and "file: " prefix of the message ("" when neither is set).
func (e *Error) Where() string { return where(e.Key, e.File) }

// Text is the message alone (the cause's text when there is no message).
func (e *Error) Text() string {
	if e.Message == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}

// Fix is the hint of this error, or the catalog's fix for its code.
func (e *Error) Fix() string {
	if e.Hint != "" {
		return e.Hint
	}
	if ent, ok := Lookup(e.Code); ok {
		return ent.Fix
	}
	return ""
}

func (e *Error) Unwrap() error { return e.Err }

// WithFix replaces the catalog's fix with one specific to this error and returns e.
func (e *Error) WithFix(format string, args ...any) *Error {
	e.Hint = sprintf(format, args)
	return e
}

// WithOutput attaches the tail of a subprocess's output and returns e.
func (e *Error) WithOutput(out string) *Error {
	e.Output = out
	return e
}

// Wrap records the underlying cause and returns e.
func (e *Error) Wrap(err error) *Error {
	e.Err = err
	return e
}

// Errorf returns an error with code and a message, not tied to an option or a file.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: sprintf(format, args)}
}

// AtKey returns an error about an option. key is relative to custom.pythonRequirements (for
// example "dockerEnv" or "layer.name") unless it is a full path starting with functions.,
// provider., package., custom. or layers. (for example "functions.hello.module").
func AtKey(code Code, key, format string, args ...any) *Error {
	return &Error{Code: code, Key: ConfigPath(key), Message: sprintf(format, args)}
}

// AtFile returns an error about a file (a path as the user should see it).
func AtFile(code Code, file, format string, args ...any) *Error {
	return &Error{Code: code, File: file, Message: sprintf(format, args)}
}

// Config returns a PYREQS_CONFIG_INVALID error for key (see AtKey), e.g.
// Config("dockerEnv", "must be a list of NAME or NAME=value strings").
func Config(key, format string, args ...any) *Error {
	return AtKey(CodeConfigInvalid, key, format, args...)
}

// ConfigPath turns an option name into its full path in serverless.yml.
func ConfigPath(key string) string {
	// A bare "layers" is our option custom.pythonRequirements.layers, not the service's top-level
	// layers block.
	for _, p := range []string{"functions.", "provider.", "package.", "custom."} {
		if strings.HasPrefix(key, p) || key == strings.TrimSuffix(p, ".") {
			return key
		}
	}
	if key == "" {
		return "custom.pythonRequirements"
	}
	return "custom.pythonRequirements." + key
}

// As reports whether err is (or wraps) a *Error and returns it.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

func where(key, file string) string {
	var b strings.Builder
	if key != "" {
		b.WriteString(key)
		b.WriteString(": ")
	}
	if file != "" {
		b.WriteString(file)
		b.WriteString(": ")
	}
	return b.String()
}

// sprintf formats like fmt.Sprintf but leaves a format without arguments alone, so a message
// that contains a literal '%' (a path, a URL) is not mangled.
func sprintf(format string, args []any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}
