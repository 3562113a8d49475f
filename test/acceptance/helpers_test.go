package acceptance

// Assertion helpers shared by the acceptance tests: artifacts and zip entries, user errors,
// cache entries, running Python on an unzipped artifact, the requirement files of the two
// plugins (differential tests), the Python tool sources (Pipenv, Poetry, uv).

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// cacheRoot is the plugins' default cache folder of a Service ($XDG_CACHE_HOME/serverless-python-requirements).
func cacheRoot(s *Service) string {
	return filepath.Join(s.CacheDir, "serverless-python-requirements")
}

// fileSHA256 is the hex sha256 of a file.
func fileSHA256(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// zipHashes maps every .zip directly in dir to its sha256.
func zipHashes(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	matches, err := filepath.Glob(filepath.Join(dir, "*.zip"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range matches {
		out[filepath.Base(m)] = fileSHA256(t, m)
	}
	return out
}

// assertNoPluginMeta checks that none of the cache's own files got into an artifact, and that
// every bytecode file in it is ours: __pycache__/<name>.<tag>.pyc next to its <name>.py source
// (no stray .pyc/.pyo of a package, no bytecode whose source slim deleted).
func assertNoPluginMeta(t testing.TB, zipPath string, entries map[string]Entry) {
	t.Helper()
	for name := range entries {
		base := filepath.Base(name)
		switch {
		case base == ".completed_requirements",
			name == ".pyreqs" || strings.HasPrefix(name, ".pyreqs/") || strings.Contains(name, "/.pyreqs/"):
			t.Errorf("%s: the plugin's own file %s is in the artifact", filepath.Base(zipPath), name)
		case strings.HasSuffix(name, ".pyc"), strings.HasSuffix(name, ".pyo"):
			if src := pycSource(name); src == "" {
				t.Errorf("%s: bytecode outside __pycache__: %s", filepath.Base(zipPath), name)
			} else if _, ok := entries[src]; !ok {
				t.Errorf("%s: bytecode without its source %s: %s", filepath.Base(zipPath), src, name)
			}
		}
	}
}

// pycSource is the source of a __pycache__/<name>.<tag>.pyc entry ("" for other names).
func pycSource(name string) string {
	dir, file := path.Split(name)
	parent, ok := strings.CutSuffix(dir, "__pycache__/")
	if !ok || !strings.HasSuffix(file, ".pyc") {
		return ""
	}
	stem := strings.TrimSuffix(file, ".pyc")
	i := strings.LastIndex(stem, ".")
	if i <= 0 {
		return ""
	}
	return parent + stem[:i] + ".py"
}

// assertHas checks that entries include every name.
func assertHas(t testing.TB, zipPath string, entries map[string]Entry, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, ok := entries[n]; !ok {
			t.Errorf("%s: no entry %s", filepath.Base(zipPath), n)
		}
	}
}

// assertNoPrefix checks that no entry starts with any of the prefixes.
func assertNoPrefix(t testing.TB, zipPath string, entries map[string]Entry, prefixes ...string) {
	t.Helper()
	for name := range entries {
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				t.Errorf("%s: unexpected entry %s (prefix %s)", filepath.Base(zipPath), name, p)
			}
		}
	}
}

// hasPrefix reports whether some entry starts with p.
func hasPrefix(entries map[string]Entry, p string) bool {
	for name := range entries {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// writeExec writes an executable file (mode 0755) in the service.
func writeExec(t testing.TB, s *Service, rel, content string) {
	t.Helper()
	s.WriteFile(rel, content)
	if err := os.Chmod(s.Path(rel), 0o755); err != nil {
		t.Fatal(err)
	}
}

// runPython runs code with the machine's python3.11 in dir (as Lambda would import the handler
// from the unzipped artifact) and returns its stdout.
func runPython(t testing.TB, dir, code string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3.11", "-I", "-c", "import sys; sys.path.insert(0, '.')\n"+code)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "PYTHONDONTWRITEBYTECODE=1"}
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("python3.11 in %s: %v\n%s", dir, err, ee.Stderr)
		}
		t.Fatalf("python3.11 in %s: %v", dir, err)
	}
	return string(out)
}

var stackLine = regexp.MustCompile(`(?m)^\s+at .+(\(|\s)[^\s()]+:\d+:\d+\)?$`)

// assertUserError checks the output of a failed Serverless run: the error names every want
// string and no JavaScript stack trace is shown.
func assertUserError(t testing.TB, err error, stdout, stderr string, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("sls succeeded; want a failure naming %q", want)
	}
	all := stdout + "\n" + stderr
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("the output does not contain %q:\nstdout:\n%s\nstderr:\n%s", w, tail(stdout, 3000), tail(stderr, 3000))
		}
	}
	if m := stackLine.FindString(all); m != "" {
		t.Errorf("the output shows a stack trace (%q):\n%s", m, tail(all, 4000))
	}
}

// assertNotContains checks that out contains none of the forbidden strings.
func assertNotContains(t testing.TB, out string, forbidden ...string) {
	t.Helper()
	for _, f := range forbidden {
		if strings.Contains(out, f) {
			t.Errorf("the output contains %q", f)
		}
	}
}

// assertNothingHalfWritten checks, after a failed run, that no temporary folder, incomplete cache
// entry or dangling requirements link was left in the service's .serverless or the cache folder.
func assertNothingHalfWritten(t testing.TB, s *Service, roots ...string) {
	t.Helper()
	check := func(root string) {
		if _, err := os.Lstat(root); err != nil {
			return
		}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if strings.HasPrefix(name, ".tmp-") || strings.HasSuffix(name, ".tmp-link") {
				t.Errorf("left behind: %s", p)
			}
			if d.IsDir() && strings.HasSuffix(name, "_slspyc") && name != "downloadCacheslspyc" {
				if _, err := os.Stat(filepath.Join(p, ".completed_requirements")); err != nil {
					t.Errorf("cache entry without its marker: %s", p)
				}
				return filepath.SkipDir
			}
			if name == "downloadCacheslspyc" {
				return filepath.SkipDir
			}
			if d.Type()&fs.ModeSymlink != 0 {
				if _, err := os.Stat(p); err != nil {
					t.Errorf("dangling link: %s (%v)", p, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Errorf("walking %s: %v", root, err)
		}
	}
	check(s.Path(".serverless"))
	check(cacheRoot(s))
	for _, r := range roots {
		check(r)
	}
}

// cacheEntries lists the static cache entries (*_slspyc folders) in root.
func cacheEntries(t testing.TB, root string) []string {
	t.Helper()
	des, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		if de.IsDir() && strings.HasSuffix(de.Name(), "_slspyc") && de.Name() != "downloadCacheslspyc" {
			out = append(out, de.Name())
		}
	}
	sort.Strings(out)
	return out
}

// serviceState reads .serverless/serverless-state.json (what `sls deploy --package` would use).
func serviceState(t testing.TB, s *Service) map[string]any {
	t.Helper()
	return readJSON(t, s.Path(".serverless/serverless-state.json"))
}

// needNetwork skips the test when the public index cannot be reached (fails it under CI=true).
func needNetwork(t testing.TB, url string) {
	t.Helper()
	client := &http.Client{Timeout: 15 * time.Second}
	resp, err := client.Head(url)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 {
			return
		}
		err = errors.New(resp.Status)
	}
	Unavailable(t, "the public index is unreachable: %s: %v", url, err)
}

// probePlugin is a test-only Serverless plugin (installed into a service with installProbe). It
// answers the AWS provider's request() for the few Lambda calls of `sls deploy function`
// (getFunction, updateFunctionCode, updateFunctionConfiguration), saving the uploaded zip, so no
// AWS API is ever called, and it records the artifacts Serverless holds at package:finalize.
// Every other AWS call fails the run.
const probePlugin = `'use strict';
const fs = require('fs');
const path = require('path');

class PyreqsProbe {
  constructor(serverless) {
    const out = process.env.PROBE_OUT_DIR;
    const write = (name, data) => {
      fs.mkdirSync(out, { recursive: true });
      fs.writeFileSync(path.join(out, name), data);
    };
    const request = async (service, method, params) => {
      if (service === 'Lambda' && method === 'getFunction') {
        return { Configuration: { FunctionName: params.FunctionName, PackageType: 'Zip', CodeSha256: 'remote',
          State: 'Active', LastUpdateStatus: 'Successful', Layers: [], Environment: { Variables: {} } } };
      }
      if (service === 'Lambda' && method === 'updateFunctionCode') {
        write('uploaded-' + params.FunctionName + '.zip', params.ZipFile);
        return {};
      }
      if (service === 'Lambda' && method === 'updateFunctionConfiguration') return {};
      throw new Error('pyreqs-probe: unexpected AWS call ' + service + '.' + method);
    };
    const patch = () => {
      const provider = serverless.getProvider('aws');
      if (provider) provider.request = request;
    };
    patch();
    const artifacts = () => {
      const fns = {};
      for (const [k, f] of Object.entries(serverless.service.functions || {})) {
        fns[k] = (f && f.package && f.package.artifact) || null;
      }
      return JSON.stringify({ service: serverless.service.package.artifact || null, functions: fns });
    };
    this.hooks = {
      initialize: patch,
      'package:finalize': () => write('package.json', artifacts()),
      'before:deploy:function:deploy': () => write('deploy-function.json', artifacts()),
    };
  }
}

module.exports = PyreqsProbe;
`

// installProbe adds probePlugin to the service (in .serverless_plugins, which Serverless never
// packages) after the plugin under test, and returns the folder it writes to.
func installProbe(t testing.TB, s *Service) string {
	t.Helper()
	s.WriteFile(".serverless_plugins/pyreqs-probe.js", probePlugin)
	plugins := append(s.Plugins(), "pyreqs-probe")
	list := make([]any, len(plugins))
	for i, p := range plugins {
		list[i] = p
	}
	s.SetConfig("plugins", list)
	out := filepath.Join(t.TempDir(), "probe")
	s.Env["PROBE_OUT_DIR"] = out
	return out
}

// probeArtifacts reads what the probe recorded (file: package.json or deploy-function.json).
type probeArtifacts struct {
	Service   string            `json:"service"`
	Functions map[string]string `json:"functions"`
}

func readProbe(t testing.TB, dir, file string) probeArtifacts {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatalf("the probe plugin wrote no %s: %v", file, err)
	}
	var p probeArtifacts
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// readFile reads a file or fails the test.
func readFile(t testing.TB, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sha256Hex is the hex sha256 of data.
func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// extractNested extracts the entry name of the zip at path into a file of a temp dir.
func extractNested(t testing.TB, path, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), filepath.Base(name))
	if err := os.WriteFile(p, ZipRead(t, path, name), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// zipFileHashes maps the file entries of a zip (directory entries left out) under prefix, with the
// prefix removed, to their sha256.
func zipFileHashes(t testing.TB, path, prefix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, e := range ZipEntries(t, path) {
		if strings.HasSuffix(name, "/") || !strings.HasPrefix(name, prefix) {
			continue
		}
		out[strings.TrimPrefix(name, prefix)] = e.SHA256
	}
	return out
}

// hasSymtab reports whether the zip entry name is an ELF file with a symbol table (unstripped).
func hasSymtab(t testing.TB, path, name string) bool {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(ZipRead(t, path, name)))
	if err != nil {
		t.Fatalf("%s: %s is not an ELF file: %v", path, name, err)
	}
	defer f.Close()
	return f.Section(".symtab") != nil
}

// findEntry returns the one entry name matching re (failing the test when there is not exactly one).
func findEntry(t testing.TB, entries map[string]Entry, re string) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	var found []string
	for n := range entries {
		if rx.MatchString(n) {
			found = append(found, n)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d entries match %s: %v", len(found), re, found)
	}
	return found[0]
}

// withPrefix reports whether an entry name starts with any of the prefixes.
func withPrefix(entries map[string]Entry, prefixes ...string) []string {
	var out []string
	for n := range entries {
		for _, p := range prefixes {
			if strings.HasPrefix(n, p) {
				out = append(out, n)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// assertEntries fails for every name that is not an entry.
func assertEntries(t testing.TB, what string, entries map[string]Entry, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, ok := entries[n]; !ok {
			t.Errorf("%s: no entry %s", what, n)
		}
	}
}

// runZipped unzips a function artifact into a temp dir and runs code there with python3.11,
// as Lambda runs a handler: LAMBDA_TASK_ROOT is that dir, and unzip_requirements extracts into a
// private folder (PYREQS_UNZIP_DIR) instead of the machine-wide /tmp/sls-py-req. Returns stdout
// and the extraction folder.
func runZipped(t testing.TB, artifact, code string) (stdout, extracted string) {
	t.Helper()
	dir := Unzip(t, artifact)
	extracted = filepath.Join(t.TempDir(), "sls-py-req")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// -s -E: no user site-packages, no PYTHON* variables; '' (the task root) stays on sys.path.
	cmd := exec.CommandContext(ctx, "python3.11", "-s", "-E", "-c", code)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "PYTHONDONTWRITEBYTECODE=1",
		"LAMBDA_TASK_ROOT=" + dir, "PYREQS_UNZIP_DIR=" + extracted,
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3.11 in the unzipped %s: %v\n%s", filepath.Base(artifact), err, stderr.String())
	}
	return string(out), extracted
}

// readTemplate reads .serverless/cloudformation-template-update-stack.json.
func readTemplate(t testing.TB, s *Service) map[string]any {
	t.Helper()
	return readJSON(t, s.Path(".serverless/cloudformation-template-update-stack.json"))
}

// compactJSON renders v compactly, for comparisons and messages.
func compactJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// zipModes lists entry modes of a zip (name → permission bits).
func zipModes(t testing.TB, path string) map[string]os.FileMode {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out := map[string]os.FileMode{}
	for _, f := range r.File {
		out[f.Name] = f.Mode().Perm()
	}
	return out
}

// exists reports whether a path exists (without following a final symlink).
func exists(p string) bool {
	_, err := os.Lstat(p)
	return !errors.Is(err, os.ErrNotExist)
}

// indexPlaceholder is replaced by the local index URL in the sample services' pyproject.toml
// files (Poetry does not expand environment variables in source URLs).
const indexPlaceholder = "@PYREQS_INDEX_URL@"

// useIndex writes the service's index URL into the given files of the service.
func useIndex(t testing.TB, s *Service, rels ...string) {
	t.Helper()
	for _, rel := range rels {
		data, err := os.ReadFile(s.Path(rel))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(indexPlaceholder)) {
			t.Fatalf("%s has no %s", rel, indexPlaceholder)
		}
		s.WriteFile(rel, strings.ReplaceAll(string(data), indexPlaceholder, s.IndexURL))
	}
}

// runTool runs a Python tool of .tools/bin (uv, poetry, pipenv) in a folder of the service with
// the environment of its Serverless runs, as a user would before packaging.
func runTool(t testing.TB, s *Service, dir, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(Root(t), ".tools", "bin", name), args...)
	cmd.Dir = s.Path(dir)
	cmd.Env = s.Environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// assertPackages checks which top-level packages of testdata/pypkgs an artifact holds.
func assertPackages(t testing.TB, zipPath string, want, unwanted []string) map[string]Entry {
	t.Helper()
	entries := ZipEntries(t, zipPath)
	for _, p := range want {
		if _, ok := entries[p+"/__init__.py"]; !ok {
			t.Errorf("%s: no %s/__init__.py", filepath.Base(zipPath), p)
		}
	}
	for _, p := range unwanted {
		for name := range entries {
			if strings.HasPrefix(name, p+"/") {
				t.Errorf("%s: has %s, which must not be installed", filepath.Base(zipPath), name)
				break
			}
		}
	}
	for name := range entries {
		if strings.HasPrefix(name, "node_modules/") || name == ".completed_requirements" {
			t.Errorf("%s: unexpected entry %s", filepath.Base(zipPath), name)
		}
		// Our bytecode (compileBytecode, on by default) is <dir>/__pycache__/<module>.cpython-3XY.pyc
		// beside its source; nothing else lives in __pycache__ and no .pyc outlives its source.
		if strings.Contains(name, "__pycache__/") {
			m := ourPyc.FindStringSubmatch(name)
			if m == nil {
				t.Errorf("%s: unexpected entry %s", filepath.Base(zipPath), name)
				continue
			}
			if _, ok := entries[m[1]+m[2]+".py"]; !ok {
				t.Errorf("%s: %s has no source %s", filepath.Base(zipPath), name, m[1]+m[2]+".py")
			}
		}
	}
	return entries
}

// ourPyc matches the bytecode files serverless-pyreqs writes: dir, module name.
var ourPyc = regexp.MustCompile(`^((?:[^/]+/)*)__pycache__/([^/]+)\.cpython-3\d+\.pyc$`)

// requirementFiles maps the requirement files of an artifact (the entries that are not in the
// service folder) to their sha256.
func requirementFiles(t testing.TB, s *Service, zipPath string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, e := range ZipEntries(t, zipPath) {
		if strings.HasSuffix(name, "/") {
			continue
		}
		if _, err := os.Stat(s.Path(name)); err == nil {
			continue // the service's own file (handler.py, pyproject.toml, Pipfile ...)
		}
		out[name] = e.SHA256
	}
	return out
}

// pathWithout is PATH without the folders that hold any of the named programs (and without
// .tools/bin), so a run finds node and python but not the tool.
func pathWithout(t testing.TB, names ...string) string {
	t.Helper()
	var keep []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir == "" || filepath.Clean(dir) == filepath.Join(Root(t), ".tools", "bin") {
			continue
		}
		found := false
		for _, n := range names {
			if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
				found = true
			}
		}
		if !found {
			keep = append(keep, dir)
		}
	}
	return strings.Join(keep, string(os.PathListSeparator))
}

// documentedDiff tells whether a requirement file may differ between the plugins because of a
// documented deliberate difference (README "Differences"): the original ships bytecode, its cache
// marker and the filtered requirements.txt, and its RECORD files list the bytecode; assembled
// from wheels, ours has none of pip's bookkeeping files (INSTALLER, REQUESTED, direct_url.json),
// and its scripts in bin/ may have another shebang and pip's newer launcher template.
func documentedDiff(name string) bool {
	base := name[strings.LastIndex(name, "/")+1:]
	return name == ".completed_requirements" || name == "requirements.txt" ||
		strings.Contains(name, "__pycache__/") || strings.HasSuffix(name, ".pyc") ||
		base == "RECORD" && strings.Contains(name, ".dist-info/") || pipBookkeeping(name) ||
		strings.HasPrefix(name, "bin/") // scripts: shebang and launcher template may differ (assembled)
}

// pipBookkeeping tells whether name is one of the files pip writes into a .dist-info folder to
// record how it installed the distribution (not in the wheel; the assembled path has none).
func pipBookkeeping(name string) bool {
	dir, base := path.Split(name)
	return strings.HasSuffix(dir, ".dist-info/") && (base == "INSTALLER" || base == "REQUESTED" || base == "direct_url.json")
}

// compareRequirementFiles compares two plugins' requirement files (path → sha256) apart from the
// documented differences, reports every other difference, and returns how many files matched.
func compareRequirementFiles(t testing.TB, what string, ours, original map[string]string) int {
	t.Helper()
	names := map[string]bool{}
	for n := range ours {
		names[n] = true
	}
	for n := range original {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		if !documentedDiff(n) {
			sorted = append(sorted, n)
		}
	}
	sort.Strings(sorted)
	compared := 0
	for _, n := range sorted {
		o, inOurs := ours[n]
		g, inOriginal := original[n]
		switch {
		case !inOurs:
			t.Errorf("%s: %s is in the original's archive, not in ours", what, n)
		case !inOriginal:
			t.Errorf("%s: %s is in our archive, not in the original's", what, n)
		case o != g:
			t.Errorf("%s: %s differs (ours %s, original %s)", what, n, o[:12], g[:12])
		default:
			compared++
		}
	}
	if compared == 0 {
		t.Errorf("%s: no requirement file in common", what)
	}
	t.Logf("%s: %d requirement files identical in both plugins' archives", what, compared)
	return compared
}

// readJSON decodes a JSON object file (a CloudFormation template, serverless-state.json).
func readJSON(t testing.TB, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// dig walks nested JSON objects by keys; nil when a key is missing.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// cacheEntryDir is the one static cache entry of the service's default cache (fails otherwise).
func cacheEntryDir(t testing.TB, s *Service) string {
	t.Helper()
	entries := cacheEntries(t, cacheRoot(s))
	if len(entries) != 1 {
		t.Fatalf("cache entries %v, want one", entries)
	}
	return filepath.Join(cacheRoot(s), entries[0])
}
