package assembly

import "fmt"

// UnsupportedError means a requirement set cannot be assembled from wheels exactly as pip would
// install it; the caller falls back to the classic install path and says why (verbose level).
type UnsupportedError struct {
	Dist   string // the distribution (or wheel file) concerned, "" for the whole set
	Reason string
}

func (e *UnsupportedError) Error() string {
	if e.Dist == "" {
		return "cannot assemble from wheels: " + e.Reason
	}
	return fmt.Sprintf("cannot assemble %s from its wheel: %s", e.Dist, e.Reason)
}

func unsupported(dist, format string, args ...any) error {
	return &UnsupportedError{Dist: dist, Reason: fmt.Sprintf(format, args...)}
}
