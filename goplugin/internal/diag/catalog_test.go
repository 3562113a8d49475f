package diag

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

const repoRoot = "../../.."

// TestErrorsDocUpToDate fails when docs/errors.md is not what `go generate` writes.
func TestErrorsDocUpToDate(t *testing.T) {
	got, err := os.ReadFile(filepath.Join(repoRoot, "docs", "errors.md"))
	if err != nil {
		t.Fatalf("%v (run: go generate ./goplugin/internal/diag)", err)
	}
	if !bytes.Equal(got, Markdown()) {
		t.Fatal("docs/errors.md is stale: run `go generate ./goplugin/internal/diag` and commit the result")
	}
}

// codeLiteral finds quoted code-like strings in Go and JavaScript sources.
var codeLiteral = regexp.MustCompile(`["'\x60]((?:PYREQS|PYTHON_REQUIREMENTS|MISSING_REQUIRED)_[A-Z0-9_]+)["'\x60]`)

// notCodes are environment variable names that look like codes.
var notCodes = map[string]bool{
	"PYREQS_BINARY_PATH": true, "PYREQS_UNZIP_DIR": true, "PYREQS_TEST_RUN": true,
	"PYREQS_TEST_IMAGE": true, "PYREQS_SETUP_DOCKER": true, "PYREQS_SETUP_SKIP_BUILD": true,
	"PYREQS_BENCH_TREE": true, "PYREQS_ACCEPTANCE_TIMEOUT": true, "PYREQS_DEBIAN_MIRROR": true,
	"PYREQS_PYTHON": true, "PYREQS_INSTALL_TIMEOUT": true,
}

// TestEveryUsedCodeIsInTheCatalog fails when the binary or the shim uses a code that
// docs/errors.md does not explain.
func TestEveryUsedCodeIsInTheCatalog(t *testing.T) {
	used := map[string][]string{}
	scan := func(root string, exts ...string) {
		err := filepath.WalkDir(filepath.Join(repoRoot, root), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "node_modules" || d.Name() == "testdata" || d.Name() == "test" {
					return filepath.SkipDir
				}
				return nil
			}
			if !hasExt(path, exts) || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range codeLiteral.FindAllStringSubmatch(string(data), -1) {
				if !notCodes[m[1]] {
					used[m[1]] = append(used[m[1]], path)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	scan("goplugin", ".go")
	scan("npm-shim", ".js")
	if len(used) < 10 {
		t.Fatalf("found only %d codes in the sources: is the scan broken?", len(used))
	}
	var missing []string
	for c, files := range used {
		if _, ok := Lookup(Code(c)); !ok {
			missing = append(missing, c+" (in "+strings.Join(files, ", ")+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("codes used but not in the catalog (add them to goplugin/internal/diag/catalog.go):\n  %s", strings.Join(missing, "\n  "))
	}
}

func hasExt(path string, exts []string) bool {
	for _, e := range exts {
		if strings.HasSuffix(path, e) {
			return true
		}
	}
	return false
}

func TestCatalogEntriesAreComplete(t *testing.T) {
	valid := regexp.MustCompile(`^(PYREQS|PYTHON_REQUIREMENTS)_[A-Z0-9_]+$|^MISSING_REQUIRED_POETRY_LOCK$`)
	for _, e := range Entries() {
		if !valid.MatchString(string(e.Code)) {
			t.Errorf("%s: not an upper-snake-case code of this project", e.Code)
		}
		if strings.TrimSpace(e.Meaning) == "" || strings.TrimSpace(e.Fix) == "" {
			t.Errorf("%s: every code needs a meaning and a fix", e.Code)
		}
		if !strings.HasSuffix(strings.TrimSpace(e.Meaning), ".") && !strings.HasSuffix(strings.TrimSpace(e.Meaning), ")") {
			t.Errorf("%s: the meaning should be a sentence: %q", e.Code, e.Meaning)
		}
	}
}
