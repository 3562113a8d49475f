package assembly

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

const sampleReport = `{"version": "1", "pip_version": "26.3", "install": [
 {"download_info": {"url": "https://files.example/a-1.0-py3-none-any.whl", "archive_info": {"hashes": {"sha256": "AB12"}}},
  "is_direct": false, "requested": true, "metadata": {"name": "A", "version": "1.0"}},
 {"download_info": {"url": "https://files.example/b-2.0.tar.gz#sha256=cd34", "archive_info": {"hash": "md5=00"}},
  "is_direct": false, "requested": false, "metadata": {"name": "b", "version": "2.0"}},
 {"download_info": {"url": "https://git.example/c.git", "vcs_info": {"vcs": "git", "commit_id": "abc"}, "subdirectory": "pkg"},
  "is_direct": true, "requested": true, "metadata": {"name": "c", "version": "0.1"}},
 {"download_info": {"url": "file:///src/d", "dir_info": {}}, "is_direct": true, "requested": true, "metadata": {"name": "d", "version": "1"}},
 {"download_info": {"url": "file:///src/e", "dir_info": {"editable": true}}, "is_direct": true, "requested": true, "metadata": {"name": "e", "version": "1"}}
]}`

func TestParseReport(t *testing.T) {
	plan, err := ParseReport([]byte(sampleReport))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind Kind
		sha  string
		req  string
	}{
		{KindWheel, "ab12", "A @ https://files.example/a-1.0-py3-none-any.whl"},
		{KindSdist, "cd34", "b @ https://files.example/b-2.0.tar.gz#sha256=cd34"},
		{KindVCS, "", "c @ git+https://git.example/c.git@abc#subdirectory=pkg"},
		{KindLocalDir, "", "d @ file:///src/d"},
		{KindEditable, "", "e @ file:///src/e"},
	}
	if plan.PipVersion != "26.3" || len(plan.Dists) != len(want) {
		t.Fatalf("plan = %+v", plan)
	}
	for i, w := range want {
		d := plan.Dists[i]
		if d.Kind != w.kind || d.SHA256 != w.sha || d.Requirement() != w.req {
			t.Errorf("dist %d = %s %q %q, want %s %q %q", i, d.Kind, d.SHA256, d.Requirement(), w.kind, w.sha, w.req)
		}
	}
	if _, err := ParseReport([]byte(`{"version": "2", "install": []}`)); err == nil {
		t.Error("report version 2 accepted")
	}
}

// fakeRunner records commands; for a resolution it writes the report that pip would.
type fakeRunner struct {
	cmds   []proc.Cmd
	report string
	fail   bool
}

func (f *fakeRunner) Run(ctx context.Context, c proc.Cmd) (proc.Result, error) {
	f.cmds = append(f.cmds, c)
	if f.fail {
		res := proc.Result{ExitCode: 1, Output: []byte("ERROR: No matching distribution for https://bob:hunter22@idx/simple\n")}
		return res, &proc.ExitError{Cmd: c, Result: res}
	}
	if i := slices.Index(c.Args, "--report"); i >= 0 {
		return proc.Result{}, os.WriteFile(c.Args[i+1], []byte(f.report), 0o644)
	}
	return proc.Result{}, nil
}

func TestResolveCommand(t *testing.T) {
	work := t.TempDir()
	r := &fakeRunner{report: sampleReport}
	plan, err := Resolve(context.Background(), r, ResolveSpec{Python: "/py", Requirements: "req.txt", WorkDir: work,
		ExtraArgs: []string{"--platform", "manylinux2014_x86_64"}, CacheDir: "/cache"})
	if err != nil || len(plan.Dists) != 5 {
		t.Fatalf("plan %v, err %v", plan, err)
	}
	args := strings.Join(r.cmds[0].Args, " ")
	for _, want := range []string{"-m pip install", "--dry-run", "--ignore-installed", "--report " + work, "--target " + work,
		"-r req.txt", "--cache-dir /cache", "--platform manylinux2014_x86_64"} {
		if !strings.Contains(args, want) {
			t.Errorf("command %q lacks %q", args, want)
		}
	}
	_, err = Resolve(context.Background(), &fakeRunner{fail: true}, ResolveSpec{Python: "/py", Requirements: "r", WorkDir: work})
	var re *ResolveError
	if !errors.As(err, &re) || strings.Contains(err.Error(), "hunter22") || !strings.Contains(err.Error(), "No matching distribution") {
		t.Errorf("failed resolution: %v, want a *ResolveError with the redacted output", err)
	}
}

func TestRunRefusesSdistForOtherPlatform(t *testing.T) {
	report := `{"version": "1", "install": [{"download_info": {"url": "https://x/b-2.0.tar.gz", "archive_info": {}},
	  "metadata": {"name": "b", "version": "2.0"}}]}`
	r := &fakeRunner{report: report}
	req := filepath.Join(t.TempDir(), "requirements.txt")
	os.WriteFile(req, []byte("b==2.0\n"), 0o644)
	_, _, _, err := Run(context.Background(), r, Spec{Python: "/py", Requirements: req, WorkDir: t.TempDir(),
		PlatformArgs: []string{"--platform", "manylinux2014_aarch64", "--only-binary=:all:"}, Dst: t.TempDir() + "/x.zip"})
	var ue *UnsupportedError
	if !errors.As(err, &ue) || len(r.cmds) != 1 {
		t.Errorf("err = %v after %d commands, want *UnsupportedError before any build", err, len(r.cmds))
	}
}

func TestRunRefusesHashPins(t *testing.T) {
	dir := t.TempDir()
	pinned := filepath.Join(dir, "pinned.txt")
	os.WriteFile(pinned, []byte("b==2.0 \\\n    --hash=sha256:00\n"), 0o644)
	plain := filepath.Join(dir, "plain.txt")
	os.WriteFile(plain, []byte("b==2.0\n"), 0o644)
	for _, c := range []struct {
		req  string
		args []string
		env  []string
	}{{pinned, nil, nil}, {plain, []string{"--require-hashes"}, nil}, {plain, nil, []string{"PIP_REQUIRE_HASHES=1"}}} {
		r := &fakeRunner{report: sampleReport}
		_, _, _, err := Run(context.Background(), r, Spec{Python: "/py", Requirements: c.req, ExtraArgs: c.args, Env: c.env,
			WorkDir: t.TempDir(), Dst: filepath.Join(t.TempDir(), "x.zip")})
		var ue *UnsupportedError
		if !errors.As(err, &ue) || len(r.cmds) != 0 {
			t.Errorf("%s %v %v: err %v after %d commands, want *UnsupportedError before pip runs", filepath.Base(c.req), c.args, c.env, err, len(r.cmds))
		}
	}
}
