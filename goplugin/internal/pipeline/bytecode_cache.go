package pipeline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
)

// pycCache keeps compiled .pyc files in the download cache (useDownloadCache), named by what
// determines their bytes: the compiling interpreter (the plan's key line: implementation and
// exact version), the run-time path recorded in the code objects, and the source bytes. An
// assembled set then compiles only the sources no earlier build compiled: after a changed pin,
// only that package's files; a module whose set shares packages with another's (pandas needs
// numpy), only what the other did not compile. The compiler is deterministic, so a cached file
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

// put stores pyc under key, atomically (a temporary file renamed into place).
func (c *pycCache) put(key string, pyc []byte) error {
	p := c.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	sum := sha256.Sum256(pyc)
	_, err = f.Write(append(pyc[:len(pyc):len(pyc)], sum[:]...))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// cacheTag is CPython's sys.implementation.cache_tag for a major.minor version: "cpython-311".
// (The compile plan only ever names a CPython interpreter of the set's version.)
func cacheTag(version string) string { return "cpython-" + strings.ReplaceAll(version, ".", "") }
