package diag

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// goFile is one parsed non-test Go file of the binary.
type goFile struct {
	path string // relative to goplugin/, slash-separated
	pkg  string // its folder relative to goplugin/ ("internal/pipeline")
	fset *token.FileSet
	ast  *ast.File
}

// sourceFiles parses every non-test Go file of the binary under goplugin/ (testdata and the
// generator programs gen and gendoc are skipped).
func sourceFiles(t *testing.T) []goFile {
	t.Helper()
	root := filepath.Join(repoRoot, "goplugin")
	var out []goFile
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "testdata" || d.Name() == "gen" || d.Name() == "gendoc" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		out = append(out, goFile{path: rel, pkg: pathDir(rel), fset: fset, ast: f})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		t.Fatalf("parsed only %d files under %s: is the walk broken?", len(out), root)
	}
	return out
}

func pathDir(rel string) string {
	if i := strings.LastIndex(rel, "/"); i >= 0 {
		return rel[:i]
	}
	return "."
}

func (f goFile) pos(n ast.Node) string {
	p := f.fset.Position(n.Pos())
	return f.path + ":" + strconv.Itoa(p.Line)
}

// keyPrefix is how serverless.yml spells an option; outside the config and diag packages it is
// written with diag.ConfigPath (or the AtKey/WarnAtKey builders), never by hand.
const keyPrefix = "custom.pythonRequirements."

// removedAPIs are the pre-catalog APIs: they must not come back.
var removedAPIs = []struct{ pkg, recv, name, use string }{
	{"internal/diag", "", "New", "Errorf, AtKey or AtFile with a catalog code"},
	{"internal/protocol", "Emitter", "Warning", "Emitter.Warn with a *diag.Warning"},
	{"internal/protocol", "Emitter", "Error", "Emitter.Fail with a *diag.Error"},
	{"internal/requirements", "", "Filter", "FilterDiag and Emitter.Warn"},
}

// TestMessagesAreBuiltByTheCatalog fails when a user-facing message is built outside the
// catalog: a diag.Error or diag.Warning literal outside package diag, a code spelled as a string
// instead of its catalog constant, the option prefix spelled by hand in a message or fix, or a
// removed pre-catalog API defined again.
func TestMessagesAreBuiltByTheCatalog(t *testing.T) {
	var problems []string
	for _, f := range sourceFiles(t) {
		inDiag := f.pkg == "internal/diag"
		mayName := inDiag || f.pkg == "internal/config" // the option table and its decoder
		for _, r := range removedAPIs {
			if f.pkg != r.pkg {
				continue
			}
			for _, d := range f.ast.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if ok && fd.Name.Name == r.name && recvName(fd) == r.recv {
					problems = append(problems, f.pos(fd)+": "+r.name+" was removed; use "+r.use)
				}
			}
		}
		ast.Inspect(f.ast, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if sel, ok := n.Type.(*ast.SelectorExpr); ok && !inDiag && isIdent(sel.X, "diag") && (sel.Sel.Name == "Error" || sel.Sel.Name == "Warning") {
					problems = append(problems, f.pos(n)+": diag."+sel.Sel.Name+"{...} literal: build it with diag.AtKey/AtFile/Errorf (or WarnAtKey/WarnAtFile/Warnf) and a catalog code")
				}
			case *ast.AssignStmt:
				for _, l := range n.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && !inDiag && sel.Sel.Name == "Hint" {
						problems = append(problems, f.pos(n)+": assigns .Hint: use WithFix")
					}
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(n.Value)
				if err != nil {
					return true
				}
				if !mayName && strings.Contains(s, keyPrefix) {
					problems = append(problems, f.pos(n)+": spells "+keyPrefix+" by hand: use diag.ConfigPath(key) or the AtKey/WarnAtKey builders")
				}
				if !inDiag {
					if m := codeLiteral.FindStringSubmatch(n.Value); m != nil && !notCodes[m[1]] && m[0] == n.Value {
						problems = append(problems, f.pos(n)+": code "+m[1]+" spelled as a string: use its diag.Code* constant")
					}
				}
			}
			return true
		})
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Errorf("user-facing messages built outside the catalog (goplugin/internal/diag/catalog.go):\n  %s", strings.Join(problems, "\n  "))
	}
}

func recvName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return ""
	}
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// TestEveryCatalogCodeIsUsed is the reverse check: a code the binary never raises (referenced
// as diag.Code* outside the catalog) and the shim never raises (spelled in npm-shim/*.js) is
// documented for nothing. Mark a code kept for a feature in progress as Reserved.
func TestEveryCatalogCodeIsUsed(t *testing.T) {
	// The catalog's constants: name -> code.
	fset := token.NewFileSet()
	cat, err := parser.ParseFile(fset, "catalog.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	codeOf := map[string]string{}
	for _, d := range cat.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if i < len(vs.Values) {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						codeOf[name.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
	}
	if len(codeOf) < len(entries) {
		t.Fatalf("found %d code constants for %d entries: is the parse broken?", len(codeOf), len(entries))
	}

	used := map[string]bool{}
	for _, f := range sourceFiles(t) {
		if f.path == "internal/diag/catalog.go" {
			continue
		}
		ast.Inspect(f.ast, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if isIdent(n.X, "diag") {
					if c, ok := codeOf[n.Sel.Name]; ok {
						used[c] = true
					}
				}
			case *ast.Ident:
				if c, ok := codeOf[n.Name]; ok && f.pkg == "internal/diag" {
					used[c] = true
				}
			}
			return true
		})
	}
	shim, err := filepath.Glob(filepath.Join(repoRoot, "npm-shim", "*.js"))
	if err != nil || len(shim) == 0 {
		t.Fatalf("no shim sources: %v", err)
	}
	for _, p := range shim {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range codeLiteral.FindAllStringSubmatch(string(data), -1) {
			used[m[1]] = true
		}
	}
	for _, e := range entries {
		if e.Reserved {
			if used[e.Code] {
				t.Errorf("%s is marked Reserved but is used: remove the mark", e.Code)
			}
			continue
		}
		if !used[e.Code] {
			t.Errorf("%s is in the catalog but nothing raises it: raise it with its constant, remove it, or mark it Reserved", e.Code)
		}
	}
}
