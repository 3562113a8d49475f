package archive

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Benchmarks run on a generated tree of about 50 MB (see genBenchTree), or on the directory named
// by PYREQS_BENCH_TREE (for example a real site-packages) when it is set.

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

var (
	benchOnce  sync.Once
	benchDir   string // generated tree's parent, removed by TestMain
	benchRoot  string
	benchBytes int64
	benchErr   error
)

func benchTree(b *testing.B) (root string, total int64) {
	b.Helper()
	benchOnce.Do(func() {
		if p := os.Getenv("PYREQS_BENCH_TREE"); p != "" {
			benchRoot = p
			benchBytes, benchErr = treeSize(p)
			return
		}
		benchDir, benchErr = os.MkdirTemp("", "pyreqs-archive-bench-")
		if benchErr != nil {
			return
		}
		benchRoot = filepath.Join(benchDir, "site-packages")
		benchBytes, benchErr = genBenchTree(benchRoot)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchRoot, benchBytes
}

func treeSize(root string) (int64, error) {
	files, err := walkTree(context.Background(), root, nil)
	var n int64
	for _, f := range files {
		n += f.size
	}
	return n, err
}

var words = strings.Fields(`def class return import from self None True False if else elif for while in
	not and or try except finally with as yield lambda raise assert pass break continue global
	value result data config request response client session logger error message name path
	args kwargs items keys index count length buffer stream header payload token region bucket
	object service resource handler context event params options default timeout retry status`)

// genBenchTree writes a deterministic tree shaped like an installed site-packages: about 3,900
// small files (source-like text, plus random "binary" files) in package directories, and a few
// large ones (text, random, and half-zero blobs like shared libraries). About 50 MB in all.
func genBenchTree(root string) (int64, error) {
	r := rand.New(rand.NewPCG(42, 43))
	var total int64
	write := func(rel string, data []byte, perm fs.FileMode) error {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		total += int64(len(data))
		return os.WriteFile(p, data, perm)
	}
	text := func(n int) []byte {
		var sb strings.Builder
		sb.Grow(n + 64)
		indent := 0
		for sb.Len() < n {
			sb.WriteString(strings.Repeat("    ", indent))
			for range 3 + r.IntN(8) {
				sb.WriteString(words[r.IntN(len(words))])
				if r.IntN(4) == 0 {
					fmt.Fprintf(&sb, "_%d", r.IntN(100))
				}
				sb.WriteByte(' ')
			}
			sb.WriteString(":\n")
			indent = r.IntN(4)
		}
		return []byte(sb.String()[:n])
	}
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := 0; i < n; i += 8 {
			v := r.Uint64()
			for j := 0; j < 8 && i+j < n; j++ {
				b[i+j] = byte(v >> (8 * j))
			}
		}
		return b
	}
	for i := range 3500 {
		rel := fmt.Sprintf("pkg%02d/sub%d/mod%04d.py", i%40, i%7, i)
		if err := write(rel, text(300+r.IntN(15000)), 0o644); err != nil {
			return 0, err
		}
	}
	for i := range 400 {
		rel := fmt.Sprintf("pkg%02d/_data/blob%03d.bin", i%40, i)
		if err := write(rel, random(1000+r.IntN(48000)), 0o644); err != nil {
			return 0, err
		}
	}
	for i := range 2 {
		if err := write(fmt.Sprintf("big/text%d.py", i), text(3<<20), 0o644); err != nil {
			return 0, err
		}
		if err := write(fmt.Sprintf("big/random%d.bin", i), random(2<<20), 0o644); err != nil {
			return 0, err
		}
		lib := append(random(1<<20), make([]byte, 1<<20)...)
		if err := write(fmt.Sprintf("big/_lib%d.so", i), lib, 0o755); err != nil {
			return 0, err
		}
	}
	return total, nil
}

func BenchmarkPackTree(b *testing.B) {
	root, total := benchTree(b)
	for _, level := range []int{1, 5, 6, 9} {
		b.Run(fmt.Sprintf("level=%d", level), func(b *testing.B) {
			dst := filepath.Join(b.TempDir(), "packed.zip")
			b.SetBytes(total)
			var st Stats
			for b.Loop() {
				var err error
				if st, err = PackTree(context.Background(), root, dst, PackOptions{Level: level}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(100*float64(st.Written)/float64(total), "%size")
			b.ReportMetric(float64(st.Written)/1e6, "MB-out")
		})
	}
}

// BenchmarkMerge measures the warm path: a function zip built from the framework's zip, the
// packed requirements (raw copy, no recompression) and two loose files. Throughput is relative
// to the packed zip's size.
func BenchmarkMerge(b *testing.B) {
	root, _ := benchTree(b)
	dir := b.TempDir()
	packed := filepath.Join(dir, "packed.zip")
	if _, err := PackTree(context.Background(), root, packed, PackOptions{}); err != nil {
		b.Fatal(err)
	}
	info, err := os.Stat(packed)
	if err != nil {
		b.Fatal(err)
	}
	base := filepath.Join(dir, "fn.zip")
	baseZip(b, base, frameworkFiles)
	helper := filepath.Join(dir, "unzip_requirements.py")
	if err := os.WriteFile(helper, []byte(strings.Repeat("import os\n", 30)), 0o644); err != nil {
		b.Fatal(err)
	}
	reqs := filepath.Join(dir, "requirements.txt")
	if err := os.WriteFile(reqs, []byte("boto3==1.0\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	cases := map[string][]Input{
		"function": {
			{Zip: base},
			{Zip: packed},
			{Files: []FileInput{{Path: helper, Name: "unzip_requirements.py"}, {Path: reqs, Name: "requirements.txt"}}},
		},
		"layer": {{Zip: packed, Prefix: "python/"}},
	}
	for _, name := range []string{"function", "layer"} {
		b.Run(name, func(b *testing.B) {
			dst := filepath.Join(b.TempDir(), "out.zip")
			b.SetBytes(info.Size())
			for b.Loop() {
				if _, err := Merge(context.Background(), dst, cases[name], PackOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
