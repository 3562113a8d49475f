package acceptance

// The assembled path (installer: pip on the host, assemble: true by default): the artifact is
// built straight from the resolved wheels. It must give the files the classic
// `pip install --target` path gives, rebuild byte for byte, and re-fetch a corrupt wheel of the
// download cache.

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAssembleMatchesClassic packages basic (a pure wheel with a console script, a native
// wheel, an sdist built into a wheel) assembled, truncates a wheel of the download cache and
// packages again (the wheel is fetched again, the artifact is byte-identical), then packages
// with assemble: false and compares the files entry for entry (content and mode), except pip's
// bookkeeping files (INSTALLER, REQUESTED, direct_url.json), their RECORD lines and the scripts'
// content (shebang and launcher template; the issue allows shebangs, and the assembled launcher is
// current pip's template while the installed pip may be older).
func TestAssembleMatchesClassic(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	s.SetConfig("custom.pythonRequirements.useStaticCache", false) // every run installs

	stdout, stderr := s.MustSls("package", "--verbose")
	if !strings.Contains(stdout+stderr, "Assembled ") || !strings.Contains(stdout+stderr, "from wheels") {
		t.Fatalf("the assembled path did not run:\n%s", tail(stdout+stderr, 3000))
	}
	art := s.Artifact()
	first := fileSHA256(t, art)
	assembled := ZipEntries(t, art)
	records, scripts := map[string][]byte{}, map[string][]byte{} // the assembled RECORDs and scripts
	for name := range assembled {
		if strings.HasSuffix(name, ".dist-info/RECORD") {
			records[name] = ZipRead(t, art, name)
		}
		if strings.HasPrefix(name, "bin/") {
			scripts[name] = ZipRead(t, art, name)
		}
	}

	wheels, _ := filepath.Glob(filepath.Join(cacheRoot(s), "downloadCacheslspyc", "wheels-sha256", "*.whl"))
	if len(wheels) == 0 {
		t.Fatal("no wheel kept in the download cache")
	}
	if err := os.Truncate(wheels[0], 100); err != nil {
		t.Fatal(err)
	}
	stdout, stderr = s.MustSls("package", "--verbose")
	if !strings.Contains(stdout+stderr, "Assembled ") {
		t.Fatalf("the assembled path did not run with a corrupt wheel in the cache:\n%s", tail(stdout+stderr, 3000))
	}
	if got := fileSHA256(t, art); got != first {
		t.Errorf("the rebuild with a re-fetched wheel differs: %s, first %s", got, first)
	}
	b, err := os.ReadFile(wheels[0])
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:])+".whl" != filepath.Base(wheels[0]) {
		t.Errorf("%s was not fetched again (%d bytes)", wheels[0], len(b))
	}

	s.SetConfig("custom.pythonRequirements.assemble", false)
	stdout, stderr = s.MustSls("package", "--verbose")
	if strings.Contains(stdout+stderr, "Assembled ") {
		t.Fatalf("assemble: false still assembled:\n%s", tail(stdout+stderr, 3000))
	}
	classic := ZipEntries(t, art)

	bookkeeping := func(name string) bool {
		return strings.HasSuffix(name, ".dist-info/INSTALLER") || strings.HasSuffix(name, ".dist-info/REQUESTED") ||
			strings.HasSuffix(name, ".dist-info/direct_url.json")
	}
	for name, c := range classic {
		a, ok := assembled[name]
		switch {
		case bookkeeping(name):
			if ok {
				t.Errorf("%s: pip's bookkeeping file is in the assembled artifact", name)
			}
		case !ok:
			t.Errorf("%s: missing from the assembled artifact", name)
		case a.Mode != c.Mode:
			t.Errorf("%s: mode %v assembled, %v classic", name, a.Mode, c.Mode)
		case strings.HasSuffix(name, ".dist-info/RECORD"): // pip's lists the bookkeeping files
			if withoutBytecodeLines(records[name]) != withoutBytecodeLines(ZipRead(t, art, name)) {
				t.Errorf("%s: differs beyond pip's bookkeeping lines", name)
			}
		case strings.HasPrefix(name, "bin/"):
			// The launcher: the shebang and pip's template (the installed pip's may be older).
			if !strings.Contains(string(scripts[name]), "sys.exit(") {
				t.Errorf("%s: not a console script launcher:\n%s", name, scripts[name])
			}
		case a.SHA256 != c.SHA256:
			t.Errorf("%s: content differs (%d bytes assembled, %d classic)", name, a.Size, c.Size)
		}
	}
	for name := range assembled {
		if _, ok := classic[name]; !ok {
			t.Errorf("%s: only in the assembled artifact", name)
		}
	}
}
