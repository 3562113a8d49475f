package acceptance

// Containers of killed runs (issue 18, section 2): a labelled install container whose pyreqs
// process is gone is removed by the next dockerized run and by cleanCache.

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// leftoverContainer creates (without starting) a container labelled as an install container of a
// pyreqs process that no longer exists on this machine, and returns its id.
func leftoverContainer(t *testing.T) string {
	t.Helper()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("docker", "create",
		"--label", "serverless-pyreqs=1",
		"--label", "serverless-pyreqs.pid="+strconv.Itoa(dead.Process.Pid),
		"--label", "serverless-pyreqs.host="+host,
		TestImage, "true").Output()
	if err != nil {
		t.Fatalf("docker create: %v", err)
	}
	id := strings.TrimSpace(string(out))
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", id).Run() })
	return id
}

func containerExists(id string) bool {
	return exec.Command("docker", "container", "inspect", id).Run() == nil
}

func TestDockerLeftoverContainersReaped(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	s.WriteFile("requirements.txt", "pyreqs-pure\n")
	s.DockerizePip()
	id := leftoverContainer(t)
	s.MustSls("package")
	if containerExists(id) {
		t.Errorf("the container %s of a run that is gone survived the next dockerized run", id)
	}
	id = leftoverContainer(t)
	s.MustSls("requirements", "cleanCache")
	if containerExists(id) {
		t.Errorf("the container %s of a run that is gone survived cleanCache", id)
	}
}

// TestDockerUvInstalledInContainer: installer: uv with dockerizePip and an image without uv
// (TestImage has none) packages: uv comes from the host (same platform) or is installed with pip
// from the test index, and --verbose says which (before: "uv was not found in the image").
func TestDockerUvInstalledInContainer(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	s.WriteFile("requirements.txt", "pyreqs-pure\npyreqs-native\n")
	s.DockerizePip()
	s.SetConfig("custom.pythonRequirements.installer", "uv")
	s.SetConfig("custom.pythonRequirements.dockerEnv", []any{"PIP_INDEX_URL", "UV_DEFAULT_INDEX"})
	stdout, stderr := s.MustSls("package", "--verbose")
	out := stdout + stderr
	if !strings.Contains(out, "installer: uv in docker") || !strings.Contains(out, "the image has no uv: ") {
		t.Errorf("--verbose does not say where uv comes from:\n%s", tail(out, 4000))
	}
	art := s.Artifact()
	assertHas(t, art, ZipEntries(t, art), "pyreqs_pure/__init__.py", "pyreqs_native/__init__.py")
}
