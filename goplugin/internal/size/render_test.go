package size

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sampleService writes a service of two functions: "api" with requirements in its zip, "worker"
// with code only and the requirements layer, plus a layer referenced by ARN.
func sampleService(t testing.TB, dir string) []Function {
	reqs := concat(
		dist("flask", "3.0.0", file{Name: "flask/__init__.py", Data: kb(40)}, file{Name: "flask/app.py", Data: kb(90)}, file{Name: "flask/json/provider.py", Data: kb(12)}),
		dist("werkzeug", "3.0.1", file{Name: "werkzeug/routing/rules.py", Data: kb(60)}, file{Name: "werkzeug/serving.py", Data: kb(45)}, file{Name: "werkzeug/debug/shared/style.css", Data: kb(8)}),
		dist("jinja2", "3.1.3", file{Name: "jinja2/compiler.py", Data: kb(70)}, file{Name: "jinja2/tests.py", Data: kb(6)}),
		dist("boto3", "1.34.0", file{Name: "boto3/session.py", Data: kb(25)}),
		dist("botocore", "1.34.0", file{Name: "botocore/data/s3/2006-03-01/service-2.json", Zeros: 900 << 10}, file{Name: "botocore/client.py", Data: kb(50)}),
		dist("numpy", "1.26.4", file{Name: "numpy/core/_multiarray_umath.cpython-312-x86_64-linux-gnu.so", Zeros: 3 << 20},
			file{Name: "numpy/linalg/linalg.py", Data: kb(90)}, file{Name: "numpy/tests/test_numpy_version.py", Data: kb(4)}),
		[]file{{Name: "numpy.libs/libopenblas64_p-r0.so", Zeros: 2 << 20}},
		dist("six", "1.16.0", file{Name: "six.py", Data: kb(34)}),
	)
	api := writeZip(t, filepath.Join(dir, ".serverless", "api.zip"), concat(
		[]file{{Name: "app.py", Data: kb(3)}, {Name: "templates/index.html", Data: kb(2)}}, reqs))
	worker := writeZip(t, filepath.Join(dir, ".serverless", "worker.zip"), []file{{Name: "worker.py", Data: kb(5)}})
	layer := writeZip(t, filepath.Join(dir, ".serverless", "pythonRequirements.zip"), prefixed("python/", reqs))
	return []Function{
		{Name: "api", Artifact: Zip{Name: ".serverless/api.zip", Path: api}},
		{Name: "worker", Artifact: Zip{Name: ".serverless/worker.zip", Path: worker},
			Layers: []Zip{{Name: ".serverless/pythonRequirements.zip", Path: layer}}, UnknownLayers: 1},
	}
}

func sampleDocument(t testing.TB, dir string) (*Document, []Function) {
	fns := sampleService(t, dir)
	r, err := Measure(fns)
	if err != nil {
		t.Fatal(err)
	}
	// Small limits, so the page shows a warning and an error.
	lim := Limits{Unzipped: 8 << 20, Zipped: 50 << 20, Layers: 5, WarnRatio: 0.8}
	base := keyFile("3.12.3", "python3.12", "pip", "false", "flask==3.0.0")
	changed := keyFile("3.12.3", "python3.12", "pip", "true", "flask==3.0.0")
	ex := ExplainCache(changed, "x86_64", []CacheEntry{{Name: "old_x86_64_slspyc", Content: base}})
	return NewDocument(r, Check(r, Options{Limits: lim}), lim, []CacheSetSummary{{Requirements: ".serverless/requirements.txt", CacheExplanation: ex}}), fns
}

// TestJSONNumbersAreTheZipSums decodes --json output and compares every number with the zips.
func TestJSONNumbersAreTheZipSums(t *testing.T) {
	dir := t.TempDir()
	d, fns := sampleDocument(t, dir)
	var buf bytes.Buffer
	if err := d.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version   int
		Limits    Limits
		Functions []struct {
			Name             string
			Artifact         string
			Layers           []string
			Zipped, Unzipped int64
			LayerCount       int
			Level            string
		}
		Artifacts []struct {
			Name             string
			Zipped, Unzipped int64
			Files            int
			Packages         []struct {
				Name   string
				Files  int
				Bytes  int64
				Share  float64
				Zipped int64
			}
		}
		Cache []struct {
			Requirements string
			Hit          bool
			Diffs        []KeyDiff
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	for _, f := range fns {
		paths[f.Artifact.Name] = f.Artifact.Path
		for _, l := range f.Layers {
			paths[l.Name] = l.Path
		}
	}
	if len(doc.Artifacts) != 3 {
		t.Fatalf("%d artifacts, want 3", len(doc.Artifacts))
	}
	unz := map[string]int64{}
	for _, a := range doc.Artifacts {
		zipped, unzipped, files := zipSums(t, paths[a.Name])
		if a.Zipped != zipped || a.Unzipped != unzipped || a.Files != files {
			t.Errorf("%s: JSON %d/%d/%d, zip %d/%d/%d", a.Name, a.Zipped, a.Unzipped, a.Files, zipped, unzipped, files)
		}
		var sum int64
		n := 0
		share := 0.0
		for _, p := range a.Packages {
			sum += p.Bytes
			n += p.Files
			share += p.Share
		}
		if sum != unzipped || n != files || share < 0.999 || share > 1.001 {
			t.Errorf("%s: packages sum to %d bytes, %d files, share %.4f", a.Name, sum, n, share)
		}
		unz[a.Name] = unzipped
	}
	for _, f := range doc.Functions {
		want := unz[f.Artifact]
		for _, l := range f.Layers {
			want += unz[l]
		}
		if f.Unzipped != want {
			t.Errorf("%s: unzipped %d, artifact + layers = %d", f.Name, f.Unzipped, want)
		}
	}
	if doc.Functions[1].LayerCount != 2 || doc.Functions[0].Level != "warn" && doc.Functions[0].Level != "error" {
		t.Errorf("functions = %+v", doc.Functions)
	}
	if len(doc.Cache) != 1 || doc.Cache[0].Hit || len(doc.Cache[0].Diffs) != 1 || doc.Cache[0].Diffs[0].Kind != "slim" {
		t.Errorf("cache = %+v", doc.Cache)
	}
}

func TestMetafileInputsAreTheEntries(t *testing.T) {
	dir := t.TempDir()
	d, fns := sampleDocument(t, dir)
	var buf bytes.Buffer
	if err := d.Metafile().WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var m Metafile
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	layer := m.Outputs[".serverless/pythonRequirements.zip"]
	_, unzipped, files := zipSums(t, fns[1].Layers[0].Path)
	var sum int64
	for name, in := range layer.Inputs {
		sum += in.Bytes
		if !strings.HasPrefix(name, "python/") || strings.HasPrefix(in.Path, "python/") || in.Package == "" {
			t.Errorf("input %s = %+v", name, in)
		}
	}
	if layer.Kind != "layer" || len(layer.Inputs) != files || sum != unzipped || layer.UnzippedBytes != unzipped {
		t.Fatalf("layer output: kind %s, %d inputs summing to %d; zip has %d files, %d bytes", layer.Kind, len(layer.Inputs), sum, files, unzipped)
	}
	if f := m.Functions["worker"]; f.Output != ".serverless/worker.zip" || f.UnknownLayers != 1 || f.LayerCount != 2 {
		t.Fatalf("worker = %+v", f)
	}
}

func TestWriteText(t *testing.T) {
	d, _ := sampleDocument(t, t.TempDir())
	var buf bytes.Buffer
	if err := d.WriteText(&buf, TextOptions{Top: 3}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	t.Log("\n" + out)
	for _, re := range []string{
		`(?m)^\s*function\s+zipped\s+of direct upload\s+unzipped \+ layers\s+of limit\s+layers\s+verdict`,
		`(?m)^\s*worker\s+\d+ B\s+0%\s+>= [\d.]+ MB\s+\d+%\s+2/5 \(1 by ARN\)`,
		`(?m)^\s*limits\s+50\.0 MB\s+8\.0 MB\s+5`,
		`(?m)^function \.serverless/api\.zip: [\d.]+ KB zipped, [\d.]+ MB unzipped \([\d,]+ bytes\), 32 files$`,
		`(?m)^\s+numpy\s+1\.26\.4\s+6\s+[\d.]+ MB\s+[\d,]+\s+[\d.]+%$`,
		`(?m)^\s+\(\d+ more\)`,
		`(?m)^\.serverless/requirements\.txt: static cache miss: .*\n\s+slim: # slim: false`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("text output does not match %s", re)
		}
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	dir := t.TempDir()
	d, _ := sampleDocument(t, dir)
	page := filepath.Join(dir, "report", "size.html")
	meta, err := d.WriteFiles(page)
	if err != nil {
		t.Fatal(err)
	}
	if meta != filepath.Join(dir, "report", "size.meta.json") {
		t.Fatalf("metafile at %s", meta)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	// No external resource: the only URL is the SVG namespace, and nothing is loaded by src/href.
	urls := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`).FindAllString(html, -1)
	for _, u := range urls {
		if u != "http://www.w3.org" {
			t.Errorf("page references %s", u)
		}
	}
	if regexp.MustCompile(`(?i)\s(src|href)\s*=`).MatchString(html) || strings.Contains(html, "@import") {
		t.Error("page loads a resource")
	}
	if strings.Contains(html, dataPlaceholder) || !strings.Contains(html, `"numpy.libs/libopenblas64_p-r0.so"`) {
		t.Error("data not embedded")
	}
	if strings.Count(html, "</script>") != 2 {
		t.Error("the embedded data closes a script element")
	}
	var m Metafile
	mb, _ := os.ReadFile(meta)
	if err := json.Unmarshal(mb, &m); err != nil || len(m.Outputs) != 3 {
		t.Fatalf("metafile: %v, %d outputs", err, len(m.Outputs))
	}
	// Deterministic: the same document gives the same bytes.
	var again bytes.Buffer
	if err := d.WriteHTML(&again); err != nil || !bytes.Equal(again.Bytes(), b) {
		t.Fatal("two renderings differ")
	}
}
