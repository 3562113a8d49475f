// Package workspace owns every path the plugin writes into the service folder: the files under
// .serverless (the generated requirements.txt, the pointer file naming the built cache entry, the
// requirements link, the layer zip, the moved module artifacts) and, in zip mode, the helper and
// .requirements.zip in the service or module folders. Nothing else builds these paths, so `clean`
// can derive the list of what to delete from the same place that names what is written.
package workspace

import (
	"os"
	"path/filepath"
	"strings"
)

// File names written by the plugin.
const (
	// DotServerless is the framework's output folder.
	DotServerless = ".serverless"
	// RequirementsFile is the generated requirements file (filtered, with the cache-key header).
	RequirementsFile = "requirements.txt"
	// LinkName is the link to the built requirements (for people and tools; packaging reads the
	// pointer file).
	LinkName = "requirements"
	// PointerName is the file holding the folder a module's requirements were built in.
	PointerName = ".pyreqs-entry"
	// PackedName is the before hook's copy (a hard link when it can) of the built entry's packed
	// zip: the after hook reads it, so it never depends on the cache entry still being there.
	PackedName = ".pyreqs-packed.zip"
	// DistsName is the before hook's copy of the built entry's per-distribution file lists.
	DistsName = ".pyreqs-dists.json"
	// ZipHelperName is zip mode's import helper, written beside the handlers.
	ZipHelperName = "unzip_requirements.py"
	// RequirementsZipName is zip mode's archive of the requirements, beside the helper.
	RequirementsZipName = ".requirements.zip"
	// LayerZipName is the layer artifact in .serverless.
	LayerZipName = "pythonRequirements.zip"
	// LegacyDir is the .requirements folder older versions of the original left in the service.
	LegacyDir = ".requirements"
)

// Workspace is one service folder.
type Workspace struct {
	// Dir is the service folder (absolute).
	Dir string
}

// New returns the workspace of the service folder dir.
func New(dir string) Workspace { return Workspace{Dir: dir} }

// DotServerlessDir is <service>/.serverless.
func (w Workspace) DotServerlessDir() string { return filepath.Join(w.Dir, DotServerless) }

// dotServerless returns .serverless/[<module>/]name; module is "." for the service root.
func (w Workspace) dotServerless(module, name string) string {
	if module == "." {
		return filepath.Join(w.Dir, DotServerless, name)
	}
	return filepath.Join(w.Dir, DotServerless, filepath.FromSlash(module), name)
}

// ModuleDir is the folder of module ("." for the service folder).
func (w Workspace) ModuleDir(module string) string {
	return filepath.Join(w.Dir, filepath.FromSlash(module))
}

// Requirements is the generated .serverless/[<module>/]requirements.txt.
func (w Workspace) Requirements(module string) string {
	return w.dotServerless(module, RequirementsFile)
}

// Link is the .serverless/[<module>/]requirements link to the built requirements.
func (w Workspace) Link(module string) string { return w.dotServerless(module, LinkName) }

// Pointer is the .serverless/[<module>/].pyreqs-entry file naming the built folder.
func (w Workspace) Pointer(module string) string { return w.dotServerless(module, PointerName) }

// Packed is .serverless/[<module>/].pyreqs-packed.zip, the copy of the entry's packed zip.
func (w Workspace) Packed(module string) string { return w.dotServerless(module, PackedName) }

// Dists is .serverless/[<module>/].pyreqs-dists.json, the copy of the entry's dists file.
func (w Workspace) Dists(module string) string { return w.dotServerless(module, DistsName) }

// ZipHelper is zip mode's unzip_requirements.py in the module folder.
func (w Workspace) ZipHelper(module string) string {
	return filepath.Join(w.ModuleDir(module), ZipHelperName)
}

// RequirementsZip is zip mode's .requirements.zip in the module folder.
func (w Workspace) RequirementsZip(module string) string {
	return filepath.Join(w.ModuleDir(module), RequirementsZipName)
}

// LayerZip is .serverless/pythonRequirements.zip.
func (w Workspace) LayerZip() string { return filepath.Join(w.Dir, DotServerless, LayerZipName) }

// NamedLayerZip is a named layer's .serverless/<layer key>.zip (pythonRequirements<Name>.zip).
func (w Workspace) NamedLayerZip(key string) string {
	return filepath.Join(w.Dir, DotServerless, key+".zip")
}

// NamedLayerDir is the folder of a named layer's generated requirements, link and pointer file:
// .serverless/<layer key> (pythonRequirements<Name>).
func (w Workspace) NamedLayerDir(key string) string {
	return filepath.Join(w.Dir, DotServerless, key)
}

// NamedLayerTargets lists everything written for the named layers (clean): per layer key, its
// folder and its zip.
func (w Workspace) NamedLayerTargets(keys []string) []string {
	var out []string
	for _, k := range keys {
		out = append(out, w.NamedLayerDir(k), w.NamedLayerZip(k))
	}
	return out
}

// BuiltEntryAt returns the folder named by the pointer file, or else the target of the link.
func BuiltEntryAt(pointer, link string) (string, error) {
	if b, err := os.ReadFile(pointer); err == nil {
		dir := strings.TrimSpace(string(b))
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir, nil
		}
	}
	return filepath.EvalSymlinks(link)
}

// Legacy is the .requirements folder of older versions.
func (w Workspace) Legacy() string { return filepath.Join(w.Dir, LegacyDir) }

// ServiceArtifact is the framework's .serverless/<service>.zip.
func (w Workspace) ServiceArtifact(service string) string {
	return filepath.Join(w.Dir, DotServerless, service+".zip")
}

// FunctionArtifact is the framework's .serverless/<function key>.zip of an individually packaged
// function.
func (w Workspace) FunctionArtifact(key string) string {
	return filepath.Join(w.Dir, DotServerless, key+".zip")
}

// ModuleArtifact is the artifact of a module function moved up to the zip root:
// .serverless/<module with - for />-<function name>.zip.
func (w Workspace) ModuleArtifact(module, name string) string {
	return filepath.Join(w.Dir, DotServerless, strings.ReplaceAll(module, "/", "-")+"-"+name+".zip")
}

// ArtifactCopy is the copy in .serverless of a user-supplied artifact (never modified in place):
// .serverless/[<prefix>-]<base name>.
func (w Workspace) ArtifactCopy(prefix, artifact string) string {
	name := filepath.Base(artifact)
	if prefix != "" {
		name = prefix + "-" + name
	}
	return filepath.Join(w.Dir, DotServerless, name)
}

// InDotServerless reports whether p is inside .serverless (written by the framework or by us).
func (w Workspace) InDotServerless(p string) bool {
	rel, err := filepath.Rel(w.DotServerlessDir(), p)
	return err == nil && !strings.HasPrefix(rel, "..")
}

// Abs resolves p against the service folder; absolute paths and URLs are returned as they are.
func (w Workspace) Abs(p string) string {
	if p == "" || filepath.IsAbs(p) || strings.Contains(p, "://") {
		return p
	}
	return filepath.Join(w.Dir, p)
}

// Rel shows p relative to the service folder for logs (p itself when it is outside).
func (w Workspace) Rel(p string) string {
	if rp, err := filepath.Rel(w.Dir, p); err == nil && !strings.HasPrefix(rp, "..") {
		return rp
	}
	return p
}

// WritePointer records dir as the folder holding module's built requirements.
func (w Workspace) WritePointer(module, dir string) error {
	return WriteFile(w.Pointer(module), []byte(dir+"\n"))
}

// BuiltEntry returns the folder holding a module's installed requirements: the one named by its
// pointer file, or (for a .serverless written by an older version) the target of its link.
func (w Workspace) BuiltEntry(module string) (string, error) {
	return BuiltEntryAt(w.Pointer(module), w.Link(module))
}

// CleanTargets lists, in a fixed order, everything the plugin may have written for the given
// modules (sorted, "." included): the legacy folder, per module the link, the generated
// requirements, the pointer file, the packed zip and dists copies, .requirements.zip and (with zipHelper) the helper, then the
// layer zip.
func (w Workspace) CleanTargets(modules []string, zipHelper bool) []string {
	out := []string{w.Legacy()}
	for _, m := range modules {
		out = append(out, w.Link(m), w.Requirements(m), w.Pointer(m), w.Packed(m), w.Dists(m), w.RequirementsZip(m))
		if zipHelper {
			out = append(out, w.ZipHelper(m))
		}
	}
	return append(out, w.LayerZip())
}
