package acceptance

import (
	"strings"
	"testing"
)

// dockerComparable keeps the requirement files both plugins must agree on: it drops the
// deliberate differences (README "Differences" 4: bytecode, the cache's own files, the
// generated requirements.txt) and pip's RECORD, which lists the bytecode.
func dockerComparable(entries map[string]Entry) map[string]string {
	out := map[string]string{}
	for name, e := range entries {
		switch {
		case strings.HasSuffix(name, "/"), strings.Contains(name, "__pycache__/"), strings.HasSuffix(name, ".pyc"),
			name == "requirements.txt", name == ".completed_requirements", strings.HasSuffix(name, ".dist-info/RECORD"):
			continue
		}
		out[name] = e.SHA256
	}
	return out
}

// TestDockerDifferential packages the docker sample service with the original plugin (which
// shells out to `docker run`) and with ours (Engine API): the same image and index give the
// same requirement files, byte for byte.
func TestDockerDifferential(t *testing.T) {
	RequireDocker(t)
	t.Parallel()
	orig := NewService(t, "docker", Original)
	ours := NewService(t, "docker", Ours)
	done := make(chan struct{})
	var origErr error
	go func() { // both at once: the slow part is the engine, not this machine's cores
		defer close(done)
		_, _, origErr = orig.Sls("package")
	}()
	_, _, oursErr := ours.Sls("package")
	<-done
	if origErr != nil || oursErr != nil {
		t.Fatalf("original: %v; ours: %v", origErr, oursErr)
	}
	o := dockerComparable(ZipEntries(t, orig.Artifact()))
	w := dockerComparable(ZipEntries(t, ours.Artifact()))
	if len(o) < 10 {
		t.Fatalf("the original's artifact has only %d comparable entries: %v", len(o), o)
	}
	for name, sum := range o {
		if got, ok := w[name]; !ok {
			t.Errorf("ours lacks %s", name)
		} else if got != sum {
			t.Errorf("%s differs", name)
		}
	}
	for name := range w {
		if _, ok := o[name]; !ok {
			t.Errorf("ours has %s, the original has not", name)
		}
	}
}
