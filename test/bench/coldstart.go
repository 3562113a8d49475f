package main

// The cold-start section: how long the first import of the handler module (and its first call,
// where the heavy handler imports numpy, pandas and boto3) takes in a fresh interpreter, with
// each artifact unzipped into a read-only task root in the local build image, network off.

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

const coldImage = "pyreqs-test/python:bookworm"

// coldArtifact is one artifact whose cold start is measured.
type coldArtifact struct {
	label string
	zip   string // the artifact
	tree  string // the artifact unzipped: the read-only task root
	// sizes
	zipped, unzipped int64
	pycs             int
	samples          []coldSample
}

type coldSample struct{ imp, call time.Duration }

type coldResult struct {
	service string
	arts    []*coldArtifact
	note    string
}

// oursArtifacts returns our artifacts without and with bytecode for svc, packaged in dir: "ours +
// bytecode" is our default artifact (compileBytecode is on by default), "ours, no bytecode" the
// same service packaged once more with compileBytecode: false (in a copy of dir, with a cache of
// its own; a -coldstart-only run reuses the one a full run left).
func oursArtifacts(svc, dir, work string) (plain, compiled string, note string, err error) {
	compiled, err = artifactOf(svc, dir)
	if err != nil {
		return "", "", "", err
	}
	off := filepath.Join(work, "cold", svc+"-ours-nobytecode")
	if plain, err = artifactOf(svc, off); err != nil {
		if slsBin == "" {
			return "", "", "", fmt.Errorf("no artifact without bytecode for %s: run the bench once without -coldstart-only", svc)
		}
		os.RemoveAll(off)
		if err := copyTree(dir, off); err != nil {
			return "", "", "", err
		}
		yml := filepath.Join(off, "serverless.yml")
		b, err := os.ReadFile(yml)
		if err != nil {
			return "", "", "", err
		}
		b = append(b, []byte("custom:\n  pythonRequirements:\n    compileBytecode: false\n")...)
		if err := os.WriteFile(yml, b, 0o644); err != nil {
			return "", "", "", err
		}
		if _, err := slsPackage(off, filepath.Join(work, "cache-"+svc+"-ours-nobytecode")); err != nil {
			return "", "", "", fmt.Errorf("%s with compileBytecode: false: %w", svc, err)
		}
		if plain, err = artifactOf(svc, off); err != nil {
			return "", "", "", err
		}
	}
	return plain, compiled, "ours + bytecode = our default artifact (compileBytecode: true); ours, no bytecode = compileBytecode: false", nil
}

func artifactOf(svc, dir string) (string, error) {
	p := filepath.Join(dir, ".serverless", "bench-"+svc+".zip")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("no artifact for %s: %w", svc, err)
	}
	return p, nil
}

// coldStart measures the original's artifact and ours without and with bytecode.
func coldStart(svc string, dirs map[plugin]string, work string, runs int) (*coldResult, error) {
	orig, err := artifactOf(svc, dirs[original])
	if err != nil {
		return nil, err
	}
	plain, compiled, note, err := oursArtifacts(svc, dirs[ours], work)
	if err != nil {
		return nil, err
	}
	res := &coldResult{service: svc, note: note}
	for _, a := range []struct{ label, zip string }{{"original", orig}, {"ours, no bytecode", plain}, {"ours + bytecode", compiled}} {
		ca := &coldArtifact{label: a.label, zip: a.zip, tree: filepath.Join(work, "cold", svc+"-"+strings.NewReplacer(" ", "", ",", "", "+", "-").Replace(a.label))}
		if err := unzipTree(a.zip, ca); err != nil {
			return nil, fmt.Errorf("%s %s: %w", svc, a.label, err)
		}
		res.arts = append(res.arts, ca)
	}
	for i := 0; i < runs; i++ {
		for k := range res.arts { // rotate the order so machine load spreads evenly
			ca := res.arts[(i+k)%len(res.arts)]
			s, err := timeFirstImport(ca.tree)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", svc, ca.label, err)
			}
			ca.samples = append(ca.samples, s)
			if verbose {
				fmt.Fprintf(os.Stderr, "bench: cold start %s %s: import %.3fs, first call %.3fs\n", svc, ca.label, s.imp.Seconds(), s.call.Seconds())
			}
		}
	}
	return res, nil
}

// coldOnlyRun measures cold starts from the artifacts a previous full run left in .tools/bench.
func coldOnlyRun(services []string, out string, runs int) error {
	var err error
	if root, err = repoRoot(); err != nil {
		return err
	}
	work := filepath.Join(root, ".tools/bench")
	var colds []*coldResult
	for _, svc := range services {
		if svc != "heavy" && svc != "flask" {
			continue
		}
		dirs := map[plugin]string{original: filepath.Join(work, svc+"-original"), ours: filepath.Join(work, svc+"-ours")}
		c, err := coldStart(svc, dirs, work, runs)
		if err != nil {
			return fmt.Errorf("cold start (run the bench once without -coldstart-only first): %w", err)
		}
		colds = append(colds, c)
	}
	return write(renderCold(colds, runs), out)
}

// timerScript runs in the container. The heavy handler imports its packages on the first call,
// so the call is timed too; the last field counts the modules of /var/task that have a .pyc.
const timerScript = `import os, sys, time
t0 = time.perf_counter()
import handler
t1 = time.perf_counter()
handler.handler({}, None)
t2 = time.perf_counter()
mods = [m for m in list(sys.modules.values()) if (getattr(m, "__file__", None) or "").startswith("/var/task/")]
cached = sum(1 for m in mods if getattr(m, "__cached__", None) and os.path.exists(m.__cached__))
print("%.6f %.6f %d %d" % (t1 - t0, t2 - t1, len(mods), cached))
`

func timeFirstImport(tree string) (coldSample, error) {
	cmd := exec.Command("docker", "run", "--rm", "--network", "none", "-v", tree+":/var/task:ro", "-w", "/var/task",
		"-e", "PYTHONPATH=/var/task", coldImage, "python3", "-c", timerScript)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return coldSample{}, fmt.Errorf("%w\n%s", err, tail(out.String(), 20))
	}
	f := strings.Fields(lastLine(out.String()))
	if len(f) != 4 {
		return coldSample{}, fmt.Errorf("unexpected output: %s", out.String())
	}
	imp, _ := strconv.ParseFloat(f[0], 64)
	call, _ := strconv.ParseFloat(f[1], 64)
	return coldSample{imp: time.Duration(imp * float64(time.Second)), call: time.Duration(call * float64(time.Second))}, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// unzipTree extracts a.zip into a.tree (modes and times as stored) and records its sizes.
func unzipTree(zipPath string, a *coldArtifact) error {
	os.RemoveAll(a.tree)
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return err
	}
	defer zr.Close()
	fi, err := os.Stat(zipPath)
	if err != nil {
		return err
	}
	a.zipped = fi.Size()
	for _, f := range zr.File {
		target := filepath.Join(a.tree, filepath.FromSlash(f.Name))
		if !strings.HasPrefix(target, a.tree+string(os.PathSeparator)) {
			return fmt.Errorf("entry %q escapes the folder", f.Name)
		}
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			continue
		}
		a.unzipped += int64(f.UncompressedSize64)
		if strings.HasSuffix(f.Name, ".pyc") {
			a.pycs++
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := extractFile(f, target); err != nil {
			return err
		}
	}
	return nil
}

func extractFile(f *zip.File, target string) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	mode := f.Mode().Perm() | 0o444
	out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, rc); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chtimes(target, f.Modified, f.Modified)
}

func renderCold(rs []*coldResult, runs int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Cold start: first import of the handler module\n\n")
	fmt.Fprintf(&b, "| service | artifact | import + first call (s) | faster than original | import only (s) | zipped (MB) | unzipped (MB) | .pyc files |\n")
	fmt.Fprintf(&b, "|---|---|---:|---:|---:|---:|---:|---:|\n")
	var notes []string
	for _, r := range rs {
		var base float64
		for i, a := range r.arts {
			total := medianF(a.samples, func(s coldSample) float64 { return (s.imp + s.call).Seconds() })
			imp := medianF(a.samples, func(s coldSample) float64 { return s.imp.Seconds() })
			ratio := "–"
			if i == 0 {
				base = total
			} else if total > 0 {
				ratio = fmt.Sprintf("**%.1f×**", base/total)
			}
			fmt.Fprintf(&b, "| %s | %s | %.2f | %s | %.2f | %.1f | %.1f | %d |\n", r.service, a.label, total, ratio, imp,
				float64(a.zipped)/1e6, float64(a.unzipped)/1e6, a.pycs)
		}
		if r.note != "" && (len(notes) == 0 || notes[len(notes)-1] != r.note) {
			notes = append(notes, r.note)
		}
	}
	fmt.Fprintf(&b, "\nMedians of %d runs per artifact, each a fresh `python3` (%s, network none) with the artifact unzipped "+
		"into /var/task mounted read-only; artifacts alternate within each round. %s.\n", runs, coldImage, strings.Join(notes, "; "))
	return b.String()
}

func medianF(ss []coldSample, f func(coldSample) float64) float64 {
	v := make([]float64, len(ss))
	for i, s := range ss {
		v[i] = f(s)
	}
	sort.Float64s(v)
	switch {
	case len(v) == 0:
		return 0
	case len(v)%2 == 1:
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
