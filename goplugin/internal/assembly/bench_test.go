package assembly

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

// benchSets are the requirement sets of the test/bench services.
var benchSets = map[string]string{
	"heavy": "numpy==2.1.3\npandas==2.2.3\nboto3==1.35.60\n",
	"flask": "Flask==3.0.3\n",
}

// BenchmarkCold measures a cold build (empty pip cache and wheel folder) of the bench services'
// requirement sets, served on 127.0.0.1 from .tools/bench-wheels, three ways:
//
//   - pip+pack: `pip install --target`, then archive.PackTree of the tree (the classic path);
//   - assemble: Run (pip's dry-run resolution, parallel fetch, raw assembly);
//   - assemble+extract: the same, also extracting the tree as cache entries keep it.
//
// Each iteration runs in a child process (this test binary), so the peak RSS reported is that
// build's own: goRSS-MiB is the Go process's VmHWM; pipRSS-MiB is ru_maxrss of its children
// (the largest pip process, or the Go process's RSS when it started pip, whichever is larger).
//
//	go test -run '^$' -bench Cold -benchtime 3x ./goplugin/internal/assembly/
func BenchmarkCold(b *testing.B) {
	wheels := benchWheels(b)
	py := toolsPython(b)
	srv := serveLinks(b, "", "", wheels)
	for _, set := range []string{"heavy", "flask"} {
		for _, mode := range []string{"pip+pack", "assemble", "assemble+extract"} {
			b.Run(set+"/"+mode, func(b *testing.B) {
				var goRSS, pipRSS, size, wall float64
				var steps string
				for i := 0; i < b.N; i++ {
					work := b.TempDir()
					cmd := exec.Command(os.Args[0], "-test.run=^TestBenchChild$")
					cmd.Env = append(pipEnv(b), "PYREQS_BENCH_CHILD="+strings.Join([]string{mode, set, srv.LinksURL(), work, py}, ","))
					start := time.Now()
					out, err := cmd.CombinedOutput()
					wall += time.Since(start).Seconds()
					if err != nil {
						b.Fatalf("%s: %v\n%s", mode, err, out)
					}
					line := ""
					for _, l := range strings.Split(string(out), "\n") {
						if strings.HasPrefix(l, "BENCH ") {
							line = l
						}
					}
					var g, p, z int64
					if _, err := fmt.Sscanf(line, "BENCH %d %d %d", &g, &p, &z); err != nil {
						b.Fatalf("child output %q: %v", out, err)
					}
					goRSS += float64(g) / 1024
					pipRSS += float64(p) / 1024
					size = float64(z) / 1e6
					_, steps, _ = strings.Cut(line, "|")
				}
				n := float64(b.N)
				b.ReportMetric(goRSS/n, "goRSS-MiB")
				b.ReportMetric(pipRSS/n, "pipRSS-MiB")
				b.ReportMetric(size, "zip-MB")
				b.ReportMetric(wall/n, "wall-s")
				b.Logf("%s %s: %s", set, mode, steps)
			})
		}
	}
}

// TestBenchChild is one iteration of BenchmarkCold, in its own process; it does nothing unless
// PYREQS_BENCH_CHILD is set.
func TestBenchChild(t *testing.T) {
	arg := os.Getenv("PYREQS_BENCH_CHILD")
	if arg == "" {
		t.Skip("run by BenchmarkCold only")
	}
	parts := strings.SplitN(arg, ",", 5)
	mode, set, links, work, py := parts[0], parts[1], parts[2], parts[3], parts[4]
	req := filepath.Join(work, "requirements.txt")
	if err := os.WriteFile(req, []byte(benchSets[set]), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	env := os.Environ()
	args := []string{"--no-index", "--find-links", links}
	cache := filepath.Join(work, "cache")
	dst := filepath.Join(work, "packed.zip")
	var steps string
	switch mode {
	case "pip+pack":
		target := filepath.Join(work, "target")
		t0 := time.Now()
		pip := []string{"-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--no-compile", "-q",
			"--target", target, "-r", req, "--cache-dir", cache}
		if _, err := (proc.Exec{}).Run(ctx, proc.Cmd{Name: py, Args: append(pip, args...), Env: env}); err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		if _, err := archive.PackTree(ctx, target, dst, archive.PackOptions{}); err != nil {
			t.Fatal(err)
		}
		steps = fmt.Sprintf("install %.2fs, pack %.2fs", t1.Sub(t0).Seconds(), time.Since(t1).Seconds())
	default:
		opt := Options{Shebang: "#!" + py}
		if mode == "assemble+extract" {
			opt.ExtractDir = filepath.Join(work, "tree")
			if err := os.Mkdir(opt.ExtractDir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		_, _, tm, err := Run(ctx, proc.Exec{}, Spec{
			Python: py, Requirements: req, ExtraArgs: args, CacheDir: cache, WheelDir: filepath.Join(cache, "wheels"),
			WorkDir: filepath.Join(work, "w"), Env: env, Dst: dst, Options: opt,
		})
		if err != nil {
			t.Fatal(err)
		}
		steps = fmt.Sprintf("resolve %.2fs, fetch %.2fs, assemble %.2fs", tm.Resolve.Seconds(), tm.Fetch.Seconds(), tm.Assemble.Seconds())
	}
	// VmHWM is this process's own peak (ru_maxrss would include the parent's RSS at exec).
	var children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	goHWM := vmHWM(t)
	fi, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	steps += fmt.Sprintf("; Go allocated %d MiB in total, runtime holds %d MiB", ms.TotalAlloc>>20, ms.Sys>>20)
	fmt.Printf("BENCH %d %d %d |%s\n", goHWM, children.Maxrss, fi.Size(), steps)
}

// vmHWM is the peak resident set of this process in KiB, from /proc/self/status.
func vmHWM(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// heavyWheels are the wheels of the heavy set's resolution (numpy, pandas, boto3 and their
// dependencies), taken straight from .tools/bench-wheels.
func heavyWheels(b *testing.B) []Wheel {
	dir := benchWheels(b)
	var ws []Wheel
	for _, prefix := range []string{"numpy-", "pandas-", "boto3-", "botocore-", "jmespath-", "python_dateutil-",
		"pytz-", "s3transfer-", "six-", "tzdata-", "urllib3-"} {
		m, _ := filepath.Glob(filepath.Join(dir, prefix+"*.whl"))
		if len(m) != 1 {
			b.Fatalf("%s*.whl: %v", prefix, m)
		}
		ws = append(ws, Wheel{Path: m[0], Dist: strings.TrimSuffix(prefix, "-")})
	}
	return ws
}

// BenchmarkAssembleHeavy is the assembly step alone (wheels already local) for the heavy set.
func BenchmarkAssembleHeavy(b *testing.B) {
	ws := heavyWheels(b)
	dir := b.TempDir()
	for i := 0; i < b.N; i++ {
		if _, err := Assemble(context.Background(), ws, filepath.Join(dir, "out.zip"), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExtractHeavy is the cost of also keeping the installed tree on disk (Extract of the
// heavy set's assembled zip into an empty folder).
func BenchmarkExtractHeavy(b *testing.B) {
	ws := heavyWheels(b)
	dir := b.TempDir()
	zipPath := filepath.Join(dir, "out.zip")
	if _, err := Assemble(context.Background(), ws, zipPath, Options{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		tree := filepath.Join(dir, fmt.Sprint("tree", i))
		if err := os.Mkdir(tree, 0o755); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := archive.Extract(context.Background(), zipPath, tree); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(tree)
		b.StartTimer()
	}
}
