package container

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/mount"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

func connect(t *testing.T, f *fakeAPI) (*Engine, *events) {
	t.Helper()
	ev := &events{}
	e, err := Connect(context.Background(), f, ev, "/srv/svc")
	if err != nil {
		t.Fatal(err)
	}
	return e, ev
}

func baseJob(t *testing.T) Job {
	return Job{
		Image: "img:1", ImageKey: "dockerImage",
		Command: []string{"python3.11", "-m", "pip", "install", "-t", TaskDir, "-r", InputDir + "/requirements.txt"},
		Inputs:  []File{{Name: "requirements.txt", Mode: 0o644, Data: []byte("pkg\n")}},
		Env:     []string{"PIP_INDEX_URL=http://127.0.0.1:1/simple"},
		Run:     RunArgs{Network: "host", Env: []string{"A=1"}},
		Target:  t.TempDir(),
	}
}

func TestConnectEngineDown(t *testing.T) {
	f := newFake()
	f.host = "unix:///nonexistent.sock"
	f.pingErr = errors.New("Cannot connect to the Docker daemon at unix:///nonexistent.sock. Is the docker daemon running?")
	_, err := Connect(context.Background(), f, &events{}, "/srv")
	d, ok := diag.As(err)
	if !ok {
		t.Fatalf("err = %v, want a *diag.Error", err)
	}
	for _, want := range []string{"custom.pythonRequirements.dockerizePip: dockerizePip needs a running Docker engine",
		"unix:///nonexistent.sock", "DOCKER_HOST", "dockerizePip: false"} {
		if !strings.Contains(d.Error(), want) {
			t.Errorf("error lacks %q:\n%s", want, d.Error())
		}
	}
}

func TestConnectReadsEngine(t *testing.T) {
	f := newFake()
	f.info.Architecture = "aarch64"
	f.info.SecurityOptions = []string{"name=seccomp,profile=default", "name=rootless"}
	e, _ := connect(t, f)
	if e.Arch() != "arm64" || !e.Rootless() || !e.Local() || len(e.Session()) != 16 {
		t.Errorf("engine = arch %s rootless %t local %t session %q", e.Arch(), e.Rootless(), e.Local(), e.Session())
	}
	f.host = "tcp://10.0.0.1:2376"
	if e, _ := connect(t, f); e.Local() {
		t.Errorf("tcp:// engine reported local")
	}
}

func TestInstall(t *testing.T) {
	f := newFake()
	f.logs = muxed("Collecting pkg\n", "warning on stderr\n", "Successfully installed pkg-1.0\n")
	f.archives[TaskDir] = tarEntries(map[string]string{
		"task/":                  "",
		"task/pkg/":              "",
		"task/pkg/__init__.py":   "x = 1\n",
		"task/pkg/_speed.so":     "\x7fELF",
		"task/bin/tool":          "#!/usr/bin/python\n",
		"task/pkg/link.py->../x": "",
	})
	f.archives["/opt/lib/libextra.so"] = tarEntries(map[string]string{"libextra.so": "extra"})
	e, _ := connect(t, f)
	j := baseJob(t)
	j.DownloadCache = "/home/u/.cache/serverless-python-requirements/downloadCacheslspyc"
	j.ExtraFiles = []string{"/opt/lib/libextra.so"}
	var lines []string
	j.OnLine = func(l string) { lines = append(lines, l) }
	res, err := e.Install(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 4 || len(res.StripFailed) != 0 {
		t.Errorf("result = %+v", res)
	}
	if diff := cmp.Diff([]string{"Collecting pkg", "warning on stderr", "Successfully installed pkg-1.0"}, lines); diff != "" {
		t.Errorf("output lines (-want +got):\n%s", diff)
	}
	// What was created.
	c := f.create
	if c.Config.Image != "img:1" || c.Platform != nil {
		t.Errorf("image %q platform %v", c.Config.Image, c.Platform)
	}
	host, _ := os.Hostname()
	wantLabels := map[string]string{LabelTool: "1", LabelSession: e.Session(), LabelService: "/srv/svc",
		LabelPID: strconv.Itoa(os.Getpid()), LabelHost: host}
	if diff := cmp.Diff(wantLabels, c.Config.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if got := c.Config.Cmd; len(got) < 4 || got[0] != "/bin/sh" || got[1] != "-c" || got[3] != "pyreqs" ||
		strings.Join(got[4:], " ") != strings.Join(j.Command, " ") {
		t.Errorf("Cmd = %q", got)
	}
	if diff := cmp.Diff([]string{"PIP_INDEX_URL=http://127.0.0.1:1/simple", "A=1"}, c.Config.Env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	if c.HostConfig.NetworkMode != "host" || c.Config.WorkingDir != TaskDir {
		t.Errorf("network %q workdir %q", c.HostConfig.NetworkMode, c.Config.WorkingDir)
	}
	wantMounts := []mount.Mount{
		{Type: mount.TypeVolume, Target: TaskDir, VolumeOptions: &mount.VolumeOptions{NoCopy: true}},
		{Type: mount.TypeBind, Source: j.DownloadCache, Target: DownloadCacheDir},
	}
	if diff := cmp.Diff(wantMounts, c.HostConfig.Mounts); diff != "" {
		t.Errorf("mounts (-want +got):\n%s", diff)
	}
	// The requirements went in as /var/pyreqs/requirements.txt.
	in, err := readTar(f.copiedIn["/var"])
	if err != nil || in["pyreqs/requirements.txt"] != "pkg\n" {
		t.Errorf("copied in: %v %v", in, err)
	}
	// What came out, owned by us, modes kept.
	for name, mode := range map[string]os.FileMode{"pkg/__init__.py": 0o644, "pkg/_speed.so": 0o755, "bin/tool": 0o755, "libextra.so": 0o755} {
		fi, err := os.Stat(filepath.Join(j.Target, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode().Perm(), mode)
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
			t.Errorf("%s: owned by %d", name, st.Uid)
		}
	}
	if l, err := os.Readlink(filepath.Join(j.Target, "pkg/link.py")); err != nil || l != "../x" {
		t.Errorf("symlink: %q %v", l, err)
	}
	if f.stopped != 0 || f.removed != 1 || !f.called("remove force=true volumes=true") {
		t.Errorf("stop %d remove %d, calls %v", f.stopped, f.removed, f.calls)
	}
}

func TestInstallChown(t *testing.T) {
	user := &Owner{UID: 1000, GID: 1001}
	for _, tc := range []struct {
		name     string
		owner    *Owner
		cache    string
		user     string
		rootless bool
		host     string
		want     bool
	}{
		{name: "non-root user", owner: user, cache: "/c", want: true},
		{name: "root", owner: &Owner{}, cache: "/c"},
		{name: "no owner (windows, dockerRootless)", cache: "/c"},
		{name: "no download cache", owner: user},
		{name: "-u given", owner: user, cache: "/c", user: "1000"},
		{name: "rootless engine", owner: user, cache: "/c", rootless: true},
		{name: "remote engine", owner: user, cache: "/c", host: "tcp://h:2375"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			f.archives[TaskDir] = tarEntries(map[string]string{"task/": ""})
			if tc.rootless {
				f.info.SecurityOptions = []string{"name=rootless"}
			}
			if tc.host != "" {
				f.host = tc.host
			}
			e, _ := connect(t, f)
			j := baseJob(t)
			j.Owner, j.DownloadCache, j.Run.User = tc.owner, tc.cache, tc.user
			if _, err := e.Install(context.Background(), j); err != nil {
				t.Fatal(err)
			}
			script := f.create.Config.Cmd[2]
			got := strings.Contains(script, "chown -R 1000:1001 "+DownloadCacheDir)
			if got != tc.want {
				t.Errorf("chown in script = %t, want %t:\n%s", got, tc.want, script)
			}
			if strings.Contains(script, "chown") != tc.want {
				t.Errorf("unexpected chown:\n%s", script)
			}
		})
	}
}

func TestInstallRemoteEngineUsesVolume(t *testing.T) {
	f := newFake()
	f.host = "tcp://10.0.0.1:2376"
	f.archives[TaskDir] = tarEntries(map[string]string{"task/": ""})
	e, _ := connect(t, f)
	j := baseJob(t)
	j.DownloadCache = "/host/cache"
	if _, err := e.Install(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	m := f.create.HostConfig.Mounts[1]
	if m.Type != mount.TypeVolume || m.Source != DownloadVolume || m.Target != DownloadCacheDir {
		t.Errorf("download cache mount = %+v", m)
	}
}

func TestInstallFailure(t *testing.T) {
	f := newFake()
	f.exitCode = 1
	f.logs = muxed("ERROR: No matching distribution found for nope\n")
	e, _ := connect(t, f)
	_, err := e.Install(context.Background(), baseJob(t))
	var x *ExitError
	if !errors.As(err, &x) || x.Step != "install" || x.Code != 1 || !strings.Contains(x.Output, "No matching distribution") {
		t.Fatalf("err = %#v", err)
	}
	if f.removed != 1 || f.called("copy-out") {
		t.Errorf("calls %v", f.calls)
	}
}

func TestInstallNoStrip(t *testing.T) {
	f := newFake()
	f.exitCode = exitNoStrip
	e, _ := connect(t, f)
	j := baseJob(t)
	j.Strip = true
	_, err := e.Install(context.Background(), j)
	var x *ExitError
	if !errors.As(err, &x) || x.Step != "strip" {
		t.Fatalf("err = %#v", err)
	}
}

func TestInstallStripFailuresAreReported(t *testing.T) {
	f := newFake()
	f.archives[TaskDir] = tarEntries(map[string]string{"task/": ""})
	f.logs = muxed("pyreqs-strip: strip failed on some shared libraries:\n", "pyreqs-strip: strip: /var/task/x.so: file format not recognized\n")
	e, _ := connect(t, f)
	j := baseJob(t)
	j.Strip = true
	res, err := e.Install(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.StripFailed) != 2 || !strings.Contains(res.StripFailed[1], "x.so: file format not recognized") {
		t.Errorf("StripFailed = %q", res.StripFailed)
	}
	if !strings.Contains(f.create.Config.Cmd[2], "-exec strip {} +") {
		t.Errorf("script has no strip:\n%s", f.create.Config.Cmd[2])
	}
}

func TestInstallCancelStopsAndRemoves(t *testing.T) {
	f := newFake()
	f.block = true
	e, _ := connect(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for !f.called("wait") {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := e.Install(ctx, baseJob(t))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !f.called("stop 10") || f.removed != 1 || f.removeCtx != nil {
		t.Errorf("stop/remove after Ctrl-C: calls %v, remove saw ctx err %v", f.calls, f.removeCtx)
	}
}

func TestInstallExtraFileMissing(t *testing.T) {
	f := newFake()
	f.archives[TaskDir] = tarEntries(map[string]string{"task/": ""})
	e, _ := connect(t, f)
	j := baseJob(t)
	j.ExtraFiles = []string{"/opt/here.so", "/opt/missing.so"}
	f.archives["/opt/here.so"] = tarEntries(map[string]string{"here.so": "x"})
	_, err := e.Install(context.Background(), j)
	d, ok := diag.As(err)
	if !ok || d.Key != "custom.pythonRequirements.dockerExtraFiles[1]" || !strings.Contains(d.Message, "/opt/missing.so") {
		t.Fatalf("err = %v", err)
	}
	if f.removed != 1 {
		t.Errorf("container not removed")
	}
}

func TestInstallPlatformMismatch(t *testing.T) {
	f := newFake()
	f.createErr = errors.New("image with reference img:1 was found but does not match the specified platform: wanted linux/arm64, actual: linux/amd64")
	e, _ := connect(t, f)
	j := baseJob(t)
	p, _ := ParsePlatform("linux/arm64")
	j.Platform = &p
	_, err := e.Install(context.Background(), j)
	d, ok := diag.As(err)
	if !ok || d.Key != "custom.pythonRequirements.dockerImage" || !strings.Contains(d.Message, "has no linux/arm64 variant") {
		t.Fatalf("err = %v", err)
	}
	if f.called("remove") {
		t.Errorf("nothing was created, nothing to remove: %v", f.calls)
	}
}

func TestSSHMounts(t *testing.T) {
	f := newFake()
	f.archives[TaskDir] = tarEntries(map[string]string{"task/": ""})
	e, _ := connect(t, f)
	j := baseJob(t)
	j.SSH = &SSH{Key: "/home/u/.ssh/id_ed25519", KnownHosts: "/home/u/.ssh/known_hosts", AgentSock: "/run/agent.sock"}
	if _, err := e.Install(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	want := []mount.Mount{
		{Type: mount.TypeVolume, Target: TaskDir, VolumeOptions: &mount.VolumeOptions{NoCopy: true}},
		{Type: mount.TypeBind, Source: "/home/u/.ssh/id_ed25519", Target: "/root/.ssh/id_ed25519", ReadOnly: true},
		{Type: mount.TypeBind, Source: "/home/u/.ssh/known_hosts", Target: "/root/.ssh/known_hosts", ReadOnly: true},
		{Type: mount.TypeBind, Source: "/run/agent.sock", Target: "/tmp/ssh_sock"},
	}
	if diff := cmp.Diff(want, f.create.HostConfig.Mounts); diff != "" {
		t.Errorf("mounts (-want +got):\n%s", diff)
	}
	if env := strings.Join(f.create.Config.Env, " "); !strings.Contains(env, "SSH_AUTH_SOCK=/tmp/ssh_sock") {
		t.Errorf("env %s", env)
	}
	// Without an agent, nothing named "undefined" is mounted (original bug G.5 #30).
	j.SSH.AgentSock = ""
	if _, err := e.Install(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	if len(f.create.HostConfig.Mounts) != 3 || strings.Contains(strings.Join(f.create.Config.Env, " "), "SSH_AUTH_SOCK") {
		t.Errorf("mounts %v env %v", f.create.HostConfig.Mounts, f.create.Config.Env)
	}
}

// TestScript runs the container script with the host's /bin/sh: the command's exit code comes
// through, the download cache is handed back whatever happens, a stop signal reaches the command.
func TestScript(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	run := func(chown string, args ...string) (int, string) {
		cmd := exec.Command(sh, append([]string{"-c", script(false, chown), "pyreqs"}, args...)...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	if code, out := run("", "sh", "-c", "echo installed; exit 0"); code != 0 || out != "installed\n" {
		t.Errorf("success: code %d out %q", code, out)
	}
	// The chown runs (and fails here: there is no /var/useDownloadCache), pip's code is kept.
	if code, out := run("12345:12345", "sh", "-c", "exit 3"); code != 3 || !strings.Contains(out, "could not chown the download cache") {
		t.Errorf("failure: code %d out %q", code, out)
	}
	if code, _ := run("", "no-such-command-pyreqs"); code != 127 {
		t.Errorf("missing command: code %d, want 127", code)
	}
	// SIGTERM (docker stop) stops the command, hands the cache back, exits 143.
	cmd := exec.Command(sh, "-c", script(false, "12345:12345"), "pyreqs", "sleep", "30")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let the shell install its trap and start the command
	_ = cmd.Process.Signal(syscall.SIGTERM)
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 143 || !strings.Contains(out.String(), "could not chown") {
		t.Errorf("SIGTERM: err %v output %q", err, out.String())
	}
}

func TestPlatformFor(t *testing.T) {
	dir := t.TempDir()
	old := binfmtDir
	binfmtDir = dir
	t.Cleanup(func() { binfmtDir = old })
	e, ev := connect(t, newFake()) // amd64, local
	if p := e.PlatformFor("x86_64"); p != nil {
		t.Errorf("x86_64 on amd64: %v", p)
	}
	if p := e.PlatformFor("arm64"); FormatPlatform(p) != "linux/arm64" {
		t.Errorf("arm64 on amd64: %v", p)
	}
	if len(ev.warnings) != 1 || !strings.Contains(ev.warnings[0], "no emulator for arm64") {
		t.Errorf("warnings %q", ev.warnings)
	}
	if err := os.WriteFile(filepath.Join(dir, "qemu-aarch64"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ev.warnings = nil
	e.PlatformFor("arm64")
	if len(ev.warnings) != 0 {
		t.Errorf("warned with qemu-aarch64 registered: %q", ev.warnings)
	}
}

func TestEnsureImage(t *testing.T) {
	f := newFake()
	f.images["present:1"] = true
	f.pullBody = `{"status":"Pulling from library/x","id":"1"}
{"status":"Pulling fs layer","id":"a"}
{"status":"Pulling fs layer","id":"b"}
{"status":"Pull complete","id":"a"}
{"status":"Pull complete","id":"b"}
{"status":"Digest: sha256:00"}
`
	e, ev := connect(t, f)
	if err := e.EnsureImage(context.Background(), "present:1", nil, "dockerImage"); err != nil || f.pulls != 0 {
		t.Fatalf("present image: err %v, pulls %d", err, f.pulls)
	}
	if err := e.EnsureImage(context.Background(), "missing:1", nil, "dockerImage"); err != nil || f.pulls != 1 {
		t.Fatalf("missing image: err %v, pulls %d", err, f.pulls)
	}
	if last := ev.progress[len(ev.progress)-1]; last != "Pulling Docker image missing:1: 2/2 layers" {
		t.Errorf("last progress %q (all: %q)", last, ev.progress)
	}
	// Once per image and platform per run.
	_ = e.EnsureImage(context.Background(), "missing:1", nil, "dockerImage")
	if f.pulls != 1 {
		t.Errorf("pulled twice")
	}
}

func TestEnsureImagePullFails(t *testing.T) {
	f := newFake()
	f.pullBody = `{"errorDetail":{"message":"manifest for nope:1 not found: manifest unknown"},"error":"manifest for nope:1 not found"}` + "\n"
	e, _ := connect(t, f)
	err := e.EnsureImage(context.Background(), "nope:1", nil, "dockerizePip")
	d, ok := diag.As(err)
	if !ok || d.Key != "custom.pythonRequirements.dockerizePip" || !strings.Contains(d.Message, `could not pull the Docker image "nope:1": manifest for nope:1 not found`) ||
		!strings.Contains(d.Hint, "dockerImage") {
		t.Fatalf("err = %v", err)
	}
	// A permanent class (not found) is not retried.
	f2 := newFake()
	f2.pullErr = errorNotFound("pull access denied for nope, repository does not exist")
	e2, _ := connect(t, f2)
	if err := e2.EnsureImage(context.Background(), "nope:2", nil, "dockerImage"); err == nil || f2.pulls != 1 {
		t.Errorf("err %v pulls %d", err, f2.pulls)
	}
	// A transient failure is tried three times.
	old := pullBackoff
	pullBackoff = time.Millisecond
	t.Cleanup(func() { pullBackoff = old })
	f3 := newFake()
	f3.pullErr = errors.New("read: connection reset by peer")
	e3, _ := connect(t, f3)
	if err := e3.EnsureImage(context.Background(), "flaky:1", nil, "dockerImage"); err == nil || f3.pulls != 3 ||
		!strings.Contains(err.Error(), "connection reset by peer") {
		t.Errorf("err %v pulls %d", err, f3.pulls)
	}
}

func TestBuildImage(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"docker/Dockerfile":         "FROM x\n",
		"docker/extra.txt":          "extra\n",
		"handler.py":                "",
		"node_modules/big/index.js": "",
		".serverless/x.zip":         "",
		".git/HEAD":                 "",
	} {
		p := filepath.Join(dir, name)
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := newFake()
	f.buildBody = `{"stream":"Step 1/2 : FROM x\n"}
{"stream":" ---\u003e 0b0ff2153369\n"}
{"stream":"Successfully tagged sls-py-reqs-custom-x:latest\n"}
`
	e, ev := connect(t, f)
	b := BuildSpec{Dir: dir, Dockerfile: filepath.Join(dir, "docker/Dockerfile"), Tag: "sls-py-reqs-custom-x",
		Args: BuildArgs{Target: "t", NoCache: true}}
	tag, err := e.BuildImage(context.Background(), b)
	if err != nil || tag != "sls-py-reqs-custom-x" {
		t.Fatalf("tag %q err %v", tag, err)
	}
	entries, err := readTar(f.buildContext)
	if err != nil {
		t.Fatal(err)
	}
	// No .dockerignore: .git, node_modules and .serverless stay out of the context.
	if diff := cmp.Diff([]string{"docker/", "docker/Dockerfile", "docker/extra.txt", "handler.py"}, sortedKeys(entries)); diff != "" {
		t.Errorf("context (-want +got):\n%s", diff)
	}
	if o := f.buildOpts; o.Dockerfile != "docker/Dockerfile" || o.Target != "t" || !o.NoCache || o.Tags[0] != b.Tag || o.Labels[LabelTool] != "1" {
		t.Errorf("build options %+v", o)
	}
	if !strings.Contains(strings.Join(ev.progress, "\n"), "Step 1/2 : FROM x") {
		t.Errorf("progress %q", ev.progress)
	}
	// With a .dockerignore, and a failing build.
	if err := os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte("*\n!docker\ndocker/extra.txt\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.buildBody = `{"stream":"Step 2/2 : RUN false\n"}
{"errorDetail":{"code":1,"message":"The command '/bin/sh -c false' returned a non-zero code: 1"},"error":"The command '/bin/sh -c false' returned a non-zero code: 1"}
`
	e2, _ := connect(t, f)
	_, err = e2.BuildImage(context.Background(), b)
	d, ok := diag.As(err)
	if !ok || d.Key != "custom.pythonRequirements.dockerFile" || !strings.Contains(d.Message, "returned a non-zero code: 1") ||
		!strings.Contains(d.Output, "RUN false") {
		t.Fatalf("err = %v", err)
	}
	entries, _ = readTar(f.buildContext)
	if diff := cmp.Diff([]string{".dockerignore", "docker/", "docker/Dockerfile"}, sortedKeys(entries)); diff != "" {
		t.Errorf("context with .dockerignore (-want +got):\n%s", diff)
	}
}

func TestExtractRejectsEscapes(t *testing.T) {
	for _, name := range []string{"task/../../evil", "../evil"} {
		data := tarEntries(map[string]string{name: "x"})
		dir := t.TempDir()
		if _, err := extract(strings.NewReader(string(data)), dir, "task"); err == nil {
			t.Errorf("%s: extracted", name)
		}
	}
}
