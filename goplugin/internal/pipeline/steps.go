package pipeline

import "github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"

// prelude are the first steps of every hook: the options, the cache folder and the functions.
var prelude = []Step{
	loadConfig{},       // parse custom.pythonRequirements; stop when enabled: false
	resolveCacheRoot{}, // cacheLocation or the platform's cache folder
	targetFunctions{},  // the functions of the service (or of --function)
}

// hooks lists, per hook, the steps it runs in order. Adding a step is one file with its type
// and one line here.
var hooks = map[string][]Step{
	// before:package:createDeploymentArtifacts (and deploy function): install the requirements.
	protocol.PhaseBefore: concat(prelude,
		pythonGate{announce: true}, // stop when no function runs Python
		webappHandlers{},           // functions with app: check the file, set the adapter handler
		packageEdits{},             // ensure function packages, exclude an in-service cache, set modules
		namedLayers{},              // layers and requirementsLayers: targets, limits, names
		requirementSets{},          // group the functions into requirements sets (root, modules)
		versionHints{},             // warn when .python-version & co. disagree with a set's runtime
		checkVendor{},              // warn about vendor files that cannot load on the targets
		checkPaths{},               // paths exist, have the right kind and stay in the project
		findSources{},              // requirements file, Poetry, uv, Pipfile or PEP 621; export
		filterRequirements{},       // noDeploy, write empty sets, log the source
		osPackages{},               // apt-requirements.txt beside each set (docker only)
		localDeps{},                // local path requirements: inside the project, digested for the key
		checkCacheWritable{},       // an unwritable cache folder names cacheLocation
		chooseInstaller{},          // target (host pip/uv for matching sets) or docker; probe or validate
		writeKeyHeaders{},          // generated requirements.txt with the cache-key header
		downloadCache{},            // the pip/uv download cache folder
		remoteTier{},               // remoteCache: the S3 tier behind the static cache
		buildEntries{},             // install each distinct set once, in parallel; binary check, strip, slim, pack
		linkEntries{},              // pointer files and requirements links in .serverless
		pruneCache{},               // staticCacheMaxVersions
		zipMode{},                  // zip: true: helper and .requirements.zip into the folders
		warnStaleZip{},             // zip: false: warn about a .requirements.zip left behind
	),
	// after:package:createDeploymentArtifacts: put the requirements into the artifacts.
	protocol.PhaseAfter: concat(prelude,
		pythonGate{},       // stop when no function runs Python
		checkPaths{},       // vendor folders and modules exist and stay in the project
		removeZipHelpers{}, // zip: true with cleanupZipHelper: delete what zipMode wrote
		layerZip{},         // layer: true: .serverless/pythonRequirements.zip and the layer
		namedLayerZips{},   // layers: .serverless/pythonRequirements<Name>.zip, layers, function Refs
		injectArtifacts{},  // merge requirements and vendor files into the function artifacts
		webappFiles{},      // functions with app: add the adapter modules to their artifacts
		sizePreflight{},    // Lambda's size limits, before anything is uploaded
	),
	// after:package:cleanup: invalidateCaches.
	protocol.PhaseInvalidate: concat(prelude,
		invalidateCaches{}, // empty the static cache
	),
	// sls requirements report: sizes and cache hits, without installing.
	protocol.PhaseReport: concat(prelude,
		pythonGate{},         // stop when no function runs Python
		requirementSets{},    // group the functions into requirements sets
		findSources{},        // requirements file, Poetry, uv, Pipfile or PEP 621; export
		filterRequirements{}, // noDeploy
		osPackages{},         // apt-requirements.txt: part of the installer's key material
		localDeps{},          // local path requirements: their digests are key lines
		chooseInstaller{},    // the installer's key material (interpreter or image)
		writeReport{},        // measure, explain the cache, print (text, --json, --html)
	),
	// sls requirements clean.
	protocol.PhaseClean: concat(prelude,
		cleanWorkspace{}, // delete what the plugin wrote into the service
	),
	// sls requirements cleanCache.
	protocol.PhaseCleanCache: concat(prelude,
		cleanCache{}, // delete the plugin's cache entries and download cache
	),
}

func concat(first []Step, rest ...Step) []Step {
	return append(append([]Step{}, first...), rest...)
}
