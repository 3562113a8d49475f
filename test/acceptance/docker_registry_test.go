package acceptance

// Private images: dockerImage on a registry that wants basic auth (Debian's docker-registry on
// 127.0.0.1 with an htpasswd file) pulls with the `auths` of $DOCKER_CONFIG/config.json.

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	registryUser     = "pyreqs-ci"
	registryPassword = "pyreqs-Registry-PASS-0001"
)

// startRegistry runs docker-registry with basic auth on a free port of 127.0.0.1 (the Docker
// engine treats 127.0.0.0/8 as an insecure registry, so plain HTTP works) and returns host:port.
func startRegistry(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"docker-registry", "htpasswd"} {
		if _, err := exec.LookPath(tool); err != nil {
			Unavailable(t, "%s is not installed: run PYREQS_SETUP_DOCKER=1 bash scripts/setup.sh", tool)
		}
	}
	dir := t.TempDir()
	htp, err := exec.Command("htpasswd", "-Bbn", registryUser, registryPassword).Output()
	if err != nil {
		t.Fatalf("htpasswd: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "htpasswd"), htp, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
auth:
  htpasswd:
    realm: pyreqs-test
    path: %s
`, filepath.Join(dir, "data"), addr, filepath.Join(dir, "htpasswd"))
	if err := os.WriteFile(filepath.Join(dir, "config.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command("docker-registry", "serve", filepath.Join(dir, "config.yml"))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for i := 0; ; i++ {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return addr
		}
		if i > 300 {
			t.Fatalf("docker-registry did not start: %s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dockerCLI runs the docker CLI with DOCKER_CONFIG=cfg.
func dockerCLI(t *testing.T, cfg, stdin string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+cfg)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker %s: %v\n%s", args[0], err, tail(string(out), 2000))
	}
}

// TestPrivateImageConfigAuths: TestImage pushed with credentials to a registry with basic auth,
// its local tag removed, pulls for dockerizePip through the config file's auths; the password
// is in no output and no artifact; without the auths the pull is refused with a clear error.
func TestPrivateImageConfigAuths(t *testing.T) {
	RequireDocker(t)
	host := startRegistry(t)
	cfg := t.TempDir()
	ref := host + "/pyreqs/python:bookworm"
	dockerCLI(t, cfg, registryPassword+"\n", "login", host, "--username", registryUser, "--password-stdin")
	if data, err := os.ReadFile(filepath.Join(cfg, "config.json")); err != nil || !strings.Contains(string(data), `"auths"`) || strings.Contains(string(data), "credsStore") {
		t.Fatalf("docker login did not store the credentials in config.json auths: %v\n%s", err, data)
	}
	dockerCLI(t, cfg, "", "tag", TestImage, ref)
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "--force", ref).Run() })
	dockerCLI(t, cfg, "", "push", ref)
	dockerCLI(t, cfg, "", "rmi", ref)
	if exec.Command("docker", "image", "inspect", ref).Run() == nil {
		t.Fatalf("%s is still in the engine", ref)
	}

	s := NewService(t, "basic", Ours)
	s.DockerizePip()
	s.SetConfig("custom.pythonRequirements.dockerImage", ref)
	s.Env["DOCKER_CONFIG"] = cfg
	stdout, stderr := s.MustSls("package", "--verbose")
	out := stdout + stderr
	if !strings.Contains(out, "Pulling from "+host+" with credentials from") {
		t.Errorf("no pull with credentials logged:\n%s", tail(out, 4000))
	}
	if err := exec.Command("docker", "image", "inspect", ref).Run(); err != nil {
		t.Errorf("%s was not pulled: %v", ref, err)
	}
	entries := ZipEntries(t, s.Artifact())
	assertHas(t, s.Artifact(), entries, "pyreqs_pure/__init__.py", "pyreqs_native/__init__.py")
	assertNoSecret(t, []string{stdout, stderr}, []string{s.Dir}, registryPassword,
		base64.StdEncoding.EncodeToString([]byte(registryUser+":"+registryPassword)))

	// The registry does want them: without the config file's auths the pull is refused, and the
	// error names the image.
	dockerCLI(t, cfg, "", "rmi", ref)
	anon := NewService(t, "basic", Ours)
	anon.DockerizePip()
	anon.SetConfig("custom.pythonRequirements.dockerImage", ref)
	anon.Env["DOCKER_CONFIG"] = t.TempDir()
	stdout, stderr, err := anon.Sls("package")
	assertUserError(t, err, stdout, stderr, ref)
}
