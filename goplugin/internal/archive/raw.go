package archive

import (
	"archive/zip"
	"fmt"
	"io/fs"
)

// RawEntry is one entry of a zip file the caller keeps open (for example a wheel), copied raw
// into a Merge output: its compressed bytes are written as they are, never inflated. Unlike the
// entries of an Input.Zip, whose headers are kept, a RawEntry gets the header this package gives
// the files it compresses itself: the fixed time, mode 0644 or 0755 (Exec), a Unix "version made
// by", no extra fields and no comment. Only the method (Store or Deflate), the CRC-32 and the
// sizes come from the source, so the output is deterministic whatever tool wrote the source.
type RawEntry struct {
	File *zip.File // the source entry; its zip.Reader must stay open until Merge returns
	Name string    // the entry name in the output ('/'-separated, relative, naming a file)
	Exec bool      // mode 0755 instead of 0644
}

// rawHeader is the normalised header of a RawEntry.
func rawHeader(r *RawEntry) (zip.FileHeader, error) {
	f := r.File
	if f.Method != zip.Store && f.Method != zip.Deflate {
		return zip.FileHeader{}, fmt.Errorf("archive: entry %q uses compression method %d (only stored and deflated entries can be copied)", f.Name, f.Method)
	}
	perm := fs.FileMode(0o644)
	if r.Exec {
		perm = 0o755
	}
	fh := fileHeader(r.Name, perm)
	setSizes(&fh, f.Method, f.CRC32, int64(f.CompressedSize64), int64(f.UncompressedSize64))
	return fh, nil
}
