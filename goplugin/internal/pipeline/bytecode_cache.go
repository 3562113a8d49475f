package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/bytecode"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/workspace"
)

// pycCache keeps compiled .pyc files in the download cache (useDownloadCache), named by what
// determines their bytes: the compiling interpreter (the plan's key line: implementation and
// exact version), the run-time path recorded in the code objects, and the source bytes. Every
// compile on this machine (compileCached) then compiles only the sources no earlier build
// compiled: after a changed pin, only that package's files. The compiler is deterministic, so a cached file
// has the bytes a compile would give. Each file ends with the sha256 of the rest, checked on
// every read: a damaged file is a miss.
type pycCache struct {
	dir  string // <download cache>/bytecode-sha256
	salt string // the interpreter, from the compile plan's key line
}

// pycCacheDir is the cache's folder under the download cache.
const pycCacheDir = "bytecode-sha256"

// newPycCache returns the cache of r's run for plan p; nil when the download cache is off.
func (r *state) newPycCache(p *compilePlan) *pycCache {
	if r.downloadCache == "" || p == nil {
		return nil
	}
	return &pycCache{dir: filepath.Join(r.downloadCache, pycCacheDir), salt: p.key}
}

// key names the .pyc of src compiled with the run-time path dfile.
func (c *pycCache) key(dfile string, src []byte) string {
	h := sha256.New()
	h.Write([]byte(c.salt))
	h.Write([]byte{0})
	h.Write([]byte(dfile))
	h.Write([]byte{0})
	h.Write(src)
	return hex.EncodeToString(h.Sum(nil))
}

func (c *pycCache) path(key string) string { return filepath.Join(c.dir, key[:2], key+".pyc") }

// get returns the cached .pyc of key, or false (also for a damaged file).
func (c *pycCache) get(key string) ([]byte, bool) {
	b, err := os.ReadFile(c.path(key))
	if err != nil || len(b) < sha256.Size+16 {
		return nil, false
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if want := sha256.Sum256(body); !bytes.Equal(want[:], sum) {
		return nil, false
	}
	return body, true
}

// put stores pyc under key, atomically (workspace.WriteFile: a temporary file renamed into
// place), followed by its sha256.
func (c *pycCache) put(key string, pyc []byte) error {
	sum := sha256.Sum256(pyc)
	return workspace.WriteFile(c.path(key), append(pyc[:len(pyc):len(pyc)], sum[:]...))
}

// cacheTag is CPython's sys.implementation.cache_tag for a major.minor version: "cpython-311".
// (The compile plan only ever names a CPython interpreter of the set's version.)
func cacheTag(version string) string { return "cpython-" + strings.ReplaceAll(version, ".", "") }

// compileCached compiles sources of dir on this machine as p says: names ('/'-separated, relative
// to dir), or every .py file of dir when names is nil. With the bytecode cache the sources it
// holds are copied from it, the sources another set of this run is compiling right now (with
// individually, modules that share a package) are copied from it once that set has stored them,
// and the others are compiled by one run of the driver, then stored. It returns the .pyc names
// written, and the result; nothing is written when p's interpreter turns out not to be of the
// set's version (its notice is given).
func (r *state) compileCached(ctx context.Context, u *unit, p *compilePlan, dir string, names []string) ([]string, bytecode.Result, error) {
	start := time.Now()
	tag := cacheTag(p.job.Version)
	c := r.newPycCache(p)
	if c == nil {
		got, err := r.compileStore(ctx, u, p, dir, names, names == nil, nil, start)
		return got.written, got.Result, err
	}
	walked := names == nil // the whole tree: the driver may walk it rather than take a list
	if walked {
		var err error
		if names, err = pySources(dir, p.job.SkipDirs); err != nil {
			return nil, bytecode.Result{}, err
		}
	}
	var written, todo []string
	var waits []pendingPyc
	keys := map[string]string{}          // the sources this call compiles and stores
	claims := map[string]chan struct{}{} // their keys, claimed for this run
	defer r.bytecode.release(claims)
	for _, n := range names {
		src, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			return nil, bytecode.Result{}, err
		}
		k := c.key(path.Join(p.job.DDir, n), src)
		if pyc, ok := c.get(k); ok {
			if err := writePyc(dir, n, tag, pyc); err != nil {
				return nil, bytecode.Result{}, err
			}
			written = append(written, bytecode.PycPath(n, tag))
			continue
		}
		if done := r.bytecode.claim(k, claims); done != nil {
			waits = append(waits, pendingPyc{name: n, key: k, done: done})
			continue
		}
		keys[n] = k
		todo = append(todo, n)
	}
	if hits := len(written); hits > 0 {
		r.emit.Verbose(fmt.Sprintf("Took the bytecode of %d files of %s from the bytecode cache", hits, r.rel(u.ReqOut)))
	}
	res := bytecode.Result{CacheTag: tag}
	if len(todo) > 0 {
		got, err := r.compileStore(ctx, u, p, dir, todo, walked && len(todo) == len(names), keys, start)
		r.bytecode.release(claims) // before waiting: no two sets ever wait for each other
		if err != nil || got.Result.CacheTag == "" {
			return nil, got.Result, err
		}
		written, res = append(written, got.written...), got.Result
	}
	if len(waits) > 0 {
		var late []string
		shared := 0
		for _, w := range waits {
			select {
			case <-w.done:
			case <-ctx.Done():
				return nil, bytecode.Result{}, ctx.Err()
			}
			pyc, ok := c.get(w.key)
			if !ok { // that set failed, or the source does not compile: this call compiles it
				keys[w.name] = w.key
				late = append(late, w.name)
				continue
			}
			if err := writePyc(dir, w.name, tag, pyc); err != nil {
				return nil, bytecode.Result{}, err
			}
			written = append(written, bytecode.PycPath(w.name, tag))
			shared++
		}
		r.emit.Verbose(fmt.Sprintf("Took the bytecode of %d files of %s from another set of this run", shared, r.rel(u.ReqOut)))
		if len(late) > 0 {
			got, err := r.compileStore(ctx, u, p, dir, late, false, keys, time.Now())
			if err != nil || got.Result.CacheTag == "" {
				return nil, got.Result, err
			}
			written = append(written, got.written...)
			res.Failed = append(res.Failed, got.Failed...)
			res.Version, res.PythonVersion = got.Version, got.PythonVersion
		}
	}
	res.Compiled = len(written)
	return written, res, nil
}

// pendingPyc is a source whose bytecode another set of the run is compiling.
type pendingPyc struct {
	name, key string
	done      <-chan struct{}
}

// compiled is one driver run's result and the .pyc names it wrote.
type compiled struct {
	bytecode.Result
	written []string
}

// compileStore runs the driver once over todo, or over the whole of dir when all (todo is then
// every source of dir, or nil), and stores each .pyc written for a source in keys in the bytecode
// cache.
func (r *state) compileStore(ctx context.Context, u *unit, p *compilePlan, dir string, todo []string, all bool, keys map[string]string, start time.Time) (compiled, error) {
	tag := cacheTag(p.job.Version)
	job := p.job
	job.Tree = dir
	if !all {
		job.Paths = todo
	}
	got, err := bytecode.Host{Runner: r.d.Runner, Python: p.python, Environ: r.d.Environ}.Compile(ctx, job)
	if got, err = r.compileDone(u, start, got, err); err != nil || got.CacheTag == "" {
		return compiled{Result: got}, err
	}
	if got.CacheTag != tag {
		return compiled{Result: got}, fmt.Errorf("bytecode: the compiler's cache tag is %s, not %s", got.CacheTag, tag)
	}
	out := compiled{Result: got}
	if todo == nil {
		return out, nil // the whole tree, without the cache: the driver's count is the result
	}
	failed := map[string]bool{}
	for _, f := range got.Failed {
		failed[f.Path] = true
	}
	c := r.newPycCache(p)
	for _, n := range todo {
		if failed[n] {
			continue
		}
		pyc := bytecode.PycPath(n, tag)
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(pyc)))
		if errors.Is(err, fs.ErrNotExist) {
			continue // the driver wrote none for this source: nothing to ship or keep
		}
		if err != nil {
			return out, err
		}
		out.written = append(out.written, pyc)
		if k, ok := keys[n]; ok && c != nil {
			if err := c.put(k, b); err != nil {
				r.emit.Debug("Bytecode cache: " + err.Error()) // a cache that cannot be written only costs time
			}
		}
	}
	return out, nil
}

// writePyc writes the .pyc of source name in dir.
func writePyc(dir, name, tag string, pyc []byte) error {
	dst := filepath.Join(dir, filepath.FromSlash(bytecode.PycPath(name, tag)))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, pyc, 0o644)
}

// compileDone finishes a compile run: a *bytecode.SkipError becomes the run's one notice and an
// empty result, another error is returned, a result is logged.
func (r *state) compileDone(u *unit, start time.Time, res bytecode.Result, err error) (bytecode.Result, error) {
	var skip *bytecode.SkipError
	if errors.As(err, &skip) {
		r.bytecodeNotice(skip)
		return bytecode.Result{}, nil
	}
	if err != nil {
		return bytecode.Result{}, err
	}
	r.logCompiled(u, res, start)
	return res, nil
}

// pySources lists the .py files under dir ('/'-separated, sorted, __pycache__ folders and those
// named in skip left out), as the bytecode driver finds them.
func pySources(dir string, skip []string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && (d.Name() == "__pycache__" || slices.Contains(skip, d.Name())) {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() && strings.HasSuffix(d.Name(), ".py") {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out, err
}
