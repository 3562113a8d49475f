package acceptance

// Cache integrity end to end (issue 18, sections 1 and 3): damaged entries are rebuilt with one
// warning, leftovers of killed builds are reclaimed, and the after hook never depends on the
// cache entry still being there.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const damagedWarning = "the static cache entry is damaged"

// onlyEntry returns the single static cache entry of s.
func onlyEntry(t *testing.T, s *Service) string {
	t.Helper()
	ents := cacheEntries(t, cacheRoot(s))
	if len(ents) != 1 {
		t.Fatalf("cache entries %v, want one", ents)
	}
	return filepath.Join(cacheRoot(s), ents[0])
}

// assertFullArtifact checks that the service artifact holds the requirements of basic and that
// every member decompresses with its recorded CRC.
func assertFullArtifact(t *testing.T, s *Service) {
	t.Helper()
	art := s.Artifact()
	entries := ZipEntries(t, art)
	assertHas(t, art, entries, "handler.py", "pyreqs_pure/__init__.py", "pyreqs_native/__init__.py", "pyreqs_sdistonly/__init__.py")
	for name := range entries {
		if !strings.HasSuffix(name, "/") {
			ZipRead(t, art, name) // fails the test on a CRC or inflate error
		}
	}
}

// TestCacheDamageRebuilds: an entry whose files no longer match its marker is a miss: the next
// package rebuilds it, warns once, and ships a complete, readable artifact (before: a corrupt
// artifact, one without requirements, or an internal error, all with exit 0 or a vague error).
func TestCacheDamageRebuilds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		damage func(t *testing.T, entry string)
	}{
		{"flipped bytes in the packed zip", func(t *testing.T, entry string) {
			p := filepath.Join(entry, ".pyreqs", "packed.zip")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 10; i++ {
				b[len(b)/3+i] ^= 0xff
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"packed zip truncated", func(t *testing.T, entry string) {
			if err := os.Truncate(filepath.Join(entry, ".pyreqs", "packed.zip"), 100); err != nil {
				t.Fatal(err)
			}
		}},
		{"packed zip deleted", func(t *testing.T, entry string) {
			if err := os.Remove(filepath.Join(entry, ".pyreqs", "packed.zip")); err != nil {
				t.Fatal(err)
			}
		}},
		{".pyreqs deleted", func(t *testing.T, entry string) {
			if err := os.RemoveAll(filepath.Join(entry, ".pyreqs")); err != nil {
				t.Fatal(err)
			}
		}},
		{"entry emptied, marker kept", func(t *testing.T, entry string) {
			des, err := os.ReadDir(entry)
			if err != nil {
				t.Fatal(err)
			}
			for _, de := range des {
				if de.Name() != ".completed_requirements" {
					if err := os.RemoveAll(filepath.Join(entry, de.Name())); err != nil {
						t.Fatal(err)
					}
				}
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := NewService(t, "basic", Ours)
			s.MustSls("package")
			c.damage(t, onlyEntry(t, s))
			stdout, stderr := s.MustSls("package")
			out := stdout + stderr
			if n := strings.Count(out, damagedWarning); n != 1 {
				t.Errorf("%d damage warnings, want 1:\n%s", n, tail(out, 3000))
			}
			assertFullArtifact(t, s)
			// The rebuilt entry is good: the next run is a plain hit.
			stdout, stderr = s.MustSls("package")
			if strings.Contains(stdout+stderr, damagedWarning) {
				t.Errorf("the rebuilt entry is reported damaged again:\n%s", tail(stdout+stderr, 3000))
			}
		})
	}
}

// TestCacheLeftoversReclaimed: the temporary folder of a killed build of the service's entry is
// removed by the next package (a cache hit), and another one by `sls requirements cleanCache`,
// which says how many leftovers it removed.
func TestCacheLeftoversReclaimed(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	s.MustSls("package")
	entry := onlyEntry(t, s)
	plant := func(suffix string) string {
		p := filepath.Join(cacheRoot(s), ".tmp-"+filepath.Base(entry)+suffix)
		if err := os.MkdirAll(filepath.Join(p, "pyreqs_pure"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "pyreqs_pure", "__init__.py"), []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	killed := plant("-1234567")
	s.MustSls("package")
	if _, err := os.Stat(killed); err == nil {
		t.Errorf("the killed build's leftover %s survived a package of the same key", killed)
	}
	assertFullArtifact(t, s)

	plant("-7654321")
	stdout, stderr := s.MustSls("requirements", "cleanCache", "--verbose")
	if des, _ := os.ReadDir(cacheRoot(s)); len(des) != 0 {
		var names []string
		for _, de := range des {
			names = append(names, de.Name())
		}
		t.Errorf("cleanCache left %v", names)
	}
	if !strings.Contains(stdout+stderr, "leftover(s) of interrupted builds") {
		t.Errorf("cleanCache does not report the leftovers it removed:\n%s", tail(stdout+stderr, 3000))
	}
}

// cacheThief is a local Serverless plugin that deletes the cache folder between our two hooks
// (as another run's cleanCache, a prune or invalidateCaches can).
const cacheThief = `'use strict';
const fs = require('fs');
class CacheThief {
  constructor() {
    this.hooks = {
      'package:createDeploymentArtifacts': () => {
        fs.rmSync(process.env.THIEF_CACHE_DIR, { recursive: true, force: true });
      },
    };
  }
}
module.exports = CacheThief;
`

// TestCacheGoneBetweenHooks: the cache folder deleted between the before and after hooks of one
// package (before: an artifact without requirements, exit 0); with layer: true too (the layer
// service). Removing the
// copy the before hook kept in .serverless instead fails with an error that says what to do.
func TestCacheGoneBetweenHooks(t *testing.T) {
	t.Parallel()
	for _, layer := range []bool{false, true} {
		name := "function artifact"
		if layer {
			name = "layer"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			svc := "basic"
			if layer {
				svc = "layer" // its offline_aws test plugin answers the layer's AWS calls
			}
			s := NewService(t, svc, Ours)
			s.WriteFile("cache-thief.js", cacheThief)
			s.SetConfig("plugins", append(anyList(s.Plugins()), "./cache-thief"))
			s.Env["THIEF_CACHE_DIR"] = cacheRoot(s)
			s.MustSls("package")
			if _, err := os.Stat(cacheRoot(s)); err == nil {
				t.Fatalf("the test plugin did not delete %s", cacheRoot(s))
			}
			if !layer {
				assertFullArtifact(t, s)
				return
			}
			lz := s.Path(".serverless/pythonRequirements.zip")
			assertHas(t, lz, ZipEntries(t, lz), "python/pyreqs_pure/__init__.py", "python/pyreqs_native/__init__.py", "python/pyreqs_withdeps/__init__.py")
		})
	}
	t.Run("copy in .serverless removed", func(t *testing.T) {
		t.Parallel()
		s := NewService(t, "basic", Ours)
		thief := strings.ReplaceAll(cacheThief, "process.env.THIEF_CACHE_DIR", "'.serverless/.pyreqs-packed.zip'")
		s.WriteFile("cache-thief.js", thief)
		s.SetConfig("plugins", append(anyList(s.Plugins()), "./cache-thief"))
		stdout, stderr, err := s.Sls("package")
		assertUserError(t, err, stdout, stderr, ".pyreqs-packed.zip", "Run sls package (or deploy) again")
	})
}

func anyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
