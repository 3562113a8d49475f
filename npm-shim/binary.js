// @ts-check
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { SCOPE, PLATFORMS, lookupPlatform, binaryFileName } = require('./platforms');
const { ShimError } = require('./errors');

/** Root of this npm package (the folder holding package.json). */
const PACKAGE_ROOT = path.resolve(__dirname, '..');

/**
 * @typedef {object} FindOptions
 * @property {NodeJS.ProcessEnv} [env]      defaults to process.env
 * @property {string} [platform]            defaults to process.platform
 * @property {string} [arch]                defaults to process.arch
 * @property {string} [packageRoot]         defaults to this package's root
 * @property {(request: string) => string} [resolve]
 *   module resolver; defaults to require.resolve from packageRoot
 * @property {(message: string, code: string) => void} [warn]
 *   receives warnings with their codes, e.g. about a PYREQS_BINARY_PATH that does not exist
 * @property {() => string | undefined} [pnpProjectRoot]
 *   the Yarn PnP project folder; defaults to asking `pnpapi` (only there under PnP)
 *
 * @typedef {object} FoundBinary
 * @property {string} path
 * @property {'env' | 'package' | 'local'} source
 */

/**
 * Finds the pyreqs binary, in esbuild's order: the PYREQS_BINARY_PATH override, the
 * per-platform npm package (copied out of Yarn's zip cache when PnP keeps it zipped), a local
 * build in <package root>/bin. Throws a ShimError that says what to do when none is there.
 *
 * @param {FindOptions} [opts]
 * @returns {FoundBinary}
 */
function findBinary(opts = {}) {
  const env = opts.env || process.env;
  const platform = opts.platform || process.platform;
  const arch = opts.arch || process.arch;
  const packageRoot = opts.packageRoot || PACKAGE_ROOT;
  const resolve =
    opts.resolve || ((request) => require.resolve(request, { paths: [packageRoot] }));
  const warn = opts.warn || (() => {});

  const override = env.PYREQS_BINARY_PATH;
  if (override) {
    if (isFile(override)) return { path: path.resolve(override), source: 'env' };
    warn(
      `PYREQS_BINARY_PATH is set to "${override}", but no file exists there; ignoring it.`,
      'PYREQS_BINARY_PATH_MISSING'
    );
  }

  const target = lookupPlatform(platform, arch);
  if (target) {
    /** @type {string | undefined} */
    let resolved;
    try {
      resolved = resolve(`${target.pkg}/${target.binSubpath}`);
    } catch (_) {
      // Not installed: try the local build, then diagnose.
    }
    if (resolved && isFile(resolved)) {
      if (isInsideZip(resolved)) {
        const projectRoot = (opts.pnpProjectRoot || pnpProjectRoot)();
        return { path: copyOutOfZip(resolved, target, packageRoot, projectRoot), source: 'package' };
      }
      return { path: resolved, source: 'package' };
    }
  }

  const local = path.join(packageRoot, binaryFileName(platform));
  if (isFile(local)) return { path: local, source: 'local' };

  if (!target) {
    throw new ShimError(
      `serverless-pyreqs does not support this platform (${platform} ${arch}). ` +
        `Supported platforms: ${PLATFORMS.map((p) => `${p.os} ${p.cpu}`).join(', ')}.\n` +
        'You can build pyreqs yourself (Go is needed) and point PYREQS_BINARY_PATH at it.',
      'PYREQS_UNSUPPORTED_PLATFORM'
    );
  }
  throw new ShimError(diagnoseMissing(target, packageRoot), 'PYREQS_BINARY_NOT_FOUND');
}

/**
 * Explains why the binary for `target` is missing and what to run, for the package manager that
 * installed serverless-pyreqs.
 * @param {import('./platforms').PlatformEntry} target
 * @param {string} packageRoot
 * @returns {string}
 */
function diagnoseMissing(target, packageRoot) {
  const here = `${target.os} ${target.cpu}`;

  if (isSourceCheckout(packageRoot)) {
    return (
      `The pyreqs binary has not been built. serverless-pyreqs is used from a source checkout ` +
      `(${packageRoot}), which has no prebuilt binary.\n` +
      `Run \`npm run build\` in ${packageRoot} (needs Go), or set PYREQS_BINARY_PATH to a pyreqs binary.`
    );
  }

  const pm = detectPackageManager(packageRoot);
  const where = pm.dir ? ` in ${pm.dir}` : '';
  const installed = installedPlatformPackages(packageRoot);
  const others = installed.filter((name) => name !== target.pkg);
  if (installed.includes(target.pkg)) {
    return (
      `The package "${target.pkg}" is installed, but its binary "${target.binSubpath}" is missing ` +
      `(the installation is damaged).\n` +
      `Delete node_modules and run \`${pm.reinstall}\`${where}.`
    );
  }
  if (others.length > 0) {
    let msg =
      `The package "${target.pkg}" (the pyreqs binary for ${here}) is not installed, ` +
      `but ${others.map((o) => `"${o}"`).join(', ')} is.\n` +
      'node_modules was installed on another platform and copied here (for example from macOS ' +
      'or Windows into a Docker image, or between Windows and WSL). serverless-pyreqs needs the ' +
      'binary for the platform it runs on.\n' +
      `Run \`${pm.reinstall}\`${where} on this machine instead of copying node_modules, ` +
      'e.g. add node_modules to .dockerignore and install inside the image.';
    if (target.os === 'darwin' && others.some((o) => o.startsWith(`${SCOPE}/darwin-`))) {
      msg +=
        '\nOn macOS this also happens when the package manager ran under a different architecture ' +
        'than node (Rosetta 2): use the same (arm64 or x64) node for installing and running.';
    }
    return msg;
  }

  const missing = `The package "${target.pkg}" (the pyreqs binary for ${here}) is not installed. It is an optional dependency of serverless-pyreqs`;
  switch (pm.name) {
    case 'pnpm':
      return (
        `${missing}, and pnpm skips optional dependencies with --no-optional (or optional=false in .npmrc), ` +
        'and those of other platforms unless supportedArchitectures (pnpm-workspace.yaml) includes this one.\n' +
        `Run \`pnpm install\`${where} without --no-optional, on this machine.`
      );
    case 'yarn':
      return (
        `${missing}, and Yarn installs only the optional dependencies of the platforms listed in ` +
        'supportedArchitectures (.yarnrc.yml; by default the current one).\n' +
        `Make sure supportedArchitectures includes "current" (or os "${target.os}" and cpu "${target.cpu}"), then run \`yarn install\`${where}.`
      );
  }
  if (pm.lockfile) {
    const entry = lockfileHas(pm.lockfile, target.pkg);
    if (entry === false) {
      return (
        `${missing}, but ${pm.lockfile} has no entry for it: it was written by an npm that leaves ` +
        "out other platforms' optional dependencies (npm/cli#4828), so npm never installs the binary here.\n" +
        `Run \`rm -rf node_modules ${path.basename(pm.lockfile)} && npm install\`${where}, and commit the new ${path.basename(pm.lockfile)}.`
      );
    }
    if (entry === true) {
      return (
        `${missing}, and ${path.basename(pm.lockfile)} lists it, so npm was told to omit optional dependencies ` +
        '(--omit=optional or --no-optional, "omit=optional" in .npmrc, or NPM_CONFIG_OMIT).\n' +
        `Run \`npm install --include=optional\`${where} (\`npm ci --include=optional\` in CI and Dockerfiles).`
      );
    }
  }
  return (
    `${missing}, and npm skips optional dependencies when run with --omit=optional or --no-optional ` +
    '(or with "omit=optional" in .npmrc or NPM_CONFIG_OMIT).\n' +
    `Reinstall without those flags: \`npm install --include=optional\`${where}.\n` +
    'If it is still missing, your package-lock.json was probably created on another platform ' +
    'without this package (npm/cli#4828): delete node_modules and package-lock.json and run ' +
    '`npm install` again.'
  );
}

/**
 * @typedef {object} PackageManager
 * @property {'npm' | 'pnpm' | 'yarn'} name
 * @property {string | undefined} dir       the project folder (holding the lockfile or node_modules)
 * @property {string | undefined} lockfile  its lockfile, when there is one
 * @property {string} reinstall             the command that reinstalls from the lockfile
 */

/**
 * Works out which package manager installed packageRoot, and where: pnpm's virtual store and
 * Yarn's state file are recognised in node_modules, otherwise the nearest lockfile decides.
 * @param {string} packageRoot
 * @returns {PackageManager}
 */
function detectPackageManager(packageRoot) {
  const parts = path.resolve(packageRoot).split(path.sep);
  const first = parts.indexOf('node_modules');
  const projectDir = first > 0 ? parts.slice(0, first).join(path.sep) || path.sep : undefined;
  const inPnpmStore = first >= 0 && parts[first + 1] === '.pnpm';
  const yarnState = projectDir !== undefined && isFile(path.join(projectDir, 'node_modules', '.yarn-state.yml'));

  /** @type {{name: 'npm' | 'pnpm' | 'yarn', file: string} | undefined} */
  let found;
  /** @type {string | undefined} */
  let lockDir;
  for (let dir = projectDir; dir; ) {
    for (const [name, file] of /** @type {const} */ ([
      ['pnpm', 'pnpm-lock.yaml'],
      ['yarn', 'yarn.lock'],
      ['npm', 'npm-shrinkwrap.json'],
      ['npm', 'package-lock.json'],
    ])) {
      if (!found && isFile(path.join(dir, file))) found = { name, file: path.join(dir, file) };
    }
    if (found) {
      lockDir = dir;
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  /** @type {'npm' | 'pnpm' | 'yarn'} */
  const name = inPnpmStore ? 'pnpm' : yarnState ? 'yarn' : found ? found.name : 'npm';
  const lockfile = found && found.name === name ? found.file : undefined;
  const dir = lockfile ? lockDir : projectDir;
  const reinstall = {
    npm: lockfile ? 'npm ci' : 'npm install',
    pnpm: lockfile ? 'pnpm install --frozen-lockfile' : 'pnpm install',
    yarn: lockfile ? 'yarn install --immutable' : 'yarn install',
  }[name];
  return { name, dir, lockfile, reinstall };
}

/**
 * Whether an npm lockfile has an entry for the package (undefined when it cannot be read).
 * @param {string} lockfile
 * @param {string} pkg
 * @returns {boolean | undefined}
 */
function lockfileHas(lockfile, pkg) {
  try {
    const lock = JSON.parse(fs.readFileSync(lockfile, 'utf8'));
    if (lock.packages) {
      return Object.keys(lock.packages).some((k) => k === `node_modules/${pkg}` || k.endsWith(`/node_modules/${pkg}`));
    }
    if (lock.dependencies) return pkg in lock.dependencies; // lockfileVersion 1
  } catch (_) {
    // unreadable or not JSON: say nothing about it
  }
  return undefined;
}

/**
 * True for a path inside a zip archive, as Yarn PnP resolves packages it keeps in its cache
 * (`.../.yarn/cache/<name>.zip/node_modules/...`). Node can read such files (PnP patches fs)
 * but the operating system cannot execute them.
 * @param {string} p
 */
function isInsideZip(p) {
  return /\.zip[\\/]/.test(p);
}

/** The top-level project folder under Yarn PnP, from its runtime API. */
function pnpProjectRoot() {
  try {
    const api = 'pnpapi'; // a module that exists only under the PnP runtime
    const pnp = require(api);
    const top = pnp.getPackageInformation(pnp.topLevel);
    return top && top.packageLocation;
  } catch (_) {
    return undefined;
  }
}

/**
 * Copies a binary that Yarn PnP left inside its zip cache to
 * <project>/node_modules/.cache/serverless-pyreqs/pnpapi-<pkg>-<version>-<name> (once), checks
 * it against the sha256 recorded in our package.json (binaryHashes) when there is one, makes it
 * executable, and returns its path.
 * @param {string} zipped
 * @param {import('./platforms').PlatformEntry} target
 * @param {string} packageRoot
 * @param {string | undefined} projectRoot
 * @returns {string}
 */
function copyOutOfZip(zipped, target, packageRoot, projectRoot) {
  if (!projectRoot) {
    throw new ShimError(
      `The pyreqs binary ${zipped} is inside a zip archive (Yarn PnP) and the project folder is unknown, ` +
        'so it cannot be extracted to run it.\n' +
        `Let Yarn unplug it: remove any dependenciesMeta["${target.pkg}"].unplugged: false from package.json, ` +
        'or set `nodeLinker: node-modules` in .yarnrc.yml, then run `yarn install`.',
      'PYREQS_BINARY_NOT_FOUND'
    );
  }
  /** @type {Record<string, any>} */
  let manifest = {};
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8'));
  } catch (_) {
    // no version or hashes to go by
  }
  const version = typeof manifest.version === 'string' ? manifest.version : 'unknown';
  const want = manifest.binaryHashes && manifest.binaryHashes[target.pkg];
  const dir = path.join(projectRoot, 'node_modules', '.cache', 'serverless-pyreqs');
  const dest = path.join(
    dir,
    `pnpapi-${target.pkg.replace(/[@/]/g, (c) => (c === '/' ? '-' : ''))}-${version}-${path.basename(target.binSubpath)}`
  );
  if (isFile(dest) && (!want || sha256(dest) === want)) return dest;

  const data = fs.readFileSync(zipped);
  if (want) {
    const got = crypto.createHash('sha256').update(data).digest('hex');
    if (got !== want) {
      throw new ShimError(
        `The pyreqs binary in ${zipped} does not have the sha256 recorded by serverless-pyreqs ${version} ` +
          `(got ${got}, want ${want}): the Yarn cache is damaged or was tampered with.\n` +
          'Run `yarn cache clean` and `yarn install`.',
        'PYREQS_BINARY_NOT_FOUND'
      );
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${dest}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data, { mode: 0o755 });
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, dest);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return dest;
}

/** @param {string} file */
function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * True when packageRoot is a git checkout of serverless-pyreqs (Go sources present), not an
 * installed package.
 * @param {string} packageRoot
 */
function isSourceCheckout(packageRoot) {
  return isFile(path.join(packageRoot, 'go.mod')) && isDir(path.join(packageRoot, 'goplugin'));
}

/**
 * Names of the per-platform packages found in the node_modules folders around packageRoot
 * (its own node_modules, its siblings, pnpm's virtual store and every ancestor's).
 * @param {string} packageRoot
 * @returns {string[]}
 */
function installedPlatformPackages(packageRoot) {
  const known = new Set(PLATFORMS.map((p) => p.pkg));
  /** @type {Set<string>} */
  const found = new Set();
  let dir = path.resolve(packageRoot);
  for (;;) {
    const scopeDir = path.join(dir, 'node_modules', SCOPE);
    /** @type {string[]} */
    let names;
    try {
      names = fs.readdirSync(scopeDir);
    } catch (_) {
      names = [];
    }
    for (const name of names) {
      const pkg = `${SCOPE}/${name}`;
      if (known.has(pkg)) found.add(pkg);
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return Array.from(found).sort();
}

/** @param {string} p */
function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch (_) {
    return false;
  }
}

/** @param {string} p */
function isDir(p) {
  try {
    return fs.statSync(p).isDirectory();
  } catch (_) {
    return false;
  }
}

module.exports = {
  findBinary,
  diagnoseMissing,
  detectPackageManager,
  installedPlatformPackages,
  PACKAGE_ROOT,
};
