// Package diag holds the structured user-facing error type. Errors that a user can fix (bad config,
// a missing tool, a failing pip) are *diag.Error values; everything else is a plain wrapped error
// and is reported as an internal failure.
package diag

import (
	"errors"
	"fmt"
	"strings"
)

// Error is a problem the user can act on.
type Error struct {
	Code    string // stable code, e.g. PYREQS_CONFIG_INVALID
	Key     string // config path, e.g. custom.pythonRequirements.dockerEnv (optional)
	Message string // what is wrong
	Hint    string // what to do about it (optional)
	Output  string // tail of a subprocess's output, already redacted (optional)
	Err     error  // underlying cause (optional, not shown unless there is no Message)
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if e.Message == "" && e.Err != nil {
		b.WriteString(e.Err.Error())
	}
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

func (e *Error) Unwrap() error { return e.Err }

// Config returns a configuration error for key, e.g.
// Config("dockerEnv", "must be a list of NAME or NAME=value strings").
// key is relative to custom.pythonRequirements unless it starts with "functions." or "provider."
// or "package.".
func Config(key, format string, args ...any) *Error {
	return &Error{Code: "PYREQS_CONFIG_INVALID", Key: ConfigPath(key), Message: fmt.Sprintf(format, args...)}
}

// ConfigPath turns an option name into its full path in serverless.yml.
func ConfigPath(key string) string {
	for _, p := range []string{"functions.", "provider.", "package.", "custom.", "layers."} {
		if strings.HasPrefix(key, p) {
			return key
		}
	}
	if key == "" {
		return "custom.pythonRequirements"
	}
	return "custom.pythonRequirements." + key
}

// New returns a user error with a code, message and hint.
func New(code, message, hint string) *Error {
	return &Error{Code: code, Message: message, Hint: hint}
}

// As reports whether err is (or wraps) a *Error and returns it.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}
