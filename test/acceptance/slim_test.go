package acceptance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSlim packages testdata/services/basic five times with serverless-pyreqs, sharing one
// cache, toggling slim settings: slim deletes the default patterns plus slimPatterns and strips
// the C extension; strings 'true'/'false' mean what they say; strip: 'false' keeps the symbols;
// slimPatternsAppendDefaults: false replaces the defaults; switching slim off brings everything
// back and switching it on again gives the first artifact byte for byte (slim results never reach
// another configuration through the cache). The bytecode compiled by default ships unless slim's
// default patterns delete it: with slim off, and with slimPatternsAppendDefaults: false (as the
// original's tests expect .pyc files there).
func TestSlim(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	art := s.Artifact()

	type want struct {
		distInfo, cli, symtab, pyc bool
	}
	check := func(step string, w want) map[string]Entry {
		t.Helper()
		entries := ZipEntries(t, art)
		assertEntries(t, step, entries, "handler.py", "pyreqs_pure/__init__.py", "pyreqs_native/__init__.py",
			"pyreqs_withdeps/__init__.py", "pyreqs_sdistonly/__init__.py")
		if got := len(withPrefix(entries, "pyreqs_pure-1.0.0.dist-info/")) > 0; got != w.distInfo {
			t.Errorf("%s: pyreqs_pure dist-info present = %v, want %v", step, got, w.distInfo)
		}
		if _, got := entries["pyreqs_pure/cli.py"]; got != w.cli {
			t.Errorf("%s: pyreqs_pure/cli.py present = %v, want %v", step, got, w.cli)
		}
		so := findEntry(t, entries, `^pyreqs_native/_speed\..*\.so$`)
		if got := hasSymtab(t, art, so); got != w.symtab {
			t.Errorf("%s: %s has a symbol table = %v, want %v (stripped = %v)", step, so, got, w.symtab, !w.symtab)
		}
		assertNoPluginMeta(t, art, entries)
		if _, got := entries["pyreqs_pure/__pycache__/__init__."+testCacheTag+".pyc"]; got != w.pyc {
			t.Errorf("%s: pyreqs_pure's bytecode present = %v, want %v", step, got, w.pyc)
		}
		if !w.pyc {
			for name := range entries {
				if strings.HasSuffix(name, ".pyc") || strings.Contains(name, "__pycache__") {
					t.Errorf("%s: %s in the artifact", step, name)
				}
			}
		}
		return entries
	}

	// 1. slim: 'true' (a string, as from ${env:...}) with an extra pattern.
	s.SetConfig("custom.pythonRequirements.slim", "true")
	s.SetConfig("custom.pythonRequirements.slimPatterns", []string{"**/cli.py"})
	s.MustSls("package")
	check("slim 'true'", want{distInfo: false, cli: false, symtab: false})
	slimmed := fileSHA256(t, art)

	// 2. slim: 'false': nothing deleted, nothing stripped, although the cache holds a slim build.
	s.SetConfig("custom.pythonRequirements.slim", "false")
	s.MustSls("package")
	check("slim 'false'", want{distInfo: true, cli: true, symtab: true, pyc: true})

	// 3. slim again: the first artifact, byte for byte.
	s.SetConfig("custom.pythonRequirements.slim", "true")
	s.MustSls("package")
	check("slim 'true' again", want{distInfo: false, cli: false, symtab: false})
	if got := fileSHA256(t, art); got != slimmed {
		t.Errorf("slim 'true' again: the artifact differs from the first slim build")
	}

	// 4. strip: 'false': slim deletes, but the C extension keeps its symbols.
	s.SetConfig("custom.pythonRequirements.strip", "false")
	s.MustSls("package")
	check("strip 'false'", want{distInfo: false, cli: false, symtab: true})

	// 5. slimPatternsAppendDefaults: false: only slimPatterns are deleted; strip is back on.
	s.UnsetConfig("custom.pythonRequirements.strip")
	s.SetConfig("custom.pythonRequirements.slimPatternsAppendDefaults", false)
	s.MustSls("package")
	check("slimPatternsAppendDefaults: false", want{distInfo: true, cli: false, symtab: false, pyc: true})
	if _, ok := ZipEntries(t, art)["pyreqs_pure/__pycache__/cli."+testCacheTag+".pyc"]; ok {
		t.Errorf("slimPatternsAppendDefaults: false: the bytecode of the deleted cli.py is still shipped")
	}

	// Four distinct configurations, four cache entries: none was reused for another.
	root := filepath.Join(s.CacheDir, "serverless-python-requirements")
	des, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, de := range des {
		if de.IsDir() && strings.HasSuffix(de.Name(), "_slspyc") && de.Name() != "downloadCacheslspyc" {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d static cache entries for 4 distinct slim configurations", n)
	}
}
