package pipeline

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/size"
)

// layerLogicalID is the CloudFormation logical id of the layer this plugin registers
// (service.layers.pythonRequirements).
const layerLogicalID = "PythonRequirementsLambdaLayer"

// attachedLayers splits the layers a function attaches (its own layers, else provider.layers, as
// Serverless does) into whether it attaches this plugin's layer and how many others it attaches
// (by ARN or a Ref to another layer: their size is unknown here).
func (r *state) attachedLayers(f *fn) (ours bool, others int) {
	raw := f.Obj.Layers
	if len(raw) == 0 || string(raw) == "null" {
		raw = r.req.Service.Provider.Layers
	}
	var items []json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &items) != nil {
		return false, 0
	}
	for _, it := range items {
		var ref struct {
			Ref string `json:"Ref"`
		}
		if json.Unmarshal(it, &ref) == nil && ref.Ref == layerLogicalID && r.opts.Layer.Enabled {
			ours = true
			continue
		}
		others++
	}
	return ours, others
}

// sizeFunction is one function's zips for size.Measure. artifact is its code zip on disk;
// layer is this plugin's layer zip ("" when there is none).
func (r *state) sizeFunction(f *fn, artifact, layer string) size.Function {
	sf := size.Function{Name: f.Key, Artifact: size.Zip{Name: r.rel(artifact), Path: artifact}}
	module := "."
	if f.Individual {
		module = f.Module
	}
	sf.Artifact.Dists = r.entryDists(module)
	if r.req.Service.Provider.Name == "scaleway" {
		sf.Artifact.Root = "package/"
	}
	if fl := r.attach[f.Key]; fl != nil {
		// The function attaches named layers: count its final layer list, and measure the zips
		// this plugin built for it (namedLayerZips recorded them).
		zips := r.LayerZips[f.Key]
		for _, z := range zips {
			sf.Layers = append(sf.Layers, size.Zip{Name: r.rel(z), Path: z, Layer: true})
		}
		sf.UnknownLayers = max(0, len(fl.final)-len(zips))
		return sf
	}
	ours, others := r.attachedLayers(f)
	sf.UnknownLayers = others
	if ours {
		if layer != "" && exists(layer) {
			sf.Layers = append(sf.Layers, size.Zip{Name: r.rel(layer), Path: layer, Layer: true, Dists: r.entryDists(".")})
		} else {
			sf.UnknownLayers++
		}
	}
	return sf
}

// entryDists reads the dists.json of a module's built cache entry (nil when there is none): it
// attributes files to distributions when slim removed their *.dist-info folders.
func (r *state) entryDists(module string) map[string][]string {
	dir, err := r.ws.BuiltEntry(module)
	if err != nil {
		return nil
	}
	return readEntryDists(dir)
}

// readEntryDists reads dists.json of a cache entry folder (nil when it has none).
func readEntryDists(dir string) map[string][]string {
	b, err := os.ReadFile(filepath.Join(dir, cache.MetaDir, distsFile))
	if err != nil {
		return nil
	}
	var m map[string][]string
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

// packagedArtifact is the code zip of a function after the after hook's steps: where inject put
// it, else where Serverless wrote it ("" when there is none or it is remote).
func (r *state) packagedArtifact(f *fn) string {
	var p string
	switch {
	case r.edits.FunctionArtifacts[f.Key] != "":
		p = r.edits.FunctionArtifacts[f.Key]
	case f.Individual:
		p = r.functionArtifact(f)
	case r.edits.ServiceArtifact != "" && r.ownArtifact(f.Key) == "":
		p = r.edits.ServiceArtifact
	default:
		p = r.sharedArtifact(f)
	}
	if p == "" || strings.Contains(p, "://") || !exists(p) {
		return ""
	}
	return p
}
