package archive

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// spec describes a file to create in a test tree.
type spec struct {
	data string
	perm fs.FileMode
}

// writeTree creates files under dir in the given order, each with the given mtime.
func writeTree(t testing.TB, dir string, files map[string]spec, order []string, mtime time.Time) {
	t.Helper()
	for _, name := range order {
		s := files[name]
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s.data), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, s.perm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func fileSHA(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// zipEntry is what a test checks about one entry.
type zipEntry struct {
	Mode    fs.FileMode
	Data    string
	Method  uint16
	Raw     []byte // compressed bytes
	Header  zip.FileHeader
	IsDir   bool
	HasTime bool
}

func readZip(t testing.TB, p string) (names []string, entries map[string]zipEntry) {
	t.Helper()
	r, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	entries = map[string]zipEntry{}
	for _, f := range r.File {
		names = append(names, f.Name)
		e := zipEntry{Mode: f.Mode(), Method: f.Method, Header: f.FileHeader, IsDir: strings.HasSuffix(f.Name, "/")}
		if !e.IsDir {
			rc, err := f.Open()
			if err != nil {
				t.Fatalf("open %s: %v", f.Name, err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("read %s: %v", f.Name, err)
			}
			e.Data = string(b)
		}
		rr, err := f.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		e.Raw, err = io.ReadAll(rr)
		if err != nil {
			t.Fatal(err)
		}
		entries[f.Name] = e
	}
	return names, entries
}

// noTempFiles fails if a temporary file of this package is left in dir.
func noTempFiles(t testing.TB, dir string) {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, tempPattern))
	if err != nil {
		t.Fatal(err)
	}
	if len(matches) > 0 {
		t.Fatalf("temporary files left behind: %v", matches)
	}
}

var treeFiles = map[string]spec{
	"pkg/__init__.py":              {"from .core import *\n", 0o644},
	"pkg/core.py":                  {strings.Repeat("def f(x):\n    return x * 2\n", 200), 0o600},
	"pkg/_speedups.so":             {string(randomBytes(5000, 1)), 0o755},
	"pkg-1.0.dist-info/RECORD":     {"pkg/__init__.py,,\n", 0o644},
	"pkg-1.0.dist-info/METADATA":   {"Name: pkg\nVersion: 1.0\n", 0o640},
	"bin/tool":                     {"#!/bin/sh\necho hi\n", 0o700},
	"bin/helper":                   {"#!/bin/sh\n", 0o744},
	"pkg/data/empty.txt":           {"", 0o644},
	"pkg/data/ü-unicode.txt":       {"unicode name\n", 0o644},
	"a-b/x.py":                     {"x = 1\n", 0o644},
	"a/x.py":                       {"x = 2\n", 0o644},
	"deep/a/b/c/d/e/f/g/module.py": {strings.Repeat("import os\n", 50), 0o644},
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestPackTreeDeterministic(t *testing.T) {
	ctx := context.Background()
	order := sortedKeys(treeFiles)
	rev := slices.Clone(order)
	slices.Reverse(rev)

	rootA := filepath.Join(t.TempDir(), "a")
	rootB := filepath.Join(t.TempDir(), "somewhere", "else")
	writeTree(t, rootA, treeFiles, order, time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC))
	writeTree(t, rootB, treeFiles, rev, time.Now())

	out := t.TempDir()
	var sums []string
	for i, tc := range []struct {
		root    string
		workers int
	}{{rootA, 1}, {rootA, 4}, {rootB, 1}, {rootB, 4}, {rootB, 0}} {
		dst := filepath.Join(out, fmt.Sprintf("%d.zip", i))
		st, err := PackTree(ctx, tc.root, dst, PackOptions{Workers: tc.workers})
		if err != nil {
			t.Fatal(err)
		}
		if st.Entries != len(treeFiles) {
			t.Errorf("Entries = %d, want %d", st.Entries, len(treeFiles))
		}
		var total int64
		for _, s := range treeFiles {
			total += int64(len(s.data))
		}
		if st.Bytes != total {
			t.Errorf("Bytes = %d, want %d", st.Bytes, total)
		}
		info, err := os.Stat(dst)
		if err != nil {
			t.Fatal(err)
		}
		if st.Written != info.Size() {
			t.Errorf("Written = %d, file size %d", st.Written, info.Size())
		}
		sums = append(sums, fileSHA(t, dst))
	}
	for i := 1; i < len(sums); i++ {
		if sums[i] != sums[0] {
			t.Fatalf("run %d sha256 %s differs from run 0 %s", i, sums[i], sums[0])
		}
	}

	names, entries := readZip(t, filepath.Join(out, "0.zip"))
	if !slices.IsSorted(names) {
		t.Errorf("names not sorted: %v", names)
	}
	if diff := cmp.Diff(order, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	for name, e := range entries {
		h := e.Header
		//lint:ignore SA1019 the DOS date and time fields are what the archive bytes hold
		if !h.Modified.Equal(FixedModTime) || h.ModifiedDate != 0x21 || h.ModifiedTime != 0 {
			//lint:ignore SA1019 as above
			t.Errorf("%s: time %v (date %#x time %#x), want 1980-01-01", name, h.Modified, h.ModifiedDate, h.ModifiedTime)
		}
		if len(h.Extra) != 0 {
			t.Errorf("%s: unexpected extra field %x", name, h.Extra)
		}
		if h.CreatorVersion>>8 != 3 {
			t.Errorf("%s: creator %d, want 3 (unix)", name, h.CreatorVersion>>8)
		}
		if e.Data != treeFiles[name].data {
			t.Errorf("%s: content differs", name)
		}
		if e.IsDir {
			t.Errorf("%s: directory entry in a packed tree", name)
		}
	}
	if m := entries["pkg/_speedups.so"].Method; m != zip.Store {
		t.Errorf("random bytes: method %d, want Store", m)
	}
	if m := entries["pkg/data/empty.txt"].Method; m != zip.Store {
		t.Errorf("empty file: method %d, want Store", m)
	}
	if m := entries["pkg/core.py"].Method; m != zip.Deflate {
		t.Errorf("text: method %d, want Deflate", m)
	}
	if f := entries["pkg/data/ü-unicode.txt"].Header.Flags; f&flagUTF8 == 0 {
		t.Errorf("non-ASCII name without UTF-8 flag (flags %#x)", f)
	}
	if f := entries["pkg/core.py"].Header.Flags; f != 0 {
		t.Errorf("ASCII name flags %#x, want 0", f)
	}
}

// The spill path (large files streamed through a temporary file) must give the same bytes as
// compressing in memory, for compressible and incompressible content.
func TestPackTreeSpillMatchesInMemory(t *testing.T) {
	root := t.TempDir()
	files := map[string]spec{
		"big.txt":    {strings.Repeat("the quick brown fox jumps over the lazy dog\n", 20000), 0o644},
		"big.bin":    {string(randomBytes(300_000, 7)), 0o755},
		"small.txt":  {"small\n", 0o644},
		"medium.txt": {strings.Repeat("abc", 30000), 0o644},
	}
	writeTree(t, root, files, sortedKeys(files), time.Now())
	out := t.TempDir()
	inMem := filepath.Join(out, "mem.zip")
	if _, err := PackTree(context.Background(), root, inMem, PackOptions{}); err != nil {
		t.Fatal(err)
	}
	old := inMemoryMax
	inMemoryMax = 1000
	t.Cleanup(func() { inMemoryMax = old })
	for _, window := range []int64{0, 1} { // 1: one file in flight at a time
		spilled := filepath.Join(out, fmt.Sprintf("spill%d.zip", window))
		if _, err := PackTree(context.Background(), root, spilled, PackOptions{Workers: 3, Window: window}); err != nil {
			t.Fatal(err)
		}
		if a, b := fileSHA(t, inMem), fileSHA(t, spilled); a != b {
			t.Fatalf("window %d: spilled archive %s differs from in-memory %s", window, b, a)
		}
	}
	_, entries := readZip(t, inMem)
	if entries["big.bin"].Method != zip.Store || entries["big.txt"].Method != zip.Deflate {
		t.Errorf("methods: big.bin %d big.txt %d", entries["big.bin"].Method, entries["big.txt"].Method)
	}
	for name, s := range files {
		if entries[name].Data != s.data {
			t.Errorf("%s: content differs", name)
		}
	}
	noTempFiles(t, out)
}

func TestModes(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, treeFiles, sortedKeys(treeFiles), time.Now())
	dst := filepath.Join(t.TempDir(), "out.zip")
	if _, err := PackTree(context.Background(), root, dst, PackOptions{}); err != nil {
		t.Fatal(err)
	}
	want := map[string]fs.FileMode{}
	for name, s := range treeFiles {
		want[name] = 0o644
		if s.perm&0o111 != 0 {
			want[name] = 0o755
		}
	}
	_, entries := readZip(t, dst)
	got := map[string]fs.FileMode{}
	for name, e := range entries {
		got[name] = e.Mode.Perm()
		if !e.Mode.IsRegular() {
			t.Errorf("%s: mode %v is not a regular file", name, e.Mode)
		}
		if attr := e.Header.ExternalAttrs >> 16; attr != uint32(0o100000|want[name]) {
			t.Errorf("%s: unix attrs %o, want %o", name, attr, 0o100000|want[name])
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("modes (-want +got):\n%s", diff)
	}
	checkWithPython(t, dst, want, treeFiles)
}

// pythonListing is what the Python helper prints for each entry.
type pythonListing struct {
	Mode     int    `json:"mode"`
	System   int    `json:"system"`
	DateTime []int  `json:"date_time"`
	Extra    string `json:"extra"`
	SHA256   string `json:"sha256"`
}

// checkWithPython lists and extracts dst with Python's zipfile and compares modes and contents.
func checkWithPython(t *testing.T, dst string, modes map[string]fs.FileMode, files map[string]spec) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found; skipping the zipfile cross-check")
	}
	const script = `
import hashlib, json, os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
res = {}
with zipfile.ZipFile(src) as z:
    if z.testzip() is not None:
        sys.exit("bad CRC")
    z.extractall(out)
    for i in z.infolist():
        with open(os.path.join(out, i.filename), "rb") as f:
            data = f.read()
        res[i.filename] = {"mode": i.external_attr >> 16, "system": i.create_system,
                           "date_time": list(i.date_time), "extra": i.extra.hex(),
                           "sha256": hashlib.sha256(data).hexdigest()}
print(json.dumps(res))
`
	outDir := t.TempDir()
	cmd := exec.Command(py, "-c", script, dst, outDir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 zipfile: %v\n%s", err, stderr.String())
	}
	var got map[string]pythonListing
	if err := json.Unmarshal(stdout, &got); err != nil {
		t.Fatalf("decode python output: %v\n%s", err, stdout)
	}
	if len(got) != len(files) {
		t.Errorf("python sees %d entries, want %d", len(got), len(files))
	}
	for name, s := range files {
		g, ok := got[name]
		if !ok {
			t.Errorf("python: %s missing", name)
			continue
		}
		if fs.FileMode(g.Mode) != 0o100000|modes[name] {
			t.Errorf("python: %s mode %o, want %o", name, g.Mode, 0o100000|modes[name])
		}
		if g.System != 3 {
			t.Errorf("python: %s create_system %d, want 3", name, g.System)
		}
		if !slices.Equal(g.DateTime, []int{1980, 1, 1, 0, 0, 0}) || g.Extra != "" {
			t.Errorf("python: %s date_time %v extra %q", name, g.DateTime, g.Extra)
		}
		if sum := sha256.Sum256([]byte(s.data)); g.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("python: %s extracted content differs", name)
		}
	}
}

// pythonNames checks dst's CRCs with Python's zipfile and returns its names, or nil when
// python3 is missing.
func pythonNames(t *testing.T, dst string) []string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 not found; skipping the zipfile cross-check")
		return nil
	}
	const script = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    if z.testzip() is not None:
        sys.exit("bad CRC")
    print(json.dumps(z.namelist()))
`
	out, err := exec.Command(py, "-c", script, dst).Output()
	if err != nil {
		t.Fatalf("python3 zipfile: %v", err)
	}
	var names []string
	if err := json.Unmarshal(out, &names); err != nil {
		t.Fatal(err)
	}
	return names
}

// baseZip writes a zip like the framework's: deflated entries with data descriptors and
// extended timestamps, a directory entry, varied modes.
func baseZip(t testing.TB, p string, files []baseFile) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, bf := range files {
		fh := &zip.FileHeader{Name: bf.name, Method: zip.Deflate, Modified: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}
		fh.SetMode(bf.mode)
		if strings.HasSuffix(bf.name, "/") {
			fh.SetMode(fs.ModeDir | 0o755)
		}
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, bf.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

type baseFile struct {
	name string
	data string
	mode fs.FileMode
}

var frameworkFiles = []baseFile{
	{"handler.py", strings.Repeat("def handler(event, context):\n    return 1\n", 20), 0o644},
	{"requirements.txt", "old\n", 0o644},
	{"lib/", "", 0},
	{"lib/util.py", "X = 1\n", 0o755},
	{"serverless.yml", "service: x\n", 0o664},
}

func TestMergeRawCopyAndOverride(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	base := filepath.Join(dir, "fn.zip")
	baseZip(t, base, frameworkFiles)
	_, before := readZip(t, base)

	reqs := filepath.Join(dir, "requirements.txt")
	if err := os.WriteFile(reqs, []byte("new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tree := filepath.Join(dir, "tree")
	writeTree(t, tree, map[string]spec{"boto/__init__.py": {"b = 1\n", 0o644}, "zz.py": {"z\n", 0o755}}, []string{"boto/__init__.py", "zz.py"}, time.Now())

	// Files after the zip: the loose file wins.
	out := filepath.Join(dir, "out.zip")
	st, err := Merge(ctx, out, []Input{
		{Zip: base},
		{Dir: tree},
		{Files: []FileInput{{Path: reqs, Name: "requirements.txt"}}},
	}, PackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	names, after := readZip(t, out)
	wantNames := []string{"boto/__init__.py", "handler.py", "lib/", "lib/util.py", "requirements.txt", "serverless.yml", "zz.py"}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if st.Entries != len(wantNames) {
		t.Errorf("Entries = %d, want %d", st.Entries, len(wantNames))
	}
	if got := after["requirements.txt"].Data; got != "new\n" {
		t.Errorf("requirements.txt = %q, want the later input's %q", got, "new\n")
	}
	for _, name := range []string{"handler.py", "lib/", "lib/util.py", "serverless.yml"} {
		b, a := before[name], after[name]
		if !bytes.Equal(b.Raw, a.Raw) {
			t.Errorf("%s: compressed bytes changed", name)
		}
		if diff := cmp.Diff(b.Header, a.Header); diff != "" {
			t.Errorf("%s: header changed (-before +after):\n%s", name, diff)
		}
	}
	if after["zz.py"].Mode.Perm() != 0o755 || after["boto/__init__.py"].Mode.Perm() != 0o644 {
		t.Errorf("modes: zz.py %v boto %v", after["zz.py"].Mode, after["boto/__init__.py"].Mode)
	}

	if got := pythonNames(t, out); got != nil && !slices.Equal(got, wantNames) {
		t.Errorf("python3 zipfile names: %v", got)
	}

	// Zip after the files: the zip's entry wins.
	out2 := filepath.Join(dir, "out2.zip")
	if _, err := Merge(ctx, out2, []Input{
		{Files: []FileInput{{Path: reqs, Name: "requirements.txt"}}},
		{Zip: base},
	}, PackOptions{}); err != nil {
		t.Fatal(err)
	}
	_, after2 := readZip(t, out2)
	if got := after2["requirements.txt"].Data; got != "old\n" {
		t.Errorf("requirements.txt = %q, want the zip's %q", got, "old\n")
	}

	// Merging is deterministic: same inputs, same bytes.
	out3 := filepath.Join(dir, "out3.zip")
	if _, err := Merge(ctx, out3, []Input{
		{Zip: base},
		{Dir: tree},
		{Files: []FileInput{{Path: reqs, Name: "requirements.txt"}}},
	}, PackOptions{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	if fileSHA(t, out) != fileSHA(t, out3) {
		t.Error("two merges of the same inputs differ")
	}
	noTempFiles(t, dir)
}

// A packed zip merged into a function zip keeps the packed entries' compressed bytes.
func TestMergePackedRawCopy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	root := filepath.Join(dir, "req")
	writeTree(t, root, treeFiles, sortedKeys(treeFiles), time.Now())
	packed := filepath.Join(dir, "packed.zip")
	if _, err := PackTree(ctx, root, packed, PackOptions{}); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "fn.zip")
	baseZip(t, base, frameworkFiles)
	out := filepath.Join(dir, "out.zip")
	if _, err := Merge(ctx, out, []Input{{Zip: base}, {Zip: packed}}, PackOptions{}); err != nil {
		t.Fatal(err)
	}
	_, p := readZip(t, packed)
	names, o := readZip(t, out)
	if len(names) != len(treeFiles)+len(frameworkFiles) || !slices.IsSorted(names) {
		t.Errorf("names: %v", names)
	}
	for name, e := range p {
		if !bytes.Equal(e.Raw, o[name].Raw) || e.Header.CRC32 != o[name].Header.CRC32 {
			t.Errorf("%s: packed entry changed when merged", name)
		}
	}
	// Merging the same packed zip through Dir instead gives the very same entries.
	out2 := filepath.Join(dir, "out2.zip")
	if _, err := Merge(ctx, out2, []Input{{Zip: base}, {Dir: root}}, PackOptions{}); err != nil {
		t.Fatal(err)
	}
	if fileSHA(t, out) != fileSHA(t, out2) {
		t.Error("merging a packed zip and merging its directory give different archives")
	}
}

func TestMergeStripPrefix(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "fn.zip")
	baseZip(t, base, []baseFile{
		{"mod/", "", 0},
		{"mod/handler.py", "def h(): pass\n", 0o755},
		{"mod/lib/x.py", "x\n", 0o644},
		{"mod2/y.py", "y\n", 0o644},
		{"other/mod/z.py", "z\n", 0o644},
		{"serverless_sdk/__init__.py", "sdk\n", 0o644},
		{"s_handler.py", "wrapper\n", 0o644},
		{"shared.py", "shared\n", 0o644},
	})
	_, before := readZip(t, base)
	keepAlso := func(name string) bool {
		return strings.HasPrefix(name, "serverless_sdk/") || (strings.HasPrefix(name, "s_") && strings.HasSuffix(name, ".py"))
	}
	for _, prefix := range []string{"mod", "mod/", "./mod"} {
		out := filepath.Join(dir, "mod-fn.zip")
		if _, err := Merge(context.Background(), out, []Input{{Zip: base, StripPrefix: prefix, KeepAlso: keepAlso}}, PackOptions{}); err != nil {
			t.Fatal(err)
		}
		names, after := readZip(t, out)
		want := []string{"handler.py", "lib/x.py", "s_handler.py", "serverless_sdk/__init__.py"}
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("StripPrefix %q: names (-want +got):\n%s", prefix, diff)
		}
		if m := after["handler.py"].Mode; m.Perm() != 0o755 {
			t.Errorf("handler.py mode %v, want 0755 kept", m)
		}
		if !bytes.Equal(after["handler.py"].Raw, before["mod/handler.py"].Raw) || !after["handler.py"].Header.Modified.Equal(before["mod/handler.py"].Header.Modified) {
			t.Error("moved entry changed data or time")
		}
	}
}

func TestPrefixAndKeep(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	root := filepath.Join(dir, "req")
	files := map[string]spec{
		"__pycache__/x.pyc":       {"pyc", 0o644},
		"boto3/__init__.py":       {"boto3", 0o644},
		"boto3/__pycache__/a.pyc": {"pyc", 0o644},
		"requests/__init__.py":    {"requests", 0o644},
		".completed_requirements": {"", 0o644},
	}
	writeTree(t, root, files, sortedKeys(files), time.Now())

	layer := filepath.Join(dir, "layer.zip")
	if _, err := PackTree(ctx, root, layer, PackOptions{Prefix: "python/"}); err != nil {
		t.Fatal(err)
	}
	names, err := Names(layer)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"python/.completed_requirements", "python/__pycache__/x.pyc", "python/boto3/__init__.py", "python/boto3/__pycache__/a.pyc", "python/requests/__init__.py"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("layer names (-want +got):\n%s", diff)
	}

	// Exclude prunes whole directories; the rel path has no prefix.
	var seen []string
	excl := filepath.Join(dir, "excl.zip")
	if _, err := PackTree(ctx, root, excl, PackOptions{Prefix: "python/", Exclude: func(rel string, isDir bool) bool {
		seen = append(seen, fmt.Sprintf("%s:%v", rel, isDir))
		return isDir && filepath.Base(rel) == "__pycache__"
	}}); err != nil {
		t.Fatal(err)
	}
	if names, _ := Names(excl); !slices.Equal(names, []string{"python/.completed_requirements", "python/boto3/__init__.py", "python/requests/__init__.py"}) {
		t.Errorf("excluded names: %v", names)
	}
	if !slices.Contains(seen, "boto3:true") || !slices.Contains(seen, "boto3/__init__.py:false") || slices.Contains(seen, "boto3/__pycache__/a.pyc:false") {
		t.Errorf("Exclude calls: %v", seen)
	}

	// Merge: Prefix per input, then Keep on the final name (only a top-level __pycache__, as
	// the original's injection does, and a noDeploy-like filter).
	base := filepath.Join(dir, "fn.zip")
	baseZip(t, base, []baseFile{{"handler.py", "h\n", 0o644}})
	out := filepath.Join(dir, "scw.zip")
	if _, err := Merge(ctx, out, []Input{
		{Zip: base},
		{Dir: root, Prefix: "package/", Keep: func(name string) bool {
			return !strings.HasPrefix(name, "package/__pycache__/") && !strings.HasPrefix(name, "package/requests/")
		}},
	}, PackOptions{}); err != nil {
		t.Fatal(err)
	}
	names, err = Names(out)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"handler.py", "package/.completed_requirements", "package/boto3/__init__.py", "package/boto3/__pycache__/a.pyc"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("merge names (-want +got):\n%s", diff)
	}
}

func TestMergeInPlace(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "fn.zip")
	baseZip(t, base, frameworkFiles)
	_, before := readZip(t, base)
	root := filepath.Join(dir, "req")
	writeTree(t, root, map[string]spec{"dep/__init__.py": {"dep\n", 0o644}}, []string{"dep/__init__.py"}, time.Now())
	if _, err := Merge(context.Background(), base, []Input{{Zip: base}, {Dir: root}}, PackOptions{}); err != nil {
		t.Fatal(err)
	}
	names, after := readZip(t, base)
	want := []string{"dep/__init__.py", "handler.py", "lib/", "lib/util.py", "requirements.txt", "serverless.yml"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	for _, bf := range frameworkFiles {
		if !bytes.Equal(before[bf.name].Raw, after[bf.name].Raw) {
			t.Errorf("%s changed during in-place merge", bf.name)
		}
	}
	if after["dep/__init__.py"].Data != "dep\n" {
		t.Error("injected file content wrong")
	}
	noTempFiles(t, dir)
}

func TestAtomicity(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "req")
	writeTree(t, root, treeFiles, sortedKeys(treeFiles), time.Now())
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(out, "dst.zip")
	const previous = "previous artifact"
	reset := func() {
		if err := os.WriteFile(dst, []byte(previous), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	unchanged := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		b, rerr := os.ReadFile(dst)
		if rerr != nil || string(b) != previous {
			t.Errorf("%s: dst changed (%q, %v)", what, b, rerr)
		}
		noTempFiles(t, out)
	}

	t.Run("cancelled before start", func(t *testing.T) {
		reset()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := PackTree(ctx, root, dst, PackOptions{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		unchanged("PackTree", err)
		_, err = Merge(ctx, dst, []Input{{Dir: root}}, PackOptions{})
		unchanged("Merge", err)
	})

	for _, spill := range []bool{false, true} {
		t.Run(fmt.Sprintf("cancelled while writing spill=%v", spill), func(t *testing.T) {
			reset()
			if spill {
				old := inMemoryMax
				inMemoryMax = 100
				t.Cleanup(func() { inMemoryMax = old })
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			testHookBeforeEntry = func(i int) {
				if i == 4 {
					cancel()
				}
			}
			t.Cleanup(func() { testHookBeforeEntry = nil })
			_, err := PackTree(ctx, root, dst, PackOptions{Workers: 2})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			unchanged("PackTree", err)
		})
	}

	t.Run("file vanishes before it is compressed", func(t *testing.T) {
		reset()
		tree := filepath.Join(dir, "vanish")
		writeTree(t, tree, map[string]spec{"a.py": {"a", 0o644}, "b.py": {"b", 0o644}}, []string{"a.py", "b.py"}, time.Now())
		_, err := PackTree(context.Background(), tree, dst, PackOptions{Exclude: func(rel string, _ bool) bool {
			if rel == "b.py" {
				os.Remove(filepath.Join(tree, "a.py"))
			}
			return false
		}})
		if err == nil || !strings.Contains(err.Error(), filepath.Join(tree, "a.py")) {
			t.Errorf("err = %v, want one naming a.py", err)
		}
		unchanged("PackTree", err)
	})

	t.Run("missing inputs", func(t *testing.T) {
		reset()
		missing := filepath.Join(dir, "nope.py")
		_, err := Merge(context.Background(), dst, []Input{{Files: []FileInput{{Path: missing, Name: "nope.py"}}}}, PackOptions{})
		if err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("err = %v, want one naming %s", err, missing)
		}
		unchanged("Merge missing file", err)
		_, err = Merge(context.Background(), dst, []Input{{Zip: filepath.Join(dir, "nope.zip")}}, PackOptions{})
		if err == nil || !strings.Contains(err.Error(), "nope.zip") {
			t.Errorf("err = %v, want one naming nope.zip", err)
		}
		unchanged("Merge missing zip", err)
		_, err = PackTree(context.Background(), filepath.Join(dir, "nope"), dst, PackOptions{})
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "nope") {
			t.Errorf("err = %v, want a not-exist error naming the root", err)
		}
		unchanged("PackTree missing root", err)
	})
}

func TestInvalidInputs(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "x.zip")
	f := filepath.Join(dir, "f")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		inputs []Input
		opt    PackOptions
	}{
		{"nothing set", []Input{{}}, PackOptions{}},
		{"two sources", []Input{{Zip: "a.zip", Dir: dir}}, PackOptions{}},
		{"absolute name", []Input{{Files: []FileInput{{Path: f, Name: "/etc/x"}}}}, PackOptions{}},
		{"dir name", []Input{{Files: []FileInput{{Path: f, Name: "x/"}}}}, PackOptions{}},
		{"dotdot name", []Input{{Files: []FileInput{{Path: f, Name: "../x"}}}}, PackOptions{}},
		{"backslash name", []Input{{Files: []FileInput{{Path: f, Name: `a\b`}}}}, PackOptions{}},
		{"directory as file", []Input{{Files: []FileInput{{Path: dir, Name: "d"}}}}, PackOptions{}},
		{"bad level", []Input{{Files: []FileInput{{Path: f, Name: "f"}}}}, PackOptions{Level: 10}},
	}
	for _, tc := range cases {
		if _, err := Merge(context.Background(), dst, tc.inputs, tc.opt); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("dst written despite errors: %v", err)
	}
	if _, err := PackTree(context.Background(), f, dst, PackOptions{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("PackTree on a file: %v", err)
	}
}

func TestSymlinks(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	outside := filepath.Join(dir, "outside")
	writeTree(t, root, map[string]spec{"pkg/real.py": {"real\n", 0o755}}, []string{"pkg/real.py"}, time.Now())
	writeTree(t, outside, map[string]spec{"ext.py": {"ext\n", 0o644}}, []string{"ext.py"}, time.Now())
	links := map[string]string{
		"pkg/link.py": "real.py",           // to a file: stored with the target's content and mode
		"broken.py":   "does-not-exist.py", // skipped
		"pkg/loop":    "..",                // back up the tree: not entered
		"self":        "self",              // ELOOP: skipped
		"ext":         outside,             // to a directory outside: followed
		"pkg/abs.py":  filepath.Join(outside, "ext.py"),
		"pkg/deeper":  filepath.Join(root, "pkg"), // absolute loop
		"chain.py":    "pkg/link.py",              // link to a link
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(name))); err != nil {
			t.Skipf("symlinks not supported: %v", err)
		}
	}
	dst := filepath.Join(dir, "out.zip")
	if _, err := PackTree(context.Background(), root, dst, PackOptions{}); err != nil {
		t.Fatal(err)
	}
	names, entries := readZip(t, dst)
	want := []string{"chain.py", "ext/ext.py", "pkg/abs.py", "pkg/link.py", "pkg/real.py"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if e := entries["pkg/link.py"]; e.Data != "real\n" || e.Mode.Perm() != 0o755 || !e.Mode.IsRegular() {
		t.Errorf("pkg/link.py: %q %v", e.Data, e.Mode)
	}
	if e := entries["ext/ext.py"]; e.Data != "ext\n" || e.Mode.Perm() != 0o644 {
		t.Errorf("ext/ext.py: %q %v", e.Data, e.Mode)
	}

	// The root itself may be a symlink.
	linkRoot := filepath.Join(dir, "linkroot")
	if err := os.Symlink(root, linkRoot); err != nil {
		t.Fatal(err)
	}
	dst2 := filepath.Join(dir, "out2.zip")
	if _, err := PackTree(context.Background(), linkRoot, dst2, PackOptions{}); err != nil {
		t.Fatal(err)
	}
	if fileSHA(t, dst) != fileSHA(t, dst2) {
		t.Error("packing through a symlinked root gives a different archive")
	}
}

// More than 65535 entries needs zip64 end records; archive/zip writes and reads them.
func TestManyEntriesZip64(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "many.zip")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	const n = 70_000
	for i := range n {
		fh := fileHeader(fmt.Sprintf("m/%06d.txt", i), 0o644)
		data := []byte(fmt.Sprint(i))
		setSizes(&fh, zip.Store, crc32.ChecksumIEEE(data), int64(len(data)), int64(len(data)))
		w, err := zw.CreateRaw(&fh)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	extra := filepath.Join(dir, "extra.txt")
	if err := os.WriteFile(extra, []byte("extra"), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "out.zip")
	st, err := Merge(context.Background(), dst, []Input{{Zip: src, StripPrefix: "m", Prefix: "python/"}, {Files: []FileInput{{Path: extra, Name: "a.txt"}}}}, PackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != n+1 {
		t.Errorf("Entries = %d, want %d", st.Entries, n+1)
	}
	r, err := zip.OpenReader(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if len(r.File) != n+1 || r.File[0].Name != "a.txt" || r.File[n].Name != fmt.Sprintf("python/%06d.txt", n-1) {
		t.Fatalf("got %d entries, first %q last %q", len(r.File), r.File[0].Name, r.File[len(r.File)-1].Name)
	}
	rc, err := r.File[n].Open()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != fmt.Sprint(n-1) {
		t.Errorf("last entry content %q", b)
	}
	if py, err := exec.LookPath("python3"); err == nil {
		out, err := exec.Command(py, "-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(len(z.namelist()), z.read('a.txt').decode())", dst).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != fmt.Sprintf("%d extra", n+1) {
			t.Errorf("python3: %s %v", out, err)
		}
	}
}

func TestDropZip64Extra(t *testing.T) {
	ts := []byte{0x55, 0x54, 5, 0, 1, 1, 2, 3, 4}
	z64 := []byte{1, 0, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8}
	in := slices.Concat(ts, z64, ts)
	if got := dropZip64Extra(in); !bytes.Equal(got, slices.Concat(ts, ts)) {
		t.Errorf("dropZip64Extra = %x", got)
	}
	if got := dropZip64Extra(ts); !bytes.Equal(got, ts) {
		t.Errorf("without zip64: %x", got)
	}
	bad := []byte{1, 0, 200, 0, 1}
	if got := dropZip64Extra(bad); !bytes.Equal(got, bad) {
		t.Errorf("malformed kept: %x", got)
	}
}

func TestLevels(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, treeFiles, sortedKeys(treeFiles), time.Now())
	dir := t.TempDir()
	for _, level := range []int{1, 5, 6, 9} {
		dst := filepath.Join(dir, fmt.Sprintf("l%d.zip", level))
		if _, err := PackTree(context.Background(), root, dst, PackOptions{Level: level}); err != nil {
			t.Fatalf("level %d: %v", level, err)
		}
		_, entries := readZip(t, dst)
		for name, s := range treeFiles {
			if entries[name].Data != s.data {
				t.Errorf("level %d: %s content differs", level, name)
			}
		}
	}
}
