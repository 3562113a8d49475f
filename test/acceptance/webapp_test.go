package acceptance

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Web apps (issue 15): functions that name a WSGI or ASGI application or a
// BaseHTTPRequestHandler with `app:` instead of a handler, and OS libraries from
// apt-requirements.txt.

// copySample copies testdata/webapps/<name> into the service at rel.
func copySample(t testing.TB, s *Service, name, rel string) {
	t.Helper()
	if err := copyTree(filepath.Join(Root(t), "testdata", "webapps", name), s.Path(rel), false); err != nil {
		t.Fatal(err)
	}
}

// dockerRun runs a command in TestImage with the network off and returns its combined output.
func dockerRun(t testing.TB, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	full := append([]string{"run", "--rm", "--network", "none"}, args...)
	out, err := exec.CommandContext(ctx, "docker", full...).CombinedOutput()
	return string(out), err
}

// invokeApp runs the adapter's test suite (goplugin/internal/webapp/testdata/test_adapter.py)
// in TestImage against an unzipped artifact mounted read-only at /var/task: every event fixture
// of testdata/events (API Gateway REST and HTTP API, function URL, ALB with and without
// multi-value headers; GET with repeated query keys, headers and cookies, text and binary POST)
// goes through the artifact's Lambda handler, and each answer is compared with a direct WSGI,
// ASGI or http.server call of the same app.
func invokeApp(t *testing.T, dir, app, handler string) {
	t.Helper()
	root := Root(t)
	out, err := dockerRun(t,
		"-v", dir+":/var/task:ro",
		"-v", filepath.Join(root, "goplugin", "internal", "webapp", "testdata")+":/test:ro",
		"-v", filepath.Join(root, "testdata", "events")+":/events:ro",
		"-e", "PYREQS_TEST_APP="+app, "-e", "PYREQS_TEST_ROOT=/var/task",
		"-e", "PYREQS_TEST_HANDLER="+handler, "-e", "PYREQS_TEST_EVENTS=/events",
		"-e", "LAMBDA_TASK_ROOT=/var/task", "-w", "/tmp",
		TestImage, "python3", "-B", "/test/test_adapter.py", "-v")
	if err != nil {
		t.Fatalf("%s: invoking %s in %s: %v\n%s", app, handler, TestImage, err, tail(out, 6000))
	}
	if !strings.Contains(out, "test_events") || !strings.Contains(out, "\nOK") {
		t.Fatalf("%s: the adapter tests did not run:\n%s", app, tail(out, 4000))
	}
	t.Logf("%s: %s", app, strings.TrimSpace(tail(out, 300)))
}

// moduleArtifact is the one artifact written for a module function (.serverless/<module>-*.zip).
func moduleArtifact(t testing.TB, s *Service, module string) string {
	t.Helper()
	m, _ := filepath.Glob(s.Path(".serverless/" + module + "-*.zip"))
	if len(m) != 1 {
		t.Fatalf("want one artifact for module %s, got %v", module, m)
	}
	return m[0]
}

// TestWebApps packages the sample apps with the real `sls package` (functions with `app:` and no
// handler) and invokes each artifact's handler in the build image with the network off: Flask,
// a hand-written ASGI app and a BaseHTTPRequestHandler packaged individually from their own
// modules, and an `application` WSGI callable renamed with wsgiApplicationName in a shared
// artifact (packaged twice: byte-identical).
func TestWebApps(t *testing.T) {
	RequireDocker(t)
	needNetwork(t, PublicIndex+"/flask/")
	t.Run("individually", func(t *testing.T) {
		s := NewService(t, "webapp", Ours)
		s.IndexURL = PublicIndex // Flask==3.0.3 and its dependencies; the other apps need none
		copySample(t, s, "flask", "flask-app")
		copySample(t, s, "asgi", "asgi")
		copySample(t, s, "handler", "handler")
		s.MustSls("package")
		resources, _ := dig(readTemplate(t, s), "Resources").(map[string]any)
		for _, c := range []struct{ fn, module, app, resource string }{
			{"flask", "flask-app", "flask", "FlaskLambdaFunction"},
			{"asgi", "asgi", "asgi", "AsgiLambdaFunction"},
			{"handler", "handler", "handler", "HandlerLambdaFunction"},
		} {
			handler := "_pyreqs_app_" + c.fn + ".handler"
			if got := dig(resources, c.resource, "Properties", "Handler"); got != handler {
				t.Errorf("%s: the template's Handler is %v, want %s", c.fn, got, handler)
			}
			art := moduleArtifact(t, s, c.module)
			entries := ZipEntries(t, art)
			assertHas(t, art, entries, "_pyreqs_webapp.py", "_pyreqs_app_"+c.fn+".py", "api/index.py")
			if c.fn == "flask" {
				assertHas(t, art, entries, "flask/__init__.py", "werkzeug/__init__.py")
			}
			invokeApp(t, Unzip(t, art), c.app, handler)
		}
	})
	t.Run("wsgiApplicationName", func(t *testing.T) {
		s := NewService(t, "webapp", Ours)
		copySample(t, s, "wsgi-renamed", ".")
		s.SetConfig("package.individually", false)
		s.SetConfig("functions", map[string]any{"web": map[string]any{"app": "api/index.py"}})
		s.SetConfig("custom.pythonRequirements.wsgiApplicationName", "application")
		s.MustSls("package")
		art := s.Artifact()
		first := fileSHA256(t, art)
		invokeApp(t, Unzip(t, art), "wsgi", "_pyreqs_app_web.handler")
		s.MustSls("package")
		if again := fileSHA256(t, art); again != first {
			t.Errorf("a second sls package wrote another artifact: %s then %s", first, again)
		}
	})
}

// TestWebAppErrors: bad input fails `sls package` with an error naming the function's key and
// the file, without a stack trace.
func TestWebAppErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(s *Service)
		want  []string
	}{
		{"no application in the module", func(s *Service) {
			copySample(t, s, "bad", ".")
			s.SetConfig("functions", map[string]any{"noapp": map[string]any{"app": "api/noapp.py"}})
		}, []string{"functions.noapp.app", "api/noapp.py", "defines none of app, application, handler"}},
		{"not a WSGI or ASGI application", func(s *Service) {
			copySample(t, s, "bad", ".")
			s.SetConfig("functions", map[string]any{"notapp": map[string]any{"app": "api/notapp.py"}})
		}, []string{"functions.notapp.app", "api/notapp.py", "neither a WSGI"}},
		{"apt-requirements.txt without Docker", func(s *Service) {
			copySample(t, s, "asgi", ".")
			s.SetConfig("functions", map[string]any{"web": map[string]any{"app": "api/index.py"}})
			s.WriteFile("requirements.txt", "pyreqs-pure\n")
			s.WriteFile("apt-requirements.txt", "libsodium23\n")
		}, []string{"apt-requirements.txt", "functions.web", "libsodium23", "dockerizePip"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := NewService(t, "webapp", Ours)
			s.SetConfig("package.individually", false)
			c.setup(s)
			stdout, stderr, err := s.Sls("package")
			assertUserError(t, err, stdout, stderr, c.want...)
		})
	}
}

// sodiumBackend is the in-tree PEP 517 backend (standard library only, so pip builds it
// offline) of the test distribution pyreqs-sodium: build_wheel compiles a Python extension
// module that calls libsodium, linked against the soname libsodium.so.23 (no headers needed:
// the two functions are declared in the C file), into a wheel for the building interpreter.
const sodiumBackend = `import base64, gzip, hashlib, io, os, subprocess, sys, sysconfig, tarfile, tempfile, zipfile
NAME, VERSION = "pyreqs_sodium", "1.0.0"
FILES = ["pyproject.toml", "_backend/sodium_backend.py", "pyreqs_sodium/__init__.py", "pyreqs_sodium/_sodium.c"]
META = "Metadata-Version: 2.1\nName: pyreqs-sodium\nVersion: 1.0.0\n"
def get_requires_for_build_wheel(config_settings=None): return []
def get_requires_for_build_sdist(config_settings=None): return []
def _record(name, data):
    d = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (name, d, len(data))
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    py = "cp%d%d" % sys.version_info[:2]
    tag = "%s-%s-%s" % (py, py, sysconfig.get_platform().replace("-", "_").replace(".", "_"))
    with tempfile.TemporaryDirectory() as tmp:
        so = os.path.join(tmp, "_sodium.so")
        subprocess.check_call(["gcc", "-shared", "-fPIC", "-O2", "-I", sysconfig.get_paths()["include"],
                               "-o", so, "pyreqs_sodium/_sodium.c", "-l:libsodium.so.23"])
        ext = open(so, "rb").read()
    entries = [("pyreqs_sodium/__init__.py", open("pyreqs_sodium/__init__.py", "rb").read()),
               ("pyreqs_sodium/_sodium" + sysconfig.get_config_var("EXT_SUFFIX"), ext)]
    info = "%s-%s.dist-info" % (NAME, VERSION)
    entries.append((info + "/METADATA", META.encode()))
    entries.append((info + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: %s\n" % tag).encode()))
    entries.append((info + "/RECORD", ("\n".join([_record(n, d) for n, d in entries] + [info + "/RECORD,,"]) + "\n").encode()))
    name = "%s-%s-%s.whl" % (NAME, VERSION, tag)
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for n, d in entries:
            zf.writestr(zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0)), d)
    return name
def build_sdist(sdist_directory, config_settings=None):
    base = "%s-%s" % (NAME, VERSION)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for n in ["PKG-INFO"] + FILES:
            data = META.encode() if n == "PKG-INFO" else open(n, "rb").read()
            ti = tarfile.TarInfo(base + "/" + n)
            ti.size, ti.mtime, ti.mode = len(data), 315532800, 0o644
            tar.addfile(ti, io.BytesIO(data))
    with open(os.path.join(sdist_directory, base + ".tar.gz"), "wb") as out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=315532800) as gz:
            gz.write(raw.getvalue())
    return base + ".tar.gz"
`

const sodiumC = `#include <Python.h>
/* From libsodium's sodium/core.h and sodium/version.h (libsodium-dev is not needed). */
extern int sodium_init(void);
extern const char *sodium_version_string(void);

static PyObject *version(PyObject *self, PyObject *args) {
  if (sodium_init() < 0) {
    PyErr_SetString(PyExc_RuntimeError, "sodium_init failed");
    return NULL;
  }
  return PyUnicode_FromString(sodium_version_string());
}
static PyMethodDef methods[] = {{"version", version, METH_NOARGS, "libsodium's version"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_sodium", NULL, -1, methods};
PyMODINIT_FUNC PyInit__sodium(void) { return PyModule_Create(&module); }
`

// buildSodiumSdist writes the sources of pyreqs-sodium and builds its sdist into a new folder.
func buildSodiumSdist(t *testing.T) string {
	t.Helper()
	src, dist := t.TempDir(), t.TempDir()
	for name, content := range map[string]string{
		"pyproject.toml": "[build-system]\nrequires = []\nbuild-backend = \"sodium_backend\"\nbackend-path = [\"_backend\"]\n\n" +
			"[project]\nname = \"pyreqs-sodium\"\nversion = \"1.0.0\"\n",
		"_backend/sodium_backend.py": sodiumBackend,
		"pyreqs_sodium/__init__.py":  "from ._sodium import version\n",
		"pyreqs_sodium/_sodium.c":    sodiumC,
	} {
		p := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(Python(t), "-c", "import sys; sys.path.insert(0, '_backend'); import sodium_backend as b; print(b.build_sdist(sys.argv[1]))", dist)
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the pyreqs-sodium sdist: %v\n%s", err, out)
	}
	return dist
}

// TestOSLibraries: apt-requirements.txt names libsodium23, a library package the build image
// does not have, and gcc, libc6-dev and libpython3.11-dev (the image has no compiler either). With
// dockerizePip they are installed in the build container before pip, so the
// sdist pyreqs-sodium (served by the test index) compiles an extension module linked against
// libsodium.so.23; the library is then shipped in the artifact's lib/. In the image, where no
// system copy exists, the module imports with the network off and lib/ on LD_LIBRARY_PATH (as
// on Lambda, /var/task/lib), and does not without it.
func TestOSLibraries(t *testing.T) {
	RequireDocker(t)
	if out, err := dockerRun(t, TestImage, "sh", "-c", "ls /usr/lib/*/libsodium* /usr/lib/libsodium* 2>/dev/null; true"); err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("%s must not have libsodium (err %v): %s", TestImage, err, out)
	}
	idx := ServeIndex(t, buildSodiumSdist(t))
	s := NewService(t, "docker", Ours)
	s.IndexURL = idx.IndexURL()
	s.WriteFile("requirements.txt", "pyreqs-sodium==1.0.0\n")
	// The image has no compiler and no Python headers either: the build needs them too (only the
	// libraries the extension loads are shipped).
	s.WriteFile("apt-requirements.txt", "# the library pyreqs-sodium links against\nlibsodium23\n"+
		"# to build it: the compiler, libc's and Python's headers\ngcc libc6-dev libpython3.11-dev\n")
	s.WriteFile("handler.py", "import pyreqs_sodium\n\ndef hello(event, context):\n    return pyreqs_sodium.version()\n")
	stdout, stderr := s.MustSls("package", "--verbose") // the report is an info line
	if all := stdout + stderr; !strings.Contains(all, "Added to lib/ from the OS packages of apt-requirements.txt: libsodium.so.23\n") {
		t.Errorf("no report of the added library:\n%s", tail(all, 3000))
	}
	art := s.Artifact()
	entries := ZipEntries(t, art)
	assertHas(t, art, entries, "lib/libsodium.so.23", "handler.py", "pyreqs_sodium/__init__.py")
	findEntry(t, entries, `^pyreqs_sodium/_sodium\.cpython-311-.*\.so$`)
	assertNoPrefix(t, art, entries, ".pyreqs-os-libs/")
	dir := Unzip(t, art)
	run := func(env ...string) (string, error) {
		args := []string{"-v", dir + ":/var/task:ro", "-w", "/var/task"}
		for _, e := range env {
			args = append(args, "-e", e)
		}
		return dockerRun(t, append(args, TestImage, "python3", "-B", "-c",
			"import handler; print('libsodium', handler.hello({}, None))")...)
	}
	out, err := run("LD_LIBRARY_PATH=/var/task/lib")
	if err != nil || !strings.Contains(out, "libsodium 1.") {
		t.Errorf("the module does not load with lib/ on the library path: %v\n%s", err, out)
	}
	if out, err := run(); err == nil || !strings.Contains(out, "libsodium.so.23") {
		t.Errorf("the module loads without lib/ (a system copy?): %v\n%s", err, out)
	}
}
