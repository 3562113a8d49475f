package ospkg

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeTools writes executables named like package managers that log their arguments, and
// returns a PATH holding only them.
func fakeTools(t *testing.T, names ...string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	logFile := filepath.Join(dir, "calls.log")
	for _, n := range names {
		script := "#!/bin/sh\n" +
			"{ printf '%s' \"" + n + "\"; for a in \"$@\"; do printf ' [%s]' \"$a\"; done; printf ' env=%s\\n' \"${DEBIAN_FRONTEND:-}\"; } >> " + logFile + "\n"
		if n == "dpkg-query" || n == "rpm" {
			script += "for a in \"$@\"; do case \"$a\" in -*) ;; *) echo /usr/lib/x86_64-linux-gnu/$a.so.1;; esac; done\n"
		}
		if err := os.WriteFile(filepath.Join(dir, n), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, logFile
}

func run(t *testing.T, argv []string, path string) (string, int) {
	t.Helper()
	if _, err := os.Stat(argv[0]); err != nil {
		t.Skip("no /bin/sh")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{"PATH=" + path}
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func readLog(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return string(b)
}

func TestInstallCommandPicksTheImagesManager(t *testing.T) {
	pkgs := []string{"libpq5", "libstdc++6"}
	tests := []struct {
		have []string
		want string
	}{
		{[]string{"apt-get", "dnf"}, "apt-get [update] [-q] env=noninteractive\napt-get [install] [-y] [-q] [--no-install-recommends] [libpq5] [libstdc++6] env=noninteractive\n"},
		{[]string{"dnf", "yum", "microdnf"}, "dnf [install] [-y] [--setopt=install_weak_deps=False] [libpq5] [libstdc++6] env=\n"},
		{[]string{"yum"}, "yum [install] [-y] [libpq5] [libstdc++6] env=\n"},
		{[]string{"microdnf"}, "microdnf [install] [-y] [libpq5] [libstdc++6] env=\n"},
	}
	for _, tt := range tests {
		t.Run(tt.have[0], func(t *testing.T) {
			dir, logFile := fakeTools(t, tt.have...)
			argv, err := InstallCommand(pkgs)
			if err != nil {
				t.Fatal(err)
			}
			if out, code := run(t, argv, dir); code != 0 {
				t.Fatalf("exit %d: %s", code, out)
			}
			if got := readLog(t, logFile); got != tt.want {
				t.Fatalf("calls:\n%s\nwant:\n%s", got, tt.want)
			}
			// The same through Commands and Env, for an installer that detected the manager.
			detected, code := run(t, DetectCommand(), dir)
			if code != 0 {
				t.Fatalf("detect: exit %d", code)
			}
			m, err := ParseManager(detected)
			if err != nil || string(m) != tt.have[0] {
				t.Fatalf("ParseManager(%q) = %q, %v", detected, m, err)
			}
			cmds, err := Commands(m, pkgs)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, c := range cmds {
				b.WriteString(c[0])
				for _, a := range c[1:] {
					b.WriteString(" [" + a + "]")
				}
				env := ""
				for _, e := range Env(m) {
					env = strings.TrimPrefix(e, "DEBIAN_FRONTEND=")
				}
				b.WriteString(" env=" + env + "\n")
			}
			if b.String() != tt.want {
				t.Fatalf("Commands:\n%s\nwant:\n%s", b.String(), tt.want)
			}
		})
	}
}

func TestInstallCommandWithoutManager(t *testing.T) {
	dir, _ := fakeTools(t)
	argv, _ := InstallCommand([]string{"libpq5"})
	out, code := run(t, argv, dir)
	if code != 127 || !strings.Contains(out, "none of apt-get, dnf, yum or microdnf") {
		t.Fatalf("exit %d: %s", code, out)
	}
	if _, code := run(t, DetectCommand(), dir); code != 127 {
		t.Fatalf("detect: exit %d", code)
	}
}

func TestCommandsRejectInvalidNames(t *testing.T) {
	bad := []string{"libpq5", "-o", "x;y"}
	if _, err := InstallCommand(bad); err == nil {
		t.Error("InstallCommand accepted an option")
	}
	if _, err := FilesCommand(bad); err == nil {
		t.Error("FilesCommand accepted an option")
	}
	if _, err := Commands(APT, bad); err == nil {
		t.Error("Commands accepted an option")
	}
	if _, err := Commands("pacman", []string{"x1"}); err == nil {
		t.Error("Commands accepted an unknown manager")
	}
	if _, err := ParseManager("pacman\n"); err == nil {
		t.Error("ParseManager accepted an unknown manager")
	}
	if cmds, err := Commands(APT, nil); err != nil || cmds != nil {
		t.Errorf("no packages: %v %v", cmds, err)
	}
}

func TestFilesCommand(t *testing.T) {
	for _, tool := range []string{"dpkg-query", "rpm"} {
		dir, logFile := fakeTools(t, tool)
		argv, err := FilesCommand([]string{"libpq5", "libgeos"})
		if err != nil {
			t.Fatal(err)
		}
		out, code := run(t, argv, dir)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tool, code, out)
		}
		want := "/usr/lib/x86_64-linux-gnu/libpq5.so.1\n/usr/lib/x86_64-linux-gnu/libgeos.so.1\n"
		if out != want {
			t.Fatalf("%s: got %q", tool, out)
		}
		flag := map[string]string{"dpkg-query": "-L", "rpm": "-ql"}[tool]
		if got := readLog(t, logFile); !strings.HasPrefix(got, tool+" ["+flag+"] [libpq5] [libgeos]") {
			t.Fatalf("%s called as %q", tool, got)
		}
	}
	dir, _ := fakeTools(t)
	argv, _ := FilesCommand([]string{"libpq5"})
	if _, code := run(t, argv, dir); code != 127 {
		t.Fatalf("no dpkg-query/rpm: exit %d", code)
	}
}

func TestInstallCommandShape(t *testing.T) {
	argv, err := InstallCommand([]string{"libpq5"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(argv[:2], []string{"/bin/sh", "-c"}) || argv[3] != ScriptName || argv[4] != "libpq5" {
		t.Fatalf("argv %q", argv)
	}
	if strings.Contains(argv[2], "libpq5") {
		t.Fatal("package names must not be part of the script")
	}
}
