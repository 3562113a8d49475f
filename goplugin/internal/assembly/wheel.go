package assembly

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/requirements"
)

// smallFileMax bounds the metadata files read into memory (RECORD, WHEEL, entry_points.txt) and
// the scripts rewritten for their shebang.
const smallFileMax = 16 << 20

// wheel is an open wheel file and what pip would install from it.
type wheel struct {
	path    string
	zr      *zip.ReadCloser
	dist    string // PEP 503-normalised distribution name
	infoDir string // e.g. "pyreqs_pure-1.0.0.dist-info"
	record  [][]string
	console map[string]string // console_scripts and gui_scripts: name -> "module:attr"
	names   []string          // console script names in entry_points.txt order, then gui
	files   []member
}

// member is one file of a wheel and where pip --target puts it.
type member struct {
	zf     *zip.File
	src    string // the member name, as RECORD lists it
	dest   string // the entry name in the assembled zip
	record string // the path pip writes into RECORD (relative to the lib dir: "../../bin/x" for scripts)
	exec   bool
	script bool // a .data/scripts file: pip rewrites a "#!python" first line
}

// openWheel opens a wheel and maps its members as `pip install --target` would, or returns an
// *UnsupportedError for a layout this package does not reproduce.
func openWheel(p, dist string) (*wheel, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("open wheel %s: %w", p, err)
	}
	w := &wheel{path: p, zr: zr, dist: requirements.NormalizeName(dist)}
	if err := w.load(); err != nil {
		zr.Close()
		return nil, err
	}
	return w, nil
}

func (w *wheel) Close() error { return w.zr.Close() }

func (w *wheel) load() error {
	byName := map[string]*zip.File{}
	var infoDirs []string
	for _, f := range w.zr.File {
		byName[f.Name] = f
		top, _, ok := strings.Cut(f.Name, "/")
		if ok && strings.HasSuffix(top, ".dist-info") && !containsStr(infoDirs, top) {
			infoDirs = append(infoDirs, top)
		}
	}
	for _, d := range infoDirs {
		name, _, _ := strings.Cut(strings.TrimSuffix(d, ".dist-info"), "-")
		if requirements.NormalizeName(name) == w.dist {
			if w.infoDir != "" {
				return unsupported(w.dist, "the wheel has more than one .dist-info folder")
			}
			w.infoDir = d
		}
	}
	if w.infoDir == "" {
		return unsupported(w.dist, "the wheel has no .dist-info folder for this distribution")
	}
	wheelMeta, err := readMember(byName, w.infoDir+"/WHEEL")
	if err != nil {
		return unsupported(w.dist, "%v", err)
	}
	if v := headerValue(wheelMeta, "Wheel-Version"); !strings.HasPrefix(v, "1.") {
		return unsupported(w.dist, "Wheel-Version %q is not 1.x", v)
	}
	rec, err := readMember(byName, w.infoDir+"/RECORD")
	if err != nil {
		return unsupported(w.dist, "%v", err)
	}
	cr := csv.NewReader(bytes.NewReader(rec))
	cr.FieldsPerRecord = -1
	if w.record, err = cr.ReadAll(); err != nil {
		return unsupported(w.dist, "its RECORD is not valid CSV: %v", err)
	}
	w.console = map[string]string{}
	if ep, err := readMember(byName, w.infoDir+"/entry_points.txt"); err == nil {
		if err := w.parseEntryPoints(ep); err != nil {
			return err
		}
	}
	return w.mapMembers()
}

func (w *wheel) mapMembers() error {
	for _, f := range w.zr.File {
		name := f.Name
		if strings.HasSuffix(name, "/") {
			continue // pip creates directories lazily, for files only
		}
		if strings.Contains(name, "\\") || strings.HasPrefix(name, "/") || path.Clean(name) != name ||
			name == ".." || strings.HasPrefix(name, "../") {
			return unsupported(w.dist, "member %q is not a clean relative path", name)
		}
		if f.Method != zip.Store && f.Method != zip.Deflate {
			return unsupported(w.dist, "member %q uses compression method %d (only stored and deflated members are copied)", name, f.Method)
		}
		m := member{zf: f, src: name, exec: zipExecutable(f)}
		top, rest, _ := strings.Cut(name, "/")
		if !strings.HasSuffix(top, ".data") {
			m.dest, m.record = name, name
			w.files = append(w.files, m)
			continue
		}
		key, sub, ok := strings.Cut(rest, "/")
		if !ok || sub == "" {
			return unsupported(w.dist, "member %q: .data contents must be named <scheme>/<path>", name)
		}
		switch key {
		case "purelib", "platlib":
			m.dest, m.record = sub, sub
		case "scripts":
			if w.isEntryPointWrapper(path.Base(sub)) {
				continue // setuptools' own wrapper: pip generates the script instead
			}
			m.dest, m.record, m.script = "bin/"+sub, "../../bin/"+sub, true
		default:
			// headers go to include/python/<name>/ and data to the --target root, then pip moves
			// them as folders that may already exist: not reproduced here.
			return unsupported(w.dist, "member %q installs into the %q scheme", name, key)
		}
		w.files = append(w.files, m)
	}
	return nil
}

// isEntryPointWrapper mirrors pip: EP, EP.exe, EP-script.py and EP.pya are setuptools' wrappers
// for an entry point EP, which pip leaves out.
func (w *wheel) isEntryPointWrapper(name string) bool {
	lower := strings.ToLower(name)
	match := name
	switch {
	case strings.HasSuffix(lower, ".exe"), strings.HasSuffix(lower, ".pya"):
		match = name[:len(name)-4]
	case strings.HasSuffix(lower, "-script.py"):
		match = name[:len(name)-10]
	}
	_, ok := w.console[match]
	return ok
}

// zipExecutable mirrors pip's zip_item_is_executable: a regular file with an exec bit.
func zipExecutable(f *zip.File) bool {
	mode := f.ExternalAttrs >> 16
	return mode != 0 && mode&0o170000 == 0o100000 && mode&0o111 != 0
}

func readMember(byName map[string]*zip.File, name string) ([]byte, error) {
	f, ok := byName[name]
	if !ok {
		return nil, fmt.Errorf("%s is missing", name)
	}
	if f.UncompressedSize64 > smallFileMax {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, smallFileMax)
	}
	return readZipFile(f)
}

func readZipFile(f *zip.File) ([]byte, error) {
	r, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, smallFileMax+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return b, nil
}

// headerValue returns the value of an RFC 822 style header line ("Key: value").
func headerValue(b []byte, key string) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), key) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
