#!/usr/bin/env node
// @ts-check
'use strict';

/**
 * The release build (`npm run dist`): esbuild's npm model, generated from the one platform table
 * (npm-shim/platforms.js) and the one version (package.json).
 *
 *   node scripts/dist.js [--out DIR]   cross-compiles pyreqs for every platform and writes into
 *                                      DIR (default dist/, git-ignored):
 *       npm/<os>-<cpu>/                 the generated platform package (package.json, README.md,
 *                                       bin/pyreqs[.exe])
 *       npm/serverless-pyreqs/          the main package as published: the files `npm pack` takes
 *                                       from the repository, minus the local build bin/pyreqs,
 *                                       with binaryHashes (sha256 of every platform binary)
 *       *.tgz                           `npm pack` of each of them
 *       manifest.json, SHA256SUMS       versions, sizes and hashes; publish order (platform
 *                                       packages first, the main package last)
 *   node scripts/dist.js --sync        rewrites optionalDependencies of package.json from the
 *                                       table and the version (run after changing either; `npm
 *                                       version` runs it)
 *   node scripts/dist.js --check       exits 1 when package.json is out of step with the table
 *
 * Reproducible: the same commit, Go toolchain and npm give byte-identical tarballs (static Go
 * builds with -trimpath -buildvcs=false -buildid=, fixed file modes, npm pack's fixed mtimes and
 * sorted file list).
 */

const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { execFileSync, spawn } = require('child_process');
const { PLATFORMS } = require('../npm-shim/platforms');

const ROOT = path.resolve(__dirname, '..');
const GO_MODULE = 'github.com/serverless-pyreqs/serverless-pyreqs';
const VERSION_VAR = `${GO_MODULE}/goplugin/internal/cli.Version`;
/** Marks a folder written by this script, so --out never deletes anything else. */
const MARKER = '.pyreqs-dist';
/** Scripts npm runs on the user's machine at install time: the published packages have none. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

/** @param {string} file */
function readJSON(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** @param {string} file @param {unknown} value */
function writeJSON(file, value) {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/**
 * optionalDependencies of the main package: every platform package at exactly `version`.
 * @param {string} version
 * @returns {Record<string, string>}
 */
function optionalDependencies(version) {
  /** @type {Record<string, string>} */
  const deps = {};
  for (const p of PLATFORMS) deps[p.pkg] = version;
  return deps;
}

/**
 * Problems that put package.json out of step with the platform table (empty when in step).
 * @param {Record<string, any>} pkg the root package.json
 * @returns {string[]}
 */
function lockstepProblems(pkg) {
  const problems = [];
  const want = optionalDependencies(pkg.version);
  const have = pkg.optionalDependencies || {};
  for (const [name, version] of Object.entries(want)) {
    if (have[name] !== version) {
      problems.push(
        `optionalDependencies["${name}"] is ${have[name] === undefined ? 'missing' : `"${have[name]}"`}, want "${version}" (the package version)`
      );
    }
  }
  for (const name of Object.keys(have)) {
    if (!(name in want)) problems.push(`optionalDependencies["${name}"] is not in npm-shim/platforms.js`);
  }
  const keys = Object.keys(have).join(',');
  if (problems.length === 0 && keys !== Object.keys(want).join(',')) {
    problems.push('optionalDependencies are not in the order of npm-shim/platforms.js');
  }
  for (const s of INSTALL_SCRIPTS) {
    if (pkg.scripts && pkg.scripts[s]) {
      problems.push(`scripts.${s} is set: serverless-pyreqs must install without lifecycle scripts (pnpm 10, --ignore-scripts)`);
    }
  }
  return problems;
}

/**
 * package.json of a platform package.
 * @param {import('../npm-shim/platforms').PlatformEntry} p
 * @param {Record<string, any>} root the root package.json
 */
function platformManifest(p, root) {
  /** @type {Record<string, any>} */
  const m = {
    name: p.pkg,
    version: root.version,
    description: `The ${p.os} ${p.cpu} binary of serverless-pyreqs (installed by serverless-pyreqs; do not depend on it directly).`,
    license: root.license,
  };
  if (root.repository) m.repository = root.repository;
  if (root.homepage) m.homepage = root.homepage;
  Object.assign(m, {
    engines: root.engines,
    os: [p.os],
    cpu: [p.cpu],
    preferUnplugged: true,
    files: [p.binSubpath],
  });
  return m;
}

/** @param {import('../npm-shim/platforms').PlatformEntry} p @param {string} version */
function platformReadme(p, version) {
  return [
    `# ${p.pkg}`,
    '',
    `The \`pyreqs\` binary of [serverless-pyreqs](https://www.npmjs.com/package/serverless-pyreqs) ${version}`,
    `for ${p.os} ${p.cpu} (Go ${p.goos}/${p.goarch}, static, built with \`CGO_ENABLED=0\`).`,
    '',
    'Do not install this package yourself: install `serverless-pyreqs`, which lists every platform',
    'package as an optional dependency. npm, pnpm and Yarn install only the one whose `os` and `cpu`',
    'match the machine, and the plugin finds it without any install script.',
    '',
  ].join('\n');
}

/**
 * package.json of the main package as published: the root's, without the scripts and dev
 * dependencies of the repository and without the local build, plus the binaries' hashes.
 * @param {Record<string, any>} root
 * @param {Record<string, string>} hashes package name → sha256 of its binary
 */
function mainManifest(root, hashes) {
  /** @type {Record<string, any>} */
  const m = {};
  for (const [key, value] of Object.entries(root)) {
    if (key === 'scripts' || key === 'devDependencies') continue;
    if (key === 'files') {
      m.files = value.filter((/** @type {string} */ f) => !/^!?bin\//.test(f));
      continue;
    }
    m[key] = value;
  }
  m.optionalDependencies = optionalDependencies(root.version);
  m.binaryHashes = hashes;
  return m;
}

/** @param {string} file */
function sha256File(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Runs a command; rejects with its output tail on failure.
 * @param {string} cmd @param {string[]} args @param {import('child_process').SpawnOptions} opts
 * @returns {Promise<string>} stdout
 */
function run(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (err += d));
    child.on('error', (e) =>
      reject(new Error(`${cmd} could not be started (${e.message}); is it installed and on PATH?`))
    );
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}):\n${(out + err).slice(-4000)}`));
    });
  });
}

/**
 * Cross-compiles pyreqs for one platform into `dest`.
 * @param {import('../npm-shim/platforms').PlatformEntry} p @param {string} version @param {string} dest
 */
async function goBuild(p, version, dest) {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const env = {
    ...process.env,
    CGO_ENABLED: '0',
    GOOS: p.goos,
    GOARCH: p.goarch,
    // Pin the micro-architecture levels, so a developer's GOAMD64/GOARM64 cannot change the bytes.
    GOAMD64: 'v1',
    GOARM64: 'v8.0',
  };
  await run(
    'go',
    [
      'build',
      '-trimpath',
      '-buildvcs=false',
      '-ldflags',
      `-s -w -buildid= -X ${VERSION_VAR}=${version}`,
      '-o',
      dest,
      './goplugin',
    ],
    { cwd: ROOT, env }
  );
  fs.chmodSync(dest, 0o755);
}

/**
 * `npm pack` of a folder into `outDir`; returns the tarball's file name.
 * @param {string} dir @param {string} outDir
 */
async function npmPack(dir, outDir) {
  const out = await run(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', outDir],
    { cwd: dir, env: { ...process.env, npm_config_update_notifier: 'false' } }
  );
  const packed = JSON.parse(out.slice(out.indexOf('[')));
  return path.basename(packed[0].filename);
}

/** Files `npm pack` takes from the repository root (the `files` allowlist), sorted. */
async function rootPackFiles() {
  const out = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  const packed = JSON.parse(out.slice(out.indexOf('[')));
  return packed[0].files.map((/** @type {{path: string}} */ f) => f.path).sort();
}

/**
 * Sets fixed modes on a staged package (0755 folders and binaries, 0644 files): the tarball must
 * not depend on the umask or on how the repository was checked out.
 * @param {string} dir @param {Set<string>} executables absolute paths
 */
function normaliseModes(dir, executables) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      fs.chmodSync(p, 0o755);
      normaliseModes(p, executables);
    } else {
      fs.chmodSync(p, executables.has(p) ? 0o755 : 0o644);
    }
  }
}

/** @param {string} out */
function prepareOut(out) {
  if (fs.existsSync(out)) {
    const entries = fs.readdirSync(out);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new Error(
        `${out} exists and was not written by scripts/dist.js (no ${MARKER} file): ` +
          'remove it or pass another --out folder.'
      );
    }
    fs.rmSync(out, { recursive: true, force: true });
  }
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, MARKER), 'written by scripts/dist.js; deleted on every run\n');
}

/** @param {string} out */
async function dist(out) {
  const started = Date.now();
  const root = readJSON(path.join(ROOT, 'package.json'));
  const version = root.version;
  const problems = lockstepProblems(root);
  if (problems.length > 0) {
    throw new Error(
      `package.json is out of step with npm-shim/platforms.js:\n  ${problems.join('\n  ')}\n` +
        'Run `node scripts/dist.js --sync` and commit package.json.'
    );
  }
  prepareOut(out);
  const npmDir = path.join(out, 'npm');
  const goVersion = (await run('go', ['env', 'GOVERSION'], { cwd: ROOT })).trim();

  // Two builds at a time: go build is parallel inside, and the linker is mostly serial.
  /** @type {Record<string, string>} */
  const hashes = {};
  /** @type {Record<string, {path: string, size: number, sha256: string}>} */
  const binaries = {};
  const queue = PLATFORMS.slice();
  const workers = Array.from({ length: Math.min(2, os.cpus().length || 1) }, async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      const dir = path.join(npmDir, p.key);
      const bin = path.join(dir, p.binSubpath);
      const t = Date.now();
      await goBuild(p, version, bin);
      const sha256 = sha256File(bin);
      hashes[p.pkg] = sha256;
      binaries[p.pkg] = { path: path.relative(out, bin), size: fs.statSync(bin).size, sha256 };
      writeJSON(path.join(dir, 'package.json'), platformManifest(p, root));
      fs.writeFileSync(path.join(dir, 'README.md'), platformReadme(p, version));
      normaliseModes(dir, new Set([bin]));
      log(`built ${p.pkg} (${p.goos}/${p.goarch}) in ${secs(t)}`);
    }
  });
  await Promise.all(workers);

  // The binary for this machine must print the version it was stamped with.
  const here = PLATFORMS.find((p) => p.key === `${process.platform}-${process.arch}`);
  if (here) {
    const bin = path.join(npmDir, here.key, here.binSubpath);
    const said = execFileSync(bin, ['version'], { encoding: 'utf8' }).trim();
    if (said !== version) throw new Error(`${bin} says version "${said}", want "${version}"`);
  }

  // The main package: what `npm pack` takes from the repository, without the local build.
  const mainDir = path.join(npmDir, root.name);
  for (const rel of await rootPackFiles()) {
    if (rel === 'package.json' || rel.startsWith('bin/')) continue;
    const dest = path.join(mainDir, rel);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(path.join(ROOT, rel), dest);
  }
  /** @type {Record<string, string>} */
  const orderedHashes = {};
  for (const p of PLATFORMS) orderedHashes[p.pkg] = hashes[p.pkg];
  writeJSON(path.join(mainDir, 'package.json'), mainManifest(root, orderedHashes));
  normaliseModes(mainDir, new Set());

  // Platform packages first, the main package last: the order to publish in.
  const order = [...PLATFORMS.map((p) => ({ name: p.pkg, dir: path.join(npmDir, p.key) })), { name: root.name, dir: mainDir }];
  const packages = [];
  for (const { name, dir } of order) {
    const tarball = await npmPack(dir, out);
    const file = path.join(out, tarball);
    packages.push({
      name,
      version,
      tarball,
      size: fs.statSync(file).size,
      sha256: sha256File(file),
      ...(binaries[name] ? { binary: binaries[name] } : {}),
    });
  }
  writeJSON(path.join(out, 'manifest.json'), {
    version,
    go: goVersion,
    node: process.version,
    packages,
  });
  const sums = [
    ...packages.map((p) => `${p.sha256}  ${p.tarball}`),
    ...packages.filter((p) => p.binary).map((p) => `${p.binary?.sha256}  ${p.binary?.path}`),
  ];
  fs.writeFileSync(path.join(out, 'SHA256SUMS'), sums.join('\n') + '\n');

  log(`\n${'package'.padEnd(34)} ${'tarball'.padStart(10)} ${'binary'.padStart(10)}  sha256 (tarball)`);
  for (const p of packages) {
    log(
      `${p.name.padEnd(34)} ${kib(p.size).padStart(10)} ${(p.binary ? kib(p.binary.size) : '-').padStart(10)}  ${p.sha256.slice(0, 16)}`
    );
  }
  log(`\ndist: ${packages.length} packages of ${version} in ${path.relative(process.cwd(), out) || '.'} (${goVersion}, ${secs(started)})`);
}

/** Rewrites optionalDependencies of package.json from the table (keeps every other key). */
function sync() {
  const file = path.join(ROOT, 'package.json');
  const pkg = readJSON(file);
  const before = JSON.stringify(pkg);
  /** @type {Record<string, any>} */
  const next = {};
  let placed = false;
  for (const [key, value] of Object.entries(pkg)) {
    if (key === 'optionalDependencies') {
      next[key] = optionalDependencies(pkg.version);
      placed = true;
    } else {
      next[key] = value;
    }
  }
  if (!placed) next.optionalDependencies = optionalDependencies(pkg.version);
  if (JSON.stringify(next) === before) {
    log(`package.json is in step (${pkg.version})`);
    return;
  }
  writeJSON(file, next);
  log(`package.json: optionalDependencies set to ${PLATFORMS.length} platform packages at ${pkg.version}`);
}

/** @param {number} t */
function secs(t) {
  return `${((Date.now() - t) / 1000).toFixed(1)}s`;
}
/** @param {number} n */
function kib(n) {
  return `${(n / 1024).toFixed(0)} KiB`;
}
/** @param {string} msg */
function log(msg) {
  process.stdout.write(msg + '\n');
}

async function main() {
  const args = process.argv.slice(2);
  let out = path.join(ROOT, 'dist');
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--sync') return sync();
    if (a === '--check') {
      const problems = lockstepProblems(readJSON(path.join(ROOT, 'package.json')));
      if (problems.length === 0) return log('package.json is in step with npm-shim/platforms.js');
      process.stderr.write(`dist: package.json is out of step:\n  ${problems.join('\n  ')}\nRun \`node scripts/dist.js --sync\`.\n`);
      process.exitCode = 1;
      return;
    }
    if (a === '--out' && args[i + 1]) {
      out = path.resolve(args[++i]);
    } else if (a.startsWith('--out=')) {
      out = path.resolve(a.slice('--out='.length));
    } else {
      throw new Error(`unknown argument "${a}"; usage: node scripts/dist.js [--out DIR] | --sync | --check`);
    }
  }
  await dist(out);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`dist: ${err.message}\n`);
    process.exit(1);
  });
}

module.exports = { optionalDependencies, lockstepProblems, platformManifest, mainManifest, INSTALL_SCRIPTS };
