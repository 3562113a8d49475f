package acceptance

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// dockerHasSymtab reports whether an ELF file (the bytes of a .so) has a symbol table.
func dockerHasSymtab(t *testing.T, data []byte) bool {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not an ELF file: %v", err)
	}
	defer f.Close()
	return f.Section(".symtab") != nil
}

// dockerWheelSO returns the .so inside pyreqs-native's wheel of the test index.
func dockerWheelSO(t *testing.T) []byte {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(IndexDir(t), "pyreqs_native-*.whl"))
	if len(matches) == 0 {
		t.Fatalf("no pyreqs_native wheel in %s", IndexDir(t))
	}
	zr, err := zip.OpenReader(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".so") {
			rc, _ := f.Open()
			data, _ := io.ReadAll(rc)
			rc.Close()
			return data
		}
	}
	t.Fatalf("no .so in %s", matches[0])
	return nil
}

// TestDockerSlimAndDownloadCache: slim inside docker (strip runs in the container, slim
// deletion on the copied-out tree), and the download cache mounted into the container is
// reused by the next install (the sdist built in the first run is not fetched again).
func TestDockerSlimAndDownloadCache(t *testing.T) {
	RequireDocker(t)
	t.Parallel()
	idx := ServeIndex(t)
	s := NewService(t, "docker", Ours)
	s.IndexURL = idx.IndexURL() // passed into the container by dockerEnv: [PIP_INDEX_URL]
	s.SetConfig("custom.pythonRequirements.slim", true)
	s.SetConfig("custom.pythonRequirements.useStaticCache", false) // every package installs again

	s.MustSls("package")
	first := idx.Downloads()
	if !slices.Contains(first, "pyreqs_sdistonly-1.0.0.tar.gz") {
		t.Fatalf("first install downloads = %v, want the sdist of pyreqs-sdistonly", first)
	}
	entries := assertDockerBasic(t, s.Artifact())
	for name := range entries {
		if strings.Contains(name, ".dist-info/") || strings.Contains(name, "__pycache__") {
			t.Errorf("slim left %s", name)
		}
	}
	if !dockerHasSymtab(t, dockerWheelSO(t)) {
		t.Fatalf("the wheel's .so has no symbol table: the strip check would prove nothing")
	}
	for name := range entries {
		if strings.HasPrefix(name, "pyreqs_native/") && strings.HasSuffix(name, ".so") && dockerHasSymtab(t, ZipRead(t, s.Artifact(), name)) {
			t.Errorf("%s was not stripped", name)
		}
	}
	cache := filepath.Join(s.CacheDir, "serverless-python-requirements", "downloadCacheslspyc")
	if des, err := os.ReadDir(cache); err != nil || len(des) == 0 {
		t.Fatalf("the download cache %s is empty after the install (%v)", cache, err)
	}
	assertOwnedByMe(t, s.CacheDir)

	s.MustSls("package")
	second := idx.Downloads()[len(first):]
	if slices.Contains(second, "pyreqs_sdistonly-1.0.0.tar.gz") {
		t.Errorf("second install downloads = %v: the sdist was fetched again instead of the wheel cached in the download cache", second)
	}
	if len(second) == 0 {
		t.Errorf("the second install downloaded nothing: was it installed at all?")
	}
	assertDockerBasic(t, s.Artifact())
	if c := containersOf(t, s); c != "" {
		t.Errorf("containers left behind:\n%s", c)
	}
}
