package size

import (
	"bytes"
	"context"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium returns the headless browser to test the page with: $PYREQS_CHROMIUM, else Debian's
// chromium (or chromium-browser, google-chrome) on PATH. Without one the test is skipped, except
// under CI=true, where scripts/setup.sh installs it and its absence is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PYREQS_CHROMIUM"); p != "" {
		return p
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: scripts/setup.sh installs it when CI=true (or PYREQS_SETUP_CHROMIUM=1)")
	}
	t.Skip("chromium is not installed (apt-get install chromium, or PYREQS_SETUP_CHROMIUM=1 bash scripts/setup.sh); skipping the browser test")
	return ""
}

// artifactsDir is where test artifacts are kept: <repo>/.tools/artifacts/<name>.
func artifactsDir(t *testing.T, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
	out := filepath.Join(dir, ".tools", "artifacts", name)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

// runChromium runs headless chromium on url with extra flags; it returns stdout and the console
// lines chromium logged to stderr.
func runChromium(t *testing.T, bin, url string, flags ...string) (stdout []byte, console []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0"}, flags...)
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, tail(errb.String(), 40))
	}
	for _, l := range strings.Split(errb.String(), "\n") {
		if strings.Contains(l, ":CONSOLE") {
			console = append(console, l)
		}
	}
	return out.Bytes(), console
}

func tail(s string, n int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}

// TestHTMLInChromium loads the page in headless Chromium: it renders with no console message and
// no script error, its treemaps show every package of every artifact, and a screenshot is kept in
// .tools/artifacts/size-report/.
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	d, _ := sampleDocument(t, t.TempDir())
	out := artifactsDir(t, "size-report")
	page := filepath.Join(out, "report.html")
	if _, err := d.WriteFiles(page); err != nil {
		t.Fatal(err)
	}
	url := "file://" + filepath.ToSlash(page)

	dom, console := runChromium(t, bin, url, "--dump-dom")
	if len(console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(console, "\n"))
	}
	s := string(dom)
	if m := regexp.MustCompile(`(?s)<pre id="pyreqs-errors">(.*?)</pre>`).FindStringSubmatch(s); m != nil {
		t.Fatalf("the page's script reported errors:\n%s", html.UnescapeString(m[1]))
	}
	if !strings.Contains(s, `data-rendered="ok"`) {
		t.Fatalf("the page's script did not finish:\n%s", tail(s, 30))
	}
	svgs := regexp.MustCompile(`(?s)<svg[^>]*class="treemap"[^>]*data-output="([^"]*)"[^>]*>(.*?)</svg>`).FindAllStringSubmatch(s, -1)
	byOutput := map[string]string{}
	for _, m := range svgs {
		byOutput[html.UnescapeString(m[1])] = m[2]
	}
	shown, total := 0, 0
	for _, a := range d.Artifacts {
		total += len(a.Packages)
		body, ok := byOutput[a.Name]
		if !ok {
			t.Errorf("no treemap for %s (treemaps: %d)", a.Name, len(svgs))
			continue
		}
		for _, p := range a.Packages {
			re := regexp.MustCompile(`<rect [^>]*width="([0-9.]+)" height="([0-9.]+)"[^>]*data-package="` + regexp.QuoteMeta(html.EscapeString(p.Name)) + `"`)
			m := re.FindStringSubmatch(body)
			if m == nil || m[1] == "0.00" || m[2] == "0.00" {
				t.Errorf("%s: package %s has no visible cell in the treemap", a.Name, p.Name)
				continue
			}
			shown++
		}
	}
	if shown != total || total < 15 {
		t.Errorf("%d of %d packages shown", shown, total)
	}

	shot := filepath.Join(out, "report.png")
	os.Remove(shot)
	if _, console := runChromium(t, bin, url, "--hide-scrollbars", "--window-size=1280,2000", "--screenshot="+shot); len(console) > 0 {
		t.Errorf("console messages while taking the screenshot:\n%s", strings.Join(console, "\n"))
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width != 1280 || cfg.Height != 2000 {
		t.Fatalf("screenshot %s: %+v, %v", shot, cfg, err)
	}
	t.Logf("screenshot: %s", shot)
}
