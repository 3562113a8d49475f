// Package artifacts packages every sample service of testdata/services with the real Serverless
// CLI and this repository's plugin and lists the sha256 of every entry of every artifact zip, so
// that a refactoring can show its artifacts are byte-identical before and after:
//
//	PYREQS_ARTIFACT_HASHES=/tmp/before.txt go test -count=1 -run TestArtifactHashes ./test/artifacts/
//	... change the code, npm run build ...
//	PYREQS_ARTIFACT_HASHES=/tmp/after.txt go test -count=1 -run TestArtifactHashes ./test/artifacts/
//	diff /tmp/before.txt /tmp/after.txt
//
// Each line is `service artifact entry mode sha256`, sorted. The local package index listens on a
// new port per run; its host:port is replaced by @INDEX_HOST@ before an entry is hashed (the lock
// files poetry and uv write record it), and poetry.lock's content-hash (of a pyproject.toml naming
// that port) by @HASH@. Without PYREQS_ARTIFACT_HASHES the test still packages every service and checks that each
// artifact is a non-empty zip, but writes nothing.
package artifacts

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/test/acceptance"
)

func TestMain(m *testing.M) { os.Exit(acceptance.Main(m)) }

// contentHash is the line of poetry.lock that hashes pyproject.toml.
var contentHash = regexp.MustCompile(`content-hash = "[0-9a-f]+"`)

// indexPlaceholder is replaced by the local index URL in the sample pyproject.toml files.
const indexPlaceholder = "@PYREQS_INDEX_URL@"

// prepare holds what a user does before `sls package` for the services that need it.
var prepare = map[string]func(t *testing.T, s *acceptance.Service){
	"flask":  func(t *testing.T, s *acceptance.Service) { s.IndexURL = acceptance.PublicIndex },
	"docker": func(t *testing.T, s *acceptance.Service) { acceptance.RequireDocker(t) },
	"dockerFile": func(t *testing.T, s *acceptance.Service) {
		acceptance.RequireDocker(t)
	},
	"poetry": func(t *testing.T, s *acceptance.Service) { useIndex(t, s, "pyproject.toml") },
	"poetry-individually": func(t *testing.T, s *acceptance.Service) {
		useIndex(t, s, "mod_a/pyproject.toml", "mod_b/pyproject.toml")
		for _, m := range []string{"mod_a", "mod_b"} {
			tool(t, s, m, "poetry", "lock")
		}
	},
	"uv": func(t *testing.T, s *acceptance.Service) { tool(t, s, ".", "uv", "lock") },
	"webapp": func(t *testing.T, s *acceptance.Service) {
		// The sample apps go into the module folders, as the web app acceptance test does.
		s.IndexURL = acceptance.PublicIndex
		for app, module := range map[string]string{"flask": "flask-app", "asgi": "asgi", "handler": "handler"} {
			src := filepath.Join(acceptance.Root(t), "testdata", "webapps", app)
			if err := os.CopyFS(s.Path(module), os.DirFS(src)); err != nil {
				t.Fatal(err)
			}
		}
	},
}

func TestArtifactHashes(t *testing.T) {
	root := acceptance.Root(t)
	dirs, err := os.ReadDir(filepath.Join(root, "testdata", "services"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		lines []string
	)
	t.Run("services", func(t *testing.T) {
		for _, d := range dirs {
			if !d.IsDir() {
				continue
			}
			name := d.Name()
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				s := acceptance.NewService(t, name, acceptance.Ours)
				if p := prepare[name]; p != nil {
					p(t, s)
				}
				s.MustSls("package")
				got := artifactLines(t, s)
				if len(got) == 0 {
					t.Fatalf("%s: no artifact zip with entries under .serverless", name)
				}
				mu.Lock()
				lines = append(lines, got...)
				mu.Unlock()
			})
		}
	})
	slices.Sort(lines)
	if out := os.Getenv("PYREQS_ARTIFACT_HASHES"); out != "" && !t.Failed() {
		if err := os.WriteFile(out, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d lines to %s", len(lines), out)
	}
}

// artifactLines lists every entry of every zip under the service's .serverless folder.
func artifactLines(t *testing.T, s *acceptance.Service) []string {
	t.Helper()
	var lines []string
	host := ""
	if u, err := url.Parse(s.IndexURL); err == nil && strings.HasPrefix(u.Host, "127.0.0.1:") {
		host = u.Host // the local index's port changes from run to run
	}
	base := s.Path(".serverless")
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".zip") {
			return err
		}
		rel, _ := filepath.Rel(base, p)
		r, err := zip.OpenReader(p)
		if err != nil {
			return err
		}
		defer r.Close()
		for _, f := range r.File {
			rc, err := f.Open()
			if err != nil {
				return fmt.Errorf("%s: %s: %w", rel, f.Name, err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return fmt.Errorf("%s: %s: %w", rel, f.Name, err)
			}
			if host != "" {
				data = bytes.ReplaceAll(data, []byte(host), []byte("@INDEX_HOST@"))
			}
			if path.Base(f.Name) == "poetry.lock" {
				// Poetry's content-hash covers pyproject.toml, which names the index with its port.
				data = contentHash.ReplaceAll(data, []byte(`content-hash = "@HASH@"`))
			}
			sum := sha256.Sum256(data)
			lines = append(lines, fmt.Sprintf("%s %s %s %v %s", s.Name, filepath.ToSlash(rel), f.Name, f.Mode(), hex.EncodeToString(sum[:])))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// useIndex writes the service's index URL into the given files.
func useIndex(t *testing.T, s *acceptance.Service, rels ...string) {
	t.Helper()
	for _, rel := range rels {
		data, err := os.ReadFile(s.Path(rel))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(indexPlaceholder)) {
			t.Fatalf("%s has no %s", rel, indexPlaceholder)
		}
		s.WriteFile(rel, strings.ReplaceAll(string(data), indexPlaceholder, s.IndexURL))
	}
}

// tool runs a tool of .tools/bin (uv, poetry) in a folder of the service, as a user would
// before packaging.
func tool(t *testing.T, s *acceptance.Service, dir, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(acceptance.Root(t), ".tools", "bin", name), args...)
	cmd.Dir = s.Path(dir)
	cmd.Env = s.Environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
