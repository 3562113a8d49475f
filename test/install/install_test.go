// Package install tests the packages users install, the way they install them: the tarballs of
// `npm run dist` (the per-platform binary packages and the main package), published to a real npm
// registry (verdaccio from test/install/tools) on 127.0.0.1, installed into copies of
// testdata/services/basic with npm, npm --omit=optional, npm --ignore-scripts, npm for another
// platform, pnpm 10, Yarn Berry with node_modules and Yarn PnP, each followed by the real
// `sls package` (Serverless v3 from test/tools). Run it with `bash test/install/run.sh`, which
// installs the tools first; it prints the size of every package and the install times.
package install

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/test/acceptance"
)

func TestMain(m *testing.M) { os.Exit(acceptance.Main(m)) }

// platform is one row of npm-shim/platforms.js.
type platform struct {
	Key        string `json:"key"`
	Pkg        string `json:"pkg"`
	OS         string `json:"os"`
	CPU        string `json:"cpu"`
	BinSubpath string `json:"binSubpath"`
}

// distManifest is dist/manifest.json, written by scripts/dist.js.
type distManifest struct {
	Version  string `json:"version"`
	Go       string `json:"go"`
	Packages []struct {
		Name    string `json:"name"`
		Tarball string `json:"tarball"`
		Size    int64  `json:"size"`
		SHA256  string `json:"sha256"`
		Binary  *struct {
			Size   int64  `json:"size"`
			SHA256 string `json:"sha256"`
		} `json:"binary"`
	} `json:"packages"`
}

// matrix is the state shared by the cases of TestInstallMatrix.
type matrix struct {
	root      string
	tools     string // test/install/tools/node_modules
	dist      string
	manifest  distManifest
	platforms []platform
	here      platform // the platform node runs on
	registry  string   // http://127.0.0.1:<port>/
	pipCache  string   // XDG_CACHE_HOME shared by every service: requirements are installed once
	sources   string   // inputsDigest before the first dist

	mu   sync.Mutex
	rows []row
}

type row struct {
	name, install, pack, result string
}

const (
	mainPkg    = "serverless-pyreqs"
	cmdTimeout = 5 * time.Minute
)

// basicEntries are files every artifact of testdata/services/basic must hold.
var basicEntries = []string{
	"handler.py",
	"pyreqs_pure/__init__.py",
	"pyreqs_withdeps/__init__.py",
	"pyreqs_sdistonly/__init__.py",
	"pyreqs_native/__init__.py",
}

func TestInstallMatrix(t *testing.T) {
	m := &matrix{root: acceptance.Root(t)}
	m.tools = filepath.Join(m.root, "test", "install", "tools", "node_modules")
	if _, err := os.Stat(filepath.Join(m.tools, "verdaccio", "package.json")); err != nil {
		msg := "test/install/tools is not installed: run `bash test/install/run.sh` (it installs verdaccio, pnpm and yarn, then runs this test)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	m.dist = filepath.Join(m.root, "dist")
	m.pipCache = t.TempDir()

	m.sources = inputsDigest(t, m.root)
	start := time.Now()
	out, err := run(m.root, nil, 20*time.Minute, "npm", "run", "dist")
	if err != nil {
		t.Fatalf("npm run dist: %v", err)
	}
	t.Logf("npm run dist in %v:\n%s", time.Since(start).Round(100*time.Millisecond), lastLines(string(out), 10))
	readJSON(t, filepath.Join(m.dist, "manifest.json"), &m.manifest)
	platformsJSON, err := run(m.root, nil, time.Minute, "node", "-p", `JSON.stringify({table: require("./npm-shim/platforms").PLATFORMS, here: process.platform + "-" + process.arch})`)
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Table []platform `json:"table"`
		Here  string     `json:"here"`
	}
	if err := json.Unmarshal(platformsJSON, &table); err != nil {
		t.Fatal(err)
	}
	m.platforms = table.Table
	i := slices.IndexFunc(m.platforms, func(p platform) bool { return p.Key == table.Here })
	if i < 0 {
		t.Skipf("node runs on %s, which has no platform package", table.Here)
	}
	m.here = m.platforms[i]

	m.checkTarballs(t)
	m.startRegistry(t)
	m.publish(t)
	t.Cleanup(func() { m.report() })

	t.Run("reproducible", m.reproducible)
	t.Run("npm", m.npm)
	t.Run("npm-ignore-scripts", m.npmIgnoreScripts)
	t.Run("npm-omit-optional", m.npmOmitOptional)
	t.Run("npm-other-platform", m.npmOtherPlatform)
	t.Run("pnpm", m.pnpm)
	t.Run("yarn-node-modules", m.yarnNodeModules)
	t.Run("yarn-pnp", m.yarnPnP)
}

// checkTarballs opens every tarball of dist: each platform package holds its package.json,
// README.md and one executable binary with the recorded hash; the main package holds no binary,
// no scripts, and lists every platform package at its own version with the binaries' hashes.
func (m *matrix) checkTarballs(t *testing.T) {
	if len(m.manifest.Packages) != len(m.platforms)+1 {
		t.Fatalf("dist/manifest.json lists %d packages, want %d platform packages and %s", len(m.manifest.Packages), len(m.platforms), mainPkg)
	}
	if last := m.manifest.Packages[len(m.manifest.Packages)-1].Name; last != mainPkg {
		t.Errorf("publish order ends with %s, want %s last", last, mainPkg)
	}
	hashes := map[string]string{}
	for i, p := range m.platforms {
		mp := m.manifest.Packages[i]
		if mp.Name != p.Pkg {
			t.Errorf("package %d is %s, want %s (table order)", i, mp.Name, p.Pkg)
			continue
		}
		files := readTarball(t, filepath.Join(m.dist, mp.Tarball))
		var names []string
		for name := range files {
			names = append(names, name)
		}
		slices.Sort(names)
		want := []string{"package/README.md", "package/" + p.BinSubpath, "package/package.json"}
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Errorf("%s holds %v, want %v", mp.Tarball, names, want)
		}
		bin := files["package/"+p.BinSubpath]
		if bin.mode != 0o755 {
			t.Errorf("%s: %s has mode %o, want 755", mp.Tarball, p.BinSubpath, bin.mode)
		}
		sum := sha256.Sum256(bin.data)
		if got := hex.EncodeToString(sum[:]); mp.Binary == nil || got != mp.Binary.SHA256 {
			t.Errorf("%s: binary sha256 %s does not match dist/manifest.json", mp.Tarball, got)
		}
		hashes[p.Pkg] = hex.EncodeToString(sum[:])
		var pj struct {
			Name            string   `json:"name"`
			Version         string   `json:"version"`
			OS              []string `json:"os"`
			CPU             []string `json:"cpu"`
			PreferUnplugged bool     `json:"preferUnplugged"`
			Scripts         any      `json:"scripts"`
		}
		if err := json.Unmarshal(files["package/package.json"].data, &pj); err != nil {
			t.Fatal(err)
		}
		if pj.Name != p.Pkg || pj.Version != m.manifest.Version || !slices.Equal(pj.OS, []string{p.OS}) ||
			!slices.Equal(pj.CPU, []string{p.CPU}) || !pj.PreferUnplugged || pj.Scripts != nil {
			t.Errorf("%s: package.json %+v, want %s@%s os [%s] cpu [%s] preferUnplugged, no scripts", mp.Tarball, pj, p.Pkg, m.manifest.Version, p.OS, p.CPU)
		}
	}

	main := m.manifest.Packages[len(m.platforms)]
	files := readTarball(t, filepath.Join(m.dist, main.Tarball))
	for name := range files {
		if strings.HasPrefix(name, "package/bin/") || strings.HasSuffix(name, ".go") || strings.Contains(name, "/test/") {
			t.Errorf("%s must not hold %s", main.Tarball, name)
		}
	}
	for _, name := range []string{"package/npm-shim/index.js", "package/npm-shim/binary.js", "package/npm-shim/platforms.js", "package/schema/python-requirements.schema.json", "package/README.md"} {
		if _, ok := files[name]; !ok {
			t.Errorf("%s has no %s", main.Tarball, name)
		}
	}
	var pj struct {
		Version              string            `json:"version"`
		Scripts              map[string]string `json:"scripts"`
		OptionalDependencies map[string]string `json:"optionalDependencies"`
		BinaryHashes         map[string]string `json:"binaryHashes"`
	}
	if err := json.Unmarshal(files["package/package.json"].data, &pj); err != nil {
		t.Fatal(err)
	}
	if len(pj.Scripts) != 0 {
		t.Errorf("%s has scripts %v: installs must not run any", main.Tarball, pj.Scripts)
	}
	for _, p := range m.platforms {
		if pj.OptionalDependencies[p.Pkg] != pj.Version {
			t.Errorf("%s: optionalDependencies[%s] = %q, want %q", main.Tarball, p.Pkg, pj.OptionalDependencies[p.Pkg], pj.Version)
		}
	}
	if len(pj.OptionalDependencies) != len(m.platforms) {
		t.Errorf("%s: optionalDependencies %v, want the %d platform packages", main.Tarball, pj.OptionalDependencies, len(m.platforms))
	}
	for pkg, h := range hashes {
		if pj.BinaryHashes[pkg] != h {
			t.Errorf("%s: binaryHashes[%s] = %q, want %s", main.Tarball, pkg, pj.BinaryHashes[pkg], h)
		}
	}
}

// reproducible runs the release build again, into another folder and with umask 077, and
// expects byte-identical tarballs and binaries.
func (m *matrix) reproducible(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "dist")
	sources := inputsDigest(t, m.root)
	start := time.Now()
	if _, err := run(m.root, nil, 20*time.Minute, "bash", "-c", `umask 077 && exec node scripts/dist.js --out "$1"`, "dist", out); err != nil {
		t.Fatalf("second dist: %v", err)
	}
	t.Logf("second dist (umask 077) in %v", time.Since(start).Round(100*time.Millisecond))
	first, err := os.ReadFile(filepath.Join(m.dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	if now := inputsDigest(t, m.root); now != sources || sources != m.sources {
		t.Skip("the sources of the packages changed while the test ran (someone is editing the tree): the two builds cannot be compared")
	}
	if !bytes.Equal(first, second) {
		t.Errorf("two dist runs of the same tree differ:\nfirst:\n%s\nsecond:\n%s", first, second)
	}
	if n := strings.Count(string(first), "\n"); n != 2*len(m.platforms)+1 {
		t.Errorf("SHA256SUMS has %d lines, want %d (every tarball and binary)", n, 2*len(m.platforms)+1)
	}
}

func (m *matrix) npm(t *testing.T) {
	t.Parallel()
	s, env := m.service(t)
	took := m.mustRun(t, s.Dir, env, "npm", "install", "--save-dev", mainPkg)
	m.expectPlatformPackages(t, filepath.Join(s.Dir, "node_modules", "@serverless-pyreqs"), m.here)
	m.expectBinary(t, filepath.Join(s.Dir, "node_modules", mainPkg), filepath.Join(s.Dir, "node_modules", filepath.FromSlash(m.here.Pkg), filepath.FromSlash(m.here.BinSubpath)))
	m.record(row{"npm install", took, m.packageOK(t, s), "ok"})
}

func (m *matrix) npmIgnoreScripts(t *testing.T) {
	t.Parallel()
	s, env := m.service(t)
	took := m.mustRun(t, s.Dir, env, "npm", "install", "--ignore-scripts", "--save-dev", mainPkg)
	m.expectPlatformPackages(t, filepath.Join(s.Dir, "node_modules", "@serverless-pyreqs"), m.here)
	m.record(row{"npm install --ignore-scripts", took, m.packageOK(t, s), "ok"})
}

// npmOmitOptional: without optional dependencies there is no binary; `sls package` says why and
// what to run, and running exactly that fixes it.
func (m *matrix) npmOmitOptional(t *testing.T) {
	t.Parallel()
	s, env := m.service(t)
	took := m.mustRun(t, s.Dir, env, "npm", "install", "--omit=optional", "--save-dev", mainPkg)
	m.expectPlatformPackages(t, filepath.Join(s.Dir, "node_modules", "@serverless-pyreqs"))
	dir := realDir(t, s.Dir)
	msg := m.packageFails(t, s,
		fmt.Sprintf(`The package "%s" (the pyreqs binary for %s %s) is not installed.`, m.here.Pkg, m.here.OS, m.here.CPU),
		"package-lock.json lists it, so npm was told to omit optional dependencies",
		fmt.Sprintf("Run `npm install --include=optional` in %s", dir),
	)
	t.Logf("the diagnosis:\n%s", msg)
	m.mustRun(t, s.Dir, env, "npm", "install", "--include=optional")
	m.record(row{"npm install --omit=optional", took, m.packageOK(t, s), "diagnosis; its `npm install --include=optional` fixed it"})
}

// npmOtherPlatform installs for another os/cpu, as when node_modules is copied from a Mac into a
// Linux image: `sls package` names the package found and says to install on this machine.
func (m *matrix) npmOtherPlatform(t *testing.T) {
	t.Parallel()
	other := m.platforms[0]
	for _, p := range m.platforms {
		if p.OS != m.here.OS && p.OS != "win32" {
			other = p
			break
		}
	}
	s, env := m.service(t)
	took := m.mustRun(t, s.Dir, env, "npm", "install", "--os="+other.OS, "--cpu="+other.CPU, "--save-dev", mainPkg)
	m.expectPlatformPackages(t, filepath.Join(s.Dir, "node_modules", "@serverless-pyreqs"), other)
	m.packageFails(t, s,
		fmt.Sprintf(`The package "%s" (the pyreqs binary for %s %s) is not installed, but "%s" is.`, m.here.Pkg, m.here.OS, m.here.CPU, other.Pkg),
		"node_modules was installed on another platform and copied here",
		fmt.Sprintf("Run `npm ci` in %s on this machine", realDir(t, s.Dir)),
	)
	m.mustRun(t, s.Dir, env, "npm", "ci")
	m.expectPlatformPackages(t, filepath.Join(s.Dir, "node_modules", "@serverless-pyreqs"), m.here)
	m.record(row{fmt.Sprintf("npm install --os=%s --cpu=%s", other.OS, other.CPU), took, m.packageOK(t, s), "diagnosis; its `npm ci` fixed it"})
}

func (m *matrix) pnpm(t *testing.T) {
	t.Parallel()
	s, env := m.service(t)
	took := m.mustRun(t, s.Dir, env, "node", filepath.Join(m.tools, "pnpm", "bin", "pnpm.cjs"), "add", "--save-dev", mainPkg)
	store := filepath.Join(s.Dir, "node_modules", ".pnpm")
	entries, err := os.ReadDir(store)
	if err != nil {
		t.Fatal(err)
	}
	var platformDirs []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "@serverless-pyreqs+") {
			platformDirs = append(platformDirs, e.Name())
		}
	}
	wantDir := strings.ReplaceAll(m.here.Pkg, "/", "+") + "@" + m.manifest.Version
	if !slices.Equal(platformDirs, []string{wantDir}) {
		t.Errorf("pnpm installed %v, want only %s", platformDirs, wantDir)
	}
	m.expectBinary(t, filepath.Join(s.Dir, "node_modules", mainPkg),
		filepath.Join(store, wantDir, "node_modules", filepath.FromSlash(m.here.Pkg), filepath.FromSlash(m.here.BinSubpath)))
	m.record(row{"pnpm add (v10)", took, m.packageOK(t, s), "ok"})
}

func (m *matrix) yarnNodeModules(t *testing.T) {
	t.Parallel()
	s, env := m.service(t)
	m.writeYarnrc(t, s, "node-modules")
	took := m.mustRun(t, s.Dir, env, "node", m.yarn(), "add", "--dev", mainPkg)
	m.expectPlatformPackages(t, filepath.Join(s.Dir, "node_modules", "@serverless-pyreqs"), m.here)
	m.record(row{"yarn add (nodeLinker: node-modules)", took, m.packageOK(t, s), "ok"})
}

// yarnPnP runs the Serverless CLI under the project's PnP runtime (as `yarn sls` would). Yarn
// unplugs the platform package (preferUnplugged) and the shim runs it from .yarn/unplugged; with
// unplugging turned off the binary stays in Yarn's zip cache and the shim copies it out to
// node_modules/.cache.
func (m *matrix) yarnPnP(t *testing.T) {
	t.Parallel()
	s, env := m.service(t)
	m.writeYarnrc(t, s, "pnp")
	took := m.mustRun(t, s.Dir, env, "node", m.yarn(), "add", "--dev", mainPkg)
	s.Env["NODE_OPTIONS"] = "--require " + s.Path(".pnp.cjs")
	unplugged, _ := filepath.Glob(s.Path(".yarn/unplugged/@serverless-pyreqs-" + m.here.Key + "-npm-*/node_modules/" + m.here.Pkg + "/" + m.here.BinSubpath))
	if len(unplugged) != 1 {
		t.Fatalf("yarn did not unplug %s (preferUnplugged): %v", m.here.Pkg, unplugged)
	}
	if _, err := os.Stat(s.Path("node_modules/" + m.here.Pkg)); err == nil {
		t.Errorf("nodeLinker pnp made node_modules/%s", m.here.Pkg)
	}
	pack := m.packageOK(t, s)
	copied := s.Path("node_modules/.cache/serverless-pyreqs/pnpapi-" + strings.ReplaceAll(strings.TrimPrefix(m.here.Pkg, "@"), "/", "-") + "-" + m.manifest.Version + "-" + filepath.Base(m.here.BinSubpath))
	if _, err := os.Stat(copied); err == nil {
		t.Errorf("the unplugged binary was copied to %s anyway", copied)
	}
	m.record(row{"yarn add (PnP, unplugged)", took, pack, "ok"})

	// dependenciesMeta unplugged: false keeps the package in its zip.
	pj := map[string]any{}
	readJSON(t, s.Path("package.json"), &pj)
	pj["dependenciesMeta"] = map[string]any{m.here.Pkg: map[string]any{"unplugged": false}}
	data, _ := json.MarshalIndent(pj, "", "  ")
	s.WriteFile("package.json", string(data)+"\n")
	took = m.mustRun(t, s.Dir, env, "node", m.yarn(), "install")
	if left, _ := filepath.Glob(s.Path(".yarn/unplugged/@serverless-pyreqs-*")); len(left) != 0 {
		t.Fatalf("yarn kept %v unplugged", left)
	}
	pack = m.packageOK(t, s)
	info, err := os.Stat(copied)
	if err != nil {
		t.Fatalf("the shim did not copy the zipped binary out: %v", err)
	}
	if info.Mode().Perm()&0o111 == 0 {
		t.Errorf("%s is not executable (%v)", copied, info.Mode())
	}
	m.expectBinary(t, "", copied)
	m.record(row{"yarn install (PnP, zipped)", took, pack, "ok (copied to node_modules/.cache)"})
}

// service copies testdata/services/basic with nothing installed, gives it a package.json and
// package patterns that keep every package manager's files out of the artifact, and returns the
// environment for package managers: the local registry, and caches, stores and config of its own.
func (m *matrix) service(t *testing.T) (*acceptance.Service, []string) {
	s := acceptance.NewService(t, "basic", acceptance.Bare)
	s.CacheDir = m.pipCache
	s.WriteFile("package.json", `{ "name": "basic-service", "version": "1.0.0", "private": true }`+"\n")
	s.SetConfig("package.patterns", []any{"!node_modules/**", "!package.json", "!package-lock.json", "!pnpm-lock.yaml", "!yarn.lock", "!.yarnrc.yml", "!.yarn/**", "!.pnp.*"})

	home := t.TempDir()
	npmrc := filepath.Join(home, "npmrc")
	if err := os.WriteFile(npmrc, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	env := cleanEnv()
	env = append(env,
		"npm_config_registry="+m.registry,
		"npm_config_userconfig="+npmrc,
		"npm_config_cache="+filepath.Join(home, "npm-cache"),
		"npm_config_store_dir="+filepath.Join(home, "pnpm-store"),
		"npm_config_update_notifier=false",
		"npm_config_audit=false",
		"npm_config_fund=false",
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"YARN_GLOBAL_FOLDER="+filepath.Join(home, "yarn"),
		"YARN_ENABLE_TELEMETRY=0",
		"YARN_ENABLE_IMMUTABLE_INSTALLS=false", // CI=true makes it the default
		"COREPACK_ENABLE_STRICT=0",
	)
	return s, env
}

// writeYarnrc points Yarn at the local registry. Yarn 4 holds back versions published less than
// a day ago (npmMinimalAgeGate); npmPreapprovedPackages exempts ours, as a user must for a release
// of today.
func (m *matrix) writeYarnrc(t *testing.T, s *acceptance.Service, linker string) {
	s.WriteFile(".yarnrc.yml", fmt.Sprintf(`nodeLinker: %s
npmRegistryServer: %q
unsafeHttpWhitelist: ["127.0.0.1"]
npmPreapprovedPackages: [%q, "@serverless-pyreqs/*"]
enableGlobalCache: false
enableTelemetry: false
`, linker, strings.TrimSuffix(m.registry, "/"), mainPkg))
}

func (m *matrix) yarn() string {
	return filepath.Join(m.tools, "@yarnpkg", "cli-dist", "bin", "yarn.js")
}

// expectPlatformPackages checks which platform packages a node_modules/@serverless-pyreqs holds.
func (m *matrix) expectPlatformPackages(t *testing.T, scopeDir string, want ...platform) {
	t.Helper()
	var got, wantNames []string
	entries, err := os.ReadDir(scopeDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	for _, e := range entries {
		got = append(got, e.Name())
	}
	for _, p := range want {
		wantNames = append(wantNames, strings.TrimPrefix(p.Pkg, "@serverless-pyreqs/"))
	}
	if !slices.Equal(got, wantNames) {
		t.Errorf("%s holds %v, want %v", scopeDir, got, wantNames)
	}
}

// expectBinary checks that the installed main package carries no binary of its own and that bin
// is the binary built by dist for this platform (its sha256 is the one recorded in binaryHashes).
func (m *matrix) expectBinary(t *testing.T, mainDir, bin string) {
	t.Helper()
	if mainDir != "" {
		if _, err := os.Stat(filepath.Join(mainDir, "bin")); err == nil {
			t.Errorf("the installed %s has a bin folder: the binary must come from %s", mainPkg, m.here.Pkg)
		}
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	want := m.manifest.Packages[slices.IndexFunc(m.platforms, func(p platform) bool { return p.Key == m.here.Key })].Binary.SHA256
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("%s: sha256 %s, want %s (binaryHashes)", bin, got, want)
	}
}

// packageOK runs `sls package` and checks the artifact holds the handler and every requirement,
// and nothing of node_modules or Yarn. It returns the time sls took.
func (m *matrix) packageOK(t *testing.T, s *acceptance.Service) string {
	t.Helper()
	os.RemoveAll(s.Path(".serverless"))
	start := time.Now()
	s.MustSls("package")
	took := time.Since(start)
	entries := acceptance.ZipEntries(t, s.Artifact())
	for _, name := range basicEntries {
		if _, ok := entries[name]; !ok {
			t.Errorf("%s has no %s", filepath.Base(s.Artifact()), name)
		}
	}
	for name := range entries {
		if strings.HasPrefix(name, "node_modules/") || strings.HasPrefix(name, ".yarn/") || strings.HasPrefix(name, ".pnp") {
			t.Errorf("%s holds %s", filepath.Base(s.Artifact()), name)
		}
	}
	return secs(took)
}

// packageFails runs `sls package`, expects it to fail with every one of the messages, and
// returns its output.
func (m *matrix) packageFails(t *testing.T, s *acceptance.Service, messages ...string) string {
	t.Helper()
	stdout, stderr, err := s.Sls("package")
	if err == nil {
		t.Fatal("sls package succeeded without the platform package")
	}
	out := stdout + stderr
	for _, msg := range messages {
		if !strings.Contains(out, msg) {
			t.Errorf("the output of sls package does not say %q:\n%s", msg, lastLines(out, 20))
		}
	}
	return lastLines(out, 8)
}

func (m *matrix) mustRun(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	start := time.Now()
	out, err := run(dir, env, cmdTimeout, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v", filepath.Base(name), strings.Join(args, " "), err)
	}
	t.Logf("%s %s: %s\n%s", filepath.Base(name), strings.Join(args, " "), secs(time.Since(start)), lastLines(string(out), 4))
	return secs(time.Since(start))
}

func (m *matrix) record(r row) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rows = append(m.rows, r)
}

// report prints the size of every package and the install times.
func (m *matrix) report() {
	var b strings.Builder
	fmt.Fprintf(&b, "\ninstall matrix: serverless-pyreqs %s (%s), registry verdaccio on 127.0.0.1\n\n", m.manifest.Version, m.manifest.Go)
	fmt.Fprintf(&b, "%-34s %12s %12s\n", "package", "tarball", "binary")
	for _, p := range m.manifest.Packages {
		bin := "-"
		if p.Binary != nil {
			bin = mib(p.Binary.Size)
		}
		fmt.Fprintf(&b, "%-34s %12s %12s\n", p.Name, mib(p.Size), bin)
	}
	m.mu.Lock()
	rows := slices.Clone(m.rows)
	m.mu.Unlock()
	slices.SortStableFunc(rows, func(a, b row) int { return strings.Compare(a.name, b.name) })
	fmt.Fprintf(&b, "\n%-38s %9s %12s  %s\n", "install (cold cache)", "install", "sls package", "result")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-38s %9s %12s  %s\n", r.name, r.install, r.pack, r.result)
	}
	fmt.Print(b.String())
}

// startRegistry runs verdaccio on a free port of 127.0.0.1 with an empty storage and no uplink
// (nothing is fetched from the internet), open to anonymous publishing.
func (m *matrix) startRegistry(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	config := fmt.Sprintf(`storage: %s
auth:
  htpasswd:
    file: %s
    max_users: -1
uplinks: {}
packages:
  '**':
    access: $all
    publish: $all
    unpublish: $all
max_body_size: 200mb
server:
  keepAliveTimeout: 60
log: { type: stdout, format: pretty, level: warn }
`, filepath.Join(dir, "storage"), filepath.Join(dir, "htpasswd"))
	configPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "verdaccio.log"))
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command("node", filepath.Join(m.tools, "verdaccio", "bin", "verdaccio"), "--config", configPath, "--listen", addr)
	cmd.Env = cleanEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting verdaccio: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }() //nolint:errcheck
	t.Cleanup(func() {
		cmd.Process.Kill() //nolint:errcheck
		<-exited
		logFile.Close()
	})
	m.registry = "http://" + addr + "/"
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(m.registry + "-/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logFile.Name())
			t.Fatalf("verdaccio exited:\n%s", lastLines(string(log), 30))
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile.Name())
			t.Fatalf("verdaccio did not answer on %s within 90s:\n%s", addr, lastLines(string(log), 30))
		}
	}
}

// publish publishes every tarball of dist in the order of the manifest (platform packages first,
// the main package last). The registry accepts anonymous publishes; npm insists on some token.
func (m *matrix) publish(t *testing.T) {
	dir := t.TempDir()
	npmrc := filepath.Join(dir, "npmrc")
	host := strings.TrimPrefix(m.registry, "http:")
	if err := os.WriteFile(npmrc, []byte(host+":_authToken=anonymous-publish\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(cleanEnv(), "npm_config_registry="+m.registry, "npm_config_userconfig="+npmrc,
		"npm_config_cache="+filepath.Join(dir, "npm-cache"), "npm_config_update_notifier=false")
	for _, p := range m.manifest.Packages {
		if _, err := run(m.dist, env, cmdTimeout, "npm", "publish", "--tag", "latest", filepath.Join(m.dist, p.Tarball)); err != nil {
			t.Fatalf("npm publish %s: %v", p.Tarball, err)
		}
	}
}

// cleanEnv is the test's environment without npm, pnpm, Yarn and corepack settings, so the
// developer's configuration cannot steer the installs.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		if strings.HasPrefix(upper, "NPM_CONFIG_") || strings.HasPrefix(upper, "YARN_") || strings.HasPrefix(upper, "PNPM_") ||
			strings.HasPrefix(upper, "COREPACK_") || upper == "NODE_OPTIONS" || strings.HasPrefix(upper, "PYREQS_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// run runs a command (nil env: the test's environment) and returns its stdout; the error carries
// the tail of both streams.
func run(dir string, env []string, timeout time.Duration, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("timed out after %v: %w", timeout, err)
		}
		return stdout.Bytes(), fmt.Errorf("%w\n%s\n%s", err, lastLines(stdout.String(), 20), lastLines(stderr.String(), 20))
	}
	return stdout.Bytes(), nil
}

// inputsDigest hashes what the packages are built from (Go sources, the shim, the schema,
// package.json, README.md, go.mod, go.sum), to tell a reproducibility failure from a tree that
// changed between two builds.
func inputsDigest(t *testing.T, root string) string {
	t.Helper()
	h := sha256.New()
	add := func(path string) error {
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) { // deleted while walking: the digest changes anyway
			return nil
		} else if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", path, len(data))
		h.Write(data)
		return nil
	}
	for _, f := range []string{"package.json", "README.md", "go.mod", "go.sum"} {
		if err := add(filepath.Join(root, f)); err != nil {
			t.Fatal(err)
		}
	}
	for _, dir := range []string{"goplugin", "npm-shim", "schema"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			return add(path)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

type tarFile struct {
	mode int64
	data []byte
}

// readTarball reads a .tgz into memory by entry name.
func readTarball(t *testing.T, path string) map[string]tarFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tr := tar.NewReader(gz)
	files := map[string]tarFile{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%s: %s: %v", path, h.Name, err)
		}
		files[h.Name] = tarFile{mode: h.Mode & 0o777, data: data}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// realDir is dir with symlinks resolved, as node reports the paths of installed packages.
func realDir(t *testing.T, dir string) string {
	t.Helper()
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return real
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

func mib(n int64) string { return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20)) }
