// Command bench measures `sls package` with serverless-pyreqs against the original
// serverless-python-requirements@6.1.2, side by side, on the services in test/bench/services.
//
// It downloads the pinned wheels of test/bench/wheels.txt once from the public index into
// .tools/bench-wheels, serves them on 127.0.0.1, installs both plugins into copies of each service,
// and runs the real Serverless v3 CLI alternately with each plugin (and once without any plugin,
// for the CLI's own time). It prints medians and ratios as a Markdown table.
//
// For the heavy and flask services it then measures cold starts (coldstart.go): the first import
// of the handler module from each artifact unzipped into a read-only /var/task in the local build
// image, for the original's artifact and ours without and with bytecode.
//
//	go run ./test/bench -runs 3                 # all services
//	go run ./test/bench -runs 3 -services heavy # one service
//	go run ./test/bench -runs 1 -services heavy,flask -coldstart 7
//	go run ./test/bench -services heavy,flask -coldstart 11 -coldstart-only   # reuse those artifacts
//	go run ./test/bench -runs 1 -services heavy -coldstart 0   # with the remote-warm row (-remote-warm=false: without)
//
// Run `bash scripts/setup.sh` first (it installs Serverless v3 and the original plugin).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/test/internal/pyindex"
)

type plugin string

const (
	none     plugin = "none"
	original plugin = "original"
	ours     plugin = "ours"
)

type sample struct {
	write  time.Duration // writing the artifact bytes once (fsync'd): part of the floor
	wall   time.Duration
	maxRSS int64 // KiB, largest process of the run
	size   int64 // bytes of all artifacts
	// preflight is the size preflight's own time (ours only, from its --verbose line); -1 when
	// the run did not report it.
	preflight time.Duration
}

type result struct {
	service, mode string
	p             plugin
	samples       []sample
}

var (
	root     string
	slsBin   string
	indexURL string
	verbose  bool
	// remoteWarm adds the remote-warm row (remote.go) for the heavy service.
	remoteWarm bool
)

func main() {
	runs := flag.Int("runs", 3, "runs per service, mode and plugin (medians are reported)")
	services := flag.String("services", "flask,heavy,heavy-pip,heavy-uv,heavy-newpip,indiv2,indiv5", "comma-separated services of test/bench/services")
	out := flag.String("out", "", "also write the Markdown table to this file")
	cold := flag.Int("coldstart", 5, "cold-start runs per artifact for the heavy and flask services (0: none)")
	coldOnly := flag.Bool("coldstart-only", false, "only measure cold starts, from the artifacts the last run left in .tools/bench")
	wheelsOnly := flag.Bool("wheels-only", false, "only download the pinned wheels of test/bench/wheels.txt into .tools/bench-wheels (setup does, for the assembly differential tests)")
	flag.BoolVar(&verbose, "v", false, "print each run")
	flag.BoolVar(&remoteWarm, "remote-warm", true, "for the heavy service, also measure ours with an empty local cache and a warm remoteCache tier on moto_server")
	flag.Parse()
	var err error
	switch {
	case *wheelsOnly:
		if root, err = repoRoot(); err == nil {
			err = downloadWheels(filepath.Join(root, ".tools/bench-wheels"))
		}
	case *coldOnly:
		err = coldOnlyRun(strings.Split(*services, ","), *out, *cold)
	default:
		err = run(*runs, strings.Split(*services, ","), *out, *cold)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(runs int, services []string, out string, coldRuns int) error {
	var err error
	if root, err = repoRoot(); err != nil {
		return err
	}
	slsBin = filepath.Join(root, "test/tools/node_modules/.bin/serverless")
	if _, err := os.Stat(slsBin); err != nil {
		return errors.New("serverless v3 is not installed: run bash scripts/setup.sh first")
	}
	wheels := filepath.Join(root, ".tools/bench-wheels")
	if err := downloadWheels(wheels); err != nil {
		return err
	}
	srv, err := pyindex.NewServer(wheels)
	if err != nil {
		return err
	}
	defer srv.Close()
	indexURL = srv.IndexURL()
	tarball, err := packOurs()
	if err != nil {
		return err
	}
	if slices.Contains(services, "heavy-newpip") { // before any run: making it writes (and deletes) files
		if newPipPython, err = newPip(); err != nil {
			return fmt.Errorf("heavy-newpip: %w", err)
		}
	}
	work := filepath.Join(root, ".tools/bench")
	defer setAside(work)()

	var results []*result
	var colds []*coldResult
	for _, svc := range services {
		plugins := []plugin{none, original, ours}
		if variant(svc) {
			plugins = []plugin{ours} // variants of ours; compare with the original's heavy runs
		}

		dirs := map[plugin]string{}
		for _, p := range plugins {
			d, err := prepare(svc, p, work, tarball)
			if err != nil {
				return fmt.Errorf("%s/%s: %w", svc, p, err)
			}
			dirs[p] = d
		}
		res := map[string]*result{}
		get := func(mode string, p plugin) *result {
			k := mode + "/" + string(p)
			if res[k] == nil {
				res[k] = &result{service: svc, mode: mode, p: p}
				results = append(results, res[k])
			}
			return res[k]
		}
		var rb *remoteBench
		if remoteWarm && svc == "heavy" && runs > 0 {
			if rb, err = startRemote(svc, work, tarball); err != nil {
				return fmt.Errorf("remote-warm: %w", err)
			}
			defer rb.srv.Close()
			if err := rb.warm(work); err != nil {
				return fmt.Errorf("remote-warm: filling the remote tier: %w", err)
			}
		}
		for i := 0; i < runs; i++ {
			if rb != nil {
				s, err := rb.sample(work)
				if err != nil {
					return err
				}
				get("remote-warm", ours).samples = append(get("remote-warm", ours).samples, s)
			}
			order := plugins
			if i%2 == 1 { // alternate which plugin goes first
				order = append([]plugin(nil), plugins...)
				for a, b := 0, len(order)-1; a < b; a, b = a+1, b-1 {
					order[a], order[b] = order[b], order[a]
				}
			}
			for _, p := range order {
				cache := filepath.Join(work, fmt.Sprintf("cache-%s-%s-%d", svc, p, i))
				if p == none {
					s, err := slsPackage(dirs[p], cache)
					if err != nil {
						return fmt.Errorf("%s without plugin: %w", svc, err)
					}
					get("cli", p).samples = append(get("cli", p).samples, s)
					continue
				}
				// cold: empty static and download caches, in a new folder (see setAside)
				s, err := slsPackage(dirs[p], cache, verboseFor(p)...)
				if err != nil {
					report(results, out)
					return fmt.Errorf("%s cold with %s: %w", svc, p, err)
				}
				get("cold", p).samples = append(get("cold", p).samples, s)
				s, err = slsPackage(dirs[p], cache, verboseFor(p)...)
				if err != nil {
					return fmt.Errorf("%s warm with %s: %w", svc, p, err)
				}
				get("warm", p).samples = append(get("warm", p).samples, s)
			}
		}
		if coldRuns > 0 && runs > 0 && (svc == "heavy" || svc == "flask") {
			c, err := coldStart(svc, dirs, work, coldRuns)
			if err != nil {
				return fmt.Errorf("cold start: %w", err)
			}
			colds = append(colds, c)
		}
	}
	table := render(results)
	if len(colds) > 0 {
		table += renderCold(colds, coldRuns)
	}
	return write(table, out)
}

// setAside moves the last bench's folder out of the way (a rename) and returns the function that
// deletes it once this bench is over. Nothing is deleted while runs are measured: this machine's
// ext4 runs without a journal, and there every file created within a minute or more of a mass
// delete costs up to 1 ms of kernel time (ext4 recently_deleted, seen with perf), which a user's
// cold build on a fresh CI runner does not pay. So every cold run gets a new cache folder too.
func setAside(work string) (cleanup func()) {
	old := fmt.Sprintf("%s.old-%d", work, time.Now().UnixNano())
	if err := os.Rename(work, old); err != nil {
		return func() {}
	}
	return func() { os.RemoveAll(old) }
}

func report(results []*result, out string) error {
	return write(render(results), out)
}

func write(table, out string) error {
	fmt.Print(table)
	if out != "" {
		return os.WriteFile(out, []byte(table), 0o644)
	}
	return nil
}

func repoRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		p := filepath.Dir(d)
		if p == d {
			return "", errors.New("run from inside the repository")
		}
		d = p
	}
}

func downloadWheels(dir string) error {
	stamp := filepath.Join(dir, ".stamp")
	want, err := os.ReadFile(filepath.Join(root, "test/bench/wheels.txt"))
	if err != nil {
		return err
	}
	if got, err := os.ReadFile(stamp); err == nil && bytes.Equal(got, want) {
		return nil
	}
	fmt.Fprintln(os.Stderr, "bench: downloading the pinned wheels of test/bench/wheels.txt (once)")
	cmd := exec.Command("python3", "-m", "pip", "download", "--disable-pip-version-check", "-q", "--no-deps",
		"-d", dir, "-r", filepath.Join(root, "test/bench/wheels.txt"), "--only-binary=:all:",
		"--python-version", "3.11", "--platform", "manylinux2014_x86_64", "--implementation", "cp")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pip download: %w", err)
	}
	return os.WriteFile(stamp, want, 0o644)
}

// variant tells the services that are variants of ours on heavy (compared with the original's
// heavy runs).
func variant(svc string) bool {
	return svc == "heavy-uv" || svc == "heavy-pip" || svc == "heavy-newpip"
}

// benchPip is the pip of the heavy-newpip service: a current one, where the machine's Python has
// pip 23.2.1. That pip downloads every wheel after a --dry-run resolution even when the index
// serves their metadata (1.7 s for heavy); pip 26.3 reads only the metadata (0.8 s).
const benchPip = "26.3"

// newPipPython is the interpreter of the heavy-newpip service (PYREQS_BENCH_NEWPIP_PYTHON).
var newPipPython string

// newPip makes (once) a venv of python3.11 with pip benchPip and returns its interpreter.
func newPip() (string, error) {
	dir := filepath.Join(root, ".tools/bench-newpip")
	py := filepath.Join(dir, "bin", "python")
	stamp := filepath.Join(dir, ".stamp")
	if b, err := os.ReadFile(stamp); err == nil && string(b) == benchPip {
		return py, nil
	}
	os.RemoveAll(dir)
	fmt.Fprintln(os.Stderr, "bench: making a venv with pip "+benchPip+" (once)")
	for _, args := range [][]string{{"python3.11", "-m", "venv", dir}, {py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "pip==" + benchPip},
		{py, "-m", "pip", "--version"}} { // the last writes the new pip's bytecode, as its first use would

		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("%s: %w", strings.Join(args, " "), err)
		}
	}
	return py, os.WriteFile(stamp, []byte(benchPip), 0o644)
}

func packOurs() (string, error) {
	build := exec.Command("npm", "run", "-s", "build")
	build.Dir, build.Stderr = root, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("npm run build: %w", err)
	}
	dest := filepath.Join(root, ".tools/bench-pack")
	os.RemoveAll(dest)
	os.MkdirAll(dest, 0o755)
	cmd := exec.Command("npm", "pack", "--silent", "--pack-destination", dest)
	cmd.Dir = root
	outp, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("npm pack: %w", err)
	}
	lines := strings.Fields(string(outp))
	return filepath.Join(dest, lines[len(lines)-1]), nil
}

// prepare copies a service, lists the plugin and installs it the way users do.
func prepare(svc string, p plugin, work, tarball string) (string, error) {
	dir := filepath.Join(work, svc+"-"+string(p))
	if err := copyTree(filepath.Join(root, "test/bench/services", svc), dir); err != nil {
		return "", err
	}
	yml := filepath.Join(dir, "serverless.yml")
	b, err := os.ReadFile(yml)
	if err != nil {
		return "", err
	}
	name := map[plugin]string{ours: "serverless-pyreqs", original: "serverless-python-requirements"}[p]
	if p == none {
		b = bytes.Replace(b, []byte("plugins:\n  - PLUGIN\n"), nil, 1)
	} else {
		b = bytes.Replace(b, []byte("PLUGIN"), []byte(name), 1)
	}
	if err := os.WriteFile(yml, b, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"bench","private":true}`), 0o644); err != nil {
		return "", err
	}
	switch p {
	case ours, none: // "none" has the package installed but not listed: the CLI's own time

		cmd := exec.Command("npm", "install", "--save-dev", "--no-audit", "--no-fund", "--silent", tarball)
		cmd.Dir, cmd.Stderr = dir, os.Stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("npm install: %w", err)
		}
	case original:
		nm := filepath.Join(dir, "node_modules")
		os.MkdirAll(nm, 0o755)
		if err := os.Symlink(filepath.Join(root, "test/tools/node_modules/serverless-python-requirements"),
			filepath.Join(nm, "serverless-python-requirements")); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// slsPackage runs the real `sls package` and measures it.
// preflightLine is the size preflight's --verbose line (goplugin/internal/pipeline/step_size.go).
var preflightLine = regexp.MustCompile(`Size preflight: .* in ([0-9.]+) ms`)

func slsPackage(dir, cache string, args ...string) (sample, error) {
	return slsPackageEnv(dir, cache, nil, args...)
}

// slsPackageEnv is slsPackage with extra environment variables (applied last).
func slsPackageEnv(dir, cache string, extra []string, args ...string) (sample, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, slsBin, append([]string{"package"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"PATH="+filepath.Join(root, ".tools/bin")+string(os.PathListSeparator)+os.Getenv("PATH"), // uv, pipenv, poetry
		"SLS_TELEMETRY_DISABLED=1", "SLS_NOTIFICATIONS_MODE=off",
		"XDG_CACHE_HOME="+cache, "PIP_INDEX_URL="+indexURL, "UV_INDEX_URL="+indexURL,
		"UV_CACHE_DIR="+filepath.Join(cache, "uv"), "PIP_CONFIG_FILE=/dev/null",
		"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_PROFILE=",
		"PYREQS_BINARY_PATH="+filepath.Join(root, "bin", "pyreqs"), // the packed tarball holds no binary
		"PYREQS_BENCH_NEWPIP_PYTHON="+newPipPython)
	cmd.Env = append(cmd.Env, extra...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%w\n%s", err, tail(buf.String(), 30))
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	size, err := artifactsSize(filepath.Join(dir, ".serverless"))
	if err != nil {
		return sample{}, err
	}
	s := sample{wall: wall, maxRSS: rss, size: size, write: writeFloor(size), preflight: -1}
	if m := preflightLine.FindStringSubmatch(buf.String()); m != nil {
		if ms, err := strconv.ParseFloat(m[1], 64); err == nil {
			s.preflight = time.Duration(ms * float64(time.Millisecond))
		}
	}
	if verbose {
		fmt.Fprintf(os.Stderr, "bench: %s %.2fs %d MiB %d bytes\n", filepath.Base(dir), wall.Seconds(), rss/1024, size)
	}
	return s, nil
}

// writeFloor times writing n bytes to a new file and syncing it: the least any plugin must do.
func writeFloor(n int64) time.Duration {
	f, err := os.CreateTemp(filepath.Join(root, ".tools"), "bench-floor-")
	if err != nil {
		return 0
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 1<<20)
	start := time.Now()
	for left := n; left > 0; left -= int64(len(buf)) {
		if left < int64(len(buf)) {
			buf = buf[:left]
		}
		if _, err := f.Write(buf); err != nil {
			return 0
		}
	}
	f.Sync()
	return time.Since(start)
}

func artifactsSize(dir string) (int64, error) {
	var total int64
	des, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	for _, de := range des {
		// .pyreqs-*.zip are our hard links to the cache entry's packed zip, kept between the
		// two hooks: not artifacts.
		if strings.HasSuffix(de.Name(), ".zip") && !strings.HasPrefix(de.Name(), ".pyreqs-") {
			fi, err := os.Stat(filepath.Join(dir, de.Name()))
			if err != nil {
				return 0, err
			}
			total += fi.Size()
		}
	}
	return total, nil
}

func median(ss []sample, f func(sample) float64) float64 {
	v := make([]float64, len(ss))
	for i, s := range ss {
		v[i] = f(s)
	}
	sort.Float64s(v)
	if len(v) == 0 {
		return 0
	}
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func render(rs []*result) string {
	find := func(svc, mode string, p plugin) *result {
		for _, r := range rs {
			if r.service == svc && r.mode == mode && r.p == p {
				return r
			}
		}
		return nil
	}
	secs := func(s sample) float64 { return s.wall.Seconds() }
	rss := func(s sample) float64 { return float64(s.maxRSS) / 1024 }
	size := func(s sample) float64 { return float64(s.size) / 1e6 }
	var b strings.Builder
	fmt.Fprintf(&b, "| service | mode | original (s) | ours (s) | speed-up | sls alone (s) | floor (s) | ours above floor (s) | peak RSS orig/ours (MiB) | artifacts orig/ours (MB) |\n")
	fmt.Fprintf(&b, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	var svcs []string
	seen := map[string]bool{}
	for _, r := range rs {
		if !seen[r.service] {
			seen[r.service] = true
			svcs = append(svcs, r.service)
		}
	}
	for _, svc := range svcs {
		for _, mode := range []string{"cold", "warm", "remote-warm"} {
			o := find(svc, mode, ours)
			if o == nil {
				continue
			}
			orig := find(svc, mode, original)
			if mode == "remote-warm" {
				orig = find(svc, "cold", original) // what a CI runner with an empty disk pays today
			}
			cli := find(svc, "cli", none)
			if variant(svc) {
				orig, cli = find("heavy", mode, original), find("heavy", "cli", none)
			}
			row := fmt.Sprintf("| %s | %s |", svc, mode)
			om := median(o.samples, secs)
			if orig != nil {
				m := median(orig.samples, secs)
				row += fmt.Sprintf(" %.2f | %.2f | **%.1f×** |", m, om, m/om)
			} else {
				row += fmt.Sprintf(" – | %.2f | – |", om)
			}
			if cli != nil {
				c := median(cli.samples, secs)
				floor := c + median(o.samples, func(s sample) float64 { return s.write.Seconds() })
				row += fmt.Sprintf(" %.2f | %.2f | %.2f |", c, floor, om-floor)
			} else {
				row += " – | – | – |"
			}
			if orig != nil {
				row += fmt.Sprintf(" %.0f / %.0f | %.1f / %.1f |", median(orig.samples, rss), median(o.samples, rss),
					median(orig.samples, size), median(o.samples, size))
			} else {
				row += fmt.Sprintf(" – / %.0f | – / %.1f |", median(o.samples, rss), median(o.samples, size))
			}
			fmt.Fprintln(&b, row)
		}
	}
	b.WriteString(renderPreflight(rs))
	n := 0
	if len(rs) > 0 {
		n = len(rs[0].samples)
	}
	fmt.Fprintf(&b, "\nMedians of %d runs per cell, plugins run alternately on the same machine against the same local index; "+
		"cold = empty static and download caches; floor = sls alone (plugin installed, not listed) + writing our artifact bytes once; "+
		"heavy is ours assembled from wheels (the default), heavy-pip ours with `assemble: false` (pip install --target), "+
		"heavy-uv ours with `installer: uv`, heavy-newpip ours with a venv's current pip as pythonBin (the machine's is 23.2.1), each against the original's heavy (pip) runs; "+
		"remote-warm = ours with empty local caches and a warm remoteCache tier on moto_server (127.0.0.1), against the original's cold time.\n", n)
	return b.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() && d.Name() == ".serverless" {
			return filepath.SkipDir // build output (its requirements link points into a cache)
		}
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		fi, _ := in.Stat()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// verboseFor: our runs use --verbose, whose size preflight line the bench reads (the step
// timings cost nothing measurable).
func verboseFor(p plugin) []string {
	if p == ours {
		return []string{"--verbose"}
	}
	return nil
}

// renderPreflight is the size preflight's time in our runs (issue 12: under 50 ms for heavy).
func renderPreflight(rs []*result) string {
	var b strings.Builder
	for _, r := range rs {
		if r.p != ours {
			continue
		}
		var ok []sample
		for _, s := range r.samples {
			if s.preflight >= 0 {
				ok = append(ok, s)
			}
		}
		if len(ok) == 0 {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("\n| service | mode | size preflight, ours (ms, median) | max (ms) |\n|---|---|---:|---:|\n")
		}
		var worst time.Duration
		for _, s := range ok {
			worst = max(worst, s.preflight)
		}
		fmt.Fprintf(&b, "| %s | %s | %.1f | %.1f |\n", r.service, r.mode,
			median(ok, func(s sample) float64 { return float64(s.preflight.Microseconds()) / 1000 }), float64(worst.Microseconds())/1000)
	}
	return b.String()
}
