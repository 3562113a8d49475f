package size

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestOverTheUnzippedLimit builds, streaming, a zip whose entries expand past 262,144,000 bytes
// while the zip itself stays small, and checks the error, its numbers and its suggestions.
func TestOverTheUnzippedLimit(t *testing.T) {
	dir := t.TempDir()
	const big = 270_000_000
	fn := writeZip(t, filepath.Join(dir, "hello.zip"), concat(
		[]file{{Name: "handler.py", Data: "def handler(e, c):\n    return 1\n"}},
		dist("big-zeros", "1.0", file{Name: "big_zeros/data.bin", Zeros: big}),
		dist("boto3", "1.34.0", file{Name: "boto3/__init__.py", Data: kb(900)}),
		dist("botocore", "1.34.0", file{Name: "botocore/data/x.json", Zeros: 3 << 20}),
		dist("fat", "2.0", file{Name: "fat/__init__.py", Data: kb(200)}, file{Name: "fat/tests/test_fat.py", Zeros: 2 << 20}),
	))
	zipped, unzipped, _ := zipSums(t, fn)
	if unzipped <= DefaultLimits.Unzipped || zipped > 2<<20 {
		t.Fatalf("fixture: %d bytes unzipped in a %d-byte zip", unzipped, zipped)
	}
	r, err := Measure([]Function{{Name: "hello", Artifact: Zip{Name: ".serverless/hello.zip", Path: fn}, UnknownLayers: 1}})
	if err != nil {
		t.Fatal(err)
	}
	vs := Check(r, Options{})
	if len(vs) != 1 || vs[0].Level != Error || len(vs[0].Messages) != 1 {
		t.Fatalf("verdicts = %+v", vs)
	}
	m := vs[0].Messages[0]
	if m.Code != CodeUnzipped || m.Function != "hello" || m.Size != unzipped || m.Limit != 262_144_000 || m.Unknown != 1 {
		t.Fatalf("message = %+v", m)
	}
	if len(m.Packages) != 5 {
		t.Fatalf("%d packages listed, want the 5 largest", len(m.Packages))
	}
	byName := map[string]Suggestion{}
	for _, s := range m.Packages {
		byName[s.Package] = s
	}
	for name, fix := range map[string]Fix{"big-zeros": FixZip, "botocore": FixNoDeploy, "boto3": FixNoDeploy, "fat": FixSlim} {
		if byName[name].Fix != fix {
			t.Errorf("%s: fix %q, want %q (%+v)", name, byName[name].Fix, fix, m.Packages)
		}
	}
	if m.Packages[0].Package != "big-zeros" || m.Packages[0].Bytes < big {
		t.Fatalf("largest = %+v", m.Packages[0])
	}
	text := m.Text()
	t.Log("\n" + text)
	for _, want := range []string{`Function "hello"`, Commas(unzipped) + " bytes", "262,144,000 bytes", "big-zeros 1.0",
		"noDeploy", "slim: true", "zip: true", "1 layer attached by ARN", OptOutOption + ": warn"} {
		if !strings.Contains(text, want) {
			t.Errorf("message text lacks %q:\n%s", want, text)
		}
	}
	// The opt-out keeps the message but makes it a warning.
	if vs := Check(r, Options{WarnOnly: true}); vs[0].Level != Warn || vs[0].Messages[0].Code != CodeUnzipped ||
		strings.Contains(vs[0].Messages[0].Text(), OptOutOption) {
		t.Fatalf("WarnOnly verdict = %+v", vs[0])
	}
	// The JSON numbers are the zip's sums.
	var buf bytes.Buffer
	if err := NewDocument(r, vs, Limits{}, nil).WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Functions []struct {
			Unzipped, Zipped int64
			Level            string
		}
		Artifacts []struct {
			Unzipped, Zipped int64
			Packages         []struct{ Bytes int64 }
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Functions[0].Unzipped != unzipped || doc.Functions[0].Zipped != zipped || doc.Functions[0].Level != "error" ||
		doc.Artifacts[0].Unzipped != unzipped || doc.Artifacts[0].Zipped != zipped {
		t.Fatalf("JSON %+v, zip sums %d/%d", doc, unzipped, zipped)
	}
}

func TestCheckBands(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string, n int) Zip {
		return Zip{Name: name, Path: writeZip(t, filepath.Join(dir, name), []file{{Name: "data.bin", Data: strings.Repeat("z", n)}})}
	}
	layer := mk("layer.zip", 300)
	r, err := Measure([]Function{
		{Name: "under", Artifact: mk("under.zip", 500)},                     // 50%
		{Name: "near", Artifact: mk("near.zip", 550), Layers: []Zip{layer}}, // 85%
		{Name: "at", Artifact: mk("at.zip", 1000)},                          // at the limit: Lambda wants smaller
		{Name: "layers", Artifact: mk("layers.zip", 10), UnknownLayers: 6},
	})
	if err != nil {
		t.Fatal(err)
	}
	lim := Limits{Unzipped: 1000, Zipped: 1 << 30, Layers: 5, WarnRatio: 0.8}
	vs := Check(r, Options{Limits: lim})
	want := map[string][]string{"under": nil, "near": {CodeUnzippedNear}, "at": {CodeUnzipped}, "layers": {CodeLayers}}
	levels := map[string]Level{"under": OK, "near": Warn, "at": Error, "layers": Error}
	for _, v := range vs {
		var codes []string
		for _, m := range v.Messages {
			codes = append(codes, m.Code)
		}
		if strings.Join(codes, ",") != strings.Join(want[v.Function], ",") || v.Level != levels[v.Function] {
			t.Errorf("%s: level %s codes %v, want %s %v", v.Function, v.Level, codes, levels[v.Function], want[v.Function])
		}
	}
	near := vs[1].Messages[0]
	if near.Size != 850 || len(near.Parts) != 2 || near.Parts[1].Name != "layer.zip" || !strings.Contains(near.Text(), "85% of Lambda's limit") {
		t.Fatalf("near = %+v\n%s", near, near.Text())
	}
	if m := vs[3].Messages[0]; m.Size != 6 || m.Limit != 5 || !strings.Contains(m.Text(), "attaches 6 layers") {
		t.Fatalf("layers = %+v", m)
	}
	// The zipped limit only applies to a direct upload.
	f := r.Functions[0]
	zl := lim
	zl.Zipped = f.Zipped // exactly at the limit
	if vs := Check(r, Options{Limits: zl}); vs[0].Level != OK {
		t.Fatalf("zipped checked without DirectUpload: %+v", vs[0])
	}
	vs = Check(r, Options{Limits: zl, DirectUpload: true})
	if vs[0].Level != Error || vs[0].Messages[0].Code != CodeZipped || vs[0].Messages[0].Size != f.Zipped {
		t.Fatalf("direct upload = %+v", vs[0])
	}
	if !strings.Contains(vs[0].Messages[0].Text(), "`sls deploy` uploads through S3") {
		t.Fatal(vs[0].Messages[0].Text())
	}
}

func TestSuggestionsForTheZippedLimit(t *testing.T) {
	dir := t.TempDir()
	fn := writeZip(t, filepath.Join(dir, "fn.zip"), concat(
		[]file{{Name: "handler.py", Data: kb(1)}},
		dist("pandas", "2.2.0", file{Name: "pandas/core.py", Data: kb(50)}),
		dist("jmespath", "1.0.1", file{Name: "jmespath/parser.py", Data: kb(20)}),
	))
	r, err := Measure([]Function{{Name: "f", Artifact: Zip{Path: fn}}})
	if err != nil {
		t.Fatal(err)
	}
	vs := Check(r, Options{Limits: Limits{Unzipped: 1 << 40, Zipped: 1, Layers: 5, WarnRatio: 0.8}, DirectUpload: true})
	got := map[string]Fix{}
	for _, s := range vs[0].Messages[0].Packages {
		got[s.Package] = s.Fix
		if s.Package == "pandas" && s.Bytes != findPkg(t, r.Artifacts[0], "pandas").Zipped {
			t.Errorf("zipped check lists unzipped bytes: %+v", s)
		}
	}
	if got["pandas"] != FixLayer || got["jmespath"] != FixNoDeploy || got["handler.py"] != FixDeploy {
		t.Fatalf("fixes = %v", got)
	}
}

func TestSummary(t *testing.T) {
	s := Summary(FunctionSize{Name: "hello", Zipped: 3 << 20, Unzipped: 131_072_000, LayerCount: 2, UnknownLayers: 1}, Limits{})
	want := "Size of hello: 3.0 MB zipped, 125.0 MB unzipped with layers (50% of 250.0 MB), 2 of 5 layers (1 by ARN, size unknown)"
	if s != want {
		t.Fatalf("summary\n got %s\nwant %s", s, want)
	}
}
