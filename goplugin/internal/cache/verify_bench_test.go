package cache

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkVerifyHeavy times Verify on an entry whose packed zip has the size of the heavy bench
// service's (numpy + pandas + boto3: about 45 MB packed). PYREQS_BENCH_ENTRY names a real entry
// to verify instead.
func BenchmarkVerifyHeavy(b *testing.B) {
	dir := os.Getenv("PYREQS_BENCH_ENTRY")
	if dir == "" {
		dir = b.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, MetaDir), 0o755); err != nil {
			b.Fatal(err)
		}
		data := make([]byte, 46<<20)
		_, _ = rand.Read(data)
		if err := os.WriteFile(PackedPath(dir), data, 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, MetaDir, "dists.json"), make([]byte, 300<<10), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := writeManifest(dir); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := Verify(dir); err != nil {
			b.Fatal(err)
		}
	}
}
