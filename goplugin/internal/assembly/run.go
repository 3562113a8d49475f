package assembly

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

// Spec is one whole assembly: resolve with pip, build the non-wheels, fetch, assemble.
type Spec struct {
	Python       string // the interpreter that runs pip
	Requirements string // the requirements file
	// ExtraArgs are index options and pipCmdExtraArgs, as the classic install gets them.
	ExtraArgs []string
	// PlatformArgs select wheels for another platform (--platform, --python-version,
	// --implementation, --abi, --only-binary=:all:); given to the resolution only. With them, a
	// requirement that is not a wheel cannot be built and is unsupported.
	PlatformArgs []string
	CacheDir     string // pip's --cache-dir; "" disables pip's cache
	WheelDir     string // where fetched wheels are kept (FetchOptions.Dir)
	WorkDir      string // an empty scratch folder
	Env          []string
	Dir          string       // working directory of pip
	OnLine       func(string) // pip's output (redact before showing)
	Dst          string       // the zip to write
	Options      Options
	Fetch        FetchOptions // Dir, IndexURLs and a nil Client are filled in from WheelDir, ExtraArgs and Env
}

// Timings are the durations of the steps of Run.
type Timings struct {
	Resolve, Build, Fetch, Assemble time.Duration
}

// Run resolves, builds, fetches and assembles. An *UnsupportedError means: install with pip
// instead (the error says why).
func Run(ctx context.Context, r proc.Runner, s Spec) (*Result, *Plan, Timings, error) {
	var tm Timings
	if err := checkHashPins(s.Requirements, s.ExtraArgs, s.Env); err != nil {
		return nil, nil, tm, err
	}
	fo := s.Fetch
	if fo.Client == nil {
		c, err := NewClient(s.ExtraArgs, s.Env)
		if err != nil {
			return nil, nil, tm, err
		}
		fo.Client = c
	}
	start := time.Now()
	plan, err := Resolve(ctx, r, ResolveSpec{
		Python: s.Python, Requirements: s.Requirements, WorkDir: s.WorkDir,
		ExtraArgs: append(append([]string(nil), s.ExtraArgs...), s.PlatformArgs...),
		CacheDir:  s.CacheDir, Env: s.Env, Dir: s.Dir, OnLine: s.OnLine,
	})
	if err != nil {
		return nil, nil, tm, err
	}
	tm.Resolve = time.Since(start)

	start = time.Now()
	wheels := make([]Wheel, len(plan.Dists))
	for i, d := range plan.Dists {
		wheels[i].Dist = d.Name
		if d.Kind == KindWheel {
			continue
		}
		if len(s.PlatformArgs) > 0 {
			return nil, plan, tm, unsupported(d.Name, "it is a %s, which cannot be built into a wheel for another platform", d.Kind)
		}
		p, err := Build(ctx, r, BuildSpec{Python: s.Python, OutDir: filepath.Join(s.WorkDir, "built"),
			ExtraArgs: s.ExtraArgs, CacheDir: s.CacheDir, Env: s.Env, Dir: s.Dir, OnLine: s.OnLine}, d)
		if err != nil {
			return nil, plan, tm, err
		}
		wheels[i].Path = p
	}
	tm.Build = time.Since(start)

	start = time.Now()
	fo.Dir = s.WheelDir
	fo.IndexURLs = append(fo.IndexURLs, IndexURLs(s.ExtraArgs, s.Env)...)
	paths, err := Fetch(ctx, plan.Dists, fo)
	if err != nil {
		return nil, plan, tm, err
	}
	for i, p := range paths {
		if p != "" {
			wheels[i].Path = p
		}
	}
	tm.Fetch = time.Since(start)

	start = time.Now()
	if err := os.MkdirAll(filepath.Dir(s.Dst), 0o755); err != nil {
		return nil, plan, tm, err
	}
	res, err := Assemble(ctx, wheels, s.Dst, s.Options)
	if err != nil {
		return nil, plan, tm, err
	}
	tm.Assemble = time.Since(start)
	return res, plan, tm, nil
}

// checkHashPins refuses hash-checking mode (--hash pins in the requirements file, or
// --require-hashes): pip checks the pins against the files it downloads, but with PEP 658
// metadata its dry run downloads no wheel, and the report gives the index's hashes only. Such
// builds stay with pip until the pins are checked here too.
func checkHashPins(requirements string, args, env []string) error {
	for _, a := range args {
		if a == "--require-hashes" {
			return unsupported("", "--require-hashes: pip checks the hash pins itself")
		}
	}
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == "PIP_REQUIRE_HASHES" && v != "" && v != "0" && !strings.EqualFold(v, "false") {
			return unsupported("", "PIP_REQUIRE_HASHES: pip checks the hash pins itself")
		}
	}
	b, err := os.ReadFile(requirements)
	if err != nil {
		return err
	}
	if bytes.Contains(b, []byte("--hash")) || bytes.Contains(b, []byte("--require-hashes")) {
		return unsupported("", "%s pins hashes (--hash): pip checks them itself", filepath.Base(requirements))
	}
	return nil
}
