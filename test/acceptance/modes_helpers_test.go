package acceptance

// Helpers of the packaging-mode tests (issue 3: zip, slim/strip, layers), prefixed "modes".

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// modesSHA is the hex sha256 of a file.
func modesSHA(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// modesShaBytes is the hex sha256 of data.
func modesShaBytes(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// modesNestedZip extracts the entry name of the zip at path into a file of a temp dir.
func modesNestedZip(t testing.TB, path, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), filepath.Base(name))
	if err := os.WriteFile(p, ZipRead(t, path, name), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// modesFiles maps the file entries of a zip (directory entries left out) under prefix, with the
// prefix removed, to their sha256.
func modesFiles(t testing.TB, path, prefix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, e := range ZipEntries(t, path) {
		if strings.HasSuffix(name, "/") || !strings.HasPrefix(name, prefix) {
			continue
		}
		out[strings.TrimPrefix(name, prefix)] = e.SHA256
	}
	return out
}

// modesELF reports whether the zip entry name is an ELF file with a symbol table (unstripped).
func modesSymtab(t testing.TB, path, name string) bool {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(ZipRead(t, path, name)))
	if err != nil {
		t.Fatalf("%s: %s is not an ELF file: %v", path, name, err)
	}
	defer f.Close()
	return f.Section(".symtab") != nil
}

// modesFind returns the one entry name matching re (failing the test when there is not exactly one).
func modesFind(t testing.TB, entries map[string]Entry, re string) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	var found []string
	for n := range entries {
		if rx.MatchString(n) {
			found = append(found, n)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d entries match %s: %v", len(found), re, found)
	}
	return found[0]
}

// modesHasPrefix reports whether an entry name starts with any of the prefixes.
func modesHasPrefix(entries map[string]Entry, prefixes ...string) []string {
	var out []string
	for n := range entries {
		for _, p := range prefixes {
			if strings.HasPrefix(n, p) {
				out = append(out, n)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// modesAssertEntries fails for every name that is not an entry.
func modesAssertEntries(t testing.TB, what string, entries map[string]Entry, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, ok := entries[n]; !ok {
			t.Errorf("%s: no entry %s", what, n)
		}
	}
}

// modesRunZipped unzips a function artifact into a temp dir and runs code there with python3.11,
// as Lambda runs a handler: LAMBDA_TASK_ROOT is that dir, and unzip_requirements extracts into a
// private folder (PYREQS_UNZIP_DIR) instead of the machine-wide /tmp/sls-py-req. Returns stdout
// and the extraction folder.
func modesRunZipped(t testing.TB, artifact, code string) (stdout, extracted string) {
	t.Helper()
	dir := Unzip(t, artifact)
	extracted = filepath.Join(t.TempDir(), "sls-py-req")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// -s -E: no user site-packages, no PYTHON* variables; '' (the task root) stays on sys.path.
	cmd := exec.CommandContext(ctx, "python3.11", "-s", "-E", "-c", code)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "PYTHONDONTWRITEBYTECODE=1",
		"LAMBDA_TASK_ROOT=" + dir, "PYREQS_UNZIP_DIR=" + extracted,
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3.11 in the unzipped %s: %v\n%s", filepath.Base(artifact), err, stderr.String())
	}
	return string(out), extracted
}

// modesTemplate reads .serverless/cloudformation-template-update-stack.json.
func modesTemplate(t testing.TB, s *Service) map[string]any {
	t.Helper()
	return readJSON(t, s.Path(".serverless/cloudformation-template-update-stack.json"))
}

// modesJSON renders v compactly, for comparisons and messages.
func modesJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// modesUserError checks a failed run: the output names every want string and shows no stack.
func modesUserError(t testing.TB, err error, stdout, stderr string, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("sls succeeded; want a failure naming %q", want)
	}
	all := stdout + "\n" + stderr
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("the output does not contain %q:\n%s", w, tail(all, 4000))
		}
	}
	if m := regexp.MustCompile(`(?m)^\s+at .+:\d+:\d+\)?$`).FindString(all); m != "" {
		t.Errorf("the output shows a stack trace (%q)", m)
	}
}

// modesZipModes lists entry modes of a zip (name → permission bits).
func modesZipModes(t testing.TB, path string) map[string]os.FileMode {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out := map[string]os.FileMode{}
	for _, f := range r.File {
		out[f.Name] = f.Mode().Perm()
	}
	return out
}

// modesCopy copies a file (to keep an artifact of one run for a later comparison).
func modesCopy(t testing.TB, src string) string {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

// modesExists reports whether a path exists (without following a final symlink).
func modesExists(p string) bool {
	_, err := os.Lstat(p)
	return !errors.Is(err, os.ErrNotExist)
}
