package size

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// TextOptions control WriteText.
type TextOptions struct {
	// Top is how many packages each artifact lists (0: all); the rest are summed on one line.
	Top int
}

// WriteText writes the report as text tables: per function its sizes against the limits, per
// artifact (function zip or layer) its packages by unzipped size, then the messages and the
// cache explanations.
func (d *Document) WriteText(w io.Writer, o TextOptions) error {
	lim := d.Limits
	rows := [][]string{{"function", "zipped", "of direct upload", "unzipped + layers", "of limit", "layers", "verdict"}}
	for _, f := range d.Functions {
		layers := fmt.Sprintf("%d/%d", f.LayerCount, lim.Layers)
		unz := MB(f.Unzipped)
		if f.UnknownLayers > 0 {
			layers += fmt.Sprintf(" (%d by ARN)", f.UnknownLayers)
			unz = ">= " + unz
		}
		rows = append(rows, []string{f.Name, MB(f.Zipped), Percent(f.Zipped, lim.Zipped), unz, Percent(f.Unzipped, lim.Unzipped), layers, string(f.Level)})
	}
	rows = append(rows, []string{"limits", "", MB(lim.Zipped), "", MB(lim.Unzipped), strconv.Itoa(lim.Layers), ""})
	if err := writeTable(w, "", 1, rows); err != nil {
		return err
	}
	for _, a := range d.Artifacts {
		fmt.Fprintf(w, "\n%s %s: %s zipped, %s unzipped (%s bytes), %d %s\n", a.Kind, a.Name, MB(a.Zipped), MB(a.Unzipped),
			Commas(a.Unzipped), a.Files, plural(a.Files, "file", "files"))
		rows := [][]string{{"package", "version", "files", "unzipped", "bytes", "share"}}
		var restN, restFiles int
		var restBytes int64
		for i, p := range a.Packages {
			if o.Top > 0 && i >= o.Top {
				restN++
				restFiles += p.Files
				restBytes += p.Bytes
				continue
			}
			name := p.Name
			if p.Kind == "folder" {
				name += "/"
			}
			rows = append(rows, []string{name, p.Version, strconv.Itoa(p.Files), MB(p.Bytes), Commas(p.Bytes), share(p.Bytes, a.Unzipped)})
		}
		if restN > 0 {
			rows = append(rows, []string{fmt.Sprintf("(%d more)", restN), "", strconv.Itoa(restFiles), MB(restBytes), Commas(restBytes), share(restBytes, a.Unzipped)})
		}
		if err := writeTable(w, "  ", 2, rows); err != nil {
			return err
		}
	}
	for _, f := range d.Functions {
		for _, m := range f.Messages {
			fmt.Fprintf(w, "\n%s %s: %s\n", strings.ToUpper(string(m.Level)), m.Code, m.Text())
		}
	}
	for _, c := range d.Cache {
		fmt.Fprintf(w, "\n%s: %s\n", c.Requirements, c.Text())
	}
	return nil
}

func share(n, of int64) string {
	if of <= 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(n)*100/float64(of), 'f', 1, 64) + "%"
}
