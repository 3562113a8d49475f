package installer

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/container"
)

// uvInContainer wraps a `uv pip install` for an image that may have no uv: the image's uv when it
// has one; else the host's uv binary, copied in when host and container are both Linux on the same
// CPU (and it runs there); else uv installed with pip into the container from the configured index
// (PIP_INDEX_URL passed with dockerEnv, and the index options of pipCmdExtraArgs). uvArgs is uv's
// argv without the program name; python the interpreter of the container.
func (d *docker) uvInContainer(uvArgs []string, python, arch string) (cmd []string, inputs []container.File, how string) {
	var b strings.Builder
	b.WriteString("if command -v uv >/dev/null 2>&1; then exec uv \"$@\"; fi\n")
	how = "installs uv with pip from the configured index"
	if data := d.hostUv(arch); data != nil {
		inputs = append(inputs, container.File{Name: "uv", Mode: 0o755, Data: data})
		how = "copies in the host's uv (same platform), or installs uv with pip from the configured index when it does not run there"
		fmt.Fprintf(&b, "if %s/uv --version >/dev/null 2>&1; then echo 'pyreqs: the image has no uv: using the host'\"'\"'s uv binary' >&2; exec %s/uv \"$@\"; fi\n",
			container.InputDir, container.InputDir)
	}
	b.WriteString("echo 'pyreqs: the image has no uv: installing uv with pip' >&2\n")
	fmt.Fprintf(&b, "%s -m pip install --disable-pip-version-check --no-input --quiet --target /tmp/pyreqs-uv %s uv >&2 || "+
		"{ echo 'pyreqs: installing uv with pip failed' >&2; exit 127; }\n", shQuote(python), strings.Join(quoteAll(indexArgs(d.env.Options.PipCmdExtraArgs)), " "))
	b.WriteString("exec /tmp/pyreqs-uv/bin/uv \"$@\"\n")
	inputs = append(inputs, container.File{Name: "uv-run.sh", Mode: 0o644, Data: []byte(b.String())})
	return append([]string{"/bin/sh", container.InputDir + "/uv-run.sh"}, uvArgs...), inputs, how
}

// hostUv returns the host's uv binary when it can run in the container: a Linux host, and the
// container's architecture (GOARCH style) the host's.
func (d *docker) hostUv(arch string) []byte {
	if d.env.GOOS != "linux" || runtime.GOOS != "linux" || container.NormalizeArch(arch) != runtime.GOARCH {
		return nil
	}
	p := ""
	for _, dir := range filepath.SplitList(d.env.getenv("PATH")) {
		if c := filepath.Join(dir, "uv"); isExecutable(c) {
			p = c
			break
		}
	}
	if p == "" {
		if lp, err := exec.LookPath("uv"); err == nil {
			p = lp
		}
	}
	if p == "" {
		return nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil
	}
	return data
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// indexArgs picks pip's index options out of pipCmdExtraArgs tokens (both `--opt value` and
// `--opt=value` forms), for installing uv itself.
func indexArgs(tokens []string) []string {
	withValue := map[string]bool{"-i": true, "--index-url": true, "--extra-index-url": true, "--trusted-host": true,
		"-f": true, "--find-links": true, "--cert": true, "--client-cert": true}
	var out []string
	for i := 0; i < len(tokens); i++ {
		t := tokens[i]
		name, _, hasEq := strings.Cut(t, "=")
		switch {
		case withValue[name] && hasEq:
			out = append(out, t)
		case withValue[t] && i+1 < len(tokens):
			out = append(out, t, tokens[i+1])
			i++
		case t == "--no-index":
			out = append(out, t)
		}
	}
	return out
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = shQuote(s)
	}
	return out
}

// shQuote quotes s for /bin/sh.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}
