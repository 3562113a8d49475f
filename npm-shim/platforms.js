// @ts-check
'use strict';

/**
 * The one table of supported platforms. Release tooling derives the per-platform npm packages
 * (their names, `os`/`cpu` fields and the `optionalDependencies` of the root package) and the Go
 * build targets from it; the shim uses it to find the binary at run time.
 *
 * @typedef {object} PlatformEntry
 * @property {string} key        node's `${process.platform}-${process.arch}`
 * @property {string} pkg        npm package holding the binary
 * @property {NodeJS.Platform} os npm `os` value
 * @property {string} cpu        npm `cpu` value
 * @property {string} goos       Go GOOS
 * @property {string} goarch     Go GOARCH
 * @property {string} binSubpath path of the binary inside the package
 */

const SCOPE = '@serverless-pyreqs';

/** @type {ReadonlyArray<Readonly<PlatformEntry>>} */
const PLATFORMS = Object.freeze(
  [
    entry('linux', 'x64', 'linux', 'amd64'),
    entry('linux', 'arm64', 'linux', 'arm64'),
    entry('darwin', 'x64', 'darwin', 'amd64'),
    entry('darwin', 'arm64', 'darwin', 'arm64'),
    entry('win32', 'x64', 'windows', 'amd64'),
  ].map((e) => Object.freeze(e))
);

/**
 * @param {NodeJS.Platform} os
 * @param {string} cpu
 * @param {string} goos
 * @param {string} goarch
 * @returns {PlatformEntry}
 */
function entry(os, cpu, goos, goarch) {
  return {
    key: `${os}-${cpu}`,
    pkg: `${SCOPE}/${os}-${cpu}`,
    os,
    cpu,
    goos,
    goarch,
    binSubpath: binaryFileName(os),
  };
}

/**
 * Name of the binary inside a package (and of the local build) for a node platform.
 * @param {string} platform
 * @returns {string}
 */
function binaryFileName(platform) {
  return platform === 'win32' ? 'bin/pyreqs.exe' : 'bin/pyreqs';
}

/**
 * @param {string} platform node's process.platform
 * @param {string} arch node's process.arch
 * @returns {Readonly<PlatformEntry> | undefined}
 */
function lookupPlatform(platform, arch) {
  const key = `${platform}-${arch}`;
  return PLATFORMS.find((p) => p.key === key);
}

module.exports = { SCOPE, PLATFORMS, lookupPlatform, binaryFileName };
