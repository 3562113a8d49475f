package acceptance

import (
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// TestImage is the local Docker image built by scripts/docker-image.sh (Debian bookworm with
// python3.11, pip and binutils), for dockerizePip tests: set custom.pythonRequirements.dockerImage
// to it so no registry is needed.
const TestImage = "pyreqs-test/python:bookworm"

var (
	dockerOnce   sync.Once
	dockerReason string
)

// RequireDocker skips the test (fails it when CI=true) unless a Docker engine answers and
// TestImage exists; scripts/setup.sh with PYREQS_SETUP_DOCKER=1 provides both.
func RequireDocker(t testing.TB) {
	t.Helper()
	requireHarness(t)
	dockerOnce.Do(func() {
		if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
			dockerReason = "no Docker engine (" + strings.TrimSpace(tail(string(out), 200)) + "): run PYREQS_SETUP_DOCKER=1 bash scripts/setup.sh"
			return
		}
		if err := exec.Command("docker", "image", "inspect", TestImage).Run(); err != nil {
			dockerReason = "the image " + TestImage + " is missing: run PYREQS_SETUP_DOCKER=1 bash scripts/setup.sh"
		}
	})
	if dockerReason != "" {
		Unavailable(t, "%s", dockerReason)
	}
}

// DockerizePip configures the service for dockerizePip with TestImage: the container joins the
// host network and gets PIP_INDEX_URL, so pip inside it reaches the local index on 127.0.0.1.
// It calls RequireDocker first.
func (s *Service) DockerizePip() {
	s.t.Helper()
	RequireDocker(s.t)
	s.SetConfig("custom.pythonRequirements.dockerizePip", true)
	s.SetConfig("custom.pythonRequirements.dockerImage", TestImage)
	s.SetConfig("custom.pythonRequirements.dockerEnv", []any{"PIP_INDEX_URL"})
	s.SetConfig("custom.pythonRequirements.dockerRunCmdExtraArgs", []any{"--network", "host"})
}
