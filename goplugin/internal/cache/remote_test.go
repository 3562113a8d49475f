package cache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// memRemote is an in-memory remote tier.
type memRemote struct {
	entries  map[string]map[string][]byte
	fetchErr error
	fetches  int
	publishs int
}

func (m *memRemote) String() string { return "mem://" }

func (m *memRemote) Fetch(ctx context.Context, name, metaDir string) (bool, error) {
	m.fetches++
	if m.fetchErr != nil {
		os.MkdirAll(metaDir, 0o755)
		os.WriteFile(filepath.Join(metaDir, "partial"), []byte("half"), 0o644) // must never be used
		return false, m.fetchErr
	}
	files, ok := m.entries[name]
	if !ok {
		return false, nil
	}
	os.MkdirAll(metaDir, 0o755)
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(metaDir, n), b, 0o644); err != nil {
			return false, err
		}
	}
	return true, nil
}

func (m *memRemote) Publish(ctx context.Context, name, metaDir string) error {
	m.publishs++
	files := map[string][]byte{}
	des, err := os.ReadDir(metaDir)
	if err != nil {
		return err
	}
	for _, de := range des {
		b, _ := os.ReadFile(filepath.Join(metaDir, de.Name()))
		files[de.Name()] = b
	}
	if m.entries == nil {
		m.entries = map[string]map[string][]byte{}
	}
	m.entries[name] = files
	return nil
}

func TestEnsureWithRemoteTier(t *testing.T) {
	const name = "k_x86_64_slspyc"
	rem := &memRemote{}
	var builds, unpacks atomic.Int32
	unpack := func(ctx context.Context, tmp string) error {
		unpacks.Add(1)
		return os.WriteFile(filepath.Join(tmp, "pkg.py"), []byte("x = 1\n"), 0o644)
	}
	ctx := context.Background()
	// Machine A builds and publishes.
	a := t.TempDir()
	_, how, err := EnsureWith(ctx, a, name, buildWithMeta(&builds), EnsureOptions{Remote: rem, Unpack: unpack})
	if err != nil || how != Built || rem.publishs != 1 {
		t.Fatalf("machine A: how=%v err=%v publishes=%d", how, err, rem.publishs)
	}
	// Machine B, empty cache: fetched, nothing built, verified entry.
	b := t.TempDir()
	dir, how, err := EnsureWith(ctx, b, name, buildWithMeta(&builds), EnsureOptions{Remote: rem, Unpack: unpack})
	if err != nil || how != HitRemote || builds.Load() != 1 || unpacks.Load() != 1 {
		t.Fatalf("machine B: how=%v err=%v builds=%d unpacks=%d", how, err, builds.Load(), unpacks.Load())
	}
	if err := Verify(dir); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(PackedPath(filepath.Join(a, name)))
	if got, _ := os.ReadFile(PackedPath(dir)); string(got) != string(want) {
		t.Fatal("machine B's packed zip differs from machine A's")
	}
	if rem.publishs != 1 {
		t.Fatalf("a fetched entry was published again (%d)", rem.publishs)
	}
	// A failing remote: one report, a normal local build, nothing partial kept.
	c := t.TempDir()
	rem.fetchErr = errors.New("connection refused")
	var reports []string
	dir, how, err = EnsureWith(ctx, c, name, buildWithMeta(&builds), EnsureOptions{Remote: rem, Unpack: unpack,
		OnRemoteError: func(op string, err error) { reports = append(reports, op+": "+err.Error()) }})
	if err != nil || how != Built || len(reports) != 1 || reports[0] != "fetch: connection refused" {
		t.Fatalf("failing remote: how=%v err=%v reports=%q", how, err, reports)
	}
	if _, err := os.Stat(filepath.Join(dir, MetaDir, "partial")); !os.IsNotExist(err) {
		t.Fatal("a partial remote download was kept")
	}
}
