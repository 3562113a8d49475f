package archive

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// outputBufferSize is the write buffer in front of the output file. archive/zip reuses a
// *bufio.Writer of at least 4 KiB instead of adding its own, so this is the only buffer.
const outputBufferSize = 1 << 20

// atomicFile is an output written to a temporary file beside its destination and renamed over it
// only on commit, so readers never see a partial archive and a failed run leaves dst untouched.
type atomicFile struct {
	f   *os.File
	bw  *bufio.Writer
	tmp string
	dst string
	n   int64 // bytes written through bw
}

// tempPattern is the name pattern of every temporary file this package creates beside dst.
// Tests rely on it to check that nothing is left behind.
const tempPattern = ".pyreqs-zip-*.tmp"

func createAtomic(dst string) (*atomicFile, error) {
	dir := filepath.Dir(dst)
	f, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return nil, fmt.Errorf("archive: create temporary file for %s: %w", dst, err)
	}
	// CreateTemp uses 0600; artifacts are ordinary world-readable files.
	if err := f.Chmod(0o644); err != nil && runtime.GOOS != "windows" {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("archive: chmod %s: %w", f.Name(), err)
	}
	return &atomicFile{f: f, bw: bufio.NewWriterSize(f, outputBufferSize), tmp: f.Name(), dst: dst}, nil
}

func (a *atomicFile) Write(p []byte) (int, error) {
	n, err := a.bw.Write(p)
	a.n += int64(n)
	if err != nil {
		err = fmt.Errorf("archive: write %s: %w", a.dst, err)
	}
	return n, err
}

// commit flushes, syncs and renames the temporary file over dst. On failure the temporary file is
// removed and dst is left as it was.
func (a *atomicFile) commit() (int64, error) {
	err := a.bw.Flush()
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.tmp, a.dst)
	}
	if err != nil {
		os.Remove(a.tmp)
		return 0, fmt.Errorf("archive: write %s: %w", a.dst, err)
	}
	syncDir(filepath.Dir(a.dst))
	return a.n, nil
}

// abort discards the temporary file.
func (a *atomicFile) abort() {
	a.f.Close()
	os.Remove(a.tmp)
}

// syncDir makes a rename durable. Best effort: not every platform can open or sync a directory.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}

// spillSet tracks temporary files holding compressed data of large files, so every one of them
// is removed however the run ends.
type spillSet struct {
	dir   string
	mu    sync.Mutex
	files map[*os.File]struct{}
}

func newSpillSet(dir string) *spillSet {
	return &spillSet{dir: dir, files: map[*os.File]struct{}{}}
}

func (s *spillSet) create() (*os.File, error) {
	f, err := os.CreateTemp(s.dir, tempPattern)
	if err != nil {
		return nil, fmt.Errorf("archive: create temporary file in %s: %w", s.dir, err)
	}
	s.mu.Lock()
	s.files[f] = struct{}{}
	s.mu.Unlock()
	return f, nil
}

// release closes and removes one spill file.
func (s *spillSet) release(f *os.File) error {
	s.mu.Lock()
	delete(s.files, f)
	s.mu.Unlock()
	err := f.Close()
	if rerr := os.Remove(f.Name()); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
		err = rerr
	}
	return err
}

// removeAll closes and removes every spill file still present. The caller guarantees that no
// goroutine uses them any more.
func (s *spillSet) removeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for f := range s.files {
		f.Close()
		os.Remove(f.Name())
		delete(s.files, f)
	}
}
