package diag

//go:generate go run ./gendoc -o ../../../docs/errors.md

// Code is the stable identifier of a user-facing message. Codes never change once released: users
// search for them, and docs/errors.md (generated from this file) explains each one. Codes that the
// original serverless-python-requirements plugin used keep its spelling (PYTHON_REQUIREMENTS_*,
// MISSING_REQUIRED_POETRY_LOCK) so existing searches and scripts keep working; new codes are
// PYREQS_*.
//
// Code is an alias of string so that tests can compare codes with strings; outside this
// package the code refers to codes by their constants only (lint_test.go), and the catalog test
// fails for a code that is used but not listed here.
type Code = string

// Kind says whether a code fails the command (an error) or is reported and packaging goes on.
type Kind int

// Kinds of catalog entries.
const (
	KindError Kind = iota
	KindWarning
)

func (k Kind) String() string {
	if k == KindWarning {
		return "warning"
	}
	return "error"
}

// Entry is one code of the catalog.
type Entry struct {
	Code    Code
	Kind    Kind
	Meaning string // what happened, in one or two sentences
	Fix     string // what the user does about it (the default fix of the code's messages)
	Shim    bool   // raised by the npm shim (npm-shim/*.js), not by the binary
	// Reserved marks a code documented ahead of the code that raises it (a feature being
	// wired in); the lint test fails for an unused code that is not Reserved.
	Reserved bool
}

// Error codes of the binary.
const (
	CodeConfigInvalid          = "PYREQS_CONFIG_INVALID"
	CodeBadRequest             = "PYREQS_BAD_REQUEST"
	CodeVersionMismatch        = "PYREQS_VERSION_MISMATCH"
	CodeInterrupted            = "PYREQS_INTERRUPTED"
	CodeInternal               = "PYREQS_INTERNAL"
	CodeFunctionNotFound       = "PYREQS_FUNCTION_NOT_FOUND"
	CodeModuleNotFound         = "PYREQS_MODULE_NOT_FOUND"
	CodeNoArtifact             = "PYREQS_NO_ARTIFACT"
	CodeRequirementsNotFound   = "PYREQS_REQUIREMENTS_NOT_FOUND"
	CodeRequirementsUnreadable = "PYREQS_REQUIREMENTS_UNREADABLE"
	CodeRequirementsInvalid    = "PYREQS_REQUIREMENTS_INVALID"
	CodeTOMLInvalid            = "PYREQS_TOML_INVALID"
	CodePipenvNotFound         = "PYTHON_REQUIREMENTS_PIPENV_NOT_FOUND"
	CodePipenvVersion          = "PYTHON_REQUIREMENTS_PIPENV_VERSION_ERROR"
	CodePoetryNotFound         = "PYTHON_REQUIREMENTS_POETRY_NOT_FOUND"
	CodePoetryLockMissing      = "MISSING_REQUIRED_POETRY_LOCK"
	CodePoetryExportMissing    = "PYREQS_POETRY_EXPORT_PLUGIN_MISSING"
	CodeUvNotFound             = "PYTHON_REQUIREMENTS_UV_NOT_FOUND"
	CodeExportFailed           = "PYREQS_EXPORT_FAILED"
	CodePythonNotFound         = "PYTHON_REQUIREMENTS_PYTHON_NOT_FOUND"
	CodePipNotFound            = "PYTHON_REQUIREMENTS_PIP_NOT_FOUND"
	CodeCommandNotFound        = "PYTHON_REQUIREMENTS_COMMAND_NOT_FOUND"
	CodeInstallFailed          = "PYTHON_REQUIREMENTS_INSTALL_FAILED"
	CodeCacheLocation          = "PYREQS_CACHE_LOCATION"
	CodeCacheNotWritable       = "PYREQS_CACHE_NOT_WRITABLE"
	CodeStripNotFound          = "PYREQS_STRIP_NOT_FOUND"
	CodeStripFailed            = "PYREQS_STRIP_FAILED"
	CodeDockerNotFound         = "PYTHON_REQUIREMENTS_DOCKER_NOT_FOUND"
	CodeDockerCommandFailed    = "PYTHON_REQUIREMENTS_DOCKER_COMMAND_FAILED"
	CodeDockerArgsInvalid      = "PYREQS_DOCKER_ARGS_INVALID"
	CodeDockerImage            = "PYREQS_DOCKER_IMAGE"
	CodeDockerPullFailed       = "PYREQS_DOCKER_PULL_FAILED"
	CodeDockerfileNotFound     = "PYREQS_DOCKERFILE_NOT_FOUND"
	CodeDockerBuildFailed      = "PYREQS_DOCKER_BUILD_FAILED"
	CodeDockerExtraFile        = "PYREQS_DOCKER_EXTRA_FILE"
	CodeDockerSSH              = "PYREQS_DOCKER_SSH"
	CodeLayerUnknown           = "PYREQS_LAYER_UNKNOWN"
	CodeLayerNotFound          = "PYREQS_LAYER_NOT_FOUND"
	CodeLayerDuplicate         = "PYREQS_LAYER_DUPLICATE"
	CodeLayerMismatch          = "PYREQS_LAYER_TARGET_MISMATCH"
	CodeRemoteCacheClean       = "PYREQS_REMOTE_CACHE_CLEAN_FAILED"
)

// Error codes of the npm shim (npm-shim/*.js): listed here so that docs/errors.md is complete.
const (
	CodeError               = "PYREQS_ERROR"
	CodeBinaryNotFound      = "PYREQS_BINARY_NOT_FOUND"
	CodeUnsupportedPlatform = "PYREQS_UNSUPPORTED_PLATFORM"
	CodeBinaryNotRunnable   = "PYREQS_BINARY_NOT_RUNNABLE"
	CodeBinaryCrashed       = "PYREQS_BINARY_CRASHED"
	CodeProtocolError       = "PYREQS_PROTOCOL_ERROR"
	CodeSchemaCollision     = "PYREQS_SCHEMA_COLLISION"
)

// Warning codes.
const (
	CodeUnknownOption        = "PYREQS_UNKNOWN_OPTION"
	CodeDockerOptionIgnored  = "PYREQS_DOCKER_OPTION_IGNORED"
	CodeCacheDirDeprecated   = "PYREQS_CACHE_DIR_DEPRECATED"
	CodeEditableStripped     = "PYREQS_EDITABLE_STRIPPED"
	CodeRemoteInclude        = "PYREQS_REMOTE_INCLUDE_NODEPLOY"
	CodePipfileLockMissing   = "PYREQS_PIPFILE_LOCK_MISSING"
	CodeStripIncomplete      = "PYREQS_STRIP_INCOMPLETE"
	CodeStaleZip             = "PYREQS_STALE_REQUIREMENTS_ZIP"
	CodeLayerEmpty           = "PYREQS_LAYER_EMPTY"
	CodeVendorIgnored        = "PYREQS_VENDOR_IGNORED"
	CodeRemoteArtifact       = "PYREQS_REMOTE_ARTIFACT"
	CodePythonVersionDiffers = "PYREQS_PYTHON_VERSION_DIFFERS"
	CodeNoEmulator           = "PYREQS_NO_EMULATOR"
	CodeContainerNotRemoved  = "PYREQS_CONTAINER_NOT_REMOVED"
	CodeDockerSSHRemote      = "PYREQS_DOCKER_SSH_REMOTE"
	CodeBinaryPathMissing    = "PYREQS_BINARY_PATH_MISSING"
	CodeOptionsBlockMisspelt = "PYREQS_OPTIONS_BLOCK_MISSPELT"
	CodeBytecodeSkipped      = "PYREQS_BYTECODE_SKIPPED"
	CodeRemoteCacheDown      = "PYREQS_REMOTE_CACHE_UNAVAILABLE"
	CodeRemoteCacheCorrupt   = "PYREQS_REMOTE_CACHE_CORRUPT"

	// Packaging checks, target installs and OS packages.
	CodeSizeUnzipped        = "PYREQS_SIZE_UNZIPPED"
	CodeSizeUnzippedNear    = "PYREQS_SIZE_UNZIPPED_NEAR"
	CodeSizeZipped          = "PYREQS_SIZE_ZIPPED"
	CodeSizeZippedNear      = "PYREQS_SIZE_ZIPPED_NEAR"
	CodeSizeLayers          = "PYREQS_SIZE_LAYERS"
	CodeTargetNoWheel       = "PYREQS_TARGET_NO_WHEEL"
	CodeBinaryWrongPlatform = "PYREQS_BINARY_WRONG_PLATFORM"
	CodeVendorWrongPlatform = "PYREQS_VENDOR_WRONG_PLATFORM"
	CodePythonVersionHint   = "PYREQS_PYTHON_VERSION_HINT"
	CodeOSPackagesInvalid   = "PYREQS_OS_PACKAGES_INVALID"
	CodeOSPackagesNeedDock  = "PYREQS_OS_PACKAGES_NEED_DOCKER"
)

// Codes of cache integrity and path checks (issue 18).
const (
	CodeCacheDamaged       = "PYREQS_CACHE_ENTRY_DAMAGED"
	CodeBuildMissing       = "PYREQS_BUILD_MISSING"
	CodePathInvalid        = "PYREQS_PATH_INVALID"
	CodePathOutsideProject = "PYREQS_PATH_OUTSIDE_PROJECT"
)

// entries is the catalog, in the order docs/errors.md lists it.
var entries = []Entry{
	// --- configuration and request -------------------------------------------------------------
	{Code: CodeConfigInvalid, Meaning: "An option in custom.pythonRequirements (or a function's module/vendor) has a wrong type or value. The message names the option.",
		Fix: "Fix the named option in serverless.yml; the README's options table lists each option's type and default."},
	{Code: CodeBadRequest, Meaning: "The binary could not read the request the Serverless plugin sent on stdin.",
		Fix: "Reinstall serverless-pyreqs (delete node_modules, run npm install) so the plugin and its binary match."},
	{Code: CodeVersionMismatch, Meaning: "The npm package and the pyreqs binary come from different releases, or speak different protocol versions.",
		Fix: "Reinstall serverless-pyreqs so the package and its binary match, or point PYREQS_BINARY_PATH at the binary built for this version."},
	{Code: CodeInterrupted, Meaning: "The command was interrupted (Ctrl-C or SIGTERM). Nothing is left half-written.",
		Fix: "Run the command again."},
	{Code: CodeInternal, Meaning: "serverless-pyreqs failed in a way it does not expect users to fix.",
		Fix: "Run again with --verbose and report the output at https://github.com/serverless-pyreqs/serverless-pyreqs/issues (check it for secrets first)."},
	{Code: CodeFunctionNotFound, Meaning: "`sls deploy function -f NAME` names a function that serverless.yml does not define.",
		Fix: "Use a function name from the functions block of serverless.yml."},
	{Code: CodeModuleNotFound, Meaning: "A function's module folder does not exist in the service.",
		Fix: "Fix functions.NAME.module: a folder path relative to the service folder."},
	{Code: CodeLayerUnknown, Meaning: "A function's requirementsLayers names a layer that custom.pythonRequirements.layers does not define.",
		Fix: "Define the layer under custom.pythonRequirements.layers, or fix the name in functions.NAME.requirementsLayers."},
	{Code: CodeLayerNotFound, Meaning: "A named layer's path is not a folder of the service, or holds no requirements source (requirements file, Pipfile, Poetry or uv project, PEP 621 pyproject.toml), or its requirements are empty.",
		Fix: "Fix custom.pythonRequirements.layers.NAME.path, or add the layer's requirements to that folder."},
	{Code: CodeLayerDuplicate, Meaning: "Two layers get the same CloudFormation logical id: named layers whose names differ only in case, or a named layer and a layer of the top-level layers block.",
		Fix: "Rename one of the layers."},
	{Code: CodeLayerMismatch, Meaning: "A named layer is attached to functions it cannot serve: functions of different architectures, or a function whose architecture or runtime is not in the layer's compatibleArchitectures or compatibleRuntimes.",
		Fix: "Attach the layer only to functions of one architecture and a listed runtime, fix the layer's compatibleArchitectures or compatibleRuntimes, or define a second layer for the other target."},
	{Code: CodeNoArtifact, Meaning: "Serverless did not write the package artifact the plugin has to add the requirements to.",
		Fix: "Check that packaging succeeded before this step; run with --verbose to see which artifact is missing."},

	// --- requirements sources --------------------------------------------------------------------
	{Code: CodeRequirementsNotFound, Meaning: "The requirements file named by fileName does not exist.",
		Fix: "Create it, or fix custom.pythonRequirements.fileName (relative to the service folder, or to each function's module folder)."},
	{Code: CodeRequirementsUnreadable, Meaning: "A requirements file, or a file it includes with -r/-c, cannot be read.",
		Fix: "Check that the file exists and is readable; includes are relative to the including file's folder."},
	{Code: CodeRequirementsInvalid, Meaning: "A line of a requirements file cannot be parsed the way pip reads it, or includes form a cycle.",
		Fix: "Fix the named line (see pip's requirements file format); save the file as UTF-8."},
	{Code: CodeTOMLInvalid, Meaning: "pyproject.toml is not valid TOML, or a field has the wrong type.",
		Fix: "Fix pyproject.toml at the named place."},
	{Code: CodePipenvNotFound, Meaning: "A Pipfile is present and usePipenv is on, but pipenv is not installed. (Code of serverless-python-requirements.)",
		Fix: "Install pipenv (pip install pipenv), or set custom.pythonRequirements.usePipenv: false."},
	{Code: CodePipenvVersion, Meaning: "`pipenv --version` did not print a version. (Code of serverless-python-requirements.)",
		Fix: "Reinstall pipenv, or set custom.pythonRequirements.usePipenv: false."},
	{Code: CodePoetryNotFound, Meaning: "pyproject.toml is a Poetry project and usePoetry is on, but poetry is not installed. (Code of serverless-python-requirements.)",
		Fix: "Install poetry (pipx install poetry), or set custom.pythonRequirements.usePoetry: false."},
	{Code: CodePoetryLockMissing, Meaning: "requirePoetryLockFile is on but poetry.lock is missing. (Code of serverless-python-requirements.)",
		Fix: "Run `poetry lock` and commit poetry.lock, or set custom.pythonRequirements.requirePoetryLockFile: false."},
	{Code: CodePoetryExportMissing, Meaning: "poetry has no `export` command (Poetry 2 without poetry-plugin-export).",
		Fix: "Run `poetry self add poetry-plugin-export`, or set custom.pythonRequirements.usePoetry: false."},
	{Code: CodeUvNotFound, Meaning: "uv is needed (a uv.lock project, or installer: uv) but is not installed. (Code of serverless-python-requirements.)",
		Fix: "Install uv (pip install uv, or https://docs.astral.sh/uv/), or set custom.pythonRequirements.useUv: false / remove installer: uv."},
	{Code: CodeExportFailed, Meaning: "Exporting requirements from Pipfile, pyproject.toml or uv.lock failed.",
		Fix: "Run the command shown in the message in the named folder to see the full error; fix the project file or the lock."},

	// --- installing ----------------------------------------------------------------------------------
	{Code: CodePythonNotFound, Meaning: "The Python interpreter named by pythonBin (default: the runtime's pythonX.Y) does not exist or is not Python 3. (Code of serverless-python-requirements.)",
		Fix: "Install that Python version, set custom.pythonRequirements.pythonBin to an interpreter that exists, or set dockerizePip: true."},
	{Code: CodePipNotFound, Meaning: "The Python interpreter has no pip module.",
		Fix: "Install pip for it (python -m ensurepip --upgrade), use another pythonBin, or set installer: uv."},
	{Code: CodeCommandNotFound, Meaning: "A program the install needs is missing inside the Docker image. (Code of serverless-python-requirements.)",
		Fix: "Set custom.pythonRequirements.pythonBin to the interpreter the image has, or use an image (dockerImage/dockerFile) that has it."},
	{Code: CodeInstallFailed, Meaning: "pip or uv failed to install the requirements; the last lines of its output follow the message.",
		Fix: "Check the package names and versions in the requirements file and the index settings (pipCmdExtraArgs, PIP_INDEX_URL); run with --verbose for the whole output."},
	{Code: CodeCacheLocation, Meaning: "The cache folder cannot be determined (no HOME, XDG_CACHE_HOME or LOCALAPPDATA).",
		Fix: "Set custom.pythonRequirements.cacheLocation to a writable folder."},
	{Code: CodeCacheNotWritable, Meaning: "The cache folder exists but cannot be written.",
		Fix: "Fix the folder's permissions, set custom.pythonRequirements.cacheLocation to a writable folder, or set useStaticCache: false and useDownloadCache: false."},
	{Code: CodeStripNotFound, Meaning: "slim and strip are on but the strip program (binutils) is missing.",
		Fix: "Install binutils (or use an image with it), or set custom.pythonRequirements.strip: false."},
	{Code: CodeStripFailed, Meaning: "The strip program could not be run.",
		Fix: "Set custom.pythonRequirements.strip: false to skip stripping."},

	// --- docker ----------------------------------------------------------------------------------------
	{Code: CodeDockerNotFound, Meaning: "dockerizePip is on but no Docker engine answered. (Code of serverless-python-requirements.)",
		Fix: "Start Docker (or set DOCKER_HOST to a running engine), or set custom.pythonRequirements.dockerizePip: false."},
	{Code: CodeDockerCommandFailed, Meaning: "The install inside the Docker container failed, or the container could not be created or run. (Code of serverless-python-requirements.)",
		Fix: "Read the output below the message; check the image, dockerRunCmdExtraArgs and the index settings (pipCmdExtraArgs, dockerEnv)."},
	{Code: CodeDockerArgsInvalid, Meaning: "dockerRunCmdExtraArgs or dockerBuildCmdExtraArgs holds a flag serverless-pyreqs does not understand or a malformed value.",
		Fix: "Use only the supported flags the message lists, each as its own list element (['-v', '/a:/b'])."},
	{Code: CodeDockerImage, Meaning: "The Docker image cannot be inspected.",
		Fix: "Check dockerImage (a valid image reference) and that the engine is reachable."},
	{Code: CodeDockerPullFailed, Meaning: "Pulling the Docker image failed.",
		Fix: "Check the image name and your registry login (docker login), or pull it by hand first."},
	{Code: CodeDockerfileNotFound, Meaning: "The Dockerfile named by dockerFile cannot be read.",
		Fix: "Fix custom.pythonRequirements.dockerFile: a path relative to the service folder."},
	{Code: CodeDockerBuildFailed, Meaning: "Building the image from dockerFile failed; the build output follows the message.",
		Fix: "Fix the Dockerfile; run with --verbose to see the whole build output."},
	{Code: CodeDockerExtraFile, Meaning: "A file listed in dockerExtraFiles cannot be copied out of the container.",
		Fix: "List absolute paths that exist inside the image (check with docker run --rm IMAGE ls -l PATH)."},
	{Code: CodeDockerSSH, Meaning: "dockerSsh is on but the private key cannot be read.",
		Fix: "Set custom.pythonRequirements.dockerPrivateKey to your key file (e.g. ~/.ssh/id_ed25519), or turn dockerSsh off."},
	{Code: CodeRemoteCacheClean, Meaning: "`sls requirements cleanCache --remote` could not empty the remoteCache bucket prefix.",
		Fix: "Fix the cause the message names (credentials that may list and delete in the bucket, the bucket name, the endpoint variables) and run it again."},

	// --- the npm shim --------------------------------------------------------------------------------
	{Code: CodeError, Shim: true, Meaning: "The binary reported an error without a code (should not happen).",
		Fix: "Run again with --verbose and report it."},
	{Code: CodeBinaryNotFound, Shim: true, Meaning: "The pyreqs binary for this platform is not installed (the optional platform package is missing).",
		Fix: "Reinstall without --omit=optional / --no-optional (delete node_modules and the lock file's entry, run npm install), or set PYREQS_BINARY_PATH."},
	{Code: CodeUnsupportedPlatform, Shim: true, Meaning: "No pyreqs binary is published for this operating system and CPU.",
		Fix: "Build pyreqs yourself (Go is needed) and point PYREQS_BINARY_PATH at it."},
	{Code: CodeBinaryNotRunnable, Shim: true, Meaning: "The pyreqs binary exists but cannot be started.",
		Fix: "Reinstall serverless-pyreqs, or make the file executable (chmod +x)."},
	{Code: CodeBinaryCrashed, Shim: true, Meaning: "The pyreqs binary exited without reporting an error (crash or killed).",
		Fix: "Run again with --verbose to see its output, and report it."},
	{Code: CodeProtocolError, Shim: true, Meaning: "The binary did not answer as a pyreqs binary of this version does.",
		Fix: "Reinstall serverless-pyreqs so the package and its binary match."},
	{Code: CodeSchemaCollision, Shim: true, Meaning: "serverless-python-requirements (or Serverless v4's built-in Python support) is loaded next to serverless-pyreqs.",
		Fix: "Remove serverless-python-requirements from plugins and package.json; on Serverless v4 install serverless-pyreqs under the old name (npm i -D serverless-python-requirements@npm:serverless-pyreqs)."},

	// --- warnings ----------------------------------------------------------------------------------------
	{Code: CodeUnknownOption, Kind: KindWarning, Meaning: "custom.pythonRequirements holds a key that is not an option; it is ignored.",
		Fix: "Remove the key or fix its spelling (the message suggests the closest option)."},
	{Code: CodeOptionsBlockMisspelt, Kind: KindWarning, Meaning: "The custom block has a key that looks like a misspelling of pythonRequirements (pythonRequirments, python_requirements, ...); serverless-pyreqs does not read it, so its options are not applied.",
		Fix: "Rename the key to pythonRequirements (with this spelling and case), or merge it into the existing block."},
	{Code: CodeDockerOptionIgnored, Kind: KindWarning, Meaning: "A docker option is set while dockerizePip is off; it has no effect.",
		Fix: "Set dockerizePip: true, or remove the docker options."},
	{Code: CodeCacheDirDeprecated, Kind: KindWarning, Meaning: "pipCmdExtraArgs holds --cache-dir, which conflicts with the download cache.",
		Fix: "Remove --cache-dir and keep useDownloadCache: true (optionally with cacheLocation)."},
	{Code: CodeEditableStripped, Kind: KindWarning, Meaning: "An editable requirement (-e) is installed as a normal one: an install target cannot hold editable installs.",
		Fix: "Nothing to do; write the requirement without -e to silence this."},
	{Code: CodeRemoteInclude, Kind: KindWarning, Meaning: "A requirements file includes another file by URL; noDeploy is not applied to what that file lists.",
		Fix: "Download the included file into the service, or list the packages to exclude in your own file."},
	{Code: CodePipfileLockMissing, Kind: KindWarning, Meaning: "A Pipfile has no Pipfile.lock; `pipenv lock` creates one for this build.",
		Fix: "Run `pipenv lock` and commit Pipfile.lock so that every deploy installs the same versions."},
	{Code: CodeStripIncomplete, Kind: KindWarning, Meaning: "strip could not process some shared libraries; they are kept unstripped.",
		Fix: "Nothing to do (the artifact works, it is only larger); set strip: false to silence this."},
	{Code: CodeStaleZip, Kind: KindWarning, Meaning: "A .requirements.zip left by an earlier packaging with zip: true is in the service and would be packaged as it is.",
		Fix: "Delete it (sls requirements clean), or add it to package.patterns as !.requirements.zip."},
	{Code: CodeLayerEmpty, Kind: KindWarning, Meaning: "layer is set but the service has no requirements, so no layer is built.",
		Fix: "Add a requirements file, or remove the layer option."},
	{Code: CodeVendorIgnored, Kind: KindWarning, Meaning: "A function's vendor option is ignored because the function is not packaged individually.",
		Fix: "Set package.individually: true, or use custom.pythonRequirements.vendor for the whole service."},
	{Code: CodeRemoteArtifact, Kind: KindWarning, Meaning: "package.artifact is a remote object (s3://, https://): its requirements cannot be injected.",
		Fix: "Build the artifact with its requirements, or let Serverless package the function."},
	{Code: CodePythonVersionDiffers, Kind: KindWarning, Meaning: "The interpreter used to install is another Python version than the runtime; compiled packages may not load on Lambda.",
		Fix: "Set pythonBin to an interpreter of the runtime's version, or set dockerizePip: true."},
	{Code: CodeNoEmulator, Kind: KindWarning, Meaning: "The functions target another CPU architecture than the Docker engine and no emulator is registered.",
		Fix: "Register QEMU (docker run --privileged --rm tonistiigi/binfmt --install all), or build on a host of the target architecture."},
	{Code: CodeContainerNotRemoved, Kind: KindWarning, Meaning: "An install container could not be removed.",
		Fix: "Remove it with the docker rm command the message shows."},
	{Code: CodeDockerSSHRemote, Kind: KindWarning, Meaning: "dockerSsh with a remote Docker engine: SSH_AUTH_SOCK cannot be forwarded, the key file is copied into the container instead.",
		Fix: "Nothing to do if the key works; use a local engine to forward the SSH agent."},
	{Code: CodeBinaryPathMissing, Kind: KindWarning, Shim: true, Meaning: "PYREQS_BINARY_PATH names a file that does not exist; it is ignored.",
		Fix: "Point PYREQS_BINARY_PATH at the pyreqs binary, or unset it."},
	{Code: CodeBytecodeSkipped, Kind: KindWarning, Meaning: "No interpreter of the functions' Python version is available to compile the requirements to bytecode; they ship without `.pyc` files (slower cold starts).",
		Fix: "Set pythonBin to an interpreter of the functions' Python version, or dockerizePip: true (with a dockerImage of that version), or compileBytecode: false to ship no bytecode without this notice."},
	{Code: CodeRemoteCacheDown, Kind: KindWarning, Meaning: "The remoteCache tier could not be used (no or refused credentials, access denied, a missing bucket, an unreachable endpoint); the requirements are built locally and nothing is uploaded in this run.",
		Fix: "Fix the cause the message names: AWS credentials (AWS_PROFILE or provider.profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, an instance role), the bucket in remoteCache, or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL."},
	{Code: CodeRemoteCacheCorrupt, Kind: KindWarning, Meaning: "A remoteCache entry does not match the sha256 recorded beside it (a damaged or tampered object); it is not used, the requirements are built locally and the entry is uploaded again.",
		Fix: "Nothing to do: the rebuilt entry replaces it. If it happens again, check who else writes to the bucket."},

	// --- packaging checks ----------------------------------------------------------------------
	{Code: CodeSizeUnzipped, Meaning: "A function's code plus its layers is not smaller than 262,144,000 bytes unzipped: Lambda would refuse it after the upload.",
		Fix: "Follow the advice listed per package (noDeploy for packages the Lambda runtime has, slim, zip: true), or set sizeCheck: warn to package anyway."},
	{Code: CodeSizeUnzippedNear, Kind: KindWarning, Meaning: "A function's code plus its layers is over 80% of Lambda's 262,144,000-byte unzipped limit.",
		Fix: "Follow the advice listed per package before the next requirement pushes it over."},
	{Code: CodeSizeZipped, Meaning: "`sls deploy function` would upload a zip over the 50 MB that Lambda accepts in a direct upload.",
		Fix: "Deploy with `sls deploy` (it uploads through S3), or shrink the zip (noDeploy, slim, layer: true)."},
	{Code: CodeSizeZippedNear, Kind: KindWarning, Meaning: "A function's zip is over 80% of the 50 MB Lambda accepts in a direct upload (`sls deploy function`).",
		Fix: "Shrink the zip (noDeploy, slim, layer: true), or deploy with `sls deploy`."},
	{Code: CodeSizeLayers, Meaning: "A function attaches more than the 5 layers Lambda allows.",
		Fix: "Merge layers, or remove some from functions.<f>.layers, provider.layers or requirementsLayers."},
	// --- target installs and native files ------------------------------------------------------
	{Code: CodeTargetNoWheel, Meaning: "Installing for the Lambda target from this host needs wheels, and some packages have only a compiled source distribution.",
		Fix: "Pin a version that has a wheel for the target, set dockerizePip: true, or set dockerizePip: when-needed (Docker only for such sets)."},
	{Code: CodeBinaryWrongPlatform, Meaning: "A native file in the requirements cannot load on the function's target (another CPU architecture, a macOS or Windows binary).",
		Fix: "Install for the target (the default when host and target differ), pin a version with a wheel for the target, or set dockerizePip: true."},
	{Code: CodeVendorWrongPlatform, Kind: KindWarning, Meaning: "A vendor folder holds native files that cannot load on the function's target (another CPU architecture, a macOS or Windows binary); vendor files are copied as they are.",
		Fix: "Replace them with builds for Linux on the function's architecture, or remove them from the vendor folder."},
	{Code: CodePythonVersionHint, Kind: KindWarning, Meaning: "`.python-version`, `[project].requires-python` in pyproject.toml or `python_version` in Pipfile.lock asks for another Python version than the function's runtime; the requirements are installed for the runtime.",
		Fix: "Set the runtime (provider.runtime or the function's runtime) to the version the project is written for, or change the file."},
	// --- OS packages ---------------------------------------------------------------------------
	{Code: CodeOSPackagesInvalid, Meaning: "apt-requirements.txt holds a line that is not an OS package name.",
		Fix: "Write one package name per line (comments start with #)."},
	{Code: CodeOSPackagesNeedDock, Meaning: "apt-requirements.txt lists OS packages, which can only be installed in a build container.",
		Fix: "Set dockerizePip: true, or remove the file."},
	// --- cache integrity and paths ---------------------------------------------------------------
	{Code: CodeCacheDamaged, Kind: KindWarning, Meaning: "A static cache entry does not match what its marker records (a file of it was changed, truncated or deleted); it is rebuilt.",
		Fix: "Nothing to do: the entry is rebuilt. If it happens often, check what else writes into the cache folder."},
	{Code: CodeBuildMissing, Meaning: "The requirements the first packaging step copied into .serverless are missing in the second one, so they cannot be put into the artifact.",
		Fix: "Run sls package (or deploy) again, and do not delete .serverless while it runs."},
	{Code: CodePathInvalid, Meaning: "A path option or file names something that does not exist or is the wrong kind (a folder where a file is expected, a dangling symlink).",
		Fix: "Fix the path the message names (relative to the service folder)."},
	{Code: CodePathOutsideProject, Meaning: "A path from the configuration or a requirements file resolves outside the service's project (the service folder, or the version-control root above it).",
		Fix: "Move the file into the project, or set custom.pythonRequirements.allowPathsOutsideProject: true if reading it is intended."},
}

// Entries returns the catalog in documentation order.
func Entries() []Entry { return append([]Entry(nil), entries...) }

var byCode = func() map[Code]Entry {
	m := make(map[Code]Entry, len(entries))
	for _, e := range entries {
		if _, dup := m[e.Code]; dup {
			panic("diag: duplicate catalog code " + string(e.Code))
		}
		m[e.Code] = e
	}
	return m
}()

// Lookup returns the catalog entry of code.
func Lookup(code Code) (Entry, bool) {
	e, ok := byCode[code]
	return e, ok
}
