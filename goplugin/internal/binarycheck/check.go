package binarycheck

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// CodeWrongPlatform is the code of the error for native files that cannot load on the target.
const CodeWrongPlatform = diag.CodeBinaryWrongPlatform

// Problem is one native file that cannot load on the target.
type Problem struct {
	Package string // the distribution that installed it (from its RECORD), else the top-level folder
	File    string // slash-separated path relative to the checked folder
	Built   Binary // what the header says
	Reason  string // e.g. "a macOS binary", "built for aarch64, the function runs on x86_64"
}

// String is e.g. "pyreqs-liar: pyreqs_liar/_native.so is ELF 64-bit aarch64 (built for aarch64,
// the function runs on x86_64)".
func (p Problem) String() string {
	return fmt.Sprintf("%s: %s is %s (%s)", p.Package, p.File, p.Built, p.Reason)
}

// Check walks root and returns, sorted by file, every native file that cannot load on a Linux
// Lambda of the given machine ("x86_64" or "aarch64"): an ELF file of another machine, of 32 bits
// or of a non-Linux OS ABI, and every Mach-O or PE file. Windows .exe files are skipped: pip's
// vendored distlib and setuptools ship Windows launcher stubs as data that Linux never loads.
// Only each file's first bytes are read.
func Check(root, machine string) ([]Problem, error) {
	var problems []Problem
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || skipFile(d.Name()) {
			return nil
		}
		b, ok, err := identifyFile(p)
		if err != nil || !ok {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if reason := unloadable(b, machine); reason != "" {
			problems = append(problems, Problem{File: rel, Built: b, Reason: reason})
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("checking the native files in %s: %w", root, err)
	}
	if len(problems) == 0 {
		return nil, nil
	}
	owners, err := Owners(root)
	if err != nil {
		return nil, err
	}
	for i := range problems {
		problems[i].Package = owners[problems[i].File]
		if problems[i].Package == "" {
			problems[i].Package = topLevel(problems[i].File)
		}
	}
	slices.SortFunc(problems, func(a, b Problem) int { return strings.Compare(a.File, b.File) })
	return problems, nil
}

// skipFile leaves out files that are never native code or are Windows launcher stubs.
func skipFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".py", ".pyc", ".pyi", ".txt", ".md", ".rst", ".json", ".toml", ".cfg", ".html", ".js",
		".css", ".typed", ".exe":
		return true
	}
	return name == "RECORD" || name == "METADATA" || name == "WHEEL"
}

func identifyFile(p string) (Binary, bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return Binary{}, false, err
	}
	defer f.Close()
	return Identify(f)
}

// unloadable says why b cannot load on a Linux Lambda of machine, or "" when it can.
func unloadable(b Binary, machine string) string {
	switch b.Format {
	case MachO:
		return "a macOS binary, the function runs on Linux"
	case PE:
		return "a Windows binary, the function runs on Linux"
	}
	if b.OSABI != "" && b.OSABI != "linux" {
		return "built for " + b.OSABI + ", the function runs on Linux"
	}
	if b.Machine != machine || b.Bits != 64 {
		return fmt.Sprintf("built for %s, the function runs on %s", b.Machine, machine)
	}
	return ""
}

// topLevel is the owner of a file no RECORD lists: its top-level folder, or the module name of a
// top-level file ("_cffi_backend" for _cffi_backend.cpython-311-x86_64-linux-gnu.so).
func topLevel(rel string) string {
	first, _, _ := strings.Cut(rel, "/")
	if first == rel {
		first, _, _ = strings.Cut(first, ".")
	}
	return first
}

// Owners maps each file that a *.dist-info/RECORD under root lists (slash-separated, relative to
// root) to the distribution's name (METADATA's Name, else the dist-info folder's name).
func Owners(root string) (map[string]string, error) {
	owners := map[string]string{}
	infos, err := filepath.Glob(filepath.Join(root, "*.dist-info"))
	if err != nil {
		return nil, err
	}
	slices.Sort(infos)
	for _, info := range infos {
		name := distName(info)
		f, err := os.Open(filepath.Join(info, "RECORD"))
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return nil, err
		}
		r := csv.NewReader(f)
		r.FieldsPerRecord = -1
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil || len(rec) == 0 {
				continue // a damaged line names no file; the folder fallback covers it
			}
			owners[path.Clean(filepath.ToSlash(rec[0]))] = name
		}
		f.Close()
	}
	return owners, nil
}

// distName reads Name from the dist-info's METADATA, falling back to the folder name.
func distName(info string) string {
	base := strings.TrimSuffix(filepath.Base(info), ".dist-info")
	fallback, _, _ := strings.Cut(base, "-")
	f, err := os.Open(filepath.Join(info, "METADATA"))
	if err != nil {
		return fallback
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break // end of the headers
		}
		if v, ok := strings.CutPrefix(line, "Name:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return fallback
}

// Err is the error for problems in an installed requirements set for target (e.g. "python3.12
// arm64"): one line per file with its package and what it was built for, and the fixes.
func Err(problems []Problem, target string) error {
	if len(problems) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the requirements installed for %s contain %d native file(s) that cannot load there:", target, len(problems))
	for _, p := range problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return diag.Errorf(CodeWrongPlatform, "%s", b.String()).
		WithFix("A wheel was built for another platform than its tag says, or the packages were installed for the host. "+
			"Pin a version of each package named above whose wheel is built for the function's platform, "+
			"or set %s: true to install inside a Lambda-like container.", diag.ConfigPath("dockerizePip"))
}

// Warning is the warning for problems found in a vendor folder (the vendor option or a
// function's vendor), which the plugin copies as it is; nil when there are none.
func Warning(problems []Problem, folder, target string) *diag.Warning {
	if len(problems) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the vendor folder %s holds %d native file(s) that cannot load on %s:", folder, len(problems), target)
	for _, p := range problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return diag.WarnAtFile(diag.CodeVendorWrongPlatform, folder, "%s", b.String())
}
