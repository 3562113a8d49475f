package size

import (
	"fmt"
	"path/filepath"
	"testing"
)

// benchArtifact writes an artifact like the heavy bench service's: 40 distributions of 100 files
// each (with RECORD files), 4,000 entries and 150 MB unzipped in all.
func benchArtifact(b *testing.B) string {
	b.Helper()
	var files []file
	const dists, per = 40, 99
	perFile := int64(150_000_000 / (dists * per))
	for d := 0; d < dists; d++ {
		name := fmt.Sprintf("pkg%02d", d)
		var fs []file
		for i := 0; i < per; i++ {
			p := fmt.Sprintf("%s/sub%d/mod%03d.py", name, i%7, i)
			if i%10 == 0 {
				p = fmt.Sprintf("%s/__pycache__/mod%03d.cpython-312.pyc", name, i)
			}
			fs = append(fs, file{Name: p, Data: "# generated\n", Zeros: perFile})
		}
		files = append(files, dist(name, "1.0."+fmt.Sprint(d), fs...)...)
	}
	return writeZip(b, filepath.Join(b.TempDir(), "heavy.zip"), files)
}

// BenchmarkPreflight measures what the preflight costs per `sls package`: measuring the
// artifact (central directory and RECORD files), checking the limits and assembling the report.
func BenchmarkPreflight(b *testing.B) {
	p := benchArtifact(b)
	_, unzipped, n := zipSums(b, p)
	b.ResetTimer()
	for b.Loop() {
		r, err := Measure([]Function{{Name: "heavy", Artifact: Zip{Path: p}}})
		if err != nil {
			b.Fatal(err)
		}
		vs := Check(r, Options{})
		if NewDocument(r, vs, Limits{}, nil) == nil || len(r.Artifacts[0].Packages) != 40 {
			b.Fatal("unexpected report")
		}
	}
	b.ReportMetric(float64(n), "entries")
	b.ReportMetric(float64(unzipped)/1e6, "MB-unzipped")
}
