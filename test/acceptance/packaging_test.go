package acceptance

// Packaging end to end: shared packaging, determinism, package.individually at
// service and function level with module moves, non-Python and image functions, and a
// user-supplied package.artifact, all with the real `sls package`.

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPackageDeterministic packages basic three times (cold, warm from the static cache, cold
// again in an empty cache) and checks the artifact: every requirement and its bytecode, exec bits,
// none of the cache's own files, the user's requirements.txt kept, byte-identical artifacts (the
// compiled bytecode included), and a handler that imports its dependencies from the unzipped
// artifact.
func TestPackageDeterministic(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	writeExec(t, s, "scripts/run.sh", "#!/bin/sh\necho run\n")
	userReqs, err := os.ReadFile(s.Path("requirements.txt"))
	if err != nil {
		t.Fatal(err)
	}

	s.MustSls("package")
	art := s.Artifact()
	first := fileSHA256(t, art)
	entries := ZipEntries(t, art)
	assertHas(t, art, entries,
		"handler.py", "requirements.txt", "scripts/run.sh",
		"pyreqs_pure/__init__.py", "pyreqs_pure/_version.py", "pyreqs_withdeps/__init__.py",
		"pyreqs_sdistonly/__init__.py", "pyreqs_native/__init__.py",
		"pyreqs_pure-1.0.0.dist-info/RECORD", "bin/pyreqs-pure",
		"pyreqs_pure/__pycache__/__init__."+testCacheTag+".pyc", "pyreqs_pure/__pycache__/_version."+testCacheTag+".pyc")
	assertNoPluginMeta(t, art, entries)
	for name, want := range map[string]os.FileMode{"bin/pyreqs-pure": 0o755, "scripts/run.sh": 0o755, "handler.py": 0o644, "pyreqs_pure/__init__.py": 0o644} {
		if e, ok := entries[name]; ok && e.Mode.Perm() != want {
			t.Errorf("%s: mode %v, want %v", name, e.Mode.Perm(), want)
		}
	}
	for name, e := range entries {
		if p := e.Mode.Perm(); p != 0o644 && p != 0o755 {
			t.Errorf("%s: mode %v is not normalised to 0644/0755", name, p)
		}
	}
	if got := ZipRead(t, art, "requirements.txt"); string(got) != string(userReqs) {
		t.Errorf("the artifact's requirements.txt was replaced:\n%s\nwant the user's:\n%s", got, userReqs)
	}
	// The generated requirements.txt names the cache entry (sha256 of the file + arch).
	link := s.Path(".serverless/requirements")
	target, err := os.Readlink(link)
	if err != nil {
		t.Fatalf(".serverless/requirements is not a link: %v", err)
	}
	wantEntry := fileSHA256(t, s.Path(".serverless/requirements.txt")) + "_x86_64_slspyc"
	if filepath.Base(target) != wantEntry || filepath.Dir(target) != cacheRoot(s) {
		t.Errorf(".serverless/requirements -> %s, want %s", target, filepath.Join(cacheRoot(s), wantEntry))
	}

	// Lambda's view: the handler imports its dependencies, the C extension included.
	dir := Unzip(t, art)
	out := runPython(t, dir, "import json, handler; print(json.dumps(handler.hello({}, None), sort_keys=True))")
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("handler output %q: %v", out, err)
	}
	if res["native"] != float64(42) || res["sdistonly"] != "sdist" || !strings.Contains(res["pure"].(string), "pyreqs-pure 1.0.0") {
		t.Errorf("handler.hello() = %v", res)
	}

	// Warm run: the same artifact byte for byte, from the static cache.
	stdout, stderr := s.MustSls("package", "--verbose")
	if !strings.Contains(stdout+stderr, "Using static cache of requirements found at") {
		t.Errorf("the second run did not use the static cache:\n%s", tail(stdout+stderr, 3000))
	}
	if second := fileSHA256(t, art); second != first {
		t.Errorf("sha256 of %s differs between two runs: %s then %s", filepath.Base(art), first, second)
	}
	if got, _ := os.ReadFile(s.Path("requirements.txt")); string(got) != string(userReqs) {
		t.Errorf("the user's requirements.txt was changed on disk")
	}

	// Cold again, in an empty cache: install and compile again give the same bytes.
	s.CacheDir = t.TempDir()
	s.MustSls("package")
	if third := fileSHA256(t, art); third != first {
		t.Errorf("sha256 of %s differs between two cold builds: %s then %s", filepath.Base(art), first, third)
	}
}

// TestIndividuallyServiceLevel packages the individually sample (service-level
// package.individually with two module functions and a root function) twice and checks every
// function artifact, the module move to .serverless/<module>-<name>.zip with modes kept, the
// compiled template pointing at the moved artifacts, and determinism of every zip.
func TestIndividuallyServiceLevel(t *testing.T) {
	t.Parallel()
	s := NewService(t, "individually", Ours)
	writeExec(t, s, "mod_a/tool.sh", "#!/bin/sh\necho tool\n")
	s.WriteFile("mod_a/sub/data.txt", "data\n")

	s.MustSls("package")
	first := zipHashes(t, s.Path(".serverless"))

	root := s.Path(".serverless/root.zip")
	re := ZipEntries(t, root)
	assertHas(t, root, re, "handler.py", "pyreqs_pure/__init__.py")
	assertNoPrefix(t, root, re, "pyreqs_withdeps/", "pyreqs_native/")
	assertNoPluginMeta(t, root, re)

	a := s.Path(".serverless/mod_a-individually-dev-funcA.zip")
	ae := ZipEntries(t, a)
	assertHas(t, a, ae, "handler_a.py", "requirements.txt", "tool.sh", "sub/data.txt",
		"pyreqs_withdeps/__init__.py", "pyreqs_pure/__init__.py", "bin/pyreqs-pure")
	assertNoPrefix(t, a, ae, "mod_a/", "mod_b/", "handler.py", "pyreqs_native/")
	assertNoPluginMeta(t, a, ae)
	if e := ae["tool.sh"]; e.Mode.Perm() != 0o755 {
		t.Errorf("mod_a/tool.sh moved up with mode %v, want 0755", e.Mode.Perm())
	}
	if e := ae["handler_a.py"]; e.Mode.Perm() != 0o644 {
		t.Errorf("handler_a.py mode %v, want 0644", e.Mode.Perm())
	}
	if got := string(ZipRead(t, a, "requirements.txt")); got != "pyreqs-withdeps\n" {
		t.Errorf("mod_a's requirements.txt in the artifact = %q, want the user's file", got)
	}

	b := s.Path(".serverless/mod_b-individually-dev-funcB.zip")
	be := ZipEntries(t, b)
	assertHas(t, b, be, "handler_b.py", "pyreqs_native/__init__.py")
	assertNoPrefix(t, b, be, "mod_b/", "pyreqs_withdeps/", "pyreqs_pure/")
	assertNoPluginMeta(t, b, be)

	// The framework compiled the moved artifacts into the template.
	tpl, err := os.ReadFile(s.Path(".serverless/cloudformation-template-update-stack.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"mod_a-individually-dev-funcA.zip", "mod_b-individually-dev-funcB.zip", "root.zip"} {
		if !strings.Contains(string(tpl), name) {
			t.Errorf("the compiled template does not reference %s", name)
		}
	}
	for _, name := range []string{"/funcA.zip", "/funcB.zip"} {
		if strings.Contains(string(tpl), name) {
			t.Errorf("the compiled template still references the unmoved %s", name)
		}
	}

	// The module function imports its dependencies from the moved artifact.
	dir := Unzip(t, a)
	if out := runPython(t, dir, "import handler_a; print(handler_a.hello({}, None))"); !strings.Contains(out, "hello mod_a from pyreqs-pure 1.0.0") {
		t.Errorf("handler_a.hello() printed %q", out)
	}

	s.MustSls("package")
	second := zipHashes(t, s.Path(".serverless"))
	for name, sum := range first {
		if second[name] != sum {
			t.Errorf("%s: sha256 differs between two runs", name)
		}
	}
	if len(first) != len(second) {
		t.Errorf("artifacts differ between runs: %v vs %v", first, second)
	}
}

// functionIndividually configures the basic sample for v4's function-level package.individually:
// a shared python function, an individually packaged module function, an individually packaged
// Node function, a shared Node function and an image function.
func functionIndividually(t *testing.T) *Service {
	s := NewService(t, "basic", Ours)
	s.WriteFile("mod_solo/handler_solo.py", "import pyreqs_withdeps\n\n\ndef hello(event, context):\n    return pyreqs_withdeps.greet_twice('solo')\n")
	s.WriteFile("mod_solo/requirements.txt", "pyreqs-withdeps\n")
	writeExec(t, s, "mod_solo/bin/run.sh", "#!/bin/sh\necho solo\n")
	s.WriteFile("index.js", "'use strict';\nexports.handler = async () => 'node';\n")
	s.UnsetConfig("functions")
	s.SetConfig("functions.hello.handler", "handler.hello")
	s.SetConfig("functions.solo.handler", "handler_solo.hello")
	s.SetConfig("functions.solo.module", "mod_solo")
	s.SetConfig("functions.solo.package.individually", true)
	s.SetConfig("functions.node.handler", "index.handler")
	s.SetConfig("functions.node.runtime", "nodejs20.x")
	s.SetConfig("functions.node.package.individually", true)
	s.SetConfig("functions.node.package.patterns", []any{"!**", "index.js"})
	s.SetConfig("functions.nodeShared.handler", "index.handler")
	s.SetConfig("functions.nodeShared.runtime", "nodejs20.x")
	s.SetConfig("functions.img.image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/pyreqs@sha256:"+strings.Repeat("ab", 32))
	return s
}

// TestIndividuallyFunctionLevel checks function-level package.individually (v4): the
// individually packaged module function gets its own requirements in a moved artifact, the shared
// functions get the service requirements, and the Node function's zip and the image function are
// untouched (the Node zip is byte for byte what Serverless writes without the plugin).
func TestIndividuallyFunctionLevel(t *testing.T) {
	t.Parallel()
	s := functionIndividually(t)

	// Baseline without the plugin: what Serverless itself writes for the Node function.
	s.SetConfig("plugins", []any{})
	s.MustSls("package")
	baseNode := fileSHA256(t, s.Path(".serverless/node.zip"))
	s.SetConfig("plugins", []any{Ours.PackageName()})

	s.MustSls("package")
	node := s.Path(".serverless/node.zip")
	if got := fileSHA256(t, node); got != baseNode {
		t.Errorf("node.zip (nodejs20.x, individually) changed: sha256 %s, without the plugin %s", got, baseNode)
	}
	if ne := ZipEntries(t, node); hasPrefix(ne, "pyreqs_") || hasPrefix(ne, "bin/") {
		t.Errorf("node.zip received python requirements: %v", sortedNames(ne))
	}

	shared := s.Artifact()
	se := ZipEntries(t, shared)
	assertHas(t, shared, se, "handler.py", "index.js", "pyreqs_pure/__init__.py", "pyreqs_native/__init__.py", "pyreqs_sdistonly/__init__.py")
	assertNoPluginMeta(t, shared, se)

	solo := s.Path(".serverless/mod_solo-basic-dev-solo.zip")
	oe := ZipEntries(t, solo)
	assertHas(t, solo, oe, "handler_solo.py", "bin/run.sh", "pyreqs_withdeps/__init__.py", "pyreqs_pure/__init__.py")
	assertNoPrefix(t, solo, oe, "mod_solo/", "pyreqs_native/", "pyreqs_sdistonly/", "handler.py")
	assertNoPluginMeta(t, solo, oe)
	if e := oe["bin/run.sh"]; e.Mode.Perm() != 0o755 {
		t.Errorf("mod_solo/bin/run.sh moved up with mode %v, want 0755", e.Mode.Perm())
	}
	if _, err := os.Stat(s.Path(".serverless/img.zip")); err == nil {
		t.Errorf("an artifact was written for the image function")
	}

	// The compiled template: the solo function uses the moved zip; the image function keeps its image.
	tpl := readTemplate(t, s)
	res := dig(tpl, "Resources").(map[string]any)
	key := func(logical string) string {
		v, _ := dig(res, logical, "Properties", "Code", "S3Key").(string)
		return v
	}
	if k := key("SoloLambdaFunction"); !strings.HasSuffix(k, "/mod_solo-basic-dev-solo.zip") {
		t.Errorf("SoloLambdaFunction S3Key = %q, want the moved artifact", k)
	}
	if k := key("NodeLambdaFunction"); !strings.HasSuffix(k, "/node.zip") {
		t.Errorf("NodeLambdaFunction S3Key = %q", k)
	}
	if img, _ := dig(res, "ImgLambdaFunction", "Properties", "Code", "ImageUri").(string); !strings.Contains(img, "@sha256:") {
		t.Errorf("ImgLambdaFunction ImageUri = %q", img)
	}
	st := serviceState(t, s)
	if p := dig(st, "service", "functions", "img", "package"); p != nil {
		if m, ok := p.(map[string]any); ok && m["artifact"] != nil {
			t.Errorf("the image function got an artifact: %v", m["artifact"])
		}
	}
}

func sortedNames(entries map[string]Entry) []string {
	out := make([]string, 0, len(entries))
	for n := range entries {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// TestPrebuiltArtifact packages a service whose package.artifact is a prebuilt zip: the
// requirements go into a copy in .serverless that the service now points at, the user's zip is
// left byte for byte, and a second run does not inject twice.
func TestPrebuiltArtifact(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	prebuilt := s.Path("prebuilt/app.zip")
	if err := os.MkdirAll(filepath.Dir(prebuilt), 0o755); err != nil {
		t.Fatal(err)
	}
	writeZip(t, prebuilt, map[string]string{
		"handler.py":    "import pyreqs_pure\n\n\ndef hello(event, context):\n    return pyreqs_pure.greet('prebuilt')\n",
		"data/blob.txt": "prebuilt data\n",
	})
	before := fileSHA256(t, prebuilt)
	s.SetConfig("package.artifact", "prebuilt/app.zip")
	probe := installProbe(t, s)

	for run := 1; run <= 2; run++ {
		s.MustSls("package")
		if got := fileSHA256(t, prebuilt); got != before {
			t.Fatalf("run %d modified the user's artifact prebuilt/app.zip", run)
		}
		cp := s.Path(".serverless/app.zip")
		entries := ZipEntries(t, cp)
		assertHas(t, cp, entries, "handler.py", "data/blob.txt", "pyreqs_pure/__init__.py", "pyreqs_native/__init__.py")
		assertNoPluginMeta(t, cp, entries)
		// What Serverless uploads: service.package.artifact now points at the copy.
		if art := readProbe(t, probe, "package.json").Service; filepath.Clean(art) != cp {
			t.Errorf("run %d: service.package.artifact = %q, want %s", run, art, cp)
		}
		if art, _ := dig(serviceState(t, s), "package", "artifact").(string); art != "app.zip" {
			t.Errorf("run %d: serverless-state.json package.artifact = %q, want app.zip (found in .serverless by deploy --package)", run, art)
		}
		dir := Unzip(t, cp)
		if out := runPython(t, dir, "import handler; print(handler.hello({}, None))"); !strings.Contains(out, "hello prebuilt from pyreqs-pure") {
			t.Errorf("handler.hello() printed %q", out)
		}
	}
}

func writeZip(t testing.TB, path string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDeployFunction runs `sls deploy function` (AWS answered by the probe plugin) for a
// module function of an individually packaged service and for a shared function, and checks the
// zip that would be uploaded: the before/after hooks of deploy function installed and injected
// that function's requirements, and only those.
func TestDeployFunction(t *testing.T) {
	t.Parallel()
	t.Run("individually", func(t *testing.T) {
		t.Parallel()
		s := NewService(t, "individually", Ours)
		writeExec(t, s, "mod_a/tool.sh", "#!/bin/sh\necho tool\n")
		probe := installProbe(t, s)
		stdout, stderr := s.MustSls("deploy", "function", "-f", "funcA", "--verbose")
		up := filepath.Join(probe, "uploaded-individually-dev-funcA.zip")
		entries := ZipEntries(t, up)
		assertHas(t, up, entries, "handler_a.py", "tool.sh", "pyreqs_withdeps/__init__.py", "pyreqs_pure/__init__.py")
		assertNoPrefix(t, up, entries, "mod_a/", "pyreqs_native/", "handler.py")
		assertNoPluginMeta(t, up, entries)
		if e := entries["tool.sh"]; e.Mode.Perm() != 0o755 {
			t.Errorf("tool.sh mode %v, want 0755", e.Mode.Perm())
		}
		if a := readProbe(t, probe, "deploy-function.json").Functions["funcA"]; !strings.HasSuffix(a, "/.serverless/mod_a-individually-dev-funcA.zip") {
			t.Errorf("functions.funcA.package.artifact = %q, want the moved module zip", a)
		}
		if out := stdout + stderr; strings.Contains(out, "mod_b") {
			t.Errorf("deploy function -f funcA touched mod_b:\n%s", tail(out, 3000))
		}
	})
	t.Run("shared-prebuilt", func(t *testing.T) {
		// deploy function with a service-level package.artifact: Serverless points the
		// function at that zip; what is uploaded must be the copy holding the requirements.
		t.Parallel()
		s := NewService(t, "basic", Ours)
		if err := os.MkdirAll(s.Path("prebuilt"), 0o755); err != nil {
			t.Fatal(err)
		}
		prebuilt := s.Path("prebuilt/app.zip")
		writeZip(t, prebuilt, map[string]string{"handler.py": "def hello(event, context):\n    return 'prebuilt'\n"})
		before := fileSHA256(t, prebuilt)
		s.SetConfig("package.artifact", "prebuilt/app.zip")
		probe := installProbe(t, s)
		s.MustSls("deploy", "function", "-f", "hello")
		up := filepath.Join(probe, "uploaded-basic-dev-hello.zip")
		assertHas(t, up, ZipEntries(t, up), "handler.py", "pyreqs_pure/__init__.py", "pyreqs_native/__init__.py")
		if got := fileSHA256(t, prebuilt); got != before {
			t.Errorf("deploy function modified the user's artifact")
		}
	})
	t.Run("shared", func(t *testing.T) {
		t.Parallel()
		s := NewService(t, "basic", Ours)
		probe := installProbe(t, s)
		// A package first: deploy function does not wipe .serverless, so the links and zips of
		// that run are still there and must be replaced cleanly.
		s.MustSls("package")
		s.MustSls("deploy", "function", "-f", "hello")
		up := filepath.Join(probe, "uploaded-basic-dev-hello.zip")
		entries := ZipEntries(t, up)
		assertHas(t, up, entries, "handler.py", "requirements.txt", "bin/pyreqs-pure",
			"pyreqs_pure/__init__.py", "pyreqs_native/__init__.py", "pyreqs_withdeps/__init__.py", "pyreqs_sdistonly/__init__.py")
		assertNoPluginMeta(t, up, entries)
		dir := Unzip(t, up)
		if out := runPython(t, dir, "import handler; print(handler.hello({}, None)['native'])"); strings.TrimSpace(out) != "42" {
			t.Errorf("handler.hello()['native'] = %q, want 42", out)
		}
	})
}

// TestPrebuiltFunctionArtifact: user-supplied artifacts at function level are not
// modified in place either: an individually packaged function's prebuilt zip and a shared
// function's prebuilt zip each get a copy with the requirements, which the function then uses.
func TestPrebuiltFunctionArtifact(t *testing.T) {
	t.Parallel()
	s := NewService(t, "individually", Ours)
	if err := os.MkdirAll(s.Path("prebuilt"), 0o755); err != nil {
		t.Fatal(err)
	}
	prebuilt := s.Path("prebuilt/fn.zip")
	writeZip(t, prebuilt, map[string]string{"handler.py": "def root(event, context):\n    return 'prebuilt'\n"})
	before := fileSHA256(t, prebuilt)
	s.SetConfig("functions.root.package.artifact", "prebuilt/fn.zip")
	probe := installProbe(t, s)
	for run := 1; run <= 2; run++ {
		s.MustSls("package")
		if got := fileSHA256(t, prebuilt); got != before {
			t.Fatalf("run %d modified the user's artifact prebuilt/fn.zip", run)
		}
		art := readProbe(t, probe, "package.json").Functions["root"]
		if art == "" || filepath.Clean(art) == prebuilt || !strings.HasPrefix(art, s.Path(".serverless")+"/") {
			t.Fatalf("run %d: functions.root.package.artifact = %q, want a copy in .serverless", run, art)
		}
		entries := ZipEntries(t, art)
		assertHas(t, art, entries, "handler.py", "pyreqs_pure/__init__.py")
		assertNoPluginMeta(t, art, entries)
		if !strings.Contains(string(readFile(t, s.Path(".serverless/cloudformation-template-update-stack.json"))), filepath.Base(art)) {
			t.Errorf("run %d: the template does not reference %s", run, filepath.Base(art))
		}
	}
}
