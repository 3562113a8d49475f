package acceptance

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSizePreflight packages the size service with pyreqs-ballast versions of growing size (one
// service folder, the requirement changed per case): over Lambda's 262,144,000 unzipped bytes,
// `sls package` and `sls deploy` (AWS answered by the probe plugin) stop before anything is
// uploaded, naming the package and the advice, unless sizeCheck: warn; at about 85% a warning;
// under, only the --verbose summary.
func TestSizePreflight(t *testing.T) {
	t.Parallel()
	s := NewService(t, "size", Ours)
	s.SetConfig("custom.pythonRequirements.pythonBin", Python(t))
	probe := installProbe(t, s)
	cases := []struct {
		name, version, sizeCheck string
		wantErr                  bool
		want, forbid             []string
	}{
		{name: "over", version: "3.0.0", wantErr: true,
			want: []string{`Function "hello" is 257.5 MB unzipped`, "not smaller than 262,144,000 bytes", "pyreqs-ballast 3.0.0",
				"custom.pythonRequirements.zip: true", "sizeCheck: warn", "Nothing was uploaded"}},
		{name: "over with sizeCheck warn", version: "3.0.0", sizeCheck: "warn",
			want: []string{"Lambda refuses a function", "pyreqs-ballast 3.0.0", "Size of hello:"}, forbid: []string{"Nothing was uploaded"}},
		{name: "near", version: "2.0.0",
			want: []string{"85% of Lambda's limit of 262,144,000 bytes", "pyreqs-ballast 2.0.0", "Size of hello:"}},
		{name: "under", version: "1.0.0",
			want: []string{"Size of hello: ", "of 250.0 MB), 0 of 5 layers"}, forbid: []string{"Lambda refuses", "of Lambda's limit", "Largest packages"}},
	}
	for _, c := range cases {
		s.WriteFile("requirements.txt", "pyreqs-ballast=="+c.version+"\n")
		if c.sizeCheck != "" {
			s.SetConfig("custom.pythonRequirements.sizeCheck", c.sizeCheck)
		} else {
			s.UnsetConfig("custom.pythonRequirements.sizeCheck")
		}
		stdout, stderr, err := s.Sls("package", "--verbose")
		if c.wantErr {
			assertUserError(t, err, stdout, stderr, c.want...)
		} else {
			if err != nil {
				t.Fatalf("%s: sls package: %v\n%s", c.name, err, tail(stderr, 3000))
			}
			for _, w := range c.want {
				if !strings.Contains(stdout+stderr, w) {
					t.Errorf("%s: the output does not contain %q:\n%s", c.name, w, tail(stderr, 3000))
				}
			}
			assertNotContains(t, stdout+stderr, c.forbid...)
		}
		if !c.wantErr {
			continue
		}
		// sls deploy packages first: the preflight stops it before any AWS call or upload.
		stdout, stderr, err = s.Sls("deploy")
		assertUserError(t, err, stdout, stderr, "Lambda refuses a function", "pyreqs-ballast 3.0.0", "Nothing was uploaded")
		assertNotContains(t, stdout+stderr, "unexpected AWS call")
		if ups, _ := filepath.Glob(filepath.Join(probe, "uploaded-*")); len(ups) > 0 {
			t.Errorf("%s: sls deploy uploaded %v", c.name, ups)
		}
	}
}

// reportDoc is the part of `sls requirements report --json` the tests read.
type reportDoc struct {
	Functions []struct {
		Name     string `json:"name"`
		Artifact string `json:"artifact"`
		Zipped   int64  `json:"zipped"`
		Unzipped int64  `json:"unzipped"`
		Level    string `json:"level"`
	} `json:"functions"`
	Artifacts []struct {
		Name     string `json:"name"`
		Zipped   int64  `json:"zipped"`
		Unzipped int64  `json:"unzipped"`
		Files    int    `json:"files"`
		Packages []struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Bytes   int64  `json:"bytes"`
			Files   int    `json:"files"`
		} `json:"packages"`
	} `json:"artifacts"`
	Cache []struct {
		Requirements string `json:"requirements"`
		Hit          bool   `json:"hit"`
		Nearest      string `json:"nearest"`
		Diffs        []struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"diffs"`
	} `json:"cache"`
}

func report(t *testing.T, s *Service, args ...string) (reportDoc, string) {
	t.Helper()
	stdout, stderr := s.MustSls(append([]string{"requirements", "report", "--json"}, args...)...)
	var d reportDoc
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatalf("report --json printed no JSON document on stdout: %v\nstdout:\n%s\nstderr:\n%s", err, tail(stdout, 2000), tail(stderr, 2000))
	}
	return d, stderr
}

// TestSizeReport checks `sls requirements report`: after `sls package` its --json numbers are the
// sums of the zip entries; --html writes the page and the metafile and names both; and with a
// changed runtime, requirement or slim, the cache explanation names exactly that key line.
func TestSizeReport(t *testing.T) {
	t.Parallel()
	s := NewService(t, "size", Ours)
	s.SetConfig("custom.pythonRequirements.pythonBin", Python(t))
	s.MustSls("package")

	d, _ := report(t, s)
	if len(d.Functions) != 1 || d.Functions[0].Name != "hello" || d.Functions[0].Level != "ok" {
		t.Fatalf("report functions = %+v, want hello at level ok", d.Functions)
	}
	if len(d.Artifacts) != 1 {
		t.Fatalf("report artifacts = %+v, want the one service zip", d.Artifacts)
	}
	a := d.Artifacts[0]
	zr, err := zip.OpenReader(s.Path(a.Name))
	if err != nil {
		t.Fatalf("the report names %q, which is not the packaged zip: %v", a.Name, err)
	}
	var unzipped int64
	var files int
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, "/") {
			unzipped += int64(f.UncompressedSize64)
			files++
		}
	}
	zr.Close()
	fi, err := os.Stat(s.Path(a.Name))
	if err != nil {
		t.Fatal(err)
	}
	if a.Unzipped != unzipped || a.Files != files || a.Zipped != fi.Size() {
		t.Errorf("report: %s unzipped %d, %d files, zipped %d; the zip: %d, %d files, %d bytes", a.Name, a.Unzipped, a.Files, a.Zipped, unzipped, files, fi.Size())
	}
	if f := d.Functions[0]; f.Unzipped != unzipped || f.Zipped != fi.Size() {
		t.Errorf("report: function hello %d unzipped, %d zipped; the zip: %d, %d", f.Unzipped, f.Zipped, unzipped, fi.Size())
	}
	var sum int64
	var ballast int64
	for _, p := range a.Packages {
		sum += p.Bytes
		if p.Name == "pyreqs-ballast" && p.Version == "1.0.0" {
			ballast = p.Bytes
		}
	}
	if sum != unzipped {
		t.Errorf("report: the packages sum to %d bytes, the zip's entries to %d", sum, unzipped)
	}
	if ballast < 1<<20 {
		t.Errorf("report: pyreqs-ballast 1.0.0 is %d bytes, want at least its 1 MiB file: %+v", ballast, a.Packages)
	}
	if len(d.Cache) != 1 || !d.Cache[0].Hit {
		t.Errorf("report right after sls package: cache = %+v, want one hit", d.Cache)
	}

	stdout, _ := s.MustSls("requirements", "report", "--html", "out/size.html")
	for _, p := range []string{s.Path("out/size.html"), s.Path("out/size.meta.json")} {
		if !strings.Contains(stdout, p) {
			t.Errorf("report --html does not print %s:\n%s", p, stdout)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("report --html: %v", err)
		}
	}
	if !strings.Contains(stdout, "pyreqs-ballast") || !strings.Contains(stdout, "static cache hit") {
		t.Errorf("the text report lacks the package or the cache line:\n%s", stdout)
	}

	for _, c := range []struct {
		name, kind, diffName string
		change, undo         func()
	}{
		{"runtime", "target", "target",
			func() { s.SetConfig("provider.runtime", "python3.12") }, func() { s.SetConfig("provider.runtime", "python3.11") }},
		{"requirement", "requirement", "pyreqs-ballast",
			func() { s.WriteFile("requirements.txt", "pyreqs-ballast==2.0.0\n") }, func() { s.WriteFile("requirements.txt", "pyreqs-ballast==1.0.0\n") }},
		{"slim", "slim", "slim",
			func() { s.SetConfig("custom.pythonRequirements.slim", true) }, func() { s.UnsetConfig("custom.pythonRequirements.slim") }},
	} {
		c.change()
		d, _ := report(t, s)
		c.undo()
		if len(d.Cache) != 1 {
			t.Fatalf("%s: cache = %+v, want one set", c.name, d.Cache)
		}
		got := d.Cache[0]
		named, others := false, 0
		for _, df := range got.Diffs {
			switch {
			case df.Kind == c.kind && df.Name == c.diffName:
				named = true
			case c.name == "runtime" && df.Kind == "interpreter":
				// Another runtime is installed (and compiled) with that version's interpreter
				// when the host has one: the interpreter line changes with it.
			default:
				others++
			}
		}
		if got.Hit || got.Nearest == "" || !named || others > 0 {
			t.Errorf("%s: cache explanation = %+v, want a miss naming %s %s (and nothing else)", c.name, got, c.kind, c.diffName)
		}
	}
}
