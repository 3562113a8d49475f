package installer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAssembleDeclines: the assembling installer keys the sets it assembles apart from pip's, and
// declines (with a verbose note, leaving the set to the target installer) a set for another
// target, or for a runtime the target installer cannot target (installed on the host); Install
// is then the target installer's.
func TestAssembleDeclines(t *testing.T) {
	for _, c := range []struct {
		custom, runtime, arch string
		assembled             bool
		note                  string
	}{
		{`{"pythonBin": "python3.11"}`, "python3.11", "x86_64", true, ""},
		{`{"pythonBin": "python3.11"}`, "python3.12", "x86_64", false, "the set is installed for another platform"},
		{`{"pythonBin": "python3.11"}`, "python3.11", "arm64", false, "the set is installed for another platform"},
		{`{"pythonBin": "python3.11", "slim": true}`, "python3.11", "x86_64", true, ""}, // strip is a Transformer
		{`{"pythonBin": "python3.11"}`, "python3.8", "x86_64", false, "the runtime is python3.8 but python3.11 is Python 3.11.7"},
	} {
		var out bytes.Buffer
		py := &fakePython{}
		in := Select(env(t, c.custom, py, &out))
		pi, ok := in.(PackedInstaller)
		if !ok || in.Name() != "assemble" {
			t.Fatalf("%s: Select = %s, want the assembling installer", c.custom, in.Name())
		}
		set := Set{Module: ".", Requirements: "/r.txt", Runtime: c.runtime, Arch: c.arch}
		if err := in.Prepare(context.Background(), []Set{set}); err != nil {
			t.Fatal(err)
		}
		if km := in.KeyMaterial(set); strings.HasSuffix(km.Lines, "# assembled: wheels\n") != c.assembled {
			t.Errorf("%s %s/%s: KeyMaterial = %q, want the assembled line: %t", c.custom, c.runtime, c.arch, km.Lines, c.assembled)
		}
		if c.assembled {
			continue // InstallPacked runs real pip: TestAssembledMatchesClassic (pipeline) and the acceptance tests
		}
		dest := t.TempDir()
		if _, packed, err := pi.InstallPacked(context.Background(), set, dest, PackSpec{}); err != nil || packed {
			t.Errorf("%s %s/%s: InstallPacked = %v, %v; want declined", c.custom, c.runtime, c.arch, packed, err)
		}
		if !strings.Contains(out.String(), "Installing with pip instead of assembling from wheels: "+c.note) {
			t.Errorf("no verbose note %q:\n%s", c.note, out.String())
		}
		if err := in.Install(context.Background(), set, dest); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dest, "six.py")); err != nil {
			t.Errorf("Install did not run pip --target: %v", err)
		}
	}
}
