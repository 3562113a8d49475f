package ospkg

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

func TestParse(t *testing.T) {
	in := "\ufeff# OS libraries for psycopg2 and Pillow\r\n" +
		"libpq5\r\n" +
		"\r\n" +
		"   libjpeg62-turbo   # JPEG\n" +
		"libstdc++6 zlib1g\n" +
		"libpq5\n" +
		"ImageMagick-libs  libxml2.x86_64\n" +
		"#libnothing\n" +
		"R"
	got, err := Parse("apt-requirements.txt", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"libpq5", "libjpeg62-turbo", "libstdc++6", "zlib1g", "ImageMagick-libs", "libxml2.x86_64", "R"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	got, err = Parse("apt-requirements.txt", strings.NewReader("\n# nothing\n"))
	if err != nil || len(got) != 0 {
		t.Fatalf("empty file: %q, %v", got, err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, msg, hint string }{
		{"libpq5\nlibpq5=15.4-0\n", `line 2: "libpq5=15.4-0" is not a valid package name`, "Versions cannot be pinned"},
		{"--allow-unauthenticated\n", `line 1: "--allow-unauthenticated"`, "Options cannot be given"},
		{"libc6:arm64\n", `"libc6:arm64"`, "Architecture qualifiers"},
		{"libfoo;rm -rf /\n", `"libfoo;rm"`, "one OS package name per line"},
		{"$(reboot)\n", `"$(reboot)"`, "letters, digits and + - . _"},
		{".hidden\n", `".hidden"`, "start with a letter or digit"},
		{strings.Repeat("a", 201) + "\n", "is not a valid package name", ""},
	}
	for _, tt := range tests {
		_, err := Parse("apt-requirements.txt", strings.NewReader(tt.in))
		d, ok := diag.As(err)
		if !ok {
			t.Fatalf("%q: want a user error, got %v", tt.in, err)
		}
		if d.Code != diag.CodeOSPackagesInvalid || d.File != "apt-requirements.txt" || !strings.Contains(d.Message, tt.msg) || !strings.Contains(d.Fix(), tt.hint) {
			t.Errorf("%q: got %s / %s / %s / %s", tt.in, d.Code, d.File, d.Message, d.Fix())
		}
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	pkgs, found, err := Read(filepath.Join(dir, DefaultFile), DefaultFile)
	if pkgs != nil || found || err != nil {
		t.Fatalf("missing file: %q %v %v", pkgs, found, err)
	}
	p := filepath.Join(dir, DefaultFile)
	if err := os.WriteFile(p, []byte("libgeos-c1v5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pkgs, found, err = Read(p, DefaultFile)
	if !found || err != nil || !reflect.DeepEqual(pkgs, []string{"libgeos-c1v5"}) {
		t.Fatalf("got %q %v %v", pkgs, found, err)
	}
	if err := os.WriteFile(p, []byte("bad name!\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, found, err = Read(p, "api/apt-requirements.txt"); !found || err == nil || !strings.Contains(err.Error(), "api/apt-requirements.txt: line 1:") {
		t.Fatalf("bad file: %v %v", found, err)
	}
}

func TestNeedsDocker(t *testing.T) {
	err := NeedsDocker("apt-requirements.txt", []string{"a1", "b1", "c1", "d1", "e1", "f1", "g1"})
	d, ok := diag.As(err)
	if !ok || d.Code != diag.CodeOSPackagesNeedDock || d.File != "apt-requirements.txt" {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{"lists OS packages (a1, b1, c1, d1, e1 and 2 more)", "Docker build"} {
		if !strings.Contains(d.Message, want) {
			t.Errorf("message %q lacks %q", d.Message, want)
		}
	}
	if !strings.Contains(d.Fix(), "dockerizePip: true") || !strings.Contains(d.Fix(), "remove apt-requirements.txt") {
		t.Errorf("fix %q", d.Fix())
	}
}
