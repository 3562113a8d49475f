package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
)

// fakeStep records that it ran and returns err.
type fakeStep struct {
	name string
	err  error
	ran  *[]string
}

func (f fakeStep) String() string { return f.name }
func (f fakeStep) Run(context.Context, *state) error {
	*f.ran = append(*f.ran, f.name)
	return f.err
}

func TestRunHook(t *testing.T) {
	userErr := diag.Errorf(diag.CodeInternal, "something the user can fix").WithFix("fix it")
	plain := errors.New("disk full")
	for _, tt := range []struct {
		name    string
		errs    []error
		wantRan string
		wantErr error
		wantMsg string
		wantLog []string
	}{
		{"all run", []error{nil, nil}, "a,b", nil, "", []string{"Step a: ", "Step b: "}},
		{"a skip goes on", []error{skip("off"), nil}, "a,b", nil, "", []string{"Step a: skipped (off)", "Step b: "}},
		{"a hook skip stops", []error{skipHook("no python"), nil}, "a", nil, "", []string{"Step a: skipped (no python)"}},
		{"a diag error passes unchanged", []error{userErr, nil}, "a", userErr, userErr.Error(), nil},
		{"a wrapped diag error passes unchanged", []error{fmt.Errorf("x: %w", userErr), nil}, "a", userErr, "x: " + userErr.Error(), nil},
		{"another error is named by the step", []error{nil, plain}, "a,b", plain, "b: disk full", nil},
		{"cancellation stays cancellation", []error{context.Canceled}, "a", context.Canceled, "a: context canceled", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ran []string
			var steps []Step
			for i, err := range tt.errs {
				steps = append(steps, fakeStep{name: string(rune('a' + i)), err: err, ran: &ran})
			}
			var out bytes.Buffer
			s := &state{emit: protocol.NewEmitter(&out)}
			err := runHook(context.Background(), s, steps)
			if got := strings.Join(ran, ","); got != tt.wantRan {
				t.Errorf("ran %s, want %s", got, tt.wantRan)
			}
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil && err.Error() != tt.wantMsg {
				t.Errorf("message %q, want %q", err.Error(), tt.wantMsg)
			}
			if err != nil && IsSkip(err) {
				t.Errorf("a skip escaped runHook: %v", err)
			}
			for _, want := range tt.wantLog {
				if !strings.Contains(out.String(), `"level":"verbose","message":"`+want) {
					t.Errorf("the log lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

// TestHooksTable: every phase has steps, each with a distinct non-empty name, and the shared
// prelude comes first.
func TestHooksTable(t *testing.T) {
	for _, phase := range []string{protocol.PhaseBefore, protocol.PhaseAfter, protocol.PhaseInvalidate, protocol.PhaseClean, protocol.PhaseCleanCache} {
		steps := hooks[phase]
		if len(steps) <= len(prelude) {
			t.Errorf("%s: no steps beyond the prelude", phase)
			continue
		}
		seen := map[string]bool{}
		for i, st := range steps {
			name := st.String()
			if name == "" || seen[name] {
				t.Errorf("%s: step %d has an empty or repeated name %q", phase, i, name)
			}
			seen[name] = true
			if i < len(prelude) && name != prelude[i].String() {
				t.Errorf("%s: step %d is %s, want the prelude's %s", phase, i, name, prelude[i])
			}
		}
	}
}
