package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// manifestVersion changes whenever the marker's format changes; a marker of another version is a
// miss (the entry is rebuilt).
const manifestVersion = 1

// Manifest is the content of an entry's marker file: what a complete entry holds. Every file of
// the entry's metadata folder (the packed zip, the file lists, the key material) is recorded with
// its size and sha256, so a damaged, truncated, emptied or half-deleted entry is never served.
type Manifest struct {
	Version int                  `json:"version"`
	Files   map[string]FileFacts `json:"files"` // relative to the entry, '/' separators
}

// FileFacts are the recorded size, sha256 and CRC-32C of one file. Verify compares the CRC-32C
// (hardware-accelerated, several times faster than sha256 on the packed zip of a heavy entry, and
// sure to catch accidental damage); the sha256 names the content for people and tools.
type FileFacts struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	CRC32C string `json:"crc32c,omitempty"`
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// DamagedError says why an entry that has a marker does not match it.
type DamagedError struct {
	Entry  string
	Reason string
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("cache entry %s is damaged (%s)", filepath.Base(e.Entry), e.Reason)
}

// writeManifest records the metadata folder of dir into its marker. It runs last in a build,
// inside the temporary folder, so the marker of a renamed entry always describes its content.
func writeManifest(dir string) error {
	m := Manifest{Version: manifestVersion, Files: map[string]FileFacts{}}
	meta := filepath.Join(dir, MetaDir)
	err := filepath.WalkDir(meta, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == meta {
				return nil // an entry without metadata (only in unit tests)
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		facts, err := hashFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		m.Files[filepath.ToSlash(rel)] = facts
		return nil
	})
	if err != nil {
		return err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, Marker), b, 0o644)
}

// Verify checks a complete entry against its marker: every recorded file exists with its size and
// sha256, and the metadata folder holds no file the marker does not know. It returns a
// *DamagedError when the entry must not be used, and fs.ErrNotExist when there is no marker.
func Verify(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, Marker))
	if err != nil {
		return err
	}
	damaged := func(format string, args ...any) error {
		return &DamagedError{Entry: dir, Reason: fmt.Sprintf(format, args...)}
	}
	var m Manifest
	if len(b) == 0 {
		return damaged("its marker is empty: it was written by an older version")
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Files == nil {
		return damaged("its marker is unreadable")
	}
	if m.Version != manifestVersion {
		return damaged("its marker has format %d, this version writes %d", m.Version, manifestVersion)
	}
	names := make([]string, 0, len(m.Files))
	for n := range m.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		want := m.Files[n]
		p := filepath.Join(dir, filepath.FromSlash(n))
		fi, err := os.Stat(p)
		if err != nil {
			return damaged("%s is missing", n)
		}
		if fi.Size() != want.Size {
			return damaged("%s has %d bytes, the marker records %d", n, fi.Size(), want.Size)
		}
		if want.CRC32C != "" {
			got, err := crcFile(p)
			if err != nil {
				return damaged("%s cannot be read: %v", n, err)
			}
			if got != want.CRC32C {
				return damaged("%s does not match its recorded checksum", n)
			}
			continue
		}
		got, err := hashFile(p)
		if err != nil {
			return damaged("%s cannot be read: %v", n, err)
		}
		if got.SHA256 != want.SHA256 {
			return damaged("%s does not match its recorded sha256", n)
		}
	}
	return nil
}

func hashFile(p string) (FileFacts, error) {
	f, err := os.Open(p)
	if err != nil {
		return FileFacts{}, err
	}
	defer f.Close()
	h := sha256.New()
	c := crc32.New(castagnoli)
	n, err := io.Copy(io.MultiWriter(h, c), f)
	if err != nil {
		return FileFacts{}, err
	}
	return FileFacts{Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), CRC32C: hex.EncodeToString(c.Sum(nil))}, nil
}

// crcFile is the CRC-32C of a file's content, as hashFile records it.
func crcFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	c := crc32.New(castagnoli)
	if _, err := io.Copy(c, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(c.Sum(nil)), nil
}
