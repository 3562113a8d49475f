// @ts-check
'use strict';

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
 * @property {(message: string) => void} [warn]
 *   receives warnings, e.g. about a PYREQS_BINARY_PATH that does not exist
 *
 * @typedef {object} FoundBinary
 * @property {string} path
 * @property {'env' | 'package' | 'local'} source
 */

/**
 * Finds the pyreqs binary, in esbuild's order: the PYREQS_BINARY_PATH override, the
 * per-platform npm package, a local build in <package root>/bin. Throws a ShimError that says
 * what to do when none is there.
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
      `PYREQS_BINARY_PATH is set to "${override}", but no file exists there; ignoring it.`
    );
  }

  const target = lookupPlatform(platform, arch);
  if (target) {
    try {
      const resolved = resolve(`${target.pkg}/${target.binSubpath}`);
      if (isFile(resolved)) return { path: resolved, source: 'package' };
    } catch (_) {
      // Not installed: try the local build, then diagnose.
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
 * Explains why the binary for `target` is missing and what to run.
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

  const installed = installedPlatformPackages(packageRoot);
  const others = installed.filter((name) => name !== target.pkg);
  if (installed.includes(target.pkg)) {
    return (
      `The package "${target.pkg}" is installed, but its binary "${target.binSubpath}" is missing ` +
      `(the installation is damaged).\n` +
      'Delete node_modules and run `npm install` again.'
    );
  }
  if (others.length > 0) {
    let msg =
      `The package "${target.pkg}" (the pyreqs binary for ${here}) is not installed, ` +
      `but ${others.map((o) => `"${o}"`).join(', ')} is.\n` +
      'node_modules was installed on another platform and copied here (for example from macOS ' +
      'or Windows into a Docker image, or between Windows and WSL). serverless-pyreqs needs the ' +
      'binary for the platform it runs on.\n' +
      'Run `npm install` (or `npm ci`) on this machine instead of copying node_modules, ' +
      'e.g. add node_modules to .dockerignore and install inside the image.';
    if (target.os === 'darwin' && others.some((o) => o.startsWith(`${SCOPE}/darwin-`))) {
      msg +=
        '\nOn macOS this also happens when npm ran under a different architecture than node ' +
        '(Rosetta 2): use the same (arm64 or x64) node for installing and running.';
    }
    return msg;
  }
  return (
    `The package "${target.pkg}" (the pyreqs binary for ${here}) is not installed. ` +
    'It is an optional dependency of serverless-pyreqs, and npm skips optional dependencies ' +
    'when run with --omit=optional or --no-optional.\n' +
    'Reinstall without those flags: `npm install` (check also that NPM_CONFIG_OMIT / ' +
    '.npmrc do not set "omit=optional").\n' +
    'If it is still missing, your package-lock.json was probably created on another platform ' +
    'without this package (npm/cli#4828): delete node_modules and package-lock.json and run ' +
    '`npm install` again.'
  );
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

module.exports = { findBinary, diagnoseMissing, installedPlatformPackages, PACKAGE_ROOT };
