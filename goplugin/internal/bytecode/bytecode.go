// Package bytecode compiles an installed requirements tree (or a function's own code) to `.pyc`
// files that Lambda can use from its read-only task root: PEP 552 unchecked-hash invalidation
// (valid whatever the file timestamps), compiled by an interpreter of the function's Python
// version, with the source paths in the code objects set to the paths the files have at run
// time (/var/task, /opt/python, the zip-mode extraction folder), so tracebacks show real paths.
//
// The work is done by a small Python driver embedded in this package (compile.py). It runs on
// the host through a proc.Runner (Host), or inside a build container from the argument list of
// Job.Argv and the environment of Env. It writes only __pycache__/<name>.<cache tag>.pyc next to
// each source, and its output is byte-identical for the same sources, ddir and interpreter
// version, whatever the worker count or the order of work: string hashing is fixed
// (PYTHONHASHSEED=0, for the frozenset constants of Python 3.9/3.10), and on Python 3.9/3.10,
// where marshal's reference flags and the interned mark of one-character strings depend on the
// process's history, the stream is rewritten into a canonical form (see compile.py). Python
// 3.11-3.13 produce identical bytes as they are (checked by the tests, also file by file in
// fresh processes).
//
// The run-time path (Job.DDir) matters for reproducibility too: the build folder's path never
// gets into the bytes. (When Python imports a .pyc from __pycache__ next to its source, it
// rewrites co_filename to the source's actual path anyway, so tracebacks are right either way.)
//
// When the interpreter's major.minor is not the function's, nothing is written and the result is
// a *SkipError whose text tells the user how to get bytecode.
package bytecode

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// Script is the Python driver. Run it as `python -B -s -c Script --tree T --ddir D [--workers N]
// [--expect-version X.Y] [paths...]`; see compile.py for its output.
//
//go:embed compile.py
var Script string

// Run-time locations of a tree's root on Lambda, for Job.DDir.
const (
	TaskRoot  = "/var/task"   // the function's artifact
	LayerRoot = "/opt/python" // a requirements layer
)

// ExitSkip is the driver's exit code when the interpreter is not the expected version.
const ExitSkip = 3

// Job is one compile run.
type Job struct {
	// Tree is the folder to compile, as the interpreter sees it (a host path, or the path inside
	// the container).
	Tree string
	// DDir is the run-time path of Tree, recorded in the code objects: TaskRoot, LayerRoot, or the
	// folder unzip_requirements extracts to in zip mode. It must be an absolute POSIX path.
	DDir string
	// Version is the function's Python version, "3.11". Empty compiles with any interpreter.
	Version string
	// Workers is the number of compiling processes; 0 means the interpreter's CPU count.
	Workers int
	// Paths optionally restricts the run to these Tree-relative files or folders ('/'-separated);
	// empty compiles every .py file in Tree.
	Paths []string
	// SkipDirs are folder names whose sources are not compiled when Tree is walked (Paths are
	// compiled as given): TestDirs for requirements.
	SkipDirs []string
}

// TestDirs are the folders of a requirements set that get no bytecode: the test suites packages
// ship (pandas/tests, numpy/*/tests). A function never imports them, and they are most of the
// compile time (70% of the heavy bench set's) and a good part of the bytecode's size; should one
// be imported, Python compiles it then, as it does every module of the original plugin.
var TestDirs = []string{"tests"}

// Skipped reports whether the '/'-separated path rel lies in a folder named in dirs.
func Skipped(rel string, dirs []string) bool {
	if len(dirs) == 0 {
		return false
	}
	segs := strings.Split(rel, "/")
	for _, s := range segs[:len(segs)-1] {
		if slices.Contains(dirs, s) {
			return true
		}
	}
	return false
}

// Argv is the full argument list that runs the driver for j with the interpreter python (for
// example "python3.11" on the host, or "python3" in a build image). Run it with Env added.
func (j Job) Argv(python string) []string {
	args := []string{python, "-B", "-s", "-c", Script, "--tree", j.Tree, "--ddir", j.DDir,
		"--workers", strconv.Itoa(j.Workers)}
	if j.Version != "" {
		args = append(args, "--expect-version", j.Version)
	}
	for _, d := range j.SkipDirs {
		args = append(args, "--skip-dir", d)
	}
	if len(j.Paths) > 0 {
		args = append(args, "--")
		args = append(args, j.Paths...)
	}
	return args
}

// Env is the environment the driver needs on top of the base one. (The driver also re-executes
// itself with PYTHONHASHSEED=0 when it finds string hashing randomised.)
func Env() []string {
	return []string{"PYTHONHASHSEED=0", "PYTHONDONTWRITEBYTECODE=1"}
}

// Validate checks j before it is run.
func (j Job) Validate() error {
	if j.Tree == "" {
		return errors.New("bytecode: no folder to compile")
	}
	if !strings.HasPrefix(j.DDir, "/") {
		return fmt.Errorf("bytecode: the run-time path %q is not an absolute POSIX path", j.DDir)
	}
	if j.Version != "" && !versionRE.MatchString(j.Version) {
		return fmt.Errorf("bytecode: %q is not a Python major.minor version", j.Version)
	}
	for _, p := range j.Paths {
		if path.IsAbs(p) || p == ".." || strings.HasPrefix(path.Clean(p), "../") {
			return fmt.Errorf("bytecode: %q is not a path inside the folder to compile", p)
		}
	}
	return nil
}

// Result is what a compile run did.
type Result struct {
	Compiled int       `json:"compiled"` // .pyc files written
	Failed   []Failure `json:"failed"`   // sources that do not compile (left without bytecode)
	CacheTag string    `json:"cacheTag"` // e.g. "cpython-311"
	Version  string    `json:"version"`  // the interpreter's major.minor
	// PythonVersion is the interpreter's full version, "3.11.7". Patch releases can compile a
	// file differently (seen: 1 of 2247 files between 3.11.2 and 3.11.7), so a cache key for
	// compiled trees should cover it, or the installer and image that imply it.
	PythonVersion string `json:"pythonVersion"`
}

// Failure is a source file the interpreter rejected, e.g. Python 2 syntax in a package's tests.
// Python never imports such a file successfully either, so it is not an error.
type Failure struct {
	Path  string `json:"path"` // Tree-relative
	Error string `json:"error"`
}

// SkipError means no bytecode was written because the interpreter is not of the function's
// Python version. Its text is the notice to show the user.
type SkipError struct {
	Want, Have string // "3.12", "3.11"
	// Python names the interpreter that was tried, e.g. "pythonBin (python3)"; Image is set
	// instead when it ran in a build container.
	Python, Image string
}

func (e *SkipError) Error() string {
	if e.Image != "" {
		return fmt.Sprintf("Not compiling requirements to bytecode: the functions run Python %s but the build image %s "+
			"has Python %s. Set %s to an image with Python %s to ship bytecode "+
			"(faster cold starts).", e.Want, e.Image, e.Have, diag.ConfigPath("dockerImage"), e.Want)
	}
	return fmt.Sprintf("Not compiling requirements to bytecode: the functions run Python %s but %s is Python %s. "+
		"Set %s to a python%s interpreter, or dockerizePip: true to compile in the "+
		"build image, to ship bytecode (faster cold starts).", e.Want, e.Python, e.Have, diag.ConfigPath("pythonBin"), e.Want)
}

// ParseOutput reads the driver's stdout after a run that exited with exitCode. A version
// mismatch gives a *SkipError with Want and Have set (the caller fills in Python or Image).
func ParseOutput(stdout []byte, exitCode int, want string) (Result, error) {
	line := lastLine(stdout)
	if exitCode == ExitSkip {
		var s struct {
			Version string `json:"version"`
		}
		if err := json.Unmarshal(line, &s); err != nil || s.Version == "" {
			return Result{}, fmt.Errorf("bytecode: unexpected output from the compiler: %q", line)
		}
		return Result{}, &SkipError{Want: want, Have: s.Version}
	}
	if exitCode != 0 {
		return Result{}, fmt.Errorf("bytecode: the compiler exited with code %d", exitCode)
	}
	var r Result
	if err := json.Unmarshal(line, &r); err != nil || r.CacheTag == "" {
		return Result{}, fmt.Errorf("bytecode: unexpected output from the compiler: %q", line)
	}
	return r, nil
}

// PycPath is where the driver writes the bytecode of the '/'-separated source path rel, e.g.
// PycPath("pkg/mod.py", "cpython-311") = "pkg/__pycache__/mod.cpython-311.pyc".
func PycPath(rel, cacheTag string) string {
	dir, file := path.Split(rel)
	return dir + "__pycache__/" + strings.TrimSuffix(file, ".py") + "." + cacheTag + ".pyc"
}

// VersionFromRuntime returns "3.11" for the Lambda runtime "python3.11".
func VersionFromRuntime(runtime string) (string, bool) {
	v, ok := strings.CutPrefix(runtime, "python")
	if !ok || !versionRE.MatchString(v) {
		return "", false
	}
	return v, true
}

var versionRE = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return bytes.TrimSpace(lines[len(lines)-1])
}
