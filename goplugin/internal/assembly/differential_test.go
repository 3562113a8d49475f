package assembly

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

// diffCase is one requirement set installed both ways.
type diffCase struct {
	name  string
	reqs  string
	dirs  func(t *testing.T) []string
	check func(t *testing.T, asm map[string]fileData, plan *Plan)
}

func pypkgsDirs(t *testing.T) []string { return []string{pypkgs(t)} }
func benchDirs(t *testing.T) []string  { return []string{benchWheels(t)} }

var diffCases = []diffCase{
	{
		name: "pypkgs",
		// A dependency, a C extension, a console script, and an sdist built into a wheel.
		reqs: "pyreqs-withdeps\npyreqs-native\npyreqs-sdistonly\n",
		dirs: pypkgsDirs,
		check: func(t *testing.T, asm map[string]fileData, plan *Plan) {
			kinds := map[string]Kind{}
			for _, d := range plan.Dists {
				kinds[d.Name] = d.Kind
			}
			if kinds["pyreqs-sdistonly"] != KindSdist || kinds["pyreqs-pure"] != KindWheel {
				t.Errorf("kinds = %v, want pyreqs-sdistonly an sdist and pyreqs-pure a wheel", kinds)
			}
			if f, ok := asm["bin/pyreqs-pure"]; !ok || f.perm != 0o755 {
				t.Errorf("console script bin/pyreqs-pure missing or not executable: %+v", f.perm)
			}
		},
	},
	{name: "bench-flask", reqs: "Flask==3.0.3\n", dirs: benchDirs},
	{name: "bench-heavy", reqs: "numpy==2.1.3\npandas==2.2.3\nboto3==1.35.60\n", dirs: benchDirs},
}

// TestDifferentialWithPip installs each requirement set with `pip install --target` and assembles
// it from the same local index: the files must be equal, entry for entry (content and mode),
// except pip's bookkeeping files and script shebangs. A second assembly from a fresh cache and a
// third from the warm cache must give byte-identical zips.
func TestDifferentialWithPip(t *testing.T) {
	py := toolsPython(t)
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			srv := serveLinks(t, "", "", tc.dirs(t)...)
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
			defer cancel()
			dir := t.TempDir()
			req := filepath.Join(dir, "requirements.txt")
			if err := os.WriteFile(req, []byte(tc.reqs), 0o644); err != nil {
				t.Fatal(err)
			}
			env := pipEnv(t)
			index := []string{"--no-index", "--find-links", srv.LinksURL()}

			target := filepath.Join(dir, "target")
			start := time.Now()
			cmd := exec.CommandContext(ctx, py, append([]string{"-m", "pip", "install", "--disable-pip-version-check",
				"--no-input", "--no-compile", "--no-cache-dir", "-q", "--target", target, "-r", req}, index...)...)
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("pip install --target: %v\n%s", err, out)
			}
			t.Logf("pip install --target: %v", time.Since(start))

			assemble := func(wheelDir, dst string) (*Result, *Plan) {
				work := t.TempDir()
				start := time.Now()
				res, plan, tm, err := Run(ctx, proc.Exec{}, Spec{
					Python: py, Requirements: req, ExtraArgs: index, WheelDir: wheelDir, WorkDir: work,
					Env: env, Dst: dst, Options: Options{Shebang: "#!" + py, DistsFile: filepath.Join(work, "dists.json")},
				})
				if err != nil {
					t.Fatalf("assemble: %v", err)
				}
				t.Logf("assemble: %v (resolve %v, build %v, fetch %v, assemble %v): %d raw, %d compressed entries",
					time.Since(start), tm.Resolve, tm.Build, tm.Fetch, tm.Assemble, res.Raw, res.Compressed)
				return res, plan
			}
			wheels := filepath.Join(dir, "wheels")
			zip1 := filepath.Join(dir, "a1.zip")
			res, plan := assemble(wheels, zip1)

			asm := zipFiles(t, zip1)
			installed := treeFiles(t, target)
			for _, d := range diffFiles(installed, asm) {
				t.Error(d)
			}
			if len(asm) == 0 || len(asm) < len(installed)-3*len(plan.Dists) {
				t.Errorf("assembled %d files, pip installed %d", len(asm), len(installed))
			}
			t.Logf("%d files installed by pip, %d assembled, %d distributions", len(installed), len(asm), len(plan.Dists))
			if tc.check != nil {
				tc.check(t, asm, plan)
			}
			checkDists(t, res.Dists, target)

			zip2 := filepath.Join(dir, "a2.zip")
			assemble(filepath.Join(dir, "wheels2"), zip2) // cold again
			// Warm download cache: only pip's resolution downloads (the index serves no PEP 658
			// metadata, so pip reads each wheel's metadata from the wheel).
			zip3 := filepath.Join(dir, "a3.zip")
			var lastWheel string
			for _, d := range plan.Dists {
				if d.Kind == KindWheel {
					lastWheel = urlFileName(d.URL)
				}
			}
			warmBefore := srv.Downloads(lastWheel)
			assemble(wheels, zip3)
			warmDelta := srv.Downloads(lastWheel) - warmBefore
			b1, _ := os.ReadFile(zip1)
			for _, p := range []string{zip2, zip3} {
				if b, _ := os.ReadFile(p); !bytes.Equal(b, b1) {
					t.Errorf("%s differs from %s: assembly is not deterministic", filepath.Base(p), filepath.Base(zip1))
				}
			}

			// A truncated wheel in the download cache is detected by its hash and fetched again.
			var victim Dist
			for _, d := range plan.Dists {
				if d.Kind == KindWheel {
					victim = d
				}
			}
			cached := filepath.Join(wheels, victim.SHA256+".whl")
			info, err := os.Stat(cached)
			if err != nil {
				t.Fatalf("cached wheel of %s: %v", victim.Name, err)
			}
			if err := os.Truncate(cached, info.Size()/2); err != nil {
				t.Fatal(err)
			}
			file := urlFileName(victim.URL)
			before := srv.Downloads(file)
			zip4 := filepath.Join(dir, "a4.zip")
			assemble(wheels, zip4)
			if got := srv.Downloads(file) - before; got != warmDelta+1 {
				t.Errorf("%s downloaded %d times after truncation, want %d (warm: %d)", file, got, warmDelta+1, warmDelta)
			}
			if b, _ := os.ReadFile(zip4); !bytes.Equal(b, b1) {
				t.Errorf("a4.zip (after re-fetching %s) differs from a1.zip", file)
			}
		})
	}
}

// TestCredentialsFromFindLinks: pip's report carries no credentials, so Fetch takes them from
// the find-links URL pip was given; they never appear in the plan or in errors.
func TestCredentialsFromFindLinks(t *testing.T) {
	py := toolsPython(t)
	srv := serveLinks(t, "bob", "s3cr3t-pw", pypkgs(t))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	req := filepath.Join(dir, "requirements.txt")
	if err := os.WriteFile(req, []byte("pyreqs-withdeps\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := Spec{
		Python: py, Requirements: req, ExtraArgs: []string{"--no-index", "--find-links", srv.LinksURL()},
		WheelDir: filepath.Join(dir, "wheels"), WorkDir: t.TempDir(), Env: pipEnv(t), Dst: filepath.Join(dir, "out.zip"),
	}
	res, plan, _, err := Run(ctx, proc.Exec{}, spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range plan.Dists {
		if strings.Contains(d.URL, "s3cr3t") {
			t.Errorf("plan URL %s carries the password", d.URL)
		}
	}
	if len(res.Dists) != 2 || srv.Downloads("pyreqs_pure-1.0.0-py3-none-any.whl") != 2 {
		// pip's resolution downloads it once (no PEP 658 metadata here), Fetch once.
		t.Errorf("dists %v, downloads of pyreqs_pure %d", res.Dists, srv.Downloads("pyreqs_pure-1.0.0-py3-none-any.whl"))
	}
	// Without the credentials, Fetch gets a 401: unsupported (pip may know credentials from
	// netrc or a keyring), never an error that shows the password.
	_, err = Fetch(ctx, plan.Dists, FetchOptions{Dir: t.TempDir()})
	var ue *UnsupportedError
	if !errors.As(err, &ue) || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("fetch without credentials: %v, want an *UnsupportedError without the password", err)
	}
}

// checkDists compares Result.Dists with what the pipeline's scan of pip's tree would record:
// the same files except pip's bookkeeping.
func checkDists(t *testing.T, dists map[string][]string, target string) {
	t.Helper()
	des, err := os.ReadDir(target)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, de := range des {
		if strings.HasSuffix(de.Name(), ".dist-info") {
			n++
		}
	}
	if len(dists) != n {
		t.Errorf("dists has %d distributions, pip installed %d", len(dists), n)
	}
	for dist, files := range dists {
		if len(files) < 2 || !strings.HasSuffix(files[0], ".dist-info/") {
			t.Errorf("dists[%s] = %v: want the .dist-info folder first, then files", dist, files)
			continue
		}
		for _, f := range files[1:] {
			if _, err := os.Stat(filepath.Join(target, f)); err != nil {
				t.Errorf("dists[%s] lists %s, which pip did not install", dist, f)
			}
		}
	}
}
