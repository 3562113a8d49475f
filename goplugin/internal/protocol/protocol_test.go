package protocol

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
)

func events(t *testing.T, out string) []map[string]any {
	t.Helper()
	var evs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		evs = append(evs, m)
	}
	return evs
}

func TestFailCarriesFields(t *testing.T) {
	var out bytes.Buffer
	e := NewEmitter(&out)
	e.Fail(diag.AtKey(diag.CodeDockerSSH, "dockerPrivateKey", "cannot read %s", "/k").WithOutput("line 1\nline 2\n"))
	e.Fail(diag.AtFile(diag.CodeTOMLInvalid, "/s/pyproject.toml", "invalid TOML"))
	e.Fail(&diag.Error{Message: "no code"})
	evs := events(t, out.String())
	want := []map[string]any{
		{"type": "error", "code": "PYREQS_DOCKER_SSH", "key": "custom.pythonRequirements.dockerPrivateKey",
			"message": "cannot read /k", "fix": mustFix(diag.CodeDockerSSH), "output": "line 1\nline 2"},
		{"type": "error", "code": "PYREQS_TOML_INVALID", "file": "/s/pyproject.toml", "message": "invalid TOML", "fix": mustFix(diag.CodeTOMLInvalid)},
		{"type": "error", "code": "PYREQS_ERROR", "message": "no code", "fix": mustFix(diag.CodeError)},
	}
	for i := range want {
		if !equal(evs[i], want[i]) {
			t.Errorf("event %d = %v\nwant %v", i, evs[i], want[i])
		}
	}
}

func TestWarnCarriesFields(t *testing.T) {
	var out bytes.Buffer
	e := NewEmitter(&out)
	e.Warn(diag.WarnAtKey(diag.CodeUnknownOption, "zipp", "is not an option").WithFix("Did you mean zip?"))
	evs := events(t, out.String())
	if !equal(evs[0], map[string]any{"type": "warning", "code": "PYREQS_UNKNOWN_OPTION", "key": "custom.pythonRequirements.zipp",
		"message": "is not an option", "fix": "Did you mean zip?"}) {
		t.Errorf("Warn event = %v", evs[0])
	}
}

// TestEverythingIsRedacted: no event type lets a secret through, whatever field it is in.
func TestEverythingIsRedacted(t *testing.T) {
	red := redact.New([]string{"AWS_SECRET_ACCESS_KEY=aws-secret-value-123", "PIP_INDEX_URL=https://u:index-pw-456@idx.example/simple"})
	red.AddArgs([]string{"--extra-index-url", "https://c:config-pw-789@c.example/simple"})
	var out bytes.Buffer
	e := NewEmitter(&out, WithRedactor(red))
	s := "aws-secret-value-123 index-pw-456 config-pw-789 https://x:url-pw-000@h.example/?token=tok-111"
	e.Log("debug", s)
	e.Info(s)
	e.Verbose(s)
	e.Progress("p", s, false)
	e.Warn(&diag.Warning{Code: diag.CodeEditableStripped, Key: s, File: s, Message: s, Hint: s})
	e.Fail(&diag.Error{Code: diag.CodeInstallFailed, Key: s, File: s, Message: s, Hint: s, Output: s})
	got := out.String()
	for _, secret := range []string{"aws-secret-value-123", "index-pw-456", "config-pw-789", "url-pw-000", "tok-111"} {
		if strings.Contains(got, secret) {
			t.Errorf("%q leaked:\n%s", secret, got)
		}
	}
	if n := strings.Count(got, "****"); n < 8*5 {
		t.Errorf("only %d masks in:\n%s", n, got)
	}
}

func TestResultEditsAreNotRedacted(t *testing.T) {
	var out bytes.Buffer
	e := NewEmitter(&out, WithRedactor(redact.New([]string{"MY_SERVICE_TOKEN=/abs/svc/path"})))
	e.Result(&Edits{ServiceArtifact: "/abs/svc/path/.serverless/x.zip"})
	if !strings.Contains(out.String(), "/abs/svc/path/.serverless/x.zip") {
		t.Errorf("edits changed: %s", out.String())
	}
}

func mustFix(c diag.Code) string {
	e, ok := diag.Lookup(c)
	if !ok {
		panic(c)
	}
	return e.Fix
}

func equal(a, b map[string]any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
