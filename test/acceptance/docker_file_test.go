package acceptance

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDockerFile packages the dockerFile sample service: the image is built through the API from
// docker/Dockerfile with a --build-arg (context: the service folder, filtered by its
// .dockerignore), dockerExtraFiles copies a file of the image and one of a -v volume into the
// artifact root, dockerEnv NAME=value points pip at a private index and -e PIP_NO_DEPS (from
// dockerRunCmdExtraArgs) reaches pip too. Editing the Dockerfile changes the cache key.
func TestDockerFile(t *testing.T) {
	RequireDocker(t)
	t.Parallel()
	idx := ServeIndex(t)
	s := NewService(t, "dockerFile", Ours)
	s.WriteFile("hostdir/hostfile.txt", "from a -v volume\n")
	// pyreqs-withdeps depends on pyreqs-pure, which PIP_NO_DEPS leaves out.
	s.WriteFile("requirements.txt", "pyreqs-withdeps\npyreqs-sdistonly\npyreqs-native\n")
	s.SetConfig("package.patterns", []any{"!node_modules/**", "!package.json", "!package-lock.json", "!.dockerignore", "!docker/**", "!hostdir/**"})
	s.SetConfig("custom.pythonRequirements.dockerEnv", []any{"PIP_INDEX_URL=" + idx.IndexURL()})
	s.SetConfig("custom.pythonRequirements.dockerRunCmdExtraArgs",
		[]any{"--network", "host", "-v", "./hostdir:/opt/hostdir:ro", "-e", "PIP_NO_DEPS=1"})
	s.SetConfig("custom.pythonRequirements.dockerExtraFiles", []any{"/opt/extra/libextra.txt", "/opt/hostdir/hostfile.txt"})

	_, stderr := s.MustSls("package", "--verbose")
	tag := regexp.MustCompile(`Docker Image: (sls-py-reqs-custom-[0-9a-f]+)`).FindStringSubmatch(stderr)
	if tag == nil {
		t.Fatalf("no custom image in the log:\n%s", tail(stderr, 3000))
	}
	t.Cleanup(func() { _ = exec.Command("docker", "image", "rm", "-f", tag[1]).Run() })
	dockerWants(t, stderr, "Building custom docker image from docker/Dockerfile", "Step 1/")

	entries := ZipEntries(t, s.Artifact())
	for _, name := range []string{"handler.py", "pyreqs_withdeps/__init__.py", "pyreqs_sdistonly/__init__.py", "pyreqs_native/__init__.py"} {
		if _, ok := entries[name]; !ok {
			t.Errorf("no entry %s", name)
		}
	}
	if got := string(ZipRead(t, s.Artifact(), "libextra.txt")); got != "extra file from the dockerFile image\nfrom a build argument\n" {
		t.Errorf("libextra.txt = %q", got)
	}
	if got := string(ZipRead(t, s.Artifact(), "hostfile.txt")); got != "from a -v volume\n" {
		t.Errorf("hostfile.txt = %q", got)
	}
	for _, name := range []string{"docker/Dockerfile", "hostdir/hostfile.txt", ".dockerignore"} {
		if _, ok := entries[name]; ok {
			t.Errorf("%s is in the artifact", name)
		}
	}
	// dockerEnv's index served the install, and PIP_NO_DEPS kept pyreqs-withdeps' dependency out.
	dl := idx.Downloads()
	if !slices.Contains(dl, "pyreqs_withdeps-1.0.0-py3-none-any.whl") || slices.ContainsFunc(dl, func(f string) bool { return strings.HasPrefix(f, "pyreqs_pure") }) {
		t.Errorf("downloads from the dockerEnv index = %v, want pyreqs-withdeps and not its dependency pyreqs-pure", dl)
	}
	if _, ok := entries["pyreqs_pure/__init__.py"]; ok {
		t.Errorf("pyreqs_pure is in the artifact although PIP_NO_DEPS=1 was passed with -e")
	}
	if c := containersOf(t, s); c != "" {
		t.Errorf("containers left behind:\n%s", c)
	}
	assertOwnedByMe(t, s.Path(".serverless"))
	assertOwnedByMe(t, s.CacheDir)

	// A changed Dockerfile is a new cache entry: the artifact gets the new file.
	key1 := string(dockerReadFile(t, s.Path(".serverless/requirements.txt")))
	df := string(dockerReadFile(t, s.Path("docker/Dockerfile")))
	s.WriteFile("docker/Dockerfile", df+"RUN echo changed >> /opt/extra/libextra.txt\n")
	s.MustSls("package")
	if got := string(ZipRead(t, s.Artifact(), "libextra.txt")); !strings.HasSuffix(got, "from a build argument\nchanged\n") {
		t.Errorf("after editing the Dockerfile, libextra.txt = %q", got)
	}
	if key2 := string(dockerReadFile(t, s.Path(".serverless/requirements.txt"))); key2 == key1 || !strings.Contains(key2, "# docker: dockerfile=docker/Dockerfile sha256=") {
		t.Errorf("the key did not change with the Dockerfile:\n%s", key2)
	}
	if _, err := os.Stat(s.Path(".serverless/requirements/pyreqs_withdeps/__init__.py")); err != nil {
		t.Errorf(".serverless/requirements: %v", err)
	}
}
