package container

import (
	"os/exec"
	"strings"
	"testing"
)

// TestAfterScriptQuoting: the After command and its environment reach the program unchanged,
// whatever quotes, dollars and newlines they hold (the bytecode driver's source is one argument),
// and the stray __pycache__ folders are removed before it runs.
func TestAfterScriptQuoting(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	args := []string{"it's", "$HOME `x`", "two\nlines", `back\slash "q"`}
	var b strings.Builder
	b.WriteString("V='unset'\n")
	b.WriteString("V=" + shellQuote("a 'b' $c") + " " + shellQuote(sh) + " -c 'printf \"%s|\" \"$V\" \"$@\"' sh")
	for _, a := range args {
		b.WriteString(" " + shellQuote(a))
	}
	out, err := exec.Command(sh, "-c", b.String()).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if want := "a 'b' $c|" + strings.Join(args, "|") + "|"; string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}

	s := afterScript(&After{Command: []string{"python3", "-c", "print('x')"}, Env: []string{"PYTHONHASHSEED=0"}})
	find := strings.Index(s, "-name __pycache__ -prune -exec rm -rf {} +")
	run := strings.Index(s, "PYTHONHASHSEED='0' 'python3' '-c' 'print('\\''x'\\'')' >"+afterDir+"/"+afterOut)
	if find < 0 || run < find || !strings.Contains(s, "echo $? >"+afterDir+"/"+afterCode) {
		t.Errorf("after script:\n%s", s)
	}
	if afterScript(nil) != "" {
		t.Error("a nil After adds to the script")
	}
}
