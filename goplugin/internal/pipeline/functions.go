package pipeline

import (
	"os"
	"path"
	"sort"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/requirements"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/source"
)

// fn is one function as the plugin sees it.
type fn struct {
	Key          string
	Obj          *protocol.Function
	Runtime      string // own or provider runtime
	Architecture string // own or provider architecture, default x86_64
	Module       string // "." or a clean relative path
	Vendor       string // function-level vendor dir ("" = none)
	Individual   bool
	Python       bool
}

func isPython(runtime string) bool { return strings.HasPrefix(runtime, "python") }

// functions returns the target functions (spec B.4, with v4's python and individually rules), in
// key order so that logs and builds are deterministic.
func functions(req *protocol.Request) ([]*fn, error) {
	svc := &req.Service
	keys := make([]string, 0, len(svc.Functions))
	for k := range svc.Functions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if req.Options.Function != "" {
		if _, ok := svc.Functions[req.Options.Function]; !ok {
			return nil, diag.Errorf(diag.CodeFunctionNotFound, "function %q is not defined in this service", req.Options.Function).
				WithFix("Check the name given to --function against the keys under functions: in serverless.yml.")
		}
		keys = []string{req.Options.Function}
	}
	serviceIndividually := svc.Package.Individually != nil && *svc.Package.Individually
	var out []*fn
	for _, k := range keys {
		f := svc.Functions[k]
		if f == nil || (f.HasImage() && req.Options.Function == "") {
			continue
		}
		if f.HasImage() {
			continue // an image function gets nothing, even when named with --function
		}
		x := &fn{Key: k, Obj: f, Runtime: f.Runtime, Architecture: f.Architecture}
		if x.Runtime == "" {
			x.Runtime = svc.Provider.Runtime
		}
		if x.Architecture == "" {
			x.Architecture = svc.Provider.Architecture
		}
		if x.Architecture == "" {
			x.Architecture = "x86_64"
		}
		x.Python = isPython(x.Runtime)
		x.Individual = serviceIndividually || (f.Package != nil && f.Package.Individually != nil && *f.Package.Individually)
		fo, err := config.ParseFunction(k, f.Module, f.Vendor)
		if err != nil {
			return nil, err
		}
		x.Module, err = cleanModule(fo.Module, k)
		if err != nil {
			return nil, err
		}
		x.Vendor = fo.Vendor
		out = append(out, x)
	}
	return out, nil
}

// cleanModule normalises a module path: "" and "./" mean ".", no absolute paths, no "..".
func cleanModule(m, key string) (string, error) {
	m = strings.TrimSpace(strings.ReplaceAll(m, "\\", "/"))
	if m == "" {
		return ".", nil
	}
	c := path.Clean(m)
	if path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
		return "", diag.Config("functions."+key+".module", "%q must be a folder inside the service (a relative path without ..)", m)
	}
	return c, nil
}

// anyPython is the service-level gate (spec B.3, v4 rules): true when some function (image ones
// included) runs python, or a layer is requested for a python provider.
func anyPython(req *protocol.Request, layer bool) bool {
	if req.FunctionObj != nil {
		rt := req.FunctionObj.Runtime
		if rt == "" {
			rt = req.Service.Provider.Runtime
		}
		return isPython(rt)
	}
	for _, f := range req.Service.Functions {
		if f == nil {
			continue
		}
		rt := f.Runtime
		if rt == "" {
			rt = req.Service.Provider.Runtime
		}
		if isPython(rt) {
			return true
		}
	}
	return layer && isPython(req.Service.Provider.Runtime)
}

// unit is one requirements set: the shared one (module ".", shared functions) or one module of
// individually packaged functions.
type unit struct {
	Module  string // "." for the service root
	Funcs   []*fn
	Runtime string
	Arch    string
	// Source is the requirements file to read ("" when the module has none), or, when Exported
	// is set, the file the exported text belongs to (for its relative paths).
	Source string
	// Exported is the requirements text a tool exported (poetry, uv, pipenv) or the PEP 621
	// dependencies; nil for a requirements file. SourceKind and SourceFile say where it came from.
	Exported   []byte
	SourceKind source.Kind
	SourceFile string
	// filled by the before phase
	ReqOut   string // .serverless/[<module>/]requirements.txt
	LinkPath string // .serverless/[<module>/]requirements
	Lines    []byte // the filtered requirements (filter)
	Name     string // cache entry name
	Dir      string // the built folder
	Empty    bool   // nothing to install
	// OSPackages are the OS packages of the set's apt-requirements.txt, OSFile that file as the
	// user sees it (osPackages).
	OSPackages []string
	OSFile     string
	// Layer is the named layer whose set this is (nil for the root and module sets); its Module
	// is the layer's path. Pointer is its pointer file (module sets use the workspace's).
	Layer   *namedLayer
	Pointer string
	Local   []localDep          // local path requirements, with their content digests (local-deps)
	kept    []requirements.Line // filter: the lines kept, with their files and line numbers
}

// units groups python target functions into requirements sets: shared functions (and a layer)
// use the root set; individually packaged ones one set per module.
func units(req *protocol.Request, fns []*fn, layer bool) []*unit {
	byModule := map[string]*unit{}
	var order []string
	add := func(module string, f *fn) {
		u := byModule[module]
		if u == nil {
			u = &unit{Module: module}
			byModule[module] = u
			order = append(order, module)
		}
		if f != nil {
			u.Funcs = append(u.Funcs, f)
		}
	}
	for _, f := range fns {
		if !f.Python {
			continue
		}
		if f.Individual {
			add(f.Module, f)
		} else {
			add(".", f)
		}
	}
	if layer && byModule["."] == nil && (len(order) > 0 || isPython(req.Service.Provider.Runtime)) {
		add(".", nil) // the layer holds the service-root requirements, also for layer-only services
	}
	out := make([]*unit, 0, len(order))
	for _, m := range order {
		u := byModule[m]
		u.Runtime, u.Arch = req.Service.Provider.Runtime, req.Service.Provider.Architecture
		if len(u.Funcs) > 0 {
			first := u.Funcs[0]
			if m != "." || !isPython(u.Runtime) {
				u.Runtime = first.Runtime // fixes a node provider runtime with python functions
			}
			sameArch := true
			for _, f := range u.Funcs {
				sameArch = sameArch && f.Architecture == first.Architecture
			}
			if m != "." || sameArch {
				u.Arch = first.Architecture
			}
		}
		if u.Arch == "" {
			u.Arch = "x86_64"
		}
		out = append(out, u)
	}
	return out
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
