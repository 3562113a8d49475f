//go:build linux

package acceptance

import (
	"context"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// dockerSlsAs runs `sls package` like Service.Sls, as another user (uid:gid, plus the group
// of the Docker socket so the engine answers).
func dockerSlsAs(t *testing.T, s *Service, uid, gid uint32) (string, error) {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat("/var/run/docker.sock", &st); err != nil {
		Unavailable(t, "no /var/run/docker.sock to share with another user: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), DefaultSlsTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.slsBin, "package")
	cmd.Dir = s.Dir
	cmd.Env = s.Environ()
	killGroupOnCancel(cmd)
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{st.Gid}}
	out, err := cmd.CombinedOutput()
	t.Logf("sls package as %d:%d [%s]: err %v", uid, gid, s.Name, err)
	return string(out), err
}

// dockerGiveTo hands the service's files (not node_modules, which is only read) and the
// per-service XDG folders to uid:gid, and opens the test's temp folder for it.
func dockerGiveTo(t *testing.T, s *Service, uid, gid int) {
	t.Helper()
	if err := os.Chmod(filepath.Dir(s.home), 0o755); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(s.home, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return filepath.SkipDir
		}
		return os.Lchown(p, uid, gid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// dockerAssertOwner fails when a file under dir is not owned by uid.
func dockerAssertOwner(t *testing.T, dir string, uid uint32) (files int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return filepath.SkipDir
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st := info.Sys().(*syscall.Stat_t); st.Uid != uid {
			t.Errorf("%s is owned by uid %d, not %d", p, st.Uid, uid)
			return filepath.SkipAll
		}
		files++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestDockerOwnershipNonRoot runs Serverless as an unprivileged user (nobody) against the real
// engine, whose containers run as root: everything the build leaves in .serverless and in the
// cache, the download cache written inside the container included, belongs to that user, after
// a failing pip and after a successful install.
func TestDockerOwnershipNonRoot(t *testing.T) {
	RequireDocker(t)
	if os.Getuid() != 0 {
		t.Skip("runs Serverless as another user, which needs root; as a non-root user the other docker tests check ownership directly")
	}
	t.Parallel()
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody: %v", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	s := NewService(t, "docker", Ours)
	s.Env["HOME"] = s.home
	// pyreqs-sdistonly is built into a wheel that pip keeps in the download cache.
	s.WriteFile("requirements.txt", "pyreqs-sdistonly\npyreqs-does-not-exist==9.9\n")
	dockerGiveTo(t, s, uid, gid)

	out, err := dockerSlsAs(t, s, uint32(uid), uint32(gid))
	if err == nil || !strings.Contains(out, "pip failed inside the container") {
		t.Fatalf("the failing install did not fail as expected (err %v):\n%s", err, tail(out, 3000))
	}
	dockerAssertOwner(t, s.Dir, uint32(uid))
	dockerAssertOwner(t, s.CacheDir, uint32(uid))

	s.WriteFile("requirements.txt", "pyreqs-sdistonly\npyreqs-native\n")
	if err := os.Lchown(s.Path("requirements.txt"), uid, gid); err != nil {
		t.Fatal(err)
	}
	out, err = dockerSlsAs(t, s, uint32(uid), uint32(gid))
	if err != nil {
		t.Fatalf("sls package as nobody: %v\n%s", err, tail(out, 3000))
	}
	entries := ZipEntries(t, s.Artifact())
	if _, ok := entries["pyreqs_sdistonly/__init__.py"]; !ok {
		t.Errorf("no pyreqs_sdistonly in the artifact")
	}
	dockerAssertOwner(t, s.Dir, uint32(uid))
	dockerAssertOwner(t, s.CacheDir, uint32(uid))
	wheels := filepath.Join(s.CacheDir, "serverless-python-requirements", "downloadCacheslspyc", "wheels")
	if n := dockerAssertOwner(t, wheels, uint32(uid)); n < 2 {
		t.Errorf("the download cache has no cached wheel (%d entries): the ownership check proved nothing", n)
	}
	if c := containersOf(t, s); c != "" {
		t.Errorf("containers left behind:\n%s", c)
	}
}

// TestDockerInterrupted: Ctrl-C (SIGINT to Serverless's process group, as a terminal sends it)
// while pip runs in the container stops and removes the container and leaves no complete cache
// entry, with one line and exit status 130. pip hangs on an index that never answers, so the signal always arrives mid-install.
func TestDockerInterrupted(t *testing.T) {
	RequireDocker(t)
	t.Parallel()
	hang := make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	})}
	go srv.Serve(ln) //nolint:errcheck
	t.Cleanup(func() { close(hang); srv.Close() })

	s := NewService(t, "docker", Ours)
	s.IndexURL = "http://" + ln.Addr().String() + "/simple"
	ctx, cancel := context.WithTimeout(context.Background(), DefaultSlsTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.slsBin, "package")
	cmd.Dir = s.Dir
	cmd.Env = s.Environ()
	killGroupOnCancel(cmd)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for containersOf(t, s) == "" {
		if ctx.Err() != nil {
			t.Fatalf("no container appeared:\n%s", out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	t.Logf("sls package after SIGINT: %v", err)
	if err == nil {
		t.Errorf("sls package succeeded after SIGINT:\n%s", out.String())
	}
	if cmd.ProcessState.ExitCode() != 130 {
		t.Errorf("exit status %d after SIGINT, want 130", cmd.ProcessState.ExitCode())
	}
	const line = "Interrupted by SIGINT: nothing was left half-written."
	if n := strings.Count(out.String(), "Interrupted"); n != 1 || !strings.Contains(out.String(), line) {
		t.Errorf("want the one line %q (once), got:\n%s", line, tail(out.String(), 3000))
	}
	if m := stackLine.FindString(out.String()); m != "" {
		t.Errorf("the output shows a stack trace (%q)", m)
	}
	if c := containersOf(t, s); c != "" {
		t.Errorf("containers left behind after Ctrl-C:\n%s\n%s", c, tail(out.String(), 3000))
	}
	entries, _ := filepath.Glob(filepath.Join(s.CacheDir, "serverless-python-requirements", "*_slspyc"))
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(e, ".completed_requirements")); err == nil {
			t.Errorf("an interrupted install left a complete cache entry %s", e)
		}
	}
	assertOwnedByMe(t, s.CacheDir)
}
