package assembly

import (
	"crypto/sha256"
	"encoding/base64"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/requirements"
)

// recordRow is one line of a RECORD file: path, hash ("sha256=<urlsafe b64>"), size.
type recordRow [3]string

// recordHash is the RECORD hash and size of content.
func recordHash(b []byte) (string, string) {
	sum := sha256.Sum256(b)
	return "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]), strconv.Itoa(len(b))
}

// installedRecord computes the RECORD pip writes after installing w (get_csv_rows_for_installed
// and _normalized_outrows): the wheel's rows with their paths mapped to where the files went,
// rows of changed files rehashed, generated scripts added, members RECORD does not list added
// without hash, all sorted. installed maps member names to RECORD paths, changed and generated
// map RECORD paths to the new content's hash and size.
func installedRecord(old [][]string, installed map[string]string, changed, generated map[string]recordRow) []recordRow {
	left := make(map[string]string, len(installed))
	for k, v := range installed {
		left[k] = v
	}
	var rows []recordRow
	for _, r := range old {
		if len(r) == 0 {
			continue
		}
		p := r[0]
		if np, ok := left[p]; ok {
			p = np
			delete(left, r[0])
		}
		row := recordRow{p}
		if c, ok := changed[p]; ok {
			row = c
		} else {
			if len(r) > 1 {
				row[1] = r[1]
			}
			if len(r) > 2 {
				row[2] = r[2]
			}
		}
		rows = append(rows, row)
	}
	for _, g := range generated {
		rows = append(rows, g)
	}
	for _, p := range left {
		rows = append(rows, recordRow{p})
	}
	slices.SortFunc(rows, func(a, b recordRow) int {
		for i := range a {
			if c := strings.Compare(a[i], b[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	return rows
}

// encodeRecord writes rows as Python's csv.writer does (QUOTE_MINIMAL, "\r\n" line endings).
func encodeRecord(rows []recordRow) []byte {
	var b strings.Builder
	for _, r := range rows {
		for i, f := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(f, ",\"\r\n") {
				b.WriteString(`"` + strings.ReplaceAll(f, `"`, `""`) + `"`)
			} else {
				b.WriteString(f)
			}
		}
		b.WriteString("\r\n")
	}
	return []byte(b.String())
}

// distFiles lists a distribution's files as the pipeline's dists.json does: the .dist-info
// folder ("<dir>/"), then every RECORD path (relative to the target, "../" of scripts removed).
func distFiles(infoDir string, rows []recordRow) (string, []string) {
	name, _, _ := strings.Cut(strings.TrimSuffix(infoDir, ".dist-info"), "-")
	files := []string{infoDir + "/"}
	for _, r := range rows {
		p := r[0]
		for strings.HasPrefix(p, "../") {
			p = p[3:]
		}
		files = append(files, path.Clean(p))
	}
	return requirements.NormalizeName(name), files
}
