package config

import (
	"fmt"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/remote"
)

//go:generate go run ./gen

const (
	docsSources = "See [Requirements sources](#requirements-sources)."
	docsZip     = "See [zip mode at runtime](#zip-mode-at-runtime)."
	docsWebApps = "See [Web apps](#web-apps)."
	// docsOSLibraries links the README section on apt-requirements.txt.
	docsOSLibraries = "See [OS libraries](#os-libraries)."
	docsTarget      = "See [Installing for the Lambda target](#installing-for-the-lambda-target)."
	docsBytecode    = "See [Bytecode](#bytecode)."
)

// optionTable defines every key of custom.pythonRequirements, in the order of spec A.2; the
// decoder visits keys in this order, so errors and warnings come out in a stable order.
var optionTable = []Spec{
	{
		Key: "enabled", Kind: Bool, Default: true,
		Description: "`false` (or the whole block set to `false`) skips requirements packaging (Serverless v4 switch).",
		decode:      boolField(func(o *Options) *bool { return &o.Enabled }),
	},
	{
		Key: "zip", Kind: Bool, Default: false,
		Description: "Ship the requirements as `.requirements.zip` plus `unzip_requirements.py`, unpacked at run time.",
		Docs:        docsZip,
		decode:      boolField(func(o *Options) *bool { return &o.Zip }),
	},
	{
		Key: "slim", Kind: Bool, Default: false,
		Description: "Delete `**/*.py[c|o]`, `**/__pycache__*`, `**/*.dist-info*` and `slimPatterns` after installing, and strip `.so` files.",
		decode:      boolField(func(o *Options) *bool { return &o.Slim }),
	},
	{
		Key: "strip", Kind: Bool, Default: true,
		Description: "With `slim`, strip debug symbols from `.so` files; `false` keeps them unstripped.",
		decode:      boolField(func(o *Options) *bool { return &o.Strip }),
	},
	{
		Key: "slimPatterns", Kind: List, FalseUnset: true, NonEmpty: true, What: "glob patterns",
		DefaultDoc:  "`false`",
		Description: "Extra glob patterns of files to delete when `slim` is on, relative to the requirements folder.",
		decode: func(d *decoder, s *Spec, o *Options, v any) {
			if l, ok := d.list(s.Key, v, s.What, true); ok && l != nil {
				for i, p := range l {
					if p == "" {
						d.fail(fmt.Sprintf("slimPatterns[%d]", i), "must be a glob pattern, not an empty string")
					}
				}
				o.SlimPatterns = l
			}
		},
	},
	{
		Key: "slimPatternsAppendDefaults", Kind: Bool, Default: true,
		Description: "Keep the default slim patterns and add `slimPatterns` to them; `false` makes `slimPatterns` replace the defaults.",
		decode:      boolField(func(o *Options) *bool { return &o.SlimPatternsAppendDefaults }),
	},
	{
		Key: "compileBytecode", Kind: Bool, Default: true,
		Description: "Compile the requirements to `.pyc` files (PEP 552 unchecked-hash, with the paths they have on Lambda) with an interpreter of the functions' Python version, and ship them: faster cold starts, bigger artifacts. `false` ships no bytecode. `slim`'s default patterns still delete them.",
		Docs:        docsBytecode,
		decode:      boolField(func(o *Options) *bool { return &o.CompileBytecode }),
	},
	{
		Key: "compileFunctionCode", Kind: Bool, Default: false,
		Description: "With `compileBytecode`, also compile the service's own `.py` files in the function artifacts.",
		Docs:        docsBytecode,
		decode:      boolField(func(o *Options) *bool { return &o.CompileFunctionCode }),
	},
	{
		Key: "layer", Kind: LayerKind, Default: false,
		Description: "`true` or an object of layer properties: the requirements go into `.serverless/pythonRequirements.zip` under `python/`, registered as the `pythonRequirements` layer (`PythonRequirementsLambdaLayer`), and nothing is injected into the functions.",
		decode:      func(d *decoder, _ *Spec, o *Options, v any) { o.Layer = d.layer(v) },
	},
	{
		Key: "layers", Kind: NamedLayersKind,
		Description: "Named requirement layers: each `<name>: { path, …layer properties, slim, noDeploy, fileName }` is built from the requirements source in `path` into `.serverless/pythonRequirements<Name>.zip`, registered as the layer `pythonRequirements<Name>` (`PythonRequirements<Name>LambdaLayer`), and attached to the functions that list it in `requirementsLayers`.",
		Docs:        "See [Named layers](#named-layers).",
		decode:      func(d *decoder, _ *Spec, o *Options, v any) { o.Layers = d.namedLayers(v) },
	},
	{
		Key: "cleanupZipHelper", Kind: Bool, Default: true,
		Description: "With `zip`, remove the copied `unzip_requirements.py` and `.requirements.zip` from the service folder after packaging.",
		decode:      boolField(func(o *Options) *bool { return &o.CleanupZipHelper }),
	},
	{
		Key: "invalidateCaches", Kind: Bool, Default: false,
		Description: "Empty the static cache at the start of every `sls package`.",
		decode:      boolField(func(o *Options) *bool { return &o.InvalidateCaches }),
	},
	{
		Key: "fileName", Kind: String, Default: "requirements.txt", NonEmpty: true, What: "a file name such as requirements.txt",
		Description: "Requirements file, relative to the service folder, or to each function's `module` folder when packaging individually. A `fileName` you set that does not exist is an error.",
		decode:      stringField(func(o *Options) *string { return &o.FileName }),
	},
	{
		Key: "usePipenv", Kind: Bool, Default: true,
		Description: "Export the requirements from `Pipfile` with pipenv when a `Pipfile` exists.",
		Docs:        docsSources,
		decode:      boolField(func(o *Options) *bool { return &o.UsePipenv }),
	},
	{
		Key: "usePoetry", Kind: Bool, Default: true,
		Description: "Export the requirements from `pyproject.toml` with poetry when it is a poetry project.",
		Docs:        docsSources,
		decode:      boolField(func(o *Options) *bool { return &o.UsePoetry }),
	},
	{
		Key: "useUv", Kind: Bool, Default: true,
		Description: "Export the requirements from `uv.lock` with uv when it exists.",
		Docs:        docsSources,
		decode:      boolField(func(o *Options) *bool { return &o.UseUv }),
	},
	{
		Key: "installer", Kind: Choice, Default: InstallerPip, Allowed: []string{InstallerPip, InstallerUv},
		Description: "Installer of the requirements, as in Serverless v4.",
		Docs:        docsSources,
		decode: func(d *decoder, s *Spec, o *Options, v any) {
			if str, ok := v.(string); ok && (str == InstallerPip || str == InstallerUv) {
				o.Installer = str
				return
			}
			d.fail(s.Key, `must be "pip" or "uv" (got %s)`, describeValue(v))
		},
	},
	{
		Key: "assemble", Kind: Bool, Default: true,
		Description: "With `installer: pip` and no Docker, build each requirements set straight from its resolved wheels: the wheels' compressed bytes are copied into the artifact as they are (no unpacking, no recompression), and only the sources compiled to bytecode are read. `false` selects the classic `pip install --target`. What assembling does not support falls back to pip (see the README).",
		Docs:        docsSources,
		decode:      boolField(func(o *Options) *bool { return &o.Assemble }),
	},
	{
		Key: "pythonBin", Kind: String, NonEmpty: true, What: "the name or path of a Python interpreter",
		DefaultDoc:  "`provider.runtime` when it is a python runtime (`python3.11`), else `python` (`python.exe` on Windows)",
		Description: "Python interpreter that runs pip. Runtime-style names like `python39` become `python3.9`.",
		decode:      stringField(func(o *Options) *string { return &o.PythonBin }),
	},
	{
		Key: "dockerizePip", Kind: Bool, Default: false, Allowed: []string{"non-linux", "when-needed"},
		Description: "Install the requirements inside a Docker container: `true`, `false`, `'non-linux'` (only when the host is not Linux), " +
			"or `'when-needed'` (install for the Lambda target without Docker, and use Docker only for a set with a compiled package that has no wheel for the target).",
		Docs: docsTarget,
		decode: func(d *decoder, s *Spec, o *Options, v any) {
			switch v {
			case "non-linux":
				o.DockerizePip = DockerNonLinux
				return
			case "when-needed":
				o.DockerizePip = DockerWhenNeeded
				return
			}
			if b, ok := boolValue(v); ok {
				o.DockerizePip = DockerOff
				if b {
					o.DockerizePip = DockerOn
				}
				return
			}
			d.fail(s.Key, "must be true, false, 'non-linux' or 'when-needed' (got %s)", describeValue(v))
		},
	},
	{
		Key: "dockerSsh", Kind: Bool, Default: false,
		Description: "Mount the SSH key, `known_hosts` and the SSH agent socket into the container.",
		decode:      boolField(func(o *Options) *bool { return &o.DockerSsh }),
	},
	{
		Key: "dockerPrivateKey", Kind: String, FalseUnset: true, Path: true, Example: "~/.ssh/id_ed25519", What: "the path of an SSH private key",
		DefaultDoc:  "`~/.ssh/id_rsa`",
		Description: "SSH private key mounted into the container with `dockerSsh`.",
		decode:      stringField(func(o *Options) *string { return &o.DockerPrivateKey }),
	},
	{
		Key: "dockerImage", Kind: String, FalseUnset: true, What: "a Docker image reference",
		DefaultDoc:  "`public.ecr.aws/sam/build-<runtime>:latest-<arch>`",
		Description: "Docker image that installs the requirements.",
		decode:      stringField(func(o *Options) *string { return &o.DockerImage }),
	},
	{
		Key: "dockerFile", Kind: String, FalseUnset: true, Path: true, Example: "Dockerfile.build", What: "the path of a Dockerfile",
		Description: "Dockerfile of the image that installs the requirements, built instead of using `dockerImage`.",
		decode:      stringField(func(o *Options) *string { return &o.DockerFile }),
	},
	{
		Key: "dockerEnv", Kind: List, FalseUnset: true, What: "NAME or NAME=value strings", ItemPattern: `^[^=]+(=[\s\S]*)?$`,
		Description: "Environment variables passed to the container, as `NAME` (taken from the host) or `NAME=value`.",
		decode: func(d *decoder, s *Spec, o *Options, v any) {
			l, ok := d.list(s.Key, v, s.What, true)
			if !ok {
				return
			}
			for i, e := range l {
				switch name, _, _ := strings.Cut(e, "="); {
				case e == "":
					d.fail(fmt.Sprintf("dockerEnv[%d]", i), "must be NAME or NAME=value, not an empty string")
				case name == "":
					d.fail(fmt.Sprintf("dockerEnv[%d]", i), "must be NAME or NAME=value; the name before '=' is missing")
				}
			}
			o.DockerEnv = l
		},
	},
	{
		Key: "dockerBuildCmdExtraArgs", Kind: List, What: "docker build arguments",
		Description: "Extra arguments for `docker build` when `dockerFile` is used.",
		decode:      listField(func(o *Options) *[]string { return &o.DockerBuildCmdExtraArgs }),
	},
	{
		Key: "dockerRunCmdExtraArgs", Kind: List, What: "docker run arguments",
		Description: "Extra arguments for `docker run`.",
		decode:      listField(func(o *Options) *[]string { return &o.DockerRunCmdExtraArgs }),
	},
	{
		Key: "dockerExtraFiles", Kind: List, What: "paths inside the container",
		Description: "Paths inside the container copied next to the installed requirements.",
		decode:      listField(func(o *Options) *[]string { return &o.DockerExtraFiles }),
	},
	{
		Key: "dockerRootless", Kind: Bool, Default: false,
		Description: "Docker runs rootless: files in the container are owned by root, not by the host user.",
		decode:      boolField(func(o *Options) *bool { return &o.DockerRootless }),
	},
	{
		Key: "useStaticCache", Kind: Bool, Default: true,
		Description: "Reuse built requirements from the cache folder.",
		decode:      boolField(func(o *Options) *bool { return &o.UseStaticCache }),
	},
	{
		Key: "useDownloadCache", Kind: Bool, Default: true,
		Description: "Keep the pip/uv download cache (`--cache-dir`) in the cache folder.",
		decode:      boolField(func(o *Options) *bool { return &o.UseDownloadCache }),
	},
	{
		Key: "cacheLocation", Kind: String, FalseUnset: true, Path: true, Example: ".cache/pyreqs", What: "a folder path",
		DefaultDoc:  "`$XDG_CACHE_HOME` or `~/.cache` + `/serverless-python-requirements` (macOS: `~/Library/Caches/…`)",
		Description: "Folder of the static and download caches; a relative path is relative to the service folder.",
		decode:      stringField(func(o *Options) *string { return &o.CacheLocation }),
	},
	{
		Key: "staticCacheMaxVersions", Kind: Count, Default: 0,
		DefaultDoc:  "`0` (no limit)",
		Description: "Keep at most this many static cache entries (oldest removed first, never one in use); `0` keeps all.",
		decode: func(d *decoder, s *Spec, o *Options, v any) {
			n, ok := wholeNumber(v)
			if !ok {
				d.fail(s.Key, "must be a whole number of cache folders to keep, 0 (keep all) or more (got %s)", describeValue(v))
				return
			}
			o.StaticCacheMaxVersions = n
		},
	},
	{
		Key: "remoteCache", Kind: String, FalseUnset: true, NonEmpty: true, Example: "s3://my-ci-cache/pyreqs", What: "an s3://bucket/prefix URL",
		Pattern:     `^s3://[^/?#@:\s]+(/[^?#]*)?$`,
		DefaultDoc:  "none",
		Description: "A shared S3 (or S3-compatible) tier behind the static cache: a local miss is fetched from it (verified by sha256, no pip, uv or Docker run) and every entry built is uploaded. Credentials and region come from the AWS chain and `provider.profile`/`provider.region`; any remote failure is a warning and the build goes on locally.",
		Docs:        "See [Shared cache on S3](#shared-cache-on-s3).",
		decode: func(d *decoder, s *Spec, o *Options, v any) {
			if b, isBool := v.(bool); isBool && !b {
				return // false: no remote tier
			}
			str, ok := d.str(s.Key, v, s.What, true)
			if !ok || str == "" {
				if ok {
					d.failHint(s.Key, fmt.Sprintf("Write a bucket URL, such as %s: %s, or remove the key.", s.Key, s.Example), "must be %s, not an empty string", s.What)
				}
				return
			}
			if _, err := remote.ParseURL(str); err != nil {
				d.failHint(s.Key, fmt.Sprintf("Write a bucket URL, such as %s: %s.", s.Key, s.Example), "%v", err)
				return
			}
			o.RemoteCache = str
		},
	},
	{
		Key: "pipCmdExtraArgs", Kind: List, What: "pip install arguments",
		Description: "Extra arguments for `pip install`; each item is split on whitespace and every token is kept.",
		decode: func(d *decoder, s *Spec, o *Options, v any) {
			l, ok := d.list(s.Key, v, s.What, false)
			if !ok {
				return
			}
			for i, elem := range l {
				toks := strings.Fields(elem)
				for _, t := range toks {
					if t == "--cache-dir" || strings.HasPrefix(t, "--cache-dir=") {
						d.cacheDirElems = append(d.cacheDirElems, i)
						break
					}
				}
				o.PipCmdExtraArgs = append(o.PipCmdExtraArgs, toks...)
			}
		},
	},
	{
		Key: "noDeploy", Kind: List, What: "distribution names",
		Description: "Distributions to leave out: their requirement lines are dropped (matched by normalised name, PEP 503), and their installed files (from their `RECORD`) are not injected.",
		decode:      listField(func(o *Options) *[]string { return &o.NoDeploy }),
	},
	{
		Key: "vendor", Kind: String, FalseUnset: true, Path: true, Example: "./vendored", What: "a folder path",
		Description: "Folder whose files are added to the artifact, relative to the service folder (per function with `functions.<f>.vendor` when packaging individually).",
		decode:      stringField(func(o *Options) *string { return &o.Vendor }),
	},
	{
		Key: "wsgiApplicationName", Kind: String, NonEmpty: true, What: "a Python name such as application",
		DefaultDoc:  "looks up `app`, then `application`, then `handler`",
		Description: "Name of the application object in the files that functions name with `app:` (without `:name`); when set, it is the only name looked up.",
		Docs:        docsWebApps,
		decode:      stringField(func(o *Options) *string { return &o.WSGIApplicationName }),
	},
	{
		Key: "aptRequirementsFile", Kind: String, Default: "apt-requirements.txt", NonEmpty: true, What: "a file name such as apt-requirements.txt",
		Description: "File of OS packages beside the requirements file (per `module` folder when packaging individually); they are installed in the build container before pip and the libraries your packages load are copied into the artifact's `lib/`. Needs `dockerizePip`.",
		Docs:        docsOSLibraries,
		decode:      stringField(func(o *Options) *string { return &o.AptRequirementsFile }),
	},
	{
		Key: "allowPathsOutsideProject", Kind: Bool, Default: false,
		Description: "Allow `vendor`, `fileName`, `dockerFile`, `functions.<f>.module`/`vendor` and the `-r`/`-c` includes and local path requirements of a requirements file to point outside the project (the service folder, or the version-control root above it). Off: such a path is refused before pip runs.",
		decode:      boolField(func(o *Options) *bool { return &o.AllowPathsOutsideProject }),
	},
	{
		Key: "requirePoetryLockFile", Kind: Bool, Default: false,
		Description: "Fail when a poetry project has no `poetry.lock`.",
		Docs:        docsSources,
		decode:      boolField(func(o *Options) *bool { return &o.RequirePoetryLockFile }),
	},
	{
		Key: "poetryWithGroups", Kind: List, What: "poetry group names",
		Description: "Poetry dependency groups to include (`poetry export --with`).",
		decode:      listField(func(o *Options) *[]string { return &o.PoetryWithGroups }),
	},
	{
		Key: "poetryWithoutGroups", Kind: List, What: "poetry group names",
		Description: "Poetry dependency groups to leave out (`poetry export --without`).",
		decode:      listField(func(o *Options) *[]string { return &o.PoetryWithoutGroups }),
	},
	{
		Key: "poetryOnlyGroups", Kind: List, What: "poetry group names",
		Description: "Only these poetry dependency groups (`poetry export --only`).",
		decode:      listField(func(o *Options) *[]string { return &o.PoetryOnlyGroups }),
	},
	{
		Key: "uvOptionalDependencies", Kind: List, What: "extra names",
		Description: "Optional dependencies (extras) to include (`uv export --extra`).",
		decode:      listField(func(o *Options) *[]string { return &o.UvOptionalDependencies }),
	},
	{
		Key: "uvWithGroups", Kind: List, What: "uv group names",
		Description: "uv dependency groups to include (`uv export --group`).",
		decode:      listField(func(o *Options) *[]string { return &o.UvWithGroups }),
	},
	{
		Key: "uvWithoutGroups", Kind: List, What: "uv group names",
		Description: "uv dependency groups to leave out (`uv export --no-group`).",
		decode:      listField(func(o *Options) *[]string { return &o.UvWithoutGroups }),
	},
	{
		Key: "uvOnlyGroups", Kind: List, What: "uv group names",
		Description: "Only these uv dependency groups (`uv export --only-group`).",
		decode:      listField(func(o *Options) *[]string { return &o.UvOnlyGroups }),
	},
	{
		Key: "sizeCheck", Kind: Choice, Default: SizeCheckError, Allowed: []string{SizeCheckError, SizeCheckWarn},
		Description: "What the size preflight does when a function is over a Lambda limit (250 MB unzipped with its layers, 5 layers, 50 MB zipped for `sls deploy function`): `error` stops before anything is uploaded, `warn` only warns.",
		Docs:        "See [Size](#size).",
		decode: func(d *decoder, s *Spec, o *Options, v any) {
			if str, ok := v.(string); ok && (str == SizeCheckError || str == SizeCheckWarn) {
				o.SizeCheck = str
				return
			}
			d.fail(s.Key, `must be "error" or "warn" (got %s)`, describeValue(v))
		},
	},
}
