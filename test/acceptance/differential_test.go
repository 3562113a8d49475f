package acceptance

// Differential tests: the same sample services packaged by serverless-pyreqs and by the
// original serverless-python-requirements@6.1.2 hold the same files, by path and content, apart
// from the documented deliberate differences (README "Differences from the original"):
//   - bytecode (__pycache__/*.pyc): ours is PEP 552 unchecked-hash, compiled after the install by
//     our compiler (pip runs with --no-compile), the original's is pip's timestamp-based one, so
//     the .pyc files differ in content (and one side may compile a file the other does not),
//     and our dist-info RECORDs list no bytecode;
//   - no .completed_requirements and no filtered requirements.txt in ours (#4): the artifact
//     keeps the user's requirements.txt;
//   - modes normalised; moved module files keep theirs (#6; the original drops them);
//   - noDeploy matches PEP 503-normalised names (#5), so the original ships what ours leaves out;
//   - assembled from wheels (#22), ours has no INSTALLER, REQUESTED or direct_url.json (nor
//     their RECORD lines), and scripts in bin/ may have another shebang and launcher template.

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// diffRow is one artifact's comparison.
type diffRow struct {
	service, artifact string
	ours, original    int            // entry counts
	identical         int            // same path and content
	deliberate        map[string]int // documented difference → entries
	unexpected        []string
}

func (r diffRow) deliberateSummary() string {
	if len(r.deliberate) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(r.deliberate))
	for k := range r.deliberate {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, r.deliberate[k])
	}
	return strings.Join(parts, ", ")
}

var normName = regexp.MustCompile(`[-_.]+`)

func normalizeEntries(n string) string { return strings.ToLower(normName.ReplaceAllString(n, "-")) }

// noDeployEntry reports whether an entry belongs to one of the noDeploy distributions (its
// top-level package or module, or its dist-info folder).
func noDeployEntry(name string, noDeploy []string) bool {
	first, _, _ := strings.Cut(name, "/")
	first = strings.TrimSuffix(first, ".py")
	if strings.HasSuffix(first, ".dist-info") {
		first, _, _ = strings.Cut(strings.TrimSuffix(first, ".dist-info"), "-")
	}
	for _, n := range noDeploy {
		if normalizeEntries(first) == normalizeEntries(n) {
			return true
		}
	}
	return false
}

func isBytecode(name string) bool {
	return strings.Contains("/"+name, "/__pycache__/") || strings.HasSuffix(name, ".pyc")
}

// withoutBytecodeLines drops the lines of a RECORD that list bytecode (and pip's bookkeeping
// files, which the assembled path does not write, and the scripts, whose launcher may differ).
func withoutBytecodeLines(record []byte) string {
	var keep []string
	for _, l := range strings.Split(string(record), "\n") {
		if p, _, _ := strings.Cut(l, ","); !isBytecode(p) && !pipBookkeeping(p) && !strings.HasPrefix(path.Clean(p), "../../bin/") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// compareArtifacts compares ours and the original's zip of one function or service; userReqs
// is the user's requirements.txt at that artifact's root ("" if none).
func compareArtifacts(t testing.TB, service, label, oursZip, origZip, userReqs string, noDeploy []string) diffRow {
	t.Helper()
	o, g := ZipEntries(t, oursZip), ZipEntries(t, origZip)
	row := diffRow{service: service, artifact: label, ours: len(o), original: len(g), deliberate: map[string]int{}}
	names := map[string]bool{}
	for n := range o {
		names[n] = true
	}
	for n := range g {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	unexpected := func(format string, args ...any) {
		row.unexpected = append(row.unexpected, fmt.Sprintf(format, args...))
	}
	for _, n := range sorted {
		oe, inOurs := o[n]
		ge, inOrig := g[n]
		switch {
		case inOurs && !inOrig && isBytecode(n):
			row.deliberate["bytecode"]++
		case inOurs && !inOrig:
			unexpected("%s: only in ours", n)
		case !inOurs:
			switch {
			case path.Base(n) == ".completed_requirements":
				row.deliberate["marker"]++
			case isBytecode(n):
				row.deliberate["bytecode"]++
			case noDeployEntry(n, noDeploy):
				row.deliberate["noDeploy"]++
			case pipBookkeeping(n):
				row.deliberate["pip bookkeeping"]++
			default:
				unexpected("%s: only in the original", n)
			}
		case oe.SHA256 == ge.SHA256:
			row.identical++
			if (oe.Mode&0o111 != 0) != (ge.Mode&0o111 != 0) {
				if ge.Mode.Perm() == 0o664 { // the original's moveModuleUp drops modes
					row.deliberate["module modes"]++
				} else {
					unexpected("%s: exec bit differs (ours %v, original %v)", n, oe.Mode.Perm(), ge.Mode.Perm())
				}
			}
		case isBytecode(n):
			row.deliberate["bytecode (unchecked-hash)"]++
		case strings.HasPrefix(n, "bin/") && oe.Mode == ge.Mode:
			row.deliberate["script launcher"]++
		case n == "requirements.txt" && userReqs != "":
			if got := string(ZipRead(t, oursZip, n)); got != userReqs {
				unexpected("requirements.txt: ours is not the user's file: %q", got)
			} else {
				row.deliberate["filtered requirements.txt"]++
			}
		case strings.HasSuffix(n, ".dist-info/RECORD") &&
			withoutBytecodeLines(ZipRead(t, oursZip, n)) == withoutBytecodeLines(ZipRead(t, origZip, n)):
			row.deliberate["RECORD bytecode lines"]++
		default:
			unexpected("%s: content differs", n)
		}
	}
	return row
}

func diffTable(rows []diffRow) string {
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].service != rows[j].service {
			return rows[i].service < rows[j].service
		}
		return rows[i].artifact < rows[j].artifact
	})
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-13s %-36s %5s %5s %9s %10s  %s\n", "service", "artifact", "ours", "orig", "identical", "unexpected", "deliberate differences (entries)")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-13s %-36s %5d %5d %9d %10d  %s\n", r.service, r.artifact, r.ours, r.original, r.identical, len(r.unexpected), r.deliberateSummary())
	}
	return b.String()
}

// TestDifferentialSamples packages basic, individually, noDeploy and vendor with both plugins and
// compares every artifact; the table goes to the test log.
func TestDifferentialSamples(t *testing.T) {
	t.Parallel()
	type artifact struct{ label, zip, reqs string }
	services := []struct {
		name      string
		noDeploy  []string
		artifacts []artifact
	}{
		{name: "basic", artifacts: []artifact{{"basic.zip", ".serverless/basic.zip", "requirements.txt"}}},
		{name: "individually", artifacts: []artifact{
			{"root.zip", ".serverless/root.zip", "requirements.txt"},
			{"mod_a-individually-dev-funcA.zip", ".serverless/mod_a-individually-dev-funcA.zip", "mod_a/requirements.txt"},
			{"mod_b-individually-dev-funcB.zip", ".serverless/mod_b-individually-dev-funcB.zip", "mod_b/requirements.txt"},
		}},
		{name: "noDeploy", noDeploy: []string{"Pyreqs_Native"}, artifacts: []artifact{{"noDeploy.zip", ".serverless/noDeploy.zip", "requirements.txt"}}},
		{name: "vendor", artifacts: []artifact{{"vendor.zip", ".serverless/vendor.zip", "requirements.txt"}}},
	}
	var mu sync.Mutex
	var rows []diffRow
	t.Run("services", func(t *testing.T) {
		for _, svc := range services {
			t.Run(svc.name, func(t *testing.T) {
				t.Parallel()
				ours := NewService(t, svc.name, Ours)
				orig := NewService(t, svc.name, Original)
				ours.MustSls("package")
				orig.MustSls("package")
				for _, a := range svc.artifacts {
					reqs := string(readFile(t, ours.Path(a.reqs)))
					row := compareArtifacts(t, svc.name, a.label, ours.Path(a.zip), orig.Path(a.zip), reqs, svc.noDeploy)
					for _, u := range row.unexpected {
						t.Errorf("%s %s: %s", svc.name, a.label, u)
					}
					if row.identical == 0 {
						t.Errorf("%s %s: no identical entry at all", svc.name, a.label)
					}
					mu.Lock()
					rows = append(rows, row)
					mu.Unlock()
				}
				if svc.name == "noDeploy" {
					// The deliberate difference is really there: the original ships pyreqs_native.
					if o := ZipEntries(t, ours.Artifact()); hasPrefix(o, "pyreqs_native/") {
						t.Errorf("ours shipped the noDeploy distribution pyreqs_native")
					}
				}
			})
		}
	})
	t.Logf("differential results (serverless-pyreqs vs serverless-python-requirements@6.1.2):%s", diffTable(rows))
}

// TestFlaskPublicIndex packages the flask sample (Flask==3.0.3 and its dependencies, with
// native wheels, from the public index) with both plugins, cold then warm: ours runs the
// handler from the unzipped artifact, the two artifacts hold the same files, and the times go to
// the log (a measurement, never an assertion). Not parallel, so that the times are not skewed by
// this package's other tests.
func TestFlaskPublicIndex(t *testing.T) {
	needNetwork(t, PublicIndex+"/flask/")
	times := map[string]time.Duration{}
	services := map[Plugin]*Service{}
	for _, p := range []Plugin{Ours, Original} {
		s := NewService(t, "flask", p)
		s.IndexURL = PublicIndex
		for _, run := range []string{"cold", "warm"} {
			start := time.Now()
			s.MustSls("package")
			times[p.String()+" "+run] = time.Since(start)
		}
		services[p] = s
	}
	ours, orig := services[Ours], services[Original]
	art := ours.Artifact()
	entries := ZipEntries(t, art)
	assertHas(t, art, entries, "handler.py", "flask/__init__.py", "werkzeug/__init__.py", "jinja2/__init__.py",
		"markupsafe/__init__.py", "itsdangerous/__init__.py", "click/__init__.py", "blinker/__init__.py", "flask-3.0.3.dist-info/METADATA")
	assertNoPluginMeta(t, art, entries)
	dir := Unzip(t, art)
	out := runPythonFlask(t, dir)
	if !strings.Contains(out, "200 hello from flask") {
		t.Errorf("handler.api() = %q", out)
	}
	row := compareArtifacts(t, "flask", "flask.zip", art, orig.Artifact(), string(readFile(t, ours.Path("requirements.txt"))), nil)
	for _, u := range row.unexpected {
		t.Errorf("flask: %s", u)
	}
	t.Logf("differential results:%s", diffTable([]diffRow{row}))
	ratio := func(run string) string {
		o, g := times["ours "+run], times["original "+run]
		return fmt.Sprintf("ours %.1fs, original %.1fs, original/ours %.2fx", o.Seconds(), g.Seconds(), g.Seconds()/o.Seconds())
	}
	t.Logf("flask sls package times (measured, not asserted): cold: %s; warm: %s", ratio("cold"), ratio("warm"))
}

func runPythonFlask(t testing.TB, dir string) string {
	t.Helper()
	return runPython(t, dir, "import handler; r = handler.api({'path': '/'}, None); print(r['statusCode'], r['body'])")
}
