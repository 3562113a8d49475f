package container

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
)

func TestReapRemovesOnlyContainersOfGoneRuns(t *testing.T) {
	host, _ := os.Hostname()
	// A process that existed and is gone: its pid is free again (for the test's short life).
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := strconv.Itoa(cmd.Process.Pid)
	old := time.Now().Add(-2 * time.Hour).Unix()
	recent := time.Now().Unix()
	owner := func(pid, h string) map[string]string {
		return map[string]string{LabelTool: "1", LabelPID: pid, LabelHost: h}
	}
	f := newFake()
	f.listed = []container.Summary{
		{ID: "dead-run", Labels: owner(deadPID, host), State: "exited", Created: recent},
		{ID: "dead-run-running", Labels: owner(deadPID, host), State: "running", Created: recent},
		{ID: "live-run", Labels: owner(strconv.Itoa(os.Getppid()), host), State: "running", Created: old},
		{ID: "this-run", Labels: owner(strconv.Itoa(os.Getpid()), host), State: "created", Created: old},
		{ID: "other-host-recent", Labels: owner(deadPID, "elsewhere"), State: "exited", Created: recent},
		{ID: "other-host-old", Labels: owner(deadPID, "elsewhere"), State: "exited", Created: old},
		{ID: "other-host-old-running", Labels: owner(deadPID, "elsewhere"), State: "running", Created: old},
		{ID: "older-version-old", Labels: map[string]string{LabelTool: "1"}, State: "exited", Created: old},
	}
	n, err := Reap(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"dead-run", "dead-run-running", "older-version-old", "other-host-old"}
	slices.Sort(f.removedIDs)
	if n != len(want) || !slices.Equal(f.removedIDs, want) {
		t.Fatalf("reaped %d: %v; want %v", n, f.removedIDs, want)
	}
}

func TestEngineLabelsNameTheOwner(t *testing.T) {
	e, _ := connect(t, newFake())
	l := e.labels()
	if l[LabelPID] != strconv.Itoa(os.Getpid()) || l[LabelHost] == "" || l[LabelTool] != "1" {
		t.Fatalf("labels = %v", l)
	}
}
