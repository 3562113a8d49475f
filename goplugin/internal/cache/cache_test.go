package cache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

func TestDefaultRoot(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		goos string
		env  map[string]string
		want string
	}{
		{"linux", map[string]string{"HOME": "/h"}, "/h/.cache/serverless-python-requirements"},
		{"linux", map[string]string{"HOME": "/h", "XDG_CACHE_HOME": "/x"}, "/x/serverless-python-requirements"},
		{"linux", map[string]string{"XDG_CACHE_HOME": "/x"}, "/x/serverless-python-requirements"},
		{"darwin", map[string]string{"HOME": "/Users/a"}, "/Users/a/Library/Caches/serverless-python-requirements"},
	}
	for _, tt := range tests {
		got, err := DefaultRoot(tt.goos, env(tt.env))
		if err != nil || got != tt.want {
			t.Errorf("DefaultRoot(%s, %v) = %q, %v; want %q", tt.goos, tt.env, got, err, tt.want)
		}
	}
	if _, err := DefaultRoot("linux", env(nil)); err == nil {
		t.Error("DefaultRoot without HOME: want an error naming cacheLocation")
	}
}

func TestEntryName(t *testing.T) {
	// Same digest format as the original plugin's pinned unit test.
	got := EntryName([]byte("sha256-file replacement fixture\n"), "")
	if len(got) != 64+len("_x86_64_slspyc") || got[:8] != "e33168e2" || got[64:] != "_x86_64_slspyc" {
		t.Errorf("EntryName = %q", got)
	}
	if got := EntryName([]byte("x"), "arm64"); got[64:] != "_arm64_slspyc" {
		t.Errorf("arm64 suffix: %q", got)
	}
}

func TestEnsureBuildsOnceAndHits(t *testing.T) {
	root := t.TempDir()
	var builds atomic.Int32
	build := func(ctx context.Context, tmp string) error {
		builds.Add(1)
		time.Sleep(50 * time.Millisecond)
		return os.WriteFile(filepath.Join(tmp, "pkg.py"), []byte("x"), 0o644)
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := Ensure(context.Background(), root, "k_x86_64_slspyc", build); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Fatalf("built %d times, want 1", n)
	}
	dir, hit, err := Ensure(context.Background(), root, "k_x86_64_slspyc", build)
	if err != nil || !hit || !Complete(dir) {
		t.Fatalf("second Ensure: hit=%v err=%v", hit, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pkg.py")); err != nil {
		t.Fatal(err)
	}
}

func TestEnsureFailureLeavesNothing(t *testing.T) {
	root := t.TempDir()
	boom := errors.New("pip failed")
	_, _, err := Ensure(context.Background(), root, "k_x86_64_slspyc", func(ctx context.Context, tmp string) error {
		os.WriteFile(filepath.Join(tmp, "half.py"), []byte("x"), 0o644)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	des, _ := os.ReadDir(root)
	for _, de := range des {
		if de.Name() == "k_x86_64_slspyc.lock" {
			continue // lock files stay (see EnsureVerified)
		}
		t.Errorf("left behind: %s", de.Name())
	}
}

func TestEnsureReplacesIncompleteEntry(t *testing.T) {
	root := t.TempDir()
	stale := filepath.Join(root, "k_x86_64_slspyc")
	os.MkdirAll(stale, 0o755)
	os.WriteFile(filepath.Join(stale, "stale.py"), nil, 0o644)
	dir, hit, err := Ensure(context.Background(), root, "k_x86_64_slspyc", func(ctx context.Context, tmp string) error {
		return os.WriteFile(filepath.Join(tmp, "fresh.py"), nil, 0o644)
	})
	if err != nil || hit {
		t.Fatalf("hit=%v err=%v", hit, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "stale.py")); !os.IsNotExist(err) {
		t.Error("incomplete entry content survived")
	}
}

func TestPruneAndClean(t *testing.T) {
	root := t.TempDir()
	base := time.Now().Add(-time.Hour)
	for i, n := range []string{"a_x86_64_slspyc", "b_x86_64_slspyc", "c_x86_64_slspyc", "d_x86_64_slspyc"} {
		p := filepath.Join(root, n)
		os.MkdirAll(p, 0o755)
		ts := base.Add(time.Duration(i) * time.Minute)
		os.Chtimes(p, ts, ts)
	}
	os.MkdirAll(filepath.Join(root, DownloadDir), 0o755)
	os.WriteFile(filepath.Join(root, "a_x86_64_slspyc.zip"), nil, 0o644)
	os.WriteFile(filepath.Join(root, "users-own-file.txt"), nil, 0o644)

	// keep the oldest one because this run uses it
	n, err := Prune(root, 2, map[string]bool{"a_x86_64_slspyc": true})
	if err != nil || n != 2 {
		t.Fatalf("Prune removed %d, err %v; want 2", n, err)
	}
	ents, _ := Entries(root)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 2 || names[0] != "a_x86_64_slspyc" || names[1] != "d_x86_64_slspyc" {
		t.Fatalf("after prune: %v", names)
	}

	res, err := Clean(root, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Entries != 2 || !res.Download || res.Other != 1 {
		t.Errorf("Clean = %+v", res)
	}
	des, _ := os.ReadDir(root)
	if len(des) != 1 || des[0].Name() != "users-own-file.txt" {
		t.Errorf("Clean left %v; want only the user's own file", des)
	}
}

// TestReclaimOnHit: a hit removes a killed build's leftover of its entry, but not while a live
// build holds the entry's lock, and never another entry's.
func TestReclaimOnHit(t *testing.T) {
	root := t.TempDir()
	name := EntryName([]byte("x"), "x86_64")
	other := EntryName([]byte("y"), "x86_64")
	mk := func(n string) string {
		p := filepath.Join(root, n)
		if err := os.MkdirAll(filepath.Join(p, "pkg"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mine, theirs := mk(".tmp-"+name+"-123"), mk(".tmp-"+other+"-456")
	lock := flock.New(filepath.Join(root, name+".lock"))
	if ok, err := lock.TryLock(); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if n := Reclaim(root, name); n != 0 {
		t.Errorf("Reclaim removed %d leftovers while a live build holds the lock", n)
	}
	_ = lock.Unlock()
	if n := Reclaim(root, name); n != 1 {
		t.Errorf("Reclaim = %d, want 1", n)
	}
	if _, err := os.Stat(mine); err == nil {
		t.Errorf("%s is still there", mine)
	}
	if _, err := os.Stat(theirs); err != nil {
		t.Errorf("another entry's leftover was removed: %v", err)
	}
}
