package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
)

// The differential below installs with the real pip of .tools/venv (Python 3.11 on x86_64 Linux)
// from the local test index (test/internal/pyindex, run through its command: goplugin/ cannot
// import test/internal).

var (
	indexOnce  sync.Once
	indexURL   string
	indexSkip  string
	indexErr   error
	indexStdin io.WriteCloser // the pyindex command serves until its stdin closes (test binary exit)
)

func realIndex(t *testing.T) (python, url string) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	python = filepath.Join(root, ".tools", "venv", "bin", "python")
	indexOnce.Do(func() {
		if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
			indexSkip = "the differential needs a Linux x86_64 host (the host install is the reference)"
			return
		}
		if _, err := os.Stat(python); err != nil {
			indexSkip = python + " is missing: run scripts/setup.sh"
			return
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			indexSkip = "go is not on PATH"
			return
		}
		bin := filepath.Join(os.TempDir(), "pyreqs-pipeline-pyindex")
		build := exec.Command(goBin, "build", "-o", bin, "./test/internal/pyindex/cmd/pyindex")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			indexErr = errors.New("building the pyindex command: " + err.Error() + "\n" + string(out))
			return
		}
		cmd := exec.Command(bin, "-python", python, "-src", filepath.Join(root, "testdata", "pypkgs"), "-out", filepath.Join(root, ".tools", "pyindex"))
		cmd.Stderr = os.Stderr
		if indexStdin, err = cmd.StdinPipe(); err != nil {
			indexErr = err
			return
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			indexErr = err
			return
		}
		if err := cmd.Start(); err != nil {
			indexErr = err
			return
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			indexErr = errors.New("the pyindex command printed no URL: " + err.Error())
			return
		}
		go io.Copy(io.Discard, stdout) //nolint:errcheck
		indexURL = strings.TrimSpace(line)
	})
	if indexSkip != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(indexSkip)
		}
		t.Skip(indexSkip)
	}
	if indexErr != nil {
		t.Fatal(indexErr)
	}
	return python, indexURL
}

// TestTargetInstallMatchesHostInstall: for x86_64/python3.11, the install for the target (forced
// by a pretend macOS host) gives the same files, entry for entry, as the plain host install on
// this Linux x86_64 host with Python 3.11: the pure sdist built on the host included.
func TestTargetInstallMatchesHostInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pip")
	}
	python, url := realIndex(t)
	trees := map[string]map[string]string{}
	for _, host := range []struct{ goos, goarch string }{{"linux", "amd64"}, {"darwin", "arm64"}} {
		s := newSvc(t)
		write(s.dir, "requirements.txt", "pyreqs-withdeps==1.0.0\npyreqs-multiarch==1.0.0\npyreqs-sdistonly==1.0.0\n", 0o644)
		s.custom["pythonBin"] = python
		s.custom["pipCmdExtraArgs"] = []string{"--index-url", url}
		s.custom["useDownloadCache"] = false
		var out bytes.Buffer
		xdg := t.TempDir()
		env := []string{"HOME=" + s.dir, "PATH=" + os.Getenv("PATH"), "PIP_CONFIG_FILE=" + os.DevNull, "XDG_CACHE_HOME=" + xdg, "PIP_NO_INPUT=1"}
		_, err := Run(context.Background(), s.request(protocol.PhaseBefore),
			Deps{Emit: protocol.NewEmitter(&out), Runner: proc.Exec{}, GOOS: host.goos, GOARCH: host.goarch, Environ: env})
		if err != nil {
			t.Fatalf("%s: %v\n%s", host.goos, err, out.String())
		}
		if isTarget := strings.Contains(out.String(), "without Docker"); isTarget != (host.goos == "darwin") {
			t.Fatalf("%s: target install %t:\n%s", host.goos, isTarget, out.String())
		}
		trees[host.goos] = treeHashes(t, filepath.Join(s.dir, ".serverless", "requirements"))
	}
	host, tgt := trees["linux"], trees["darwin"]
	for _, f := range []string{"pyreqs_withdeps/__init__.py", "pyreqs_pure/__init__.py", "pyreqs_sdistonly/__init__.py", "pyreqs_multiarch/__init__.py"} {
		if _, ok := host[f]; !ok {
			t.Fatalf("the host install lacks %s: %v", f, sortedKeys(host))
		}
	}
	for p, h := range host {
		if tgt[p] != h {
			t.Errorf("%s differs: host %q, target %q", p, h, tgt[p])
		}
	}
	for p := range tgt {
		if _, ok := host[p]; !ok {
			t.Errorf("%s only in the target install", p)
		}
	}
}

// treeHashes maps every file under dir (following the link to the cache entry, without the
// plugin's own files) to its content.
func treeHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	err = filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(real, p)
		if d.IsDir() && rel == cache.MetaDir {
			return filepath.SkipDir
		}
		if d.IsDir() || rel == cache.Marker || rel == "requirements.txt" {
			return nil
		}
		b, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
