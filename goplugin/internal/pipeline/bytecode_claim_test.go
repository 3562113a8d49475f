package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/bytecode"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
)

// TestBytecodeClaims: the first claim of a key is the caller's; a second caller gets a channel
// that closes when the first releases; after that the key can be claimed afresh, and a release
// repeated by the first caller does not end the new claim.
func TestBytecodeClaims(t *testing.T) {
	var b bytecodePlans
	mineA, mineC := map[string]chan struct{}{}, map[string]chan struct{}{}
	if ch := b.claim("k", mineA); ch != nil {
		t.Fatal("the first claim was refused")
	}
	wait := b.claim("k", map[string]chan struct{}{})
	if wait == nil {
		t.Fatal("a second claim of a claimed key succeeded")
	}
	select {
	case <-wait:
		t.Fatal("closed before the release")
	default:
	}
	b.release(mineA)
	select {
	case <-wait:
	default:
		t.Fatal("not closed by the release")
	}
	if len(mineA) != 0 {
		t.Errorf("release left claims: %v", mineA)
	}
	if ch := b.claim("k", mineC); ch != nil {
		t.Fatal("a released key cannot be claimed again")
	}
	b.release(mineA) // again: nothing to do
	if wait := b.claim("k", map[string]chan struct{}{}); wait == nil {
		t.Fatal("the repeated release ended another caller's claim")
	}
	b.release(mineC)
	if len(b.inflight) != 0 {
		t.Errorf("keys still in flight: %v", b.inflight)
	}
}

// TestCompileCachedWaitsForAnotherSet drives compileCached with the real python3.11 while "another
// set" (the test) holds the claim on a shared source: the set compiles its own source, waits,
// then takes the shared .pyc from the cache once the other set stored it and let go; when the
// other set lets go without storing (it failed), the set compiles the source itself.
func TestCompileCachedWaitsForAnotherSet(t *testing.T) {
	py, err := exec.LookPath("python3.11")
	if err != nil {
		t.Skip("python3.11 is not available")
	}
	for _, stored := range []bool{true, false} {
		t.Run(fmt.Sprintf("stored=%t", stored), func(t *testing.T) {
			var out bytes.Buffer
			r := &state{d: Deps{Runner: proc.Exec{}, Environ: os.Environ()}, emit: protocol.NewEmitter(&out),
				downloadCache: t.TempDir()}
			u := &unit{ReqOut: "requirements.txt"}
			p := &compilePlan{job: bytecode.Job{DDir: bytecode.TaskRoot, Version: "3.11", Workers: 1}, python: py,
				key: "# bytecode: test\n"}
			const shared = "pkg/shared.py"
			src := "VALUE = 'shared'\n"
			other, mine := t.TempDir(), t.TempDir()
			write(other, shared, src, 0o644)
			write(mine, shared, src, 0o644)
			write(mine, "pkg/own.py", "OWN = 1\n", 0o644)

			c := r.newPycCache(p)
			k := c.key(path.Join(bytecode.TaskRoot, shared), []byte(src))
			held := map[string]chan struct{}{}
			if r.bytecode.claim(k, held) != nil {
				t.Fatal("claim refused")
			}
			type result struct {
				written []string
				err     error
			}
			done := make(chan result, 1)
			go func() {
				w, _, err := r.compileCached(context.Background(), u, p, mine, nil)
				done <- result{w, err}
			}()
			// The set compiles its own source and then waits: it cannot finish while the claim is held.
			own := filepath.Join(mine, filepath.FromSlash(bytecode.PycPath("pkg/own.py", "cpython-311")))
			for i := 0; ; i++ {
				if _, err := os.Stat(own); err == nil {
					break
				}
				if i == 600 {
					t.Fatal("the set never compiled its own source")
				}
				time.Sleep(50 * time.Millisecond)
			}
			select {
			case res := <-done:
				t.Fatalf("finished while another set held the shared source: %+v", res)
			case <-time.After(300 * time.Millisecond):
			}
			var want []byte
			if stored {
				// The other set: same run's cache, its own log.
				o := &state{d: r.d, emit: protocol.NewEmitter(io.Discard), downloadCache: r.downloadCache}
				got, err := o.compileStore(context.Background(), u, p, other, []string{shared}, false, map[string]string{shared: k}, time.Now())
				if err != nil || len(got.written) != 1 {
					t.Fatalf("the other set's compile: %v %+v", err, got)
				}
				want, _ = os.ReadFile(filepath.Join(other, filepath.FromSlash(got.written[0])))
			}
			r.bytecode.release(held)
			res := <-done
			if res.err != nil {
				t.Fatal(res.err)
			}
			slices.Sort(res.written)
			wantNames := []string{"pkg/__pycache__/own.cpython-311.pyc", "pkg/__pycache__/shared.cpython-311.pyc"}
			if !slices.Equal(res.written, wantNames) {
				t.Errorf("written %v, want %v", res.written, wantNames)
			}
			log := out.String()
			if took := strings.Contains(log, "Took the bytecode of 1 files of requirements.txt from another set of this run"); took != stored {
				t.Errorf("took from the other set: %t, want %t:\n%s", took, stored, log)
			}
			if runs, want := strings.Count(log, "Compiled 1 files"), map[bool]int{true: 1, false: 2}[stored]; runs != want {
				t.Errorf("%d compile runs of one file, want %d (its own source, and the shared one unless stored):\n%s", runs, want, log)
			}
			got, err := os.ReadFile(filepath.Join(mine, filepath.FromSlash(wantNames[1])))
			if err != nil || (stored && !bytes.Equal(got, want)) {
				t.Errorf("shared .pyc: %v (same bytes as the other set's: %t)", err, bytes.Equal(got, want))
			}
			if len(r.bytecode.inflight) != 0 {
				t.Errorf("claims left: %v", r.bytecode.inflight)
			}
		})
	}
}
