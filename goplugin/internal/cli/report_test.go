package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
)

// An internal error goes to stderr with its details and to stdout as an error event: both
// through the one redactor.
func TestReportErrorRedactsStdoutAndStderr(t *testing.T) {
	red := redact.New([]string{"AWS_SESSION_TOKEN=session-token-value-1"})
	addConfigSecrets(red, []byte(`{"dockerEnv": ["GITLAB_TOKEN=gitlab-token-value-2"], "pipCmdExtraArgs": ["--index-url", "https://u:cfg-pw-3@h.example/simple"]}`))
	var stdout, stderr bytes.Buffer
	errw := red.NewWriter(&stderr)
	err := fmt.Errorf("calling https://u:cfg-pw-3@h.example/simple with session-token-value-1 and gitlab-token-value-2: %w", errors.New("boom"))
	if code := reportError(protocol.NewEmitter(&stdout, protocol.WithRedactor(red)), errw, err); code != ExitFailure {
		t.Fatalf("exit code %d", code)
	}
	_ = errw.Flush()
	for name, out := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
		if !strings.Contains(out, "https://u:****@h.example") {
			t.Errorf("%s lacks the masked URL: %q", name, out)
		}
		for _, s := range []string{"session-token-value-1", "gitlab-token-value-2", "cfg-pw-3"} {
			if strings.Contains(out, s) {
				t.Errorf("%s leaks %q: %q", name, s, out)
			}
		}
	}
	if !strings.Contains(stdout.String(), `"code":"PYREQS_INTERNAL"`) {
		t.Errorf("stdout = %q", stdout.String())
	}
}

func TestReportErrorInterrupted(t *testing.T) {
	var stdout, stderr bytes.Buffer
	reportError(protocol.NewEmitter(&stdout), &stderr, fmt.Errorf("step: %w", context.Canceled))
	if !strings.Contains(stdout.String(), `"code":"PYREQS_INTERRUPTED"`) || stderr.Len() != 0 {
		t.Errorf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
}
