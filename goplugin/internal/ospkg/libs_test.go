package ospkg

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSharedLibraries(t *testing.T) {
	files := []string{
		"/.",
		"/usr/share/doc/libpq5/copyright",
		"/usr/lib/x86_64-linux-gnu",
		"/usr/lib/x86_64-linux-gnu/libpq.so.5.15",
		"/usr/lib/x86_64-linux-gnu/libpq.so.5",
		"/usr/lib64/libgeos_c.so.1",
		"/usr/lib64/libgeos_c.so",
		"/usr/bin/pg_config.so",
		"/usr/lib/python3/dist-packages/foo.cpython-311-x86_64-linux-gnu.so.txt",
		"relative/lib/libx.so.1",
		"/lib/libdup.so.1",
		"/usr/lib/libdup.so.1",
	}
	byName, names := SharedLibraries(files)
	wantNames := []string{"libdup.so.1", "libgeos_c.so", "libgeos_c.so.1", "libpq.so.5", "libpq.so.5.15"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Fatalf("names %q", names)
	}
	if byName["libpq.so.5"] != "/usr/lib/x86_64-linux-gnu/libpq.so.5" || byName["libdup.so.1"] != "/lib/libdup.so.1" {
		t.Fatalf("paths %q", byName)
	}
}

// TestLibrariesToShip builds ext.so → libfoo.so.1 → libbar.so.1 with the C compiler and checks
// that both libraries are found through the chain, and that libc (not provided) is not.
func TestLibrariesToShip(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler")
	}
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	build := func(out, src, soname string, libs ...string) string {
		args := []string{"-shared", "-fPIC", "-o", filepath.Join(dir, out), src, "-Wl,-soname," + soname, "-L" + dir}
		args = append(args, libs...)
		if b, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
			t.Fatalf("cc %v: %v\n%s", args, err, b)
		}
		return filepath.Join(dir, out)
	}
	bar := build("libbar.so.1", write("bar.c", "int bar(void){return 2;}\n"), "libbar.so.1")
	if err := os.Symlink("libbar.so.1", filepath.Join(dir, "libbar.so")); err != nil {
		t.Fatal(err)
	}
	foo := build("libfoo.so.1", write("foo.c", "int bar(void);\nint foo(void){return bar()+1;}\n"), "libfoo.so.1", "-lbar")
	if err := os.Symlink("libfoo.so.1", filepath.Join(dir, "libfoo.so")); err != nil {
		t.Fatal(err)
	}
	ext := build("ext.so", write("ext.c", "int foo(void);\nint ext(void){return foo();}\n"), "ext.so", "-lfoo")

	provided := map[string]string{"libfoo.so.1": foo, "libbar.so.1": bar, "libunused.so.1": "/nonexistent"}
	got, err := LibrariesToShip([]string{ext}, provided)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []string{"libbar.so.1", "libfoo.so.1"}) {
		t.Fatalf("got %q", got)
	}
	needed, err := Needed(ext)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(needed[:1], []string{"libfoo.so.1"}) {
		t.Fatalf("ext.so needs %q", needed)
	}
	if _, err := LibrariesToShip([]string{filepath.Join(dir, "ext.c")}, provided); err == nil {
		t.Fatal("a non-ELF object must be an error")
	}
}
