package cache

import (
	"os"
	"path/filepath"

	"github.com/gofrs/flock"
)

// Reclaim removes the leftovers of killed builds of entry name (see EnsureWith) when the entry
// was a hit, so that no build had to take its lock. It takes the lock without waiting: when a
// live build holds it, its temporary folder is that build's and nothing is removed. It returns
// how many leftovers it removed.
func Reclaim(root, name string) int {
	if !hasLeftovers(root, name) {
		return 0
	}
	lock := flock.New(filepath.Join(root, name+".lock"))
	ok, err := lock.TryLock()
	if err != nil || !ok {
		return 0
	}
	defer func() { _ = lock.Unlock() }()
	return reclaimStale(root, name)
}

func hasLeftovers(root, name string) bool {
	des, err := os.ReadDir(root)
	if err != nil {
		return false
	}
	for _, de := range des {
		if entryOfTemp(de.Name()) == name {
			return true
		}
	}
	return false
}
