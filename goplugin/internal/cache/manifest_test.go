package cache

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gofrs/flock"
)

// buildWithMeta writes a package file and a metadata folder like the pipeline does.
func buildWithMeta(builds *atomic.Int32) BuildFunc {
	return func(ctx context.Context, tmp string) error {
		builds.Add(1)
		if err := os.WriteFile(filepath.Join(tmp, "pkg.py"), []byte("x = 1\n"), 0o644); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(tmp, MetaDir), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(PackedPath(tmp), []byte(strings.Repeat("packed bytes ", 1000)), 0o644); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(tmp, MetaDir, "dists.json"), []byte(`{"pkg":["pkg.py"]}`), 0o644)
	}
}

func TestEnsureRebuildsDamagedEntries(t *testing.T) {
	const name = "k_x86_64_slspyc"
	damages := []struct {
		name   string
		damage func(dir string) error
		reason string
	}{
		{"flipped bytes in the packed zip", func(dir string) error {
			f, err := os.OpenFile(PackedPath(dir), os.O_RDWR, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt([]byte("0123456789"), 100)
			return err
		}, "does not match its recorded checksum"},
		{"packed zip truncated", func(dir string) error { return os.Truncate(PackedPath(dir), 10) }, "has 10 bytes"},
		{"packed zip deleted", func(dir string) error { return os.Remove(PackedPath(dir)) }, "is missing"},
		{"metadata folder deleted", func(dir string) error { return os.RemoveAll(filepath.Join(dir, MetaDir)) }, "is missing"},
		{"entry emptied, marker kept", func(dir string) error {
			des, _ := os.ReadDir(dir)
			for _, de := range des {
				if de.Name() != Marker {
					os.RemoveAll(filepath.Join(dir, de.Name()))
				}
			}
			return nil
		}, "is missing"},
		{"empty marker of an older version", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, Marker), nil, 0o644)
		}, "older version"},
		{"marker of another format", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, Marker), []byte(`{"version":99,"files":{}}`), 0o644)
		}, "format 99"},
	}
	for _, tt := range damages {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			var builds atomic.Int32
			dir, hit, err := Ensure(context.Background(), root, name, buildWithMeta(&builds))
			if err != nil || hit {
				t.Fatalf("first Ensure: hit=%v err=%v", hit, err)
			}
			if err := Verify(dir); err != nil {
				t.Fatalf("fresh entry does not verify: %v", err)
			}
			if err := tt.damage(dir); err != nil {
				t.Fatal(err)
			}
			var reasons []string
			dir2, hit, err := EnsureVerified(context.Background(), root, name, buildWithMeta(&builds), func(de *DamagedError) {
				reasons = append(reasons, de.Error())
			})
			if err != nil || hit {
				t.Fatalf("Ensure after damage: hit=%v err=%v; want a rebuild", hit, err)
			}
			if builds.Load() != 2 {
				t.Fatalf("built %d times, want 2", builds.Load())
			}
			if len(reasons) != 1 || !strings.Contains(reasons[0], tt.reason) {
				t.Fatalf("damage reports = %q; want one containing %q", reasons, tt.reason)
			}
			if err := Verify(dir2); err != nil {
				t.Fatalf("rebuilt entry does not verify: %v", err)
			}
			if b, _ := os.ReadFile(filepath.Join(dir2, "pkg.py")); string(b) != "x = 1\n" {
				t.Fatalf("rebuilt entry content = %q", b)
			}
		})
	}
}

func TestEnsureReclaimsKilledBuilds(t *testing.T) {
	root := t.TempDir()
	const name = "k_x86_64_slspyc"
	// What kill -9 leaves: a temporary build folder, a moved-aside old entry, a half-removed one.
	leftovers := []string{".tmp-" + name + "-12345", ".tmp-" + name + "-999.old", ".tmp-del-" + name}
	for _, l := range leftovers {
		if err := os.MkdirAll(filepath.Join(root, l, "numpy"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	other := ".tmp-other_x86_64_slspyc-1" // another entry's: not ours to touch while building name
	os.MkdirAll(filepath.Join(root, other), 0o755)
	var builds atomic.Int32
	if _, _, err := Ensure(context.Background(), root, name, buildWithMeta(&builds)); err != nil {
		t.Fatal(err)
	}
	for _, l := range leftovers {
		if _, err := os.Stat(filepath.Join(root, l)); !os.IsNotExist(err) {
			t.Errorf("%s was not reclaimed", l)
		}
	}
	if _, err := os.Stat(filepath.Join(root, other)); err != nil {
		t.Errorf("another entry's leftover was removed: %v", err)
	}
}

func TestCleanKeepsLiveBuilds(t *testing.T) {
	root := t.TempDir()
	live, dead := "live_x86_64_slspyc", "dead_x86_64_slspyc"
	os.MkdirAll(filepath.Join(root, ".tmp-"+live+"-1"), 0o755)
	os.MkdirAll(filepath.Join(root, ".tmp-"+dead+"-1"), 0o755)
	lock := flock.New(filepath.Join(root, live+".lock"))
	if ok, err := lock.TryLock(); !ok || err != nil {
		t.Fatalf("lock: %v %v", ok, err)
	}
	defer lock.Unlock()
	res, err := Clean(root, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".tmp-"+live+"-1")); err != nil {
		t.Error("the live build's folder was removed")
	}
	if _, err := os.Stat(filepath.Join(root, ".tmp-"+dead+"-1")); !os.IsNotExist(err) {
		t.Error("the dead build's folder was kept")
	}
	if res.Busy != 2 || res.Other != 1 { // the live temp folder and its lock are busy
		t.Errorf("Clean = %+v; want Busy 2, Other 1", res)
	}
}

func TestEntryOfTemp(t *testing.T) {
	for in, want := range map[string]string{
		".tmp-abc_x86_64_slspyc-123":     "abc_x86_64_slspyc",
		".tmp-abc_arm64_slspyc-9.old":    "abc_arm64_slspyc",
		".tmp-del-abc_x86_64_slspyc":     "abc_x86_64_slspyc",
		".tmp-probe-123":                 "",
		"abc_x86_64_slspyc":              "",
		".tmp-abc_x86_64_slspyc.zip-123": "",
	} {
		if got := entryOfTemp(in); got != want {
			t.Errorf("entryOfTemp(%q) = %q; want %q", in, got, want)
		}
	}
}
