'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { findBinary } = require('../binary');
const { PLATFORMS, lookupPlatform } = require('../platforms');
const { ShimError } = require('../errors');
const { tmpdir } = require('./helpers');

/** Creates a file (and its folders). */
function touch(file, mode = 0o755) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\n');
  fs.chmodSync(file, mode);
  return file;
}

/** An installed layout: <app>/node_modules/serverless-pyreqs plus the given platform packages. */
function installedLayout(platformPkgs = []) {
  const app = tmpdir('pyreqs-layout-');
  const root = path.join(app, 'node_modules', 'serverless-pyreqs');
  fs.mkdirSync(path.join(root, 'npm-shim'), { recursive: true });
  fs.writeFileSync(path.join(root, 'package.json'), '{"name":"serverless-pyreqs"}');
  for (const pkg of platformPkgs) {
    const dir = path.join(app, 'node_modules', ...pkg.split('/'));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: pkg }));
    const entry = PLATFORMS.find((p) => p.pkg === pkg);
    touch(path.join(dir, entry.binSubpath));
  }
  return { app, root };
}

const linux = { platform: 'linux', arch: 'x64', env: {} };

test('platform table covers the five targets with Go names', () => {
  assert.deepEqual(
    PLATFORMS.map((p) => `${p.key} ${p.pkg} ${p.goos}/${p.goarch} ${p.binSubpath}`),
    [
      'linux-x64 @serverless-pyreqs/linux-x64 linux/amd64 bin/pyreqs',
      'linux-arm64 @serverless-pyreqs/linux-arm64 linux/arm64 bin/pyreqs',
      'darwin-x64 @serverless-pyreqs/darwin-x64 darwin/amd64 bin/pyreqs',
      'darwin-arm64 @serverless-pyreqs/darwin-arm64 darwin/arm64 bin/pyreqs',
      'win32-x64 @serverless-pyreqs/win32-x64 windows/amd64 bin/pyreqs.exe',
    ]
  );
  assert.equal(lookupPlatform('freebsd', 'x64'), undefined);
});

test('PYREQS_BINARY_PATH comes first', () => {
  const { root } = installedLayout(['@serverless-pyreqs/linux-x64']);
  const override = touch(path.join(tmpdir(), 'my-pyreqs'));
  const found = findBinary({ ...linux, packageRoot: root, env: { PYREQS_BINARY_PATH: override } });
  assert.equal(found.path, override);
  assert.equal(found.source, 'env');
});

test('a PYREQS_BINARY_PATH that does not exist is warned about and ignored', () => {
  const { root, app } = installedLayout(['@serverless-pyreqs/linux-x64']);
  const warnings = [];
  const found = findBinary({
    ...linux,
    packageRoot: root,
    env: { PYREQS_BINARY_PATH: '/nope/pyreqs' },
    warn: (m) => warnings.push(m),
  });
  assert.equal(found.source, 'package');
  assert.equal(
    found.path,
    path.join(app, 'node_modules', '@serverless-pyreqs', 'linux-x64', 'bin', 'pyreqs')
  );
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /PYREQS_BINARY_PATH is set to "\/nope\/pyreqs".*ignoring it/);
});

test('the platform package wins over a local build', () => {
  const { root } = installedLayout(['@serverless-pyreqs/linux-x64']);
  touch(path.join(root, 'bin', 'pyreqs'));
  assert.equal(findBinary({ ...linux, packageRoot: root }).source, 'package');
});

test('the package nested in our own node_modules is found (npm conflict layout)', () => {
  const { root } = installedLayout();
  const nested = touch(
    path.join(root, 'node_modules', '@serverless-pyreqs', 'darwin-arm64', 'bin', 'pyreqs')
  );
  const found = findBinary({ platform: 'darwin', arch: 'arm64', env: {}, packageRoot: root });
  assert.equal(found.path, nested);
});

test('win32 looks for pyreqs.exe', () => {
  const { root, app } = installedLayout(['@serverless-pyreqs/win32-x64']);
  const found = findBinary({ platform: 'win32', arch: 'x64', env: {}, packageRoot: root });
  assert.equal(
    found.path,
    path.join(app, 'node_modules', '@serverless-pyreqs', 'win32-x64', 'bin', 'pyreqs.exe')
  );
});

test('the local build is used when no platform package is installed', () => {
  const root = tmpdir();
  const local = touch(path.join(root, 'bin', 'pyreqs'));
  const found = findBinary({ ...linux, packageRoot: root });
  assert.deepEqual([found.path, found.source], [local, 'local']);
});

test('the local build is used on an unsupported platform too', () => {
  const root = tmpdir();
  const local = touch(path.join(root, 'bin', 'pyreqs'));
  assert.equal(findBinary({ platform: 'freebsd', arch: 'x64', env: {}, packageRoot: root }).path, local);
});

/** Runs findBinary expecting a ShimError; returns it. */
function lookupError(opts) {
  try {
    findBinary(opts);
  } catch (err) {
    assert.ok(err instanceof ShimError, `expected a ShimError, got ${err}`);
    return err;
  }
  assert.fail('findBinary did not throw');
}

test('diagnosis: source checkout says to run npm run build', () => {
  const root = tmpdir();
  fs.writeFileSync(path.join(root, 'go.mod'), 'module x\n');
  fs.mkdirSync(path.join(root, 'goplugin'));
  const err = lookupError({ ...linux, packageRoot: root });
  assert.equal(err.code, 'PYREQS_BINARY_NOT_FOUND');
  assert.match(err.message, /source checkout/);
  assert.match(err.message, /Run `npm run build` in .* \(needs Go\)/);
});

test('diagnosis: optional dependency omitted says to reinstall without --omit=optional', () => {
  const { root } = installedLayout();
  const err = lookupError({ ...linux, packageRoot: root });
  assert.equal(err.code, 'PYREQS_BINARY_NOT_FOUND');
  assert.match(err.message, /"@serverless-pyreqs\/linux-x64" \(the pyreqs binary for linux x64\) is not installed/);
  assert.match(err.message, /--omit=optional or --no-optional/);
  assert.match(err.message, /Reinstall without those flags: `npm install --include=optional` in /);
  assert.match(err.message, /npm\/cli#4828/);
});

test('diagnosis: node_modules copied from another platform', () => {
  const { root } = installedLayout(['@serverless-pyreqs/darwin-arm64']);
  const err = lookupError({ ...linux, packageRoot: root });
  assert.equal(err.code, 'PYREQS_BINARY_NOT_FOUND');
  assert.match(err.message, /but "@serverless-pyreqs\/darwin-arm64" is/);
  assert.match(err.message, /node_modules was installed on another platform and copied here/);
  assert.match(err.message, /Run `npm install` in .* on this machine instead of copying node_modules/);
  assert.doesNotMatch(err.message, /Rosetta/);
});

test('diagnosis: darwin x64 vs arm64 mentions Rosetta', () => {
  const { root } = installedLayout(['@serverless-pyreqs/darwin-x64']);
  const err = lookupError({ platform: 'darwin', arch: 'arm64', env: {}, packageRoot: root });
  assert.match(err.message, /copied here/);
  assert.match(err.message, /Rosetta 2/);
});

test('diagnosis: pnpm virtual store layout finds the other platform package', () => {
  const store = tmpdir('pyreqs-pnpm-');
  const nm = path.join(store, 'node_modules', '.pnpm', 'serverless-pyreqs@0.1.0', 'node_modules');
  const root = path.join(nm, 'serverless-pyreqs');
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(path.join(nm, '@serverless-pyreqs', 'win32-x64'), { recursive: true });
  const err = lookupError({ ...linux, packageRoot: root });
  assert.match(err.message, /"@serverless-pyreqs\/win32-x64" is/);
});

test('diagnosis: package present but binary missing says the install is damaged', () => {
  const { root, app } = installedLayout();
  fs.mkdirSync(path.join(app, 'node_modules', '@serverless-pyreqs', 'linux-x64'), { recursive: true });
  const err = lookupError({ ...linux, packageRoot: root });
  assert.match(err.message, /is installed, but its binary "bin\/pyreqs" is missing/);
});

test('diagnosis: unsupported platform lists the supported ones', () => {
  const { root } = installedLayout();
  const err = lookupError({ platform: 'freebsd', arch: 'riscv64', env: {}, packageRoot: root });
  assert.equal(err.code, 'PYREQS_UNSUPPORTED_PLATFORM');
  assert.match(err.message, /does not support this platform \(freebsd riscv64\)/);
  assert.match(err.message, /linux x64, linux arm64, darwin x64, darwin arm64, win32 x64/);
});

test('a bad override plus nothing else still gives the diagnosis (and not a crash)', () => {
  const { root } = installedLayout();
  const err = lookupError({ ...linux, packageRoot: root, env: { PYREQS_BINARY_PATH: '/nope' } });
  assert.equal(err.code, 'PYREQS_BINARY_NOT_FOUND');
});

/** Writes an npm v3 lockfile into app listing serverless-pyreqs and the given platform packages. */
function writeLock(app, platformPkgs) {
  const packages = { '': { name: 'app' }, 'node_modules/serverless-pyreqs': { version: '0.1.0' } };
  for (const p of platformPkgs) packages[`node_modules/${p}`] = { version: '0.1.0', optional: true };
  fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages }));
}

test('diagnosis: npm lockfile lists the package, so optional dependencies were omitted', () => {
  const { root, app } = installedLayout();
  writeLock(app, PLATFORMS.map((p) => p.pkg));
  const err = lookupError({ ...linux, packageRoot: root });
  assert.match(err.message, /package-lock\.json lists it, so npm was told to omit optional dependencies/);
  assert.ok(
    err.message.includes(`Run \`npm install --include=optional\` in ${app} (\`npm ci --include=optional\` in CI and Dockerfiles).`),
    err.message
  );
});

test('diagnosis: npm lockfile without the package is npm/cli#4828', () => {
  const { root, app } = installedLayout();
  writeLock(app, ['@serverless-pyreqs/darwin-arm64']);
  const err = lookupError({ ...linux, packageRoot: root });
  assert.match(err.message, /package-lock\.json has no entry for it: .*npm\/cli#4828/);
  assert.ok(
    err.message.includes(`Run \`rm -rf node_modules package-lock.json && npm install\` in ${app}, and commit`),
    err.message
  );
});

test('diagnosis: copied node_modules with a lockfile says npm ci', () => {
  const { root, app } = installedLayout(['@serverless-pyreqs/darwin-arm64']);
  writeLock(app, PLATFORMS.map((p) => p.pkg));
  const err = lookupError({ ...linux, packageRoot: root });
  assert.ok(err.message.includes(`Run \`npm ci\` in ${app} on this machine`), err.message);
});

test('diagnosis: pnpm layout gets pnpm commands', () => {
  const app = tmpdir('pyreqs-pnpm-');
  const root = path.join(app, 'node_modules', '.pnpm', 'serverless-pyreqs@0.1.0', 'node_modules', 'serverless-pyreqs');
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(app, 'pnpm-lock.yaml'), 'lockfileVersion: 9.0\n');
  const err = lookupError({ ...linux, packageRoot: root });
  assert.match(err.message, /pnpm skips optional dependencies with --no-optional/);
  assert.ok(err.message.includes(`Run \`pnpm install\` in ${app} without --no-optional`), err.message);
});

test('diagnosis: yarn node_modules layout gets yarn commands', () => {
  const { root, app } = installedLayout();
  fs.writeFileSync(path.join(app, 'node_modules', '.yarn-state.yml'), '__metadata:\n');
  fs.writeFileSync(path.join(app, 'yarn.lock'), '');
  const err = lookupError({ ...linux, packageRoot: root });
  assert.match(err.message, /supportedArchitectures includes "current" \(or os "linux" and cpu "x64"\)/);
  assert.ok(err.message.includes(`then run \`yarn install\` in ${app}.`), err.message);
});

/** A Yarn PnP layout: the platform package's binary inside a (folder named like a) zip. */
function pnpLayout(binaryBytes, hash) {
  const app = tmpdir('pyreqs-pnp-');
  const root = path.join(app, '.yarn', 'cache', 'serverless-pyreqs-npm-0.1.0-x.zip', 'node_modules', 'serverless-pyreqs');
  fs.mkdirSync(root, { recursive: true });
  const manifest = { name: 'serverless-pyreqs', version: '0.1.0' };
  if (hash) manifest.binaryHashes = { '@serverless-pyreqs/linux-x64': hash };
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify(manifest));
  const zipped = path.join(app, '.yarn', 'cache', 'linux-x64-npm-0.1.0-y.zip', 'node_modules', '@serverless-pyreqs', 'linux-x64', 'bin', 'pyreqs');
  fs.mkdirSync(path.dirname(zipped), { recursive: true });
  fs.writeFileSync(zipped, binaryBytes, { mode: 0o644 });
  const opts = { ...linux, packageRoot: root, resolve: () => zipped, pnpProjectRoot: () => app };
  return { app, opts };
}

test('Yarn PnP: a binary inside a zip is copied out to node_modules/.cache and made executable', () => {
  const bytes = Buffer.from('#!/bin/sh\necho pyreqs\n');
  const hash = require('crypto').createHash('sha256').update(bytes).digest('hex');
  const { app, opts } = pnpLayout(bytes, hash);
  const found = findBinary(opts);
  const want = path.join(app, 'node_modules', '.cache', 'serverless-pyreqs', 'pnpapi-serverless-pyreqs-linux-x64-0.1.0-pyreqs');
  assert.deepEqual([found.path, found.source], [want, 'package']);
  assert.deepEqual(fs.readFileSync(want), bytes);
  assert.equal(fs.statSync(want).mode & 0o777, 0o755);
  // Reused as it is on the next call; replaced when it no longer matches the recorded hash.
  assert.equal(findBinary(opts).path, want);
  fs.writeFileSync(want, 'tampered');
  assert.equal(findBinary(opts).path, want);
  assert.deepEqual(fs.readFileSync(want), bytes);
  assert.deepEqual(fs.readdirSync(path.dirname(want)), [path.basename(want)]);
});

test('Yarn PnP: a zipped binary that does not match binaryHashes is refused', () => {
  const { opts } = pnpLayout(Buffer.from('not pyreqs'), 'b'.repeat(64));
  const err = lookupError(opts);
  assert.match(err.message, /does not have the sha256 recorded by serverless-pyreqs 0\.1\.0 \(got [0-9a-f]{64}, want b{64}\)/);
  assert.match(err.message, /yarn cache clean/);
});

test('Yarn PnP: without a project folder the error says how to unplug the package', () => {
  const { opts } = pnpLayout(Buffer.from('x'), undefined);
  const err = lookupError({ ...opts, pnpProjectRoot: () => undefined });
  assert.match(err.message, /inside a zip archive \(Yarn PnP\)/);
  assert.match(err.message, /nodeLinker: node-modules/);
});
