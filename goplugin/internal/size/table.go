package size

import (
	"io"
	"strings"
	"unicode/utf8"
)

// writeTable writes rows as columns separated by two spaces; the first `left` columns are
// left-aligned, the others (numbers) right-aligned. Every line starts with indent.
func writeTable(w io.Writer, indent string, left int, rows [][]string) error {
	widths := []int{}
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var l strings.Builder
		l.WriteString(indent)
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				l.WriteString("  ")
			}
			if i < left {
				l.WriteString(c + pad)
			} else {
				l.WriteString(pad + c)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
