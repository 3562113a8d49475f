package acceptance

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testCacheTag is the bytecode tag of the sample services' runtime (python3.11).
const testCacheTag = "cpython-311"

// lambdaScript imports requirements the way a handler does and prints where each module's code
// came from, then the traceback frame of an error raised inside a requirement.
const lambdaScript = `import sys, traceback
SETUP
import pyreqs_pure, pyreqs_withdeps
assert sys.version_info[:2] == (3, 11), sys.version
for m in (pyreqs_pure, pyreqs_withdeps):
    print("cached", m.__spec__.cached)
class Bad:
    def __str__(self):
        raise RuntimeError("boom")
try:
    pyreqs_pure.greet(Bad())
except RuntimeError:
    print("frame", [l.strip() for l in traceback.format_exc().splitlines() if l.strip().endswith(", in greet")][0])
`

// TestBytecodeIsLoaded packages services with the default options and runs their code the way
// Lambda does: in the local build image, the artifact (or the layer) unzipped into a read-only
// folder, the network off, no bytecode writes. Every requirement module is loaded from our
// bytecode (__spec__.cached, and `python -v` prints "code object from <pyc>", which it only does
// for a .pyc it accepted), every .pyc in the artifact is PEP 552 unchecked-hash, and a traceback
// shows the run-time path: /var/task (default mode, also compiled in the docker container),
// /tmp/sls-py-req (zip mode: extracted by unzip_requirements), /opt/python (layer).
// compileFunctionCode: true adds the handler's own bytecode. A package's own test suite (a tests
// folder) ships without bytecode.
func TestBytecodeIsLoaded(t *testing.T) {
	t.Parallel()
	RequireDocker(t)
	cases := []struct {
		name, service string
		config        func(s *Service)
		// mount is where the unzipped folder goes, root where the requirements are at run time.
		mount, root, setup string
		layer              bool
	}{
		{name: "default", service: "basic", mount: "/var/task", root: "/var/task",
			config: func(s *Service) { s.SetConfig("custom.pythonRequirements.compileFunctionCode", true) }},
		{name: "docker", service: "basic", mount: "/var/task", root: "/var/task", config: func(s *Service) { s.DockerizePip() }},
		{name: "zip", service: "zip", mount: "/var/task", root: "/tmp/sls-py-req", setup: "import unzip_requirements"},
		{name: "layer", service: "layer", mount: "/opt/python", root: "/opt/python", layer: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := NewService(t, c.service, Ours)
			if c.config != nil {
				c.config(s)
			}
			s.MustSls("package")
			art := s.Artifact()
			if c.layer {
				art = s.Path(".serverless/pythonRequirements.zip")
			}
			entries := ZipEntries(t, art)
			assertNoPluginMeta(t, art, entries)
			if c.name == "zip" {
				checkUncheckedHash(t, extractNested(t, art, ".requirements.zip"))
			} else {
				checkUncheckedHash(t, art)
			}
			// The test suite pyreqs-withdeps ships inside its package stays source only.
			reqEntries, prefix := entries, ""
			if c.name == "zip" {
				reqEntries = ZipEntries(t, extractNested(t, art, ".requirements.zip"))
			}
			if c.layer {
				prefix = "python/"
			}
			if _, ok := reqEntries[prefix+"pyreqs_withdeps/tests/test_withdeps.py"]; !ok {
				t.Errorf("the package's test suite is not shipped")
			}
			for name := range reqEntries {
				if strings.HasPrefix(name, prefix+"pyreqs_withdeps/tests/__pycache__/") {
					t.Errorf("the package's test suite got bytecode: %s", name)
				}
			}
			_, handlerPyc := entries["__pycache__/handler."+testCacheTag+".pyc"]
			if want := c.name == "default"; handlerPyc != want {
				t.Errorf("handler bytecode in the artifact = %v, want %v (compileFunctionCode)", handlerPyc, want)
			}

			dir := Unzip(t, art)
			if c.layer {
				dir = filepath.Join(dir, "python")
			}
			script := strings.Replace(lambdaScript, "SETUP", c.setup, 1)
			if c.name == "default" {
				script += "import handler\nprint('cached', handler.__spec__.cached)\n"
			}
			stdout, stderr := runReadOnly(t, dir, c.mount, script)
			pyc := func(mod string) string { return c.root + "/" + mod + "/__pycache__/__init__." + testCacheTag + ".pyc" }
			want := []string{"cached " + pyc("pyreqs_pure"), "cached " + pyc("pyreqs_withdeps"),
				`frame File "` + c.root + `/pyreqs_pure/__init__.py", line 8, in greet`}
			loaded := []string{pyc("pyreqs_pure"), pyc("pyreqs_withdeps"), c.root + "/pyreqs_pure/__pycache__/_version." + testCacheTag + ".pyc"}
			if c.name == "default" {
				want = append(want, "cached /var/task/__pycache__/handler."+testCacheTag+".pyc")
				loaded = append(loaded, "/var/task/__pycache__/handler."+testCacheTag+".pyc")
			}
			for _, w := range want {
				if !strings.Contains(stdout, w+"\n") {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, p := range loaded {
				if !strings.Contains(stderr, "# code object from '"+p+"'") {
					t.Errorf("python -v did not load %s from bytecode:\n%s", p, grepLines(stderr, "pyreqs_"))
				}
			}
		})
	}
}

// TestBytecodeOff: compileBytecode: false ships no bytecode at all.
func TestBytecodeOff(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	s.SetConfig("custom.pythonRequirements.compileBytecode", false)
	s.MustSls("package")
	for name := range ZipEntries(t, s.Artifact()) {
		if strings.Contains(name, "__pycache__") || strings.HasSuffix(name, ".pyc") {
			t.Errorf("compileBytecode: false: %s in the artifact", name)
		}
	}
}

// runReadOnly runs python3 -v -c script in TestImage with dir mounted read-only at mount (and on
// PYTHONPATH, with LAMBDA_TASK_ROOT at /var/task as on Lambda), the network off and bytecode
// writes off.
func runReadOnly(t *testing.T, dir, mount, script string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command("docker", "run", "--rm", "--network", "none", "-v", dir+":"+mount+":ro", "-w", "/",
		"-e", "PYTHONPATH="+mount, "-e", "LAMBDA_TASK_ROOT=/var/task", "-e", "PYTHONDONTWRITEBYTECODE=1",
		TestImage, "python3", "-v", "-c", script)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("python in the container: %v\n%s\n%s", err, o.String(), tail(e.String(), 3000))
	}
	return o.String(), e.String()
}

// checkUncheckedHash checks that every .pyc of a zip is PEP 552 unchecked-hash bytecode (flags
// word 0b01) and that there are some.
func checkUncheckedHash(t *testing.T, zipPath string) {
	t.Helper()
	r, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for _, f := range r.File {
		if !strings.HasSuffix(f.Name, ".pyc") {
			continue
		}
		n++
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 8)
		_, err = io.ReadFull(rc, head)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if flags := binary.LittleEndian.Uint32(head[4:]); flags != 1 {
			t.Errorf("%s: %s has PEP 552 flags %#b, want 0b01 (unchecked-hash)", filepath.Base(zipPath), f.Name, flags)
		}
	}
	if n == 0 {
		t.Errorf("%s holds no bytecode", filepath.Base(zipPath))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
