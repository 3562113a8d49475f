package size

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// OptOutOption is the option that turns size errors into warnings (proposed; wired in the config
// by the pipeline).
var OptOutOption = diag.ConfigPath("sizeCheck")

// Text renders the message in English: the wording proposed for the message catalog.
func (m Message) Text() string {
	var b strings.Builder
	switch m.Code {
	case CodeLayers:
		fmt.Fprintf(&b, "Function %q attaches %d layers; Lambda allows at most %d. Merge layers, or remove some from functions.%s.layers or provider.layers.",
			m.Function, m.Size, m.Limit, m.Function)
		return b.String()
	case CodeUnzipped:
		fmt.Fprintf(&b, "Function %q is %s unzipped (%s bytes) with its layers: Lambda refuses a function whose code plus layers is not smaller than %s bytes (%s), and would do so only after the upload.",
			m.Function, MB(m.Size), Commas(m.Size), Commas(m.Limit), MB(m.Limit))
	case CodeUnzippedNear:
		fmt.Fprintf(&b, "Function %q is %s unzipped (%s bytes) with its layers: %s of Lambda's limit of %s bytes (%s) for code plus layers.",
			m.Function, MB(m.Size), Commas(m.Size), Percent(m.Size, m.Limit), Commas(m.Limit), MB(m.Limit))
	case CodeZipped:
		fmt.Fprintf(&b, "Function %q's zip is %s (%s bytes): `sls deploy function` uploads it directly, and Lambda accepts at most %s bytes (%s) that way. `sls deploy` uploads through S3, where this limit does not apply.",
			m.Function, MB(m.Size), Commas(m.Size), Commas(m.Limit), MB(m.Limit))
	case CodeZippedNear:
		fmt.Fprintf(&b, "Function %q's zip is %s (%s bytes): %s of the %s bytes (%s) Lambda accepts in a direct upload (`sls deploy function`).",
			m.Function, MB(m.Size), Commas(m.Size), Percent(m.Size, m.Limit), Commas(m.Limit), MB(m.Limit))
	default:
		fmt.Fprintf(&b, "Function %q: %s %d of %d", m.Function, m.Code, m.Size, m.Limit)
	}
	if len(m.Parts) > 1 || m.Unknown > 0 {
		parts := make([]string, len(m.Parts))
		for i, p := range m.Parts {
			parts[i] = fmt.Sprintf("%s %s %s", p.Kind, p.Name, MB(p.Bytes))
		}
		b.WriteString("\nCounted: " + strings.Join(parts, " + "))
		if m.Unknown > 0 {
			fmt.Fprintf(&b, "; not counted: %d %s attached by ARN, size unknown", m.Unknown, plural(m.Unknown, "layer", "layers"))
		}
		b.WriteString(".")
	}
	if len(m.Packages) > 0 {
		b.WriteString("\nLargest packages:")
		w := 0
		for _, s := range m.Packages {
			w = max(w, len(s.label()))
		}
		for _, s := range m.Packages {
			fmt.Fprintf(&b, "\n  %-*s %9s  %s", w, s.label(), MB(s.Bytes), s.Advice())
		}
	}
	if m.Level == Error {
		fmt.Fprintf(&b, "\nTo package anyway, set %s: warn.", OptOutOption)
	}
	return b.String()
}

func (s Suggestion) label() string {
	if s.Version != "" {
		return s.Package + " " + s.Version
	}
	return s.Package
}

// Advice is the suggestion's fix in words.
func (s Suggestion) Advice() string {
	saves := ""
	if s.Saves > 0 {
		saves = " (saves about " + MB(s.Saves) + ")"
	}
	switch s.Fix {
	case FixNoDeploy:
		return "already in the Lambda Python runtime: add it to " + diag.ConfigPath("noDeploy") + saves
	case FixSlim:
		if s.Tests*2 >= s.Bytes {
			return "mostly tests: set " + diag.ConfigPath("slim") + ": true with slimPatterns: ['**/tests/**']" + saves
		}
		return "mostly bytecode and metadata: set " + diag.ConfigPath("slim") + ": true" + saves
	case FixZip:
		return "set " + diag.ConfigPath("zip") + ": true (and import unzip_requirements in the handler) to ship the requirements compressed" + saves
	case FixLayer:
		return "set " + diag.ConfigPath("layer") + ": true to move the requirements out of the function's zip" + saves
	case FixDeploy:
		return "in " + s.Artifact + ": deploy with `sls deploy`, which uploads through S3"
	}
	if s.Kind != "dist" {
		return "in " + s.Artifact + ", without package metadata: the service's own code, or a package whose metadata slim removed"
	}
	return "in " + s.Artifact + ": if it is not needed at run time, add it to " + diag.ConfigPath("noDeploy")
}

// Summary is the one-line size summary of a function (for --verbose).
func Summary(f FunctionSize, lim Limits) string {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	s := fmt.Sprintf("Size of %s: %s zipped, %s unzipped with layers (%s of %s), %d of %d layers",
		f.Name, MB(f.Zipped), MB(f.Unzipped), Percent(f.Unzipped, lim.Unzipped), MB(lim.Unzipped), f.LayerCount, lim.Layers)
	if f.UnknownLayers > 0 {
		s += fmt.Sprintf(" (%d by ARN, size unknown)", f.UnknownLayers)
	}
	return s
}

// MB formats bytes in Lambda's units (1 MB = 1,048,576 bytes, so 262,144,000 bytes is 250.0 MB).
func MB(n int64) string {
	switch {
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}

// Commas formats n with thousands separators: 262,144,000.
func Commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Percent formats n/of as a whole percentage: "85%".
func Percent(n, of int64) string {
	if of <= 0 {
		return "-"
	}
	return strconv.FormatInt(n*100/of, 10) + "%"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
