package size

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// TextOptions control WriteText.
type TextOptions struct {
	// Top is how many packages each artifact lists (0: all); the rest are summed on one line.
	Top int
}

// WriteText writes the report as text tables: per function its sizes against the limits, per
// artifact (function zip or layer) its packages by unzipped size, then the cache explanations.
func (d *Document) WriteText(w io.Writer, o TextOptions) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	lim := d.Limits
	fmt.Fprintln(tw, "function\tzipped\tof direct upload\tunzipped + layers\tof limit\tlayers\tverdict\t")
	for _, f := range d.Functions {
		layers := fmt.Sprintf("%d/%d", f.LayerCount, lim.Layers)
		if f.UnknownLayers > 0 {
			layers += fmt.Sprintf(" (%d by ARN)", f.UnknownLayers)
		}
		unz := MB(f.Unzipped)
		if f.UnknownLayers > 0 {
			unz = ">= " + unz
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", f.Name, MB(f.Zipped), Percent(f.Zipped, lim.Zipped),
			unz, Percent(f.Unzipped, lim.Unzipped), layers, f.Level)
	}
	fmt.Fprintf(tw, "limits\t\t%s\t\t%s\t%d\t\t\n", MB(lim.Zipped), MB(lim.Unzipped), lim.Layers)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, a := range d.Artifacts {
		fmt.Fprintf(w, "\n%s %s: %s zipped, %s unzipped (%s bytes), %d files\n", a.Kind, a.Name, MB(a.Zipped), MB(a.Unzipped), Commas(a.Unzipped), a.Files)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "  package\tversion\tfiles\tunzipped\tbytes\tshare\t")
		rest := Package{}
		for i, p := range a.Packages {
			if o.Top > 0 && i >= o.Top {
				rest.Files++
				rest.Bytes += p.Bytes
				continue
			}
			name := p.Name
			if p.Kind == "folder" {
				name += "/"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\t%.1f%%\t\n", name, p.Version, p.Files, MB(p.Bytes), Commas(p.Bytes), p.Share*100)
		}
		if rest.Files > 0 {
			share := 0.0
			if a.Unzipped > 0 {
				share = float64(rest.Bytes) / float64(a.Unzipped) * 100
			}
			fmt.Fprintf(tw, "  (%d more)\t\t\t%s\t%s\t%.1f%%\t\n", rest.Files, MB(rest.Bytes), Commas(rest.Bytes), share)
		}
		if err := tw.Flush(); err != nil {
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
