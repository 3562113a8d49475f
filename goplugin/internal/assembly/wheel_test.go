package assembly

import (
	"archive/zip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// wfile is a member of a synthetic wheel.
type wfile struct {
	name, body string
	mode       os.FileMode // 0 = no Unix mode (as Windows tools write)
	method     uint16
}

// makeWheel writes a wheel with the members and a RECORD listing every one of them except
// those in unlisted.
func makeWheel(t *testing.T, dir, file, infoDir string, files []wfile, unlisted ...string) string {
	t.Helper()
	p := filepath.Join(dir, file)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	var record strings.Builder
	add := func(w wfile) {
		fh := &zip.FileHeader{Name: w.name, Method: zip.Deflate}
		if w.method != 0 {
			fh.Method = w.method
		}
		if w.mode != 0 {
			fh.SetMode(w.mode)
		}
		if w.method > zip.Deflate {
			fh.CRC32, fh.CompressedSize64, fh.UncompressedSize64 = 0, uint64(len(w.body)), uint64(len(w.body))
			zw2, err := zw.CreateRaw(fh)
			if err != nil {
				t.Fatal(err)
			}
			zw2.Write([]byte(w.body))
			return
		}
		zf, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		zf.Write([]byte(w.body))
	}
	files = append(files, wfile{name: infoDir + "/WHEEL", body: "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
		wfile{name: infoDir + "/METADATA", body: "Metadata-Version: 2.1\nName: x\n"})
	for _, w := range files {
		add(w)
		if !slices.Contains(unlisted, w.name) {
			h, n := recordHash([]byte(w.body))
			record.WriteString(w.name + "," + h + "," + n + "\n")
		}
	}
	record.WriteString(infoDir + "/RECORD,,\n")
	add(wfile{name: infoDir + "/RECORD", body: record.String()})
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

func TestAssembleLayout(t *testing.T) {
	dir := t.TempDir()
	w := makeWheel(t, dir, "demo-1.0-py3-none-any.whl", "demo-1.0.dist-info", []wfile{
		{name: "demo/__init__.py", body: "x = 1\n", mode: 0o664},
		{name: "demo/run.sh", body: "#!/bin/sh\n", mode: 0o775},
		{name: "demo/win.txt", body: "no unix mode\n"},
		{name: "demo-1.0.data/purelib/demo_pure.py", body: "p = 1\n"},
		{name: "demo-1.0.data/platlib/demo_plat.py", body: "q = 1\n"},
		{name: "demo-1.0.data/scripts/tool", body: "#!python\nprint(1)\n", mode: 0o755},
		{name: "demo-1.0.data/scripts/plain.sh", body: "#!/bin/sh\necho\n", mode: 0o644},
		{name: "demo-1.0.data/scripts/democli", body: "#!python\n# setuptools wrapper\n", mode: 0o755},
		{name: "demo-1.0.dist-info/entry_points.txt", body: "[console_scripts]\ndemocli = demo.cli:Main.run [extra]\n\n[other]\nx = y:z\n"},
	}, "demo/win.txt")
	dst := filepath.Join(dir, "out.zip")
	res, err := Assemble(context.Background(), []Wheel{{Path: w, Dist: "Demo"}}, dst, Options{Shebang: "#!/opt/py"})
	if err != nil {
		t.Fatal(err)
	}
	got := zipFiles(t, dst)
	want := map[string]os.FileMode{
		"demo/__init__.py": 0o644, "demo/run.sh": 0o755, "demo/win.txt": 0o644, "demo_pure.py": 0o644,
		"demo_plat.py": 0o644, "bin/tool": 0o755, "bin/plain.sh": 0o644, "bin/democli": 0o755,
		"demo-1.0.dist-info/WHEEL": 0o644, "demo-1.0.dist-info/METADATA": 0o644,
		"demo-1.0.dist-info/entry_points.txt": 0o644, "demo-1.0.dist-info/RECORD": 0o644,
	}
	for name, mode := range want {
		if f, ok := got[name]; !ok || f.perm != mode {
			t.Errorf("%s: present %v mode %o, want mode %o", name, ok, f.perm, mode)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d entries, want %d: %v", len(got), len(want), keys(got))
	}
	if s := string(got["bin/tool"].data); s != "#!/opt/py\nprint(1)\n" {
		t.Errorf("bin/tool = %q", s)
	}
	wantCLI := "#!/opt/py\nimport sys\nfrom demo.cli import Main\nif __name__ == '__main__':\n" +
		"    sys.argv[0] = sys.argv[0].removesuffix('.exe')\n    sys.exit(Main.run())\n"
	if s := string(got["bin/democli"].data); s != wantCLI {
		t.Errorf("bin/democli =\n%s\nwant\n%s", s, wantCLI)
	}
	rec := string(got["demo-1.0.dist-info/RECORD"].data)
	h, n := recordHash([]byte("#!/opt/py\nprint(1)\n"))
	for _, line := range []string{
		"../../bin/tool," + h + "," + n + "\r\n", // rewritten: rehashed
		"../../bin/plain.sh,",                    // unchanged: original hash
		"demo-1.0.data/scripts/democli,",         // wrapper left out: row kept as pip does
		"demo/win.txt,,\r\n",                     // not in the wheel's RECORD: no hash
		"demo_pure.py,", "demo-1.0.dist-info/RECORD,,\r\n",
	} {
		if !strings.Contains(rec, line) {
			t.Errorf("RECORD lacks %q:\n%s", line, rec)
		}
	}
	if strings.Contains(rec, "INSTALLER") {
		t.Errorf("RECORD lists INSTALLER, which is not written:\n%s", rec)
	}
	files := res.Dists["demo"]
	if len(files) == 0 || files[0] != "demo-1.0.dist-info/" || !slices.Contains(files, "bin/tool") || !slices.Contains(files, "demo_pure.py") {
		t.Errorf("dists = %v", res.Dists)
	}
}

func TestAssembleUnsupported(t *testing.T) {
	cases := []struct {
		name   string
		wheels func(t *testing.T, dir string) []Wheel
		reason string
	}{
		{"headers", func(t *testing.T, dir string) []Wheel {
			return []Wheel{{makeWheel(t, dir, "a.whl", "a-1.dist-info", []wfile{{name: "a-1.data/headers/a.h", body: "x"}}), "a"}}
		}, `"headers" scheme`},
		{"data", func(t *testing.T, dir string) []Wheel {
			return []Wheel{{makeWheel(t, dir, "a.whl", "a-1.dist-info", []wfile{{name: "a-1.data/data/share/a", body: "x"}}), "a"}}
		}, `"data" scheme`},
		{"overlap", func(t *testing.T, dir string) []Wheel {
			return []Wheel{
				{makeWheel(t, dir, "a.whl", "a-1.dist-info", []wfile{{name: "ns/__init__.py", body: "a"}}), "a"},
				{makeWheel(t, dir, "b.whl", "b-1.dist-info", []wfile{{name: "ns/__init__.py", body: "b"}}), "b"},
			}
		}, "installs ns/__init__.py, which a installs too"},
		{"method", func(t *testing.T, dir string) []Wheel {
			return []Wheel{{makeWheel(t, dir, "a.whl", "a-1.dist-info", []wfile{{name: "a.py", body: "x", method: 12}}), "a"}}
		}, "compression method 12"},
		{"pip scripts", func(t *testing.T, dir string) []Wheel {
			return []Wheel{{makeWheel(t, dir, "a.whl", "a-1.dist-info", []wfile{
				{name: "a-1.dist-info/entry_points.txt", body: "[console_scripts]\npip3 = a:main\n"}}), "a"}}
		}, "versioned variants"},
		{"no callable", func(t *testing.T, dir string) []Wheel {
			return []Wheel{{makeWheel(t, dir, "a.whl", "a-1.dist-info", []wfile{
				{name: "a-1.dist-info/entry_points.txt", body: "[console_scripts]\na = a\n"}}), "a"}}
		}, "has no module:callable"},
		{"traversal", func(t *testing.T, dir string) []Wheel {
			return []Wheel{{makeWheel(t, dir, "a.whl", "a-1.dist-info", []wfile{{name: "../evil.py", body: "x"}}), "a"}}
		}, "not a clean relative path"},
		{"lib bin and scripts", func(t *testing.T, dir string) []Wheel {
			return []Wheel{
				{makeWheel(t, dir, "a.whl", "a-1.dist-info", []wfile{{name: "bin/helper.py", body: "x"}}), "a"},
				{makeWheel(t, dir, "b.whl", "b-1.dist-info", []wfile{
					{name: "b-1.dist-info/entry_points.txt", body: "[console_scripts]\nb = b:main\n"}}), "b"},
			}
		}, "top-level bin/ folder"},
		{"wrong dist", func(t *testing.T, dir string) []Wheel {
			return []Wheel{{makeWheel(t, dir, "a.whl", "a-1.dist-info", nil), "b"}}
		}, "no .dist-info folder"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			dst := filepath.Join(dir, "out.zip")
			_, err := Assemble(context.Background(), tc.wheels(t, dir), dst, Options{})
			var ue *UnsupportedError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("err = %v, want an *UnsupportedError about %q", err, tc.reason)
			}
			if _, err := os.Stat(dst); !os.IsNotExist(err) {
				t.Errorf("%s exists after a failed assembly", dst)
			}
		})
	}
}

func keys(m map[string]fileData) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
