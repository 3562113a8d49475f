'use strict';

// One version everywhere: package.json's version, its optionalDependencies, the generated platform
// packages and the -X stamp of the binary. Fails when any of them drifts (esbuild's "reject
// uncommitted changes" check, as a test).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { PLATFORMS } = require('../platforms');
const {
  optionalDependencies,
  lockstepProblems,
  platformManifest,
  mainManifest,
  INSTALL_SCRIPTS,
} = require('../../scripts/dist');

const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

test('package.json lists every platform package at exactly its own version, in table order', () => {
  assert.deepEqual(lockstepProblems(pkg), [], 'run `node scripts/dist.js --sync`');
  assert.deepEqual(Object.entries(pkg.optionalDependencies), PLATFORMS.map((p) => [p.pkg, pkg.version]));
  assert.match(pkg.version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
});

test('a version bump without --sync is caught', () => {
  const bumped = { ...pkg, version: '9.9.9' };
  const problems = lockstepProblems(bumped);
  assert.equal(problems.length, PLATFORMS.length);
  assert.equal(
    problems[0],
    `optionalDependencies["@serverless-pyreqs/linux-x64"] is "${pkg.version}", want "9.9.9" (the package version)`
  );
  const extra = { ...pkg, optionalDependencies: { ...pkg.optionalDependencies, '@serverless-pyreqs/sunos-x64': pkg.version } };
  assert.match(lockstepProblems(extra).join('\n'), /sunos-x64"\] is not in npm-shim\/platforms\.js/);
  const reordered = { ...pkg, optionalDependencies: Object.fromEntries(Object.entries(pkg.optionalDependencies).reverse()) };
  assert.match(lockstepProblems(reordered).join('\n'), /not in the order/);
});

test('no install scripts: installs work with --ignore-scripts and pnpm 10', () => {
  for (const s of INSTALL_SCRIPTS) assert.equal(pkg.scripts?.[s], undefined, `scripts.${s}`);
  const withPostinstall = { ...pkg, scripts: { ...pkg.scripts, postinstall: 'node install.js' } };
  assert.match(lockstepProblems(withPostinstall).join('\n'), /scripts\.postinstall is set/);
});

test('generated platform packages carry the root version, os/cpu and one binary', () => {
  for (const p of PLATFORMS) {
    const m = platformManifest(p, pkg);
    assert.equal(m.name, p.pkg);
    assert.equal(m.version, pkg.version);
    assert.deepEqual([m.os, m.cpu, m.preferUnplugged, m.files], [[p.os], [p.cpu], true, [p.binSubpath]]);
    assert.equal(m.scripts, undefined);
    assert.equal(m.bin, undefined, 'platform packages must not put a command on PATH');
  }
});

test('the published main package has no local build, no scripts, and the binaries\' hashes', () => {
  const hashes = Object.fromEntries(PLATFORMS.map((p) => [p.pkg, 'a'.repeat(64)]));
  const m = mainManifest(pkg, hashes);
  assert.equal(m.version, pkg.version);
  assert.deepEqual(m.optionalDependencies, optionalDependencies(pkg.version));
  assert.equal(m.scripts, undefined);
  assert.equal(m.devDependencies, undefined);
  assert.deepEqual(m.binaryHashes, hashes);
  assert.ok(!m.files.some((/** @type {string} */ f) => /bin\//.test(f)), `files: ${m.files}`);
  assert.equal(m.main, pkg.main);
});

test('the version stamp of both build scripts names a variable that exists', () => {
  // go build -X silently ignores a variable that does not exist: a moved or renamed
  // cli.Version would ship binaries that all say 0.0.0-dev and fail the handshake.
  const dist = fs.readFileSync(path.join(ROOT, 'scripts', 'dist.js'), 'utf8');
  const build = fs.readFileSync(path.join(ROOT, 'scripts', 'build.sh'), 'utf8');
  const module_ = /^module (\S+)$/m.exec(fs.readFileSync(path.join(ROOT, 'go.mod'), 'utf8'))?.[1];
  const stamp = `${module_}/goplugin/internal/cli.Version`;
  assert.ok(dist.includes("`${GO_MODULE}/goplugin/internal/cli.Version`") && dist.includes(`'${module_}'`));
  assert.ok(build.includes(`-X ${stamp}=`), 'scripts/build.sh stamps cli.Version');
  const cli = fs.readFileSync(path.join(ROOT, 'goplugin', 'internal', 'cli', 'cli.go'), 'utf8');
  assert.match(cli, /^var Version = "/m);
});
