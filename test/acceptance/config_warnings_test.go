package acceptance

import (
	"strings"
	"testing"
)

// TestConfigWarningsOncePerRun: the binary runs once per hook and checks the config each time;
// a warning about it (an unknown option, a misspelt custom.pythonRequirements block) is shown
// once per `sls package`, with its fix, not once per hook.
func TestConfigWarningsOncePerRun(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	s.SetConfig("custom.pythonRequirements.slimm", true)
	s.SetConfig("custom.pythonRequirments.zip", true)
	stdout, stderr := s.MustSls("package")
	all := stdout + "\n" + stderr
	for _, tc := range []struct{ message, fix string }{
		{"custom.pythonRequirements.slimm: is not an option of serverless-pyreqs and is ignored.", "Did you mean slim?"},
		{"custom.pythonRequirments: is not read by serverless-pyreqs (only custom.pythonRequirements is).",
			"Merge its keys into custom.pythonRequirements and remove it."},
	} {
		if n := strings.Count(all, tc.message); n != 1 {
			t.Errorf("%q shown %d times, want once:\n%s", tc.message, n, tail(all, 3000))
		}
		if !strings.Contains(all, tc.message+"\n"+tc.fix) {
			t.Errorf("%q is not followed by its fix %q:\n%s", tc.message, tc.fix, tail(all, 3000))
		}
	}
}
