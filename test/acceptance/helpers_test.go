package acceptance

// Helpers shared by the issue 2 acceptance tests (core, options, commands, errors, differential).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// i2CacheRoot is the plugins' default cache folder of a Service ($XDG_CACHE_HOME/serverless-python-requirements).
func i2CacheRoot(s *Service) string {
	return filepath.Join(s.CacheDir, "serverless-python-requirements")
}

// i2FileSHA256 is the hex sha256 of a file.
func i2FileSHA256(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// i2ZipHashes maps every .zip directly in dir to its sha256.
func i2ZipHashes(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	matches, err := filepath.Glob(filepath.Join(dir, "*.zip"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range matches {
		out[filepath.Base(m)] = i2FileSHA256(t, m)
	}
	return out
}

// i2AssertNoPluginMeta checks that none of the cache's own files or bytecode got into an artifact.
func i2AssertNoPluginMeta(t testing.TB, zipPath string, entries map[string]Entry) {
	t.Helper()
	for name := range entries {
		base := filepath.Base(name)
		switch {
		case base == ".completed_requirements",
			name == ".pyreqs" || strings.HasPrefix(name, ".pyreqs/") || strings.Contains(name, "/.pyreqs/"),
			strings.Contains("/"+name, "/__pycache__"),
			strings.HasSuffix(name, ".pyc"), strings.HasSuffix(name, ".pyo"):
			t.Errorf("%s: the plugin's own file or bytecode %s is in the artifact", filepath.Base(zipPath), name)
		}
	}
}

// i2AssertHas checks that entries include every name.
func i2AssertHas(t testing.TB, zipPath string, entries map[string]Entry, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, ok := entries[n]; !ok {
			t.Errorf("%s: no entry %s", filepath.Base(zipPath), n)
		}
	}
}

// i2AssertNoPrefix checks that no entry starts with any of the prefixes.
func i2AssertNoPrefix(t testing.TB, zipPath string, entries map[string]Entry, prefixes ...string) {
	t.Helper()
	for name := range entries {
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				t.Errorf("%s: unexpected entry %s (prefix %s)", filepath.Base(zipPath), name, p)
			}
		}
	}
}

// i2HasPrefix reports whether some entry starts with p.
func i2HasPrefix(entries map[string]Entry, p string) bool {
	for name := range entries {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// i2WriteExec writes an executable file (mode 0755) in the service.
func i2WriteExec(t testing.TB, s *Service, rel, content string) {
	t.Helper()
	s.WriteFile(rel, content)
	if err := os.Chmod(s.Path(rel), 0o755); err != nil {
		t.Fatal(err)
	}
}

// i2RunPython runs code with the machine's python3.11 in dir (as Lambda would import the handler
// from the unzipped artifact) and returns its stdout.
func i2RunPython(t testing.TB, dir, code string) string {
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

var i2StackLine = regexp.MustCompile(`(?m)^\s+at .+(\(|\s)[^\s()]+:\d+:\d+\)?$`)

// i2AssertUserError checks the output of a failed Serverless run: the error names every want
// string, no JavaScript stack trace is shown, and none of the forbidden strings appear.
func i2AssertUserError(t testing.TB, err error, stdout, stderr string, want []string, forbidden ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("sls succeeded; want a failure naming %v", want)
	}
	all := stdout + "\n" + stderr
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("the output does not contain %q:\nstdout:\n%s\nstderr:\n%s", w, tail(stdout, 3000), tail(stderr, 3000))
		}
	}
	if m := i2StackLine.FindString(all); m != "" {
		t.Errorf("the output shows a stack trace (%q):\n%s", m, tail(all, 4000))
	}
	for _, f := range forbidden {
		if strings.Contains(all, f) {
			t.Errorf("the output contains %q", f)
		}
	}
}

// i2AssertNothingHalfWritten checks, after a failed run, that no temporary folder, incomplete cache
// entry or dangling requirements link was left in the service's .serverless or the cache folder.
func i2AssertNothingHalfWritten(t testing.TB, s *Service, roots ...string) {
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
	check(i2CacheRoot(s))
	for _, r := range roots {
		check(r)
	}
}

// i2CacheEntries lists the static cache entries (*_slspyc folders) in root.
func i2CacheEntries(t testing.TB, root string) []string {
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

// i2ServiceState reads .serverless/serverless-state.json (what `sls deploy --package` would use).
func i2ServiceState(t testing.TB, s *Service) map[string]any {
	t.Helper()
	return readJSON(t, s.Path(".serverless/serverless-state.json"))
}

// i2NeedNetwork skips the test when the public index cannot be reached, except in CI where that
// is a failure.
func i2NeedNetwork(t testing.TB, url string) {
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
	if os.Getenv("CI") == "true" {
		t.Fatalf("the public index is unreachable (CI=true): %s: %v", url, err)
	}
	t.Skipf("the public index is unreachable: %s: %v", url, err)
}

// i2ProbePlugin is a test-only Serverless plugin (installed into a service with i2InstallProbe). It
// answers the AWS provider's request() for the few Lambda calls of `sls deploy function`
// (getFunction, updateFunctionCode, updateFunctionConfiguration), saving the uploaded zip, so no
// AWS API is ever called, and it records the artifacts Serverless holds at package:finalize.
// Every other AWS call fails the run.
const i2ProbePlugin = `'use strict';
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

// i2InstallProbe adds i2ProbePlugin to the service (in .serverless_plugins, which Serverless never
// packages) after the plugin under test, and returns the folder it writes to.
func i2InstallProbe(t testing.TB, s *Service) string {
	t.Helper()
	s.WriteFile(".serverless_plugins/pyreqs-probe.js", i2ProbePlugin)
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

// i2ProbeArtifacts reads what the probe recorded (file: package.json or deploy-function.json).
type i2ProbeArtifacts struct {
	Service   string            `json:"service"`
	Functions map[string]string `json:"functions"`
}

func i2ReadProbe(t testing.TB, dir, file string) i2ProbeArtifacts {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatalf("the probe plugin wrote no %s: %v", file, err)
	}
	var p i2ProbeArtifacts
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// i2ReadFile reads a file or fails the test.
func i2ReadFile(t testing.TB, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
