package acceptance

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// dockerBasicEntries are the requirement files every docker sample service must ship.
var dockerBasicEntries = []string{
	"handler.py",
	"pyreqs_pure/__init__.py",
	"pyreqs_withdeps/__init__.py",
	"pyreqs_sdistonly/__init__.py",
	"pyreqs_native/__init__.py",
}

// assertDockerBasic checks an artifact of the docker sample services: every requirement, the
// compiled extension, nothing of the cache's own files.
func assertDockerBasic(t *testing.T, zipPath string) map[string]Entry {
	t.Helper()
	entries := ZipEntries(t, zipPath)
	for _, name := range dockerBasicEntries {
		if _, ok := entries[name]; !ok {
			t.Errorf("%s: no entry %s", zipPath, name)
		}
	}
	native := false
	for name := range entries {
		if strings.HasPrefix(name, "pyreqs_native/_speed.") && strings.HasSuffix(name, ".so") {
			native = true
		}
		if name == ".completed_requirements" || strings.HasPrefix(name, ".pyreqs/") || strings.HasPrefix(name, "node_modules/") {
			t.Errorf("%s: unexpected entry %s", zipPath, name)
		}
	}
	if !native {
		t.Errorf("%s: no compiled pyreqs_native/_speed*.so", zipPath)
	}
	assertNoPluginMeta(t, zipPath, entries) // bytecode only ours, next to its source
	// The service's own requirements.txt, not the generated one with its key header.
	if got := string(ZipRead(t, zipPath, "requirements.txt")); strings.Contains(got, "#") {
		t.Errorf("%s: requirements.txt is the generated file:\n%s", zipPath, got)
	}
	return entries
}

// containersOf lists the containers (running or not) our plugin created for the service.
func containersOf(t *testing.T, s *Service) string {
	t.Helper()
	out, err := exec.Command("docker", "ps", "-a", "--filter", "label=serverless-pyreqs.service="+s.Dir, "--format", "{{.ID}} {{.Status}}").CombinedOutput()
	if err != nil {
		t.Fatalf("docker ps: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestDockerImage packages the docker sample service (dockerImage, dockerEnv, dockerRunCmdExtraArgs
// --network host) with the real engine: the requirements are installed in the container, every
// produced file belongs to the invoking user, no container is left, and a second package reuses
// the static cache without an engine.
func TestDockerImage(t *testing.T) {
	RequireDocker(t)
	t.Parallel()
	s := NewService(t, "docker", Ours)
	_, stderr := s.MustSls("package", "--verbose")
	assertDockerBasic(t, s.Artifact())
	if !strings.Contains(stderr, "Docker Image: "+TestImage) {
		t.Errorf("the log does not name the image (Docker Image: %s):\n%s", TestImage, tail(stderr, 3000))
	}
	assertOwnedByMe(t, s.Path(".serverless"))
	assertOwnedByMe(t, s.CacheDir)
	if c := containersOf(t, s); c != "" {
		t.Errorf("containers left behind:\n%s", c)
	}
	// The image is part of the cache key: the header of the generated requirements names it.
	if req := string(dockerReadFile(t, s.Path(".serverless/requirements.txt"))); !strings.Contains(req, "# docker: image="+TestImage) {
		t.Errorf(".serverless/requirements.txt has no docker key line:\n%s", req)
	}

	// Cached: the second package needs no engine at all.
	s.Env["DOCKER_HOST"] = "unix:///nonexistent.sock"
	_, stderr = s.MustSls("package", "--verbose")
	if !strings.Contains(stderr, "Using static cache of requirements") {
		t.Errorf("the second package did not use the static cache:\n%s", tail(stderr, 3000))
	}
	assertDockerBasic(t, s.Artifact())
}

func dockerReadFile(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// dockerMustFail runs `sls package` expecting a failure and returns stdout+stderr.
func dockerMustFail(t *testing.T, s *Service) string {
	t.Helper()
	stdout, stderr, err := s.Sls("package")
	if err == nil {
		t.Fatalf("sls package succeeded; want an error")
	}
	return stdout + stderr
}

func dockerWants(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("the output lacks %q:\n%s", w, tail(out, 3000))
		}
	}
}

// TestDockerEngineDown: with no engine answering, packaging stops with an error that names
// dockerizePip and the address tried (no engine is needed to check this).
func TestDockerEngineDown(t *testing.T) {
	t.Parallel()
	s := NewService(t, "docker", Ours)
	s.Env["DOCKER_HOST"] = "unix:///nonexistent.sock"
	out := dockerMustFail(t, s)
	dockerWants(t, out, "custom.pythonRequirements.dockerizePip: dockerizePip needs a running Docker engine",
		"unix:///nonexistent.sock", "set dockerizePip: false")
}

// TestDockerRunArgsRejected: a docker run flag the API settings do not cover is an error naming
// the option and the flag, before anything is installed.
func TestDockerRunArgsRejected(t *testing.T) {
	t.Parallel()
	s := NewService(t, "docker", Ours)
	s.SetConfig("custom.pythonRequirements.dockerRunCmdExtraArgs", []any{"--network", "host", "--privileged"})
	out := dockerMustFail(t, s)
	dockerWants(t, out, "custom.pythonRequirements.dockerRunCmdExtraArgs: the flag --privileged is not supported (element 2)",
		"-v/--volume, -e/--env, --network")
}

// TestDockerPullFails: a missing image is pulled; when the pull fails (no registry is reachable
// here) the error names the image and the engine's reason, and no container is left.
func TestDockerPullFails(t *testing.T) {
	RequireDocker(t)
	t.Parallel()
	s := NewService(t, "docker", Ours)
	const image = "pyreqs-test/does-not-exist:1"
	s.SetConfig("custom.pythonRequirements.dockerImage", image)
	out := dockerMustFail(t, s)
	dockerWants(t, out, `custom.pythonRequirements.dockerImage: could not pull the Docker image "`+image+`": `, "docker pull "+image)
	if c := containersOf(t, s); c != "" {
		t.Errorf("containers left behind:\n%s", c)
	}
}
