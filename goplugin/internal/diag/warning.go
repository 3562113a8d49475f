package diag

// Warning is a problem reported to the user while packaging goes on.
type Warning struct {
	Code    Code
	Key     string // full config path (optional)
	File    string // file the warning is about (optional)
	Message string
	Hint    string // specific fix; empty means the catalog's fix for Code
}

// Warnf returns a warning with code and a message, not tied to an option or a file.
func Warnf(code Code, format string, args ...any) *Warning {
	return &Warning{Code: code, Message: sprintf(format, args)}
}

// WarnAtKey returns a warning about an option; key is as for AtKey.
func WarnAtKey(code Code, key, format string, args ...any) *Warning {
	return &Warning{Code: code, Key: ConfigPath(key), Message: sprintf(format, args)}
}

// WarnAtFile returns a warning about a file.
func WarnAtFile(code Code, file, format string, args ...any) *Warning {
	return &Warning{Code: code, File: file, Message: sprintf(format, args)}
}

// WithFix replaces the catalog's fix with one specific to this warning and returns w.
func (w *Warning) WithFix(format string, args ...any) *Warning {
	w.Hint = sprintf(format, args)
	return w
}

// Where is the "key: " and "file: " prefix of the message ("" when neither is set).
func (w *Warning) Where() string { return where(w.Key, w.File) }

// Fix is the hint of this warning, or the catalog's fix for its code.
func (w *Warning) Fix() string {
	if w.Hint != "" {
		return w.Hint
	}
	if ent, ok := Lookup(w.Code); ok {
		return ent.Fix
	}
	return ""
}

// String is the warning as text: "key: file: message" (without the fix), as the shim renders
// its first line.
func (w *Warning) String() string { return w.Where() + w.Message }
