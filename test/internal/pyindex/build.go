// Package pyindex builds the test Python distributions of testdata/pypkgs and serves them as a
// PEP 503 "simple" package index on 127.0.0.1, so tests install real packages with real pip,
// uv, poetry or pipenv without touching the public index.
package pyindex

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"golang.org/x/sync/errgroup"
)

// recipe is part of the cache key: bump it when the way distributions are built changes.
const recipe = "pyindex-build-v3"

// stampFile, inside the output directory, holds the cache key of the build that produced it.
const stampFile = ".pyindex-stamp"

// sourceDateEpoch makes wheels and sdists reproducible (1980-01-01, the earliest valid zip date).
const sourceDateEpoch = "315532800"

// Manifest is testdata/pypkgs/index.json: what to build from which source directory.
type Manifest struct {
	Builds []Spec `json:"builds"`
}

// Spec is one build: a source directory built as a wheel and/or an sdist, with extra environment
// (for example the version override of a variant), into outDir or outDir/Subdir.
type Spec struct {
	Dir    string            `json:"dir"`
	Wheel  bool              `json:"wheel"`
	Sdist  bool              `json:"sdist"`
	Env    map[string]string `json:"env"`
	Subdir string            `json:"subdir"`
}

// ReadManifest reads and checks srcRoot/index.json.
func ReadManifest(srcRoot string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(srcRoot, "index.json"))
	if err != nil {
		return nil, err
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(srcRoot, "index.json"), err)
	}
	for i, s := range m.Builds {
		if s.Dir == "" || filepath.IsAbs(s.Dir) || strings.Contains(s.Dir, "..") {
			return nil, fmt.Errorf("index.json: builds[%d].dir: must be a directory name under %s", i, srcRoot)
		}
		if !s.Wheel && !s.Sdist {
			return nil, fmt.Errorf("index.json: builds[%d]: neither wheel nor sdist", i)
		}
		if s.Subdir != "" && (filepath.IsAbs(s.Subdir) || strings.Contains(s.Subdir, "..")) {
			return nil, fmt.Errorf("index.json: builds[%d].subdir: must be relative", i)
		}
	}
	return &m, nil
}

// Build builds every distribution listed in srcRoot/index.json (normally testdata/pypkgs) with
// the given interpreter into outDir: wheels with `python -m pip wheel --no-deps
// --no-build-isolation`, sdists with `python -m build --sdist --no-isolation` (or `setup.py
// sdist` when the build module is missing). The interpreter needs setuptools and wheel (the
// .tools/venv of scripts/setup.sh has them).
//
// Build also writes the PlatformWheels (wheels for other platforms, made without a build) and
// the BallastWheels (large, highly compressible pure wheels, written streaming).
//
// Each build runs on a private copy of its source directory, never in srcRoot. The result is
// cached: when the sources, the manifest and the interpreter are unchanged, Build returns at once.
// Concurrent calls (parallel test packages) are serialised by a lock file next to outDir, and the
// new content replaces outDir only once it is complete.
func Build(ctx context.Context, python, srcRoot, outDir string) error {
	srcRoot, err := filepath.Abs(srcRoot)
	if err != nil {
		return err
	}
	outDir, err = filepath.Abs(outDir)
	if err != nil {
		return err
	}
	m, err := ReadManifest(srcRoot)
	if err != nil {
		return err
	}
	pyID, err := pythonIdentity(ctx, python)
	if err != nil {
		return err
	}
	key, err := cacheKey(srcRoot, pyID)
	if err != nil {
		return err
	}

	parent := filepath.Dir(outDir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	lock := flock.New(outDir + ".lock")
	locked, err := lock.TryLockContext(ctx, 100*time.Millisecond)
	if err != nil {
		return fmt.Errorf("pyindex: locking %s.lock: %w", outDir, err)
	}
	if !locked {
		return fmt.Errorf("pyindex: could not lock %s.lock", outDir)
	}
	defer lock.Unlock()

	if have, err := os.ReadFile(filepath.Join(outDir, stampFile)); err == nil && string(have) == key {
		return nil
	}

	tmp, err := os.MkdirTemp(parent, ".pyindex-build-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "out")
	work := filepath.Join(tmp, "work")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}

	hasBuild := exec.CommandContext(ctx, python, "-c", "import build").Run() == nil
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.NumCPU())
	for i, spec := range m.Builds {
		g.Go(func() error {
			return buildOne(gctx, python, hasBuild, srcRoot, filepath.Join(work, fmt.Sprint(i)), out, spec)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, w := range PlatformWheels() {
		if err := w.Write(out); err != nil {
			return fmt.Errorf("pyindex: %s: %w", w.Filename(), err)
		}
	}
	for _, w := range BallastWheels() {
		if err := w.Write(out); err != nil {
			return fmt.Errorf("pyindex: %s: %w", w.Filename(), err)
		}
	}
	if err := os.WriteFile(filepath.Join(out, stampFile), []byte(key), 0o644); err != nil {
		return err
	}
	if err := os.RemoveAll(outDir); err != nil {
		return err
	}
	return os.Rename(out, outDir)
}

func buildOne(ctx context.Context, python string, hasBuild bool, srcRoot, work, out string, spec Spec) error {
	src := filepath.Join(work, spec.Dir)
	if err := copyTree(filepath.Join(srcRoot, spec.Dir), src); err != nil {
		return err
	}
	dest := out
	if spec.Subdir != "" {
		dest = filepath.Join(out, spec.Subdir)
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	env := buildEnv(work, spec.Env)
	if spec.Wheel {
		if err := run(ctx, src, env, python, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
			"--no-cache-dir", "--disable-pip-version-check", "--no-input", "-w", dest, "."); err != nil {
			return fmt.Errorf("pyindex: wheel of %s: %w", spec.Dir, err)
		}
	}
	if spec.Sdist {
		// A fresh copy: the wheel build leaves build/ and *.egg-info behind.
		sdistSrc := src + "-sdist"
		if err := copyTree(filepath.Join(srcRoot, spec.Dir), sdistSrc); err != nil {
			return err
		}
		var args []string
		if hasBuild {
			args = []string{"-m", "build", "--sdist", "--no-isolation", "--outdir", dest, "."}
		} else {
			args = []string{"setup.py", "-q", "sdist", "-d", dest}
		}
		if err := run(ctx, sdistSrc, env, python, args...); err != nil {
			return fmt.Errorf("pyindex: sdist of %s: %w", spec.Dir, err)
		}
	}
	return nil
}

// buildEnv is the environment of the build commands: the caller's, without pip configuration
// and caches that could leak in or out (the developer's pip.conf, ~/.cache/pip).
func buildEnv(work string, extra map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PIP_") || name == "PYTHONPATH" || name == "PYTHONHOME" ||
			name == "VIRTUAL_ENV" || name == "SOURCE_DATE_EPOCH" || name == "XDG_CACHE_HOME" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"PIP_CONFIG_FILE="+os.DevNull,
		"PIP_DISABLE_PIP_VERSION_CHECK=1",
		"PIP_NO_INPUT=1",
		"PYTHONDONTWRITEBYTECODE=1",
		"SOURCE_DATE_EPOCH="+sourceDateEpoch,
		"XDG_CACHE_HOME="+filepath.Join(work, ".cache"),
	)
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		env = append(env, k+"="+extra[k])
	}
	return env
}

func run(ctx context.Context, dir string, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	if err := cmd.Run(); err != nil {
		out := buf.String()
		if len(out) > 4000 {
			out = "..." + out[len(out)-4000:]
		}
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// pythonIdentity is what of the interpreter goes into the cache key: its version and location.
func pythonIdentity(ctx context.Context, python string) (string, error) {
	out, err := exec.CommandContext(ctx, python, "-c",
		"import sys, platform; print(sys.version); print(sys.executable); print(platform.machine())").Output()
	if err != nil {
		return "", fmt.Errorf("pyindex: running %s: %w", python, err)
	}
	return string(out), nil
}

// cacheKey hashes the recipe, the interpreter and every source file (path, exec bit, content).
func cacheKey(srcRoot, pyID string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", recipe, pyID)
	err := filepath.WalkDir(srcRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if skipSource(d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(srcRoot, path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%v\x00%d\x00", filepath.ToSlash(rel), info.Mode()&0o111 != 0, len(data))
		h.Write(data)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// skipSource leaves out what a build may have written into a source tree by accident.
func skipSource(d fs.DirEntry) bool {
	name := d.Name()
	if d.IsDir() {
		return name == "__pycache__" || name == "build" || name == "dist" || strings.HasSuffix(name, ".egg-info")
	}
	return strings.HasSuffix(name, ".pyc") || strings.HasSuffix(name, ".so")
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if skipSource(d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("pyindex: %s: only regular files are supported in package sources", path)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return copyFile(path, target, info.Mode().Perm())
	})
}

func copyFile(src, dst string, perm fs.FileMode) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.Copy(out, in)
	return err
}
