package archive

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
)

const (
	// dosDate1980 is 1980-01-01 in MS-DOS date format ((year-1980)<<9 | month<<5 | day), the
	// earliest valid DOS date. Together with a DOS time of 0 it is the fixed timestamp of every
	// entry this package compresses.
	dosDate1980 = 0<<9 | 1<<5 | 1

	creatorUnix   = 3 // "version made by" high byte: UNIX, so readers honour ExternalAttrs modes
	zipVersion20  = 20
	zipVersion45  = 45
	uint32max     = 1<<32 - 1
	sIFREG        = 0o100000
	flagDataDesc  = 0x8
	flagUTF8      = 0x800
	copyChunkSize = 1 << 20

	// defaultWindow bounds the file data (raw plus compressed) held in memory by files that are
	// being compressed or are waiting for their turn to be written.
	defaultWindow = 96 << 20
	// spillWeight is what a streamed large file counts against the window (its buffers).
	spillWeight = 1 << 20
)

// inMemoryMax is the largest file compressed entirely in memory. Larger files are streamed
// through the compressor into a temporary "spill" file beside the output. A variable so tests can
// exercise the spill path with small files; the output does not depend on it.
var inMemoryMax int64 = 8 << 20

// testHookBeforeEntry, when set by a test, runs in the writer before entry i is written.
var testHookBeforeEntry func(i int)

// FixedModTime is the modification time of every entry this package compresses, as
// archive/zip reports it when reading such an entry back (DOS date 1980-01-01, time 0, no
// extended-timestamp extra field).
var FixedModTime = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// entry is one member of an output archive: raw-copied from an input zip, or a disk file to
// compress.
type entry struct {
	name string
	zf   *zip.File // raw copy source, or nil
	src  string    // description of the raw source, for errors
	// header, when set, replaces zf's header in the output (RawEntry); its name is already set
	header *zip.FileHeader
	file   diskFile // when zf == nil
}

// result is a compressed disk file, ready to be written.
type result struct {
	fh        zip.FileHeader
	data      []byte        // in-memory payload (compressed, or raw when stored)
	buf       *bytes.Buffer // pooled buffers backing data, returned after writing
	raw       *bytes.Buffer
	spill     *os.File // compressed payload of a large file, positioned at 0
	fromSrc   bool     // large incompressible file: copy it again from disk, stored
	err       error
	weightOut int64
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuf() *bytes.Buffer { b := bufPool.Get().(*bytes.Buffer); b.Reset(); return b }

func putBuf(b *bytes.Buffer) {
	if b != nil && int64(b.Cap()) <= 4*inMemoryMax {
		bufPool.Put(b)
	}
}

// writeArchive writes entries (already sorted and unique) as a zip to dst atomically.
func writeArchive(ctx context.Context, dst string, entries []entry, opt PackOptions) (Stats, error) {
	opt = opt.withDefaults()
	out, err := createAtomic(dst)
	if err != nil {
		return Stats{}, err
	}
	p := &pipeline{
		entries: entries,
		opt:     opt,
		spills:  newSpillSet(filepath.Dir(dst)),
	}
	stats, err := p.run(ctx, out)
	p.spills.removeAll()
	if err != nil {
		out.abort()
		return Stats{}, err
	}
	n, err := out.commit()
	if err != nil {
		return Stats{}, err
	}
	stats.Written = n
	return stats, nil
}

type pipeline struct {
	entries []entry
	opt     PackOptions
	spills  *spillSet
}

func (p *pipeline) run(ctx context.Context, out io.Writer) (Stats, error) {
	g, gctx := errgroup.WithContext(ctx)
	results := make([]chan result, len(p.entries))
	var jobs []int
	for i := range p.entries {
		if p.entries[i].zf == nil {
			results[i] = make(chan result, 1)
			jobs = append(jobs, i)
		}
	}
	window := p.opt.Window
	sem := semaphore.NewWeighted(window)
	weight := func(e *entry) int64 {
		w := int64(spillWeight)
		if e.file.size <= inMemoryMax {
			w = 2*e.file.size + 4<<10
		}
		return min(w, window)
	}

	if len(jobs) > 0 {
		jobc := make(chan int)
		g.Go(func() error { // feeder: admits jobs in output order, bounded by the window
			defer close(jobc)
			for _, i := range jobs {
				if err := sem.Acquire(gctx, weight(&p.entries[i])); err != nil {
					return err
				}
				select {
				case jobc <- i:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return nil
		})
		for range min(p.opt.Workers, len(jobs)) {
			g.Go(func() error {
				c := &compressor{level: p.opt.Level, spills: p.spills}
				for i := range jobc {
					if err := gctx.Err(); err != nil {
						return err
					}
					r := c.compress(gctx, &p.entries[i])
					r.weightOut = weight(&p.entries[i])
					results[i] <- r
					if r.err != nil {
						return r.err
					}
				}
				return nil
			})
		}
	}

	var stats Stats
	g.Go(func() error { // writer: the only goroutine touching the zip.Writer
		zw := zip.NewWriter(out)
		level := p.opt.Level
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, level)
		})
		buf := make([]byte, copyChunkSize)
		for i := range p.entries {
			if err := gctx.Err(); err != nil {
				return err
			}
			if testHookBeforeEntry != nil {
				testHookBeforeEntry(i)
				if err := gctx.Err(); err != nil {
					return err
				}
			}
			e := &p.entries[i]
			if e.zf != nil {
				if err := copyRaw(gctx, zw, e, buf); err != nil {
					return err
				}
				stats.Entries++
				stats.Bytes += int64(e.zf.UncompressedSize64)
				continue
			}
			var r result
			select {
			case r = <-results[i]:
			case <-gctx.Done():
				return gctx.Err()
			}
			if r.err != nil {
				return r.err
			}
			err := p.writeResult(gctx, zw, e, &r, buf)
			sem.Release(r.weightOut)
			if err != nil {
				return err
			}
			stats.Entries++
			stats.Bytes += int64(r.fh.UncompressedSize64)
		}
		if err := zw.Close(); err != nil {
			return fmt.Errorf("archive: finish zip: %w", err)
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		// Results that were never written may still own buffers; spill files are removed by
		// the caller. Nothing else to release.
		return Stats{}, err
	}
	return stats, nil
}

func (p *pipeline) writeResult(ctx context.Context, zw *zip.Writer, e *entry, r *result, buf []byte) error {
	fh := r.fh
	w, err := zw.CreateRaw(&fh)
	if err != nil {
		return fmt.Errorf("archive: add %s: %w", e.name, err)
	}
	switch {
	case r.spill != nil:
		_, err = io.CopyBuffer(w, ctxReader{ctx, r.spill}, buf)
		if rerr := p.spills.release(r.spill); err == nil {
			err = rerr
		}
	case r.fromSrc:
		err = copyStoredFromSource(ctx, w, e, &fh, buf)
	default:
		_, err = w.Write(r.data)
		putBuf(r.buf)
		putBuf(r.raw)
	}
	if err != nil {
		return fmt.Errorf("archive: add %s (%s): %w", e.name, e.file.path, err)
	}
	return nil
}

// copyStoredFromSource writes a large incompressible file stored, re-reading it from disk, and
// checks that it did not change since it was compressed (its CRC is already in the header).
func copyStoredFromSource(ctx context.Context, w io.Writer, e *entry, fh *zip.FileHeader, buf []byte) error {
	f, err := os.Open(e.file.path)
	if err != nil {
		return err
	}
	defer f.Close()
	crc := crc32.NewIEEE()
	n, err := io.CopyBuffer(io.MultiWriter(w, crc), ctxReader{ctx, io.LimitReader(f, int64(fh.UncompressedSize64))}, buf)
	if err != nil {
		return err
	}
	if uint64(n) != fh.UncompressedSize64 || crc.Sum32() != fh.CRC32 {
		return errors.New("file changed while it was being archived")
	}
	return nil
}

// copyRaw copies one entry of an input zip without decompressing it. The header is kept as it is
// (method, flags, CRC, sizes, times, modes, extra fields) except for the name; a zip64 extra field
// is dropped because archive/zip writes a fresh one when the new offsets or sizes need it.
func copyRaw(ctx context.Context, zw *zip.Writer, e *entry, buf []byte) error {
	fh := e.zf.FileHeader
	fh.Name = e.name
	fh.Extra = dropZip64Extra(fh.Extra)
	if e.header != nil {
		fh = *e.header
	}
	r, err := e.zf.OpenRaw()
	if err != nil {
		return fmt.Errorf("archive: read entry %q of %s: %w", e.zf.Name, e.src, err)
	}
	w, err := zw.CreateRaw(&fh)
	if err != nil {
		return fmt.Errorf("archive: add %s from %s: %w", e.name, e.src, err)
	}
	if _, err := io.CopyBuffer(w, ctxReader{ctx, r}, buf); err != nil {
		return fmt.Errorf("archive: copy entry %q of %s: %w", e.zf.Name, e.src, err)
	}
	return nil
}

func dropZip64Extra(extra []byte) []byte {
	const zip64ExtraID = 0x0001
	var out []byte
	changed := false
	for b := extra; len(b) >= 4; {
		tag := uint16(b[0]) | uint16(b[1])<<8
		size := int(uint16(b[2]) | uint16(b[3])<<8)
		if 4+size > len(b) {
			// Malformed trailing data: keep it as it was.
			out = append(out, b...)
			break
		}
		if tag == zip64ExtraID {
			changed = true
		} else {
			out = append(out, b[:4+size]...)
		}
		b = b[4+size:]
	}
	if !changed {
		return extra
	}
	return out
}

// compressor is one worker's reusable compression state.
type compressor struct {
	level  int
	spills *spillSet
	fw     *flate.Writer
	bw     *bufio.Writer
	buf    []byte
}

func (c *compressor) writer(w io.Writer) (*flate.Writer, error) {
	if c.fw == nil {
		fw, err := flate.NewWriter(w, c.level)
		if err != nil {
			return nil, err
		}
		c.fw = fw
		return fw, nil
	}
	c.fw.Reset(w)
	return c.fw, nil
}

// header returns the fixed part of the header of a compressed disk file.
func fileHeader(name string, perm os.FileMode) zip.FileHeader {
	fh := zip.FileHeader{
		Name:           name,
		CreatorVersion: creatorUnix<<8 | zipVersion20,
		ReaderVersion:  zipVersion20,
		//lint:ignore SA1019 set directly (not Modified) so no extended-timestamp field is written
		ModifiedDate:  dosDate1980,
		ExternalAttrs: uint32(sIFREG|perm) << 16,
	}
	if needsUTF8Flag(name) {
		fh.Flags |= flagUTF8
	}
	return fh
}

// needsUTF8Flag reports whether a name has non-ASCII characters in valid UTF-8, which readers
// would otherwise decode as CP-437.
func needsUTF8Flag(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			return utf8.ValidString(name)
		}
	}
	return false
}

func setSizes(fh *zip.FileHeader, method uint16, crc uint32, comp, raw int64) {
	fh.Method = method
	fh.CRC32 = crc
	fh.CompressedSize64 = uint64(comp)
	fh.UncompressedSize64 = uint64(raw)
	if comp >= uint32max || raw >= uint32max {
		// Sizes do not fit the local header: put them in a zip64 data descriptor, as
		// archive/zip does for entries it compresses itself.
		fh.ReaderVersion = zipVersion45
		fh.Flags |= flagDataDesc
	}
}

func (c *compressor) compress(ctx context.Context, e *entry) result {
	r := c.compressFile(ctx, e)
	if r.err != nil {
		r.err = fmt.Errorf("archive: compress %s: %w", e.file.path, r.err)
	}
	return r
}

func (c *compressor) compressFile(ctx context.Context, e *entry) result {
	r := result{fh: fileHeader(e.name, e.file.perm)}
	f, err := os.Open(e.file.path)
	if err != nil {
		r.err = err
		return r
	}
	defer f.Close()
	if e.file.size > inMemoryMax {
		return c.compressLarge(ctx, f, r)
	}
	raw := getBuf()
	raw.Grow(int(e.file.size) + bytes.MinRead)
	if _, err := raw.ReadFrom(f); err != nil {
		putBuf(raw)
		r.err = err
		return r
	}
	data := raw.Bytes()
	crc := crc32.ChecksumIEEE(data)
	comp := getBuf()
	comp.Grow(len(data)/2 + 64)
	if len(data) > 0 {
		fw, err := c.writer(comp)
		if err == nil {
			_, err = fw.Write(data)
		}
		if err == nil {
			err = fw.Close()
		}
		if err != nil {
			putBuf(raw)
			putBuf(comp)
			r.err = err
			return r
		}
	}
	// Store when deflate does not shrink the file (also every empty file): a deterministic
	// decision, since the compressed output depends only on the content and the level.
	if len(data) == 0 || comp.Len() >= len(data) {
		putBuf(comp)
		setSizes(&r.fh, zip.Store, crc, int64(len(data)), int64(len(data)))
		r.data, r.raw = data, raw
		return r
	}
	putBuf(raw)
	setSizes(&r.fh, zip.Deflate, crc, int64(comp.Len()), int64(len(data)))
	r.data, r.buf = comp.Bytes(), comp
	return r
}

// compressLarge streams a large file through the compressor into a spill file.
func (c *compressor) compressLarge(ctx context.Context, f *os.File, r result) result {
	spill, err := c.spills.create()
	if err != nil {
		r.err = err
		return r
	}
	fail := func(err error) result {
		c.spills.release(spill)
		r.err = err
		return r
	}
	if c.bw == nil {
		c.bw = bufio.NewWriterSize(spill, 256<<10)
		c.buf = make([]byte, 256<<10)
	} else {
		c.bw.Reset(spill)
	}
	fw, err := c.writer(c.bw)
	if err != nil {
		return fail(err)
	}
	crc := crc32.NewIEEE()
	n, err := io.CopyBuffer(io.MultiWriter(crc, fw), ctxReader{ctx, f}, c.buf)
	if err == nil {
		err = fw.Close()
	}
	if err == nil {
		err = c.bw.Flush()
	}
	if err != nil {
		return fail(err)
	}
	size, err := spill.Seek(0, io.SeekCurrent)
	if err != nil {
		return fail(err)
	}
	if size >= n {
		c.spills.release(spill)
		setSizes(&r.fh, zip.Store, crc.Sum32(), n, n)
		r.fromSrc = true
		return r
	}
	if _, err := spill.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	setSizes(&r.fh, zip.Deflate, crc.Sum32(), size, n)
	r.spill = spill
	return r
}

// ctxReader stops a copy promptly when the context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
