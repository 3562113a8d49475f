package diag

import (
	"errors"
	"fmt"
	"testing"
)

func TestBuilders(t *testing.T) {
	cause := errors.New("boom")
	tests := []struct {
		name                      string
		err                       *Error
		wantWhere, wantText, want string
		wantFix                   string
	}{
		{"relative key", AtKey(CodeDockerSSH, "dockerPrivateKey", "cannot read %s", "/k"),
			"custom.pythonRequirements.dockerPrivateKey: ", "cannot read /k",
			"custom.pythonRequirements.dockerPrivateKey: cannot read /k", entryFix(CodeDockerSSH)},
		{"full path key", AtKey(CodeModuleNotFound, "functions.hello.module", "missing"),
			"functions.hello.module: ", "missing", "functions.hello.module: missing", entryFix(CodeModuleNotFound)},
		{"file", AtFile(CodeRequirementsInvalid, "/s/requirements.txt", "line %d: bad", 3),
			"/s/requirements.txt: ", "line 3: bad", "/s/requirements.txt: line 3: bad", entryFix(CodeRequirementsInvalid)},
		{"specific fix", Config("zip", "must be a boolean").WithFix("Write zip: %s.", "true"),
			"custom.pythonRequirements.zip: ", "must be a boolean", "custom.pythonRequirements.zip: must be a boolean\nWrite zip: true.", "Write zip: true."},
		{"no format args keeps percent", Errorf(CodeInternal, "100% done"), "", "100% done", "100% done", entryFix(CodeInternal)},
		{"cause as text", Errorf(CodeInternal, "").Wrap(cause), "", "boom", "boom", entryFix(CodeInternal)},
		{"output", Errorf(CodeInstallFailed, "pip failed").WithFix("Check it.").WithOutput("ERROR: x\n"), "", "pip failed",
			"pip failed\nCheck it.\n--- output (last lines) ---\nERROR: x", "Check it."},
		{"block itself", Config("", "is not valid JSON"), "custom.pythonRequirements: ", "is not valid JSON",
			"custom.pythonRequirements: is not valid JSON", entryFix(CodeConfigInvalid)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if g := tt.err.Where(); g != tt.wantWhere {
				t.Errorf("Where() = %q, want %q", g, tt.wantWhere)
			}
			if g := tt.err.Text(); g != tt.wantText {
				t.Errorf("Text() = %q, want %q", g, tt.wantText)
			}
			if g := tt.err.Error(); g != tt.want {
				t.Errorf("Error() = %q, want %q", g, tt.want)
			}
			if g := tt.err.Fix(); g != tt.wantFix || g == "" {
				t.Errorf("Fix() = %q, want %q", g, tt.wantFix)
			}
		})
	}
}

func entryFix(c Code) string {
	e, ok := Lookup(c)
	if !ok {
		panic("no entry " + c)
	}
	return e.Fix
}

func TestAsUnwraps(t *testing.T) {
	d := Errorf(CodeExportFailed, "x")
	got, ok := As(fmt.Errorf("step: %w", d))
	if !ok || got != d {
		t.Fatalf("As = %v, %v", got, ok)
	}
	if _, ok := As(errors.New("plain")); ok {
		t.Fatal("As matched a plain error")
	}
}

func TestWarnings(t *testing.T) {
	w := WarnAtKey(CodeUnknownOption, "zipp", "is not an option of serverless-pyreqs and is ignored. Did you mean %s?", "zip")
	if w.String() != "custom.pythonRequirements.zipp: is not an option of serverless-pyreqs and is ignored. Did you mean zip?" {
		t.Errorf("String() = %q", w.String())
	}
	if w.Fix() != entryFix(CodeUnknownOption) {
		t.Errorf("Fix() = %q", w.Fix())
	}
	f := WarnAtFile(CodeRemoteInclude, "/s/r.txt", "line 2 includes a file by URL").WithFix("Download it.")
	if f.String() != "/s/r.txt: line 2 includes a file by URL" || f.Fix() != "Download it." {
		t.Errorf("got %q / %q", f.String(), f.Fix())
	}
	if e, _ := Lookup(CodeUnknownOption); e.Kind != KindWarning {
		t.Error("PYREQS_UNKNOWN_OPTION should be a warning")
	}
}
