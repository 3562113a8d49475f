package size

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestMeasureAttributesEntriesToDistributions(t *testing.T) {
	dir := t.TempDir()
	p := writeZip(t, filepath.Join(dir, "fn.zip"), concat(
		[]file{{Name: "handler.py", Data: kb(2)}, {Name: "lib/"}, {Name: "lib/helpers.py", Data: kb(1)}},
		dist("requests", "2.31.0", file{Name: "requests/__init__.py", Data: kb(10)}, file{Name: "requests/api.py", Data: kb(5)}),
		// bytecode compiled after install is not in RECORD: it follows its folder
		[]file{{Name: "requests/__pycache__/api.cpython-312.pyc", Data: kb(3)}},
		dist("six", "1.16.0", file{Name: "six.py", Data: kb(4)}),
		// a top-level __pycache__ holds bytecode of single-module distributions
		[]file{{Name: "__pycache__/six.cpython-312.pyc", Data: kb(2)}},
		// a namespace folder shared by two distributions: RECORD lines decide
		dist("google-auth", "2.0.0", file{Name: "google/auth/__init__.py", Data: kb(7)}),
		dist("googleapis-common-protos", "1.60.0", file{Name: "google/api/http.py", Data: kb(6)}),
		// a compiled module and its .libs folder
		dist("numpy", "1.26.4", file{Name: "numpy/__init__.py", Data: kb(20)}, file{Name: "numpy/tests/test_a.py", Data: kb(8)}),
		[]file{{Name: "numpy.libs/libopenblas.so", Data: kb(30)}},
		// an egg-info install with only top_level.txt
		[]file{{Name: "legacy-0.1-py3.12.egg-info/top_level.txt", Data: "legacy\n"}, {Name: "legacy/__init__.py", Data: kb(1)}},
	))
	a, err := MeasureZip(Zip{Name: "fn.zip", Path: p})
	if err != nil {
		t.Fatal(err)
	}
	zipped, unzipped, files := zipSums(t, p)
	if a.Zipped != zipped || a.Unzipped != unzipped || a.Files != files {
		t.Fatalf("artifact %d/%d/%d, zip says %d/%d/%d", a.Zipped, a.Unzipped, a.Files, zipped, unzipped, files)
	}
	want := []string{"google-auth", "googleapis-common-protos", "handler.py", "legacy", "lib", "numpy", "requests", "six"}
	if got := pkgNames(a); !slices.Equal(got, want) {
		t.Fatalf("packages %v, want %v", got, want)
	}
	var sumBytes int64
	sumFiles := 0
	for _, pk := range a.Packages {
		sumBytes += pk.Bytes
		sumFiles += pk.Files
	}
	if sumBytes != a.Unzipped || sumFiles != a.Files {
		t.Fatalf("packages sum to %d bytes / %d files, artifact has %d / %d", sumBytes, sumFiles, a.Unzipped, a.Files)
	}
	req := findPkg(t, a, "requests")
	// requests: __init__.py, api.py, the .pyc, METADATA, RECORD
	if req.Version != "2.31.0" || req.Kind != "dist" || req.Files != 5 {
		t.Fatalf("requests = %+v", req)
	}
	if req.Slimmable < 3*1024 {
		t.Fatalf("requests slimmable = %d, want at least the .pyc", req.Slimmable)
	}
	if np := findPkg(t, a, "numpy"); np.Bytes < 58*1024 || np.Tests != 8*1024 {
		t.Fatalf("numpy = %+v: want its .libs folder and 8 KB of tests", np)
	}
	if six := findPkg(t, a, "six"); six.Files != 4 || six.Slimmable < 2*1024 {
		t.Fatalf("six = %+v: want six.py, its .pyc, METADATA and RECORD", six)
	}
	if ga := findPkg(t, a, "google-auth"); ga.Version != "2.0.0" || ga.Bytes < 7*1024 || ga.Bytes > 8*1024 {
		t.Fatalf("google-auth = %+v", ga)
	}
	if lg := findPkg(t, a, "legacy"); lg.Version != "0.1" || lg.Kind != "dist" || lg.Files != 2 {
		t.Fatalf("legacy = %+v", lg)
	}
	if h := findPkg(t, a, "handler.py"); h.Kind != "file" || h.Bytes != 2048 {
		t.Fatalf("handler.py = %+v", h)
	}
	if l := findPkg(t, a, "lib"); l.Kind != "folder" || l.Files != 1 {
		t.Fatalf("lib = %+v", l)
	}
	for i := 1; i < len(a.Packages); i++ {
		if a.Packages[i-1].Bytes < a.Packages[i].Bytes {
			t.Fatalf("packages not sorted by size: %v", a.Packages)
		}
	}
}

func TestMeasureLayerRoots(t *testing.T) {
	dir := t.TempDir()
	p := writeZip(t, filepath.Join(dir, "layer.zip"), concat(
		prefixed("python/", dist("flask", "3.0.0", file{Name: "flask/app.py", Data: kb(9)})),
		prefixed("python/lib/python3.12/site-packages/", dist("click", "8.1.7", file{Name: "click/core.py", Data: kb(5)})),
	))
	a, err := MeasureZip(Zip{Path: p, Layer: true})
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != p || a.Kind != "layer" {
		t.Fatalf("name/kind = %q/%q", a.Name, a.Kind)
	}
	if got := pkgNames(a); !slices.Equal(got, []string{"click", "flask"}) {
		t.Fatalf("packages %v", got)
	}
	for _, e := range a.Entries {
		if e.Path == e.Name {
			t.Fatalf("entry %s kept its layer prefix", e.Name)
		}
	}
}

func TestMeasureUsesCacheDistsWhenSlimRemovedMetadata(t *testing.T) {
	dir := t.TempDir()
	p := writeZip(t, filepath.Join(dir, "fn.zip"), []file{
		{Name: "yaml/__init__.py", Data: kb(4)}, {Name: "_yaml.cpython-312-x86_64-linux-gnu.so", Data: kb(6)},
		{Name: "handler.py", Data: kb(1)},
	})
	dists := map[string][]string{"pyyaml": {"PyYAML-6.0.1.dist-info/", "yaml/__init__.py", "_yaml.cpython-312-x86_64-linux-gnu.so"}}
	a, err := MeasureZip(Zip{Path: p, Dists: dists})
	if err != nil {
		t.Fatal(err)
	}
	y := findPkg(t, a, "pyyaml")
	if y.Version != "6.0.1" || y.Files != 2 || y.Bytes != 10*1024 {
		t.Fatalf("pyyaml = %+v", y)
	}
	// Without the dists, the same zip falls back to top-level names.
	a, err = MeasureZip(Zip{Path: p})
	if err != nil {
		t.Fatal(err)
	}
	if got := pkgNames(a); !slices.Equal(got, []string{"_yaml.cpython-312-x86_64-linux-gnu.so", "handler.py", "yaml"}) {
		t.Fatalf("packages %v", got)
	}
}

func TestMeasureSharedZipsOnce(t *testing.T) {
	dir := t.TempDir()
	code := writeZip(t, filepath.Join(dir, "svc.zip"), []file{{Name: "a.py", Data: kb(3)}})
	layer := writeZip(t, filepath.Join(dir, "layer.zip"), prefixed("python/", dist("six", "1.16.0", file{Name: "six.py", Data: kb(4)})))
	r, err := Measure([]Function{
		{Name: "a", Artifact: Zip{Name: "svc.zip", Path: code}, Layers: []Zip{{Name: "layer.zip", Path: layer}}, UnknownLayers: 2},
		{Name: "b", Artifact: Zip{Name: "svc.zip", Path: code}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Artifacts) != 2 {
		t.Fatalf("%d artifacts, want 2", len(r.Artifacts))
	}
	_, cu, _ := zipSums(t, code)
	_, lu, _ := zipSums(t, layer)
	if a := r.Functions[0]; a.Unzipped != cu+lu || a.LayerCount != 3 || a.UnknownLayers != 2 {
		t.Fatalf("a = %+v", a)
	}
	if b := r.Functions[1]; b.Unzipped != cu || b.LayerCount != 0 {
		t.Fatalf("b = %+v", b)
	}
}

func TestMeasureErrorNamesTheZip(t *testing.T) {
	_, err := Measure([]Function{{Name: "a", Artifact: Zip{Name: ".serverless/a.zip", Path: filepath.Join(t.TempDir(), "nope.zip")}}})
	if err == nil || !strings.HasPrefix(err.Error(), "reading .serverless/a.zip") {
		t.Fatalf("err = %v", err)
	}
}

func TestMeasureEmptyZip(t *testing.T) {
	p := writeZip(t, filepath.Join(t.TempDir(), "empty.zip"), []file{{Name: "dir/"}})
	r, err := Measure([]Function{{Name: "f", Artifact: Zip{Path: p}}})
	if err != nil {
		t.Fatal(err)
	}
	a := r.Artifacts[0]
	if a.Files != 0 || a.Unzipped != 0 || a.Packages == nil || len(a.Packages) != 0 {
		t.Fatalf("empty zip = %+v", a)
	}
	if v := Check(r, Options{}); v[0].Level != OK {
		t.Fatalf("verdict = %+v", v)
	}
}
