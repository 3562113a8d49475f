package pyindex

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// BallastProject is the project of the ballast wheels: pure wheels holding one file of zeros, so
// a test can install hundreds of MB (for the Lambda size limits) from a wheel of a few hundred KB.
const BallastProject = "pyreqs-ballast"

// BallastWheel is one version of pyreqs-ballast; its file pyreqs_ballast/ballast.bin holds Bytes
// zeros.
type BallastWheel struct {
	Version string
	Bytes   int64
}

// BallastWheels are the versions Build writes: 1.0.0 (1 MiB: far under Lambda's 262,144,000
// unzipped bytes), 2.0.0 (224,000,000 bytes: about 85% of it) and 3.0.0 (270,000,000 bytes:
// over it).
func BallastWheels() []BallastWheel {
	return []BallastWheel{{"1.0.0", 1 << 20}, {"2.0.0", 224_000_000}, {"3.0.0", 270_000_000}}
}

// Filename is e.g. pyreqs_ballast-3.0.0-py3-none-any.whl.
func (w BallastWheel) Filename() string {
	return fmt.Sprintf("pyreqs_ballast-%s-py3-none-any.whl", w.Version)
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// Write writes the wheel into dir, streaming: the zeros are hashed and compressed as they are
// produced, never held in memory. The wheel is reproducible (1980-01-01 timestamps) and its
// RECORD has the sha256 pip and uv verify.
func (w BallastWheel) Write(dir string) (err error) {
	info := "pyreqs_ballast-" + w.Version + ".dist-info"
	h := sha256.New()
	if _, err := io.CopyN(h, zeros{}, w.Bytes); err != nil {
		return err
	}
	small := []struct{ name, data string }{
		{"pyreqs_ballast/__init__.py", fmt.Sprintf("BYTES = %d\n", w.Bytes)},
		{info + "/METADATA", fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: serverless-pyreqs test wheel: %d bytes of zeros\n", BallastProject, w.Version, w.Bytes)},
		{info + "/WHEEL", "Wheel-Version: 1.0\nGenerator: pyreqs-pyindex\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
		{info + "/top_level.txt", "pyreqs_ballast\n"},
	}
	record := fmt.Sprintf("pyreqs_ballast/ballast.bin,%s,%d\n", digest(h), w.Bytes)
	for _, e := range small {
		s := sha256.Sum256([]byte(e.data))
		record += fmt.Sprintf("%s,sha256=%s,%d\n", e.name, base64.RawURLEncoding.EncodeToString(s[:]), len(e.data))
	}
	record += info + "/RECORD,,\n"

	f, err := os.CreateTemp(dir, ".ballast-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriter(f)
	zw := zip.NewWriter(bw)
	add := func(name string, r io.Reader, n int64) error {
		hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)}
		hdr.SetMode(0o644)
		zf, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		_, err = io.CopyN(zf, r, n)
		return err
	}
	if err := add("pyreqs_ballast/ballast.bin", zeros{}, w.Bytes); err != nil {
		return err
	}
	for _, e := range small {
		if err := add(e.name, strings.NewReader(e.data), int64(len(e.data))); err != nil {
			return err
		}
	}
	if err := add(info+"/RECORD", strings.NewReader(record), int64(len(record))); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), filepath.Join(dir, w.Filename()))
}

func digest(h hash.Hash) string {
	return "sha256=" + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
