//go:build unix

package acceptance

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// assertOwnedByMe fails when a file under dir is owned by another uid (e.g. root from a container).
func assertOwnedByMe(t *testing.T, dir string) {
	t.Helper()
	uid := uint32(os.Getuid())
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Uid != uid {
			t.Errorf("%s is owned by uid %d, not %d", path, st.Uid, uid)
			return filepath.SkipAll
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
