'use strict';

// Loads the plugin into a real Serverless Framework v3 (not a dependency of this package).
// Looked up at $PYREQS_TEST_SERVERLESS_V3 (the folder of the `serverless` package), then in
// test/tools/node_modules/serverless (the pinned v3 that scripts/setup.sh installs), then
// /tmp/slsv3/node_modules/serverless. Skipped when absent, except under CI=true, where that fails.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { FAKE_BINARY, tmpdir } = require('./helpers');

const repoRoot = path.resolve(__dirname, '..', '..');
const slsDir =
  process.env.PYREQS_TEST_SERVERLESS_V3 ||
  [
    path.join(repoRoot, 'test', 'tools', 'node_modules', 'serverless'),
    path.join('/tmp', 'slsv3', 'node_modules', 'serverless'),
  ].find((d) => fs.existsSync(path.join(d, 'bin', 'serverless.js'))) ||
  path.join(repoRoot, 'test', 'tools', 'node_modules', 'serverless');
const slsBin = path.join(slsDir, 'bin', 'serverless.js');
const slsVersion = fs.existsSync(slsBin) ? require(path.join(slsDir, 'package.json')).version : null;
const skip = slsVersion && slsVersion.startsWith('3.') ? false : `serverless v3 not found at ${slsDir}`;
if (skip && process.env.CI === 'true') {
  test('serverless v3 is installed (CI=true: a missing tool fails)', () => {
    assert.fail(`${skip}: run \`bash scripts/setup.sh\``);
  });
}

const SERVERLESS_YML = `
service: pyreqs-shim-test
frameworkVersion: '3'
configValidationMode: error
provider:
  name: aws
  runtime: python3.11
plugins:
  - serverless-pyreqs
custom:
  pythonRequirements:
    zip: true
functions:
  hello:
    handler: handler.hello
    module: .
package:
  patterns:
    - '!**'
    - handler.py
`;

/** A service folder that lists the plugin, installed as a symlink to this checkout. */
function makeService(yml = SERVERLESS_YML) {
  const dir = tmpdir('pyreqs-sls3-');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(repoRoot, path.join(dir, 'node_modules', 'serverless-pyreqs'), 'dir');
  fs.writeFileSync(path.join(dir, 'serverless.yml'), yml);
  fs.writeFileSync(path.join(dir, 'handler.py'), 'def hello(event, context):\n    return 1\n');
  fs.writeFileSync(path.join(dir, 'extra.txt'), 'added by a result edit\n');
  return dir;
}

/** Runs `serverless <args>` in dir with the fake binary and a script. */
async function sls(dir, args, steps = [{ hello: true }], extraEnv = {}) {
  const record = path.join(dir, 'request.json');
  const hooklog = path.join(dir, 'hooks.log');
  fs.rmSync(record, { force: true });
  fs.rmSync(hooklog, { force: true });
  const child = spawn(process.execPath, [slsBin, ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120000,
    env: {
      ...process.env,
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      AWS_EC2_METADATA_DISABLED: 'true',
      PYREQS_BINARY_PATH: FAKE_BINARY,
      FAKE_PYREQS_SCRIPT: JSON.stringify(steps),
      FAKE_PYREQS_RECORD: record,
      FAKE_PYREQS_HOOKLOG: hooklog,
      ...extraEnv,
    },
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const code = await new Promise((resolve) => child.on('close', resolve));
  const read = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
  const request = read(record) ? JSON.parse(read(record)).request : null;
  return { code, output, request, hooks: read(hooklog).split('\n').filter(Boolean) };
}

const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;

// Each test has its own service folder; a Serverless run takes seconds, so run them side by side.
describe('serverless v3', { skip, concurrency: true }, () => {

  test('serverless v3 accepts the command registration', async () => {
    const dir = makeService();
    for (const args of [['requirements', '--help'], ['requirements']]) {
      const r = await sls(dir, args);
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /requirements install\s+install requirements manually/);
      assert.match(r.output, /requirements clean\s+Remove \.requirements and requirements\.zip/);
      assert.match(r.output, /requirements cleanCache\s+Removes all items in the pip download\/static cache/);
      assert.deepEqual(r.hooks, [], 'help must not run pyreqs');
    }
  });

  test('serverless v3 runs `requirements install` through the bridge', async () => {
    const dir = makeService();
    const r = await sls(dir, ['requirements', 'install', '--stage', 'qa'], [
      { hello: true },
      { event: { type: 'log', level: 'notice', message: 'FAKE INSTALL DONE' } },
      { event: { type: 'warning', message: 'FAKE WARNING' } },
      { event: { type: 'result', edits: {} } },
    ]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /FAKE INSTALL DONE/);
    assert.match(r.output, /Warning: FAKE WARNING/);
    assert.deepEqual(r.hooks, ['requirements:install:install']);
    assert.equal(r.request.phase, 'before');
    assert.equal(r.request.stage, 'qa');
    assert.equal(r.request.region, 'us-east-1');
    assert.equal(r.request.frameworkVersion, slsVersion);
    assert.equal(fs.realpathSync(r.request.servicePath), fs.realpathSync(dir));
    assert.equal(r.request.options.stage, 'qa');
    assert.deepEqual(r.request.service.custom, { pythonRequirements: { zip: true } });
    assert.equal(r.request.service.functions.hello.name, 'pyreqs-shim-test-qa-hello');
    assert.equal(r.request.service.functions.hello.module, '.');
  });

  test('serverless v3 shows an error event as a message without a stack trace', async () => {
    const dir = makeService();
    const r = await sls(dir, ['requirements', 'install'], [
      { hello: true },
      { event: { type: 'error', message: 'custom.pythonRequirements.zip: something is wrong', code: 'PYREQS_CONFIG' } },
      { exit: 1 },
    ]);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /Error:\s*\ncustom\.pythonRequirements\.zip: something is wrong/);
    assert.doesNotMatch(r.output, STACK_LINE);
    assert.doesNotMatch(r.output, /ServerlessError|ShimError/);
  });

  test('serverless v3 validates custom.pythonRequirements and function properties with our schema', async () => {
    let r = await sls(makeService(SERVERLESS_YML.replace('    zip: true', '    zipp: true')), ['requirements', 'clean']);
    assert.equal(r.code, 1, r.output);
    // Named, not "unsupported object format" (the block is if/then/else, not a top-level anyOf).
    assert.match(r.output, /at 'custom\.pythonRequirements': unrecognized property 'zipp'/);
    assert.doesNotMatch(r.output, /unsupported (object|configuration) format/);
    assert.deepEqual(r.hooks, []);

    r = await sls(makeService(SERVERLESS_YML.replace('    zip: true', '    layer:\n      nmae: deps')), ['requirements', 'clean']);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /at 'custom\.pythonRequirements\.layer': unrecognized property 'nmae'/);

    r = await sls(makeService(SERVERLESS_YML.replace('    module: .', '    module: .\n    modul: x')), ['requirements', 'clean']);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /Configuration error at 'functions\.hello': unrecognized property 'modul'/);

    // `module` and `vendor` are known; so are the option values the original accepts.
    const ok = SERVERLESS_YML.replace('    module: .', '    module: .\n    vendor: ./vendored').replace(
      '    zip: true',
      "    zip: 'true'\n    dockerizePip: non-linux\n    layer: true\n    slim: true\n    strip: Off\n    useStaticCache: 'YES'"
    );
    r = await sls(makeService(ok), ['requirements', 'clean']);
    assert.equal(r.code, 0, r.output);
    assert.doesNotMatch(r.output, /Configuration|Invalid configuration/);
    assert.deepEqual(r.hooks, ['requirements:clean:clean']);
  });

  test('serverless v3 `package` runs the package hooks in order and applies the edits', async () => {
    const dir = makeService();
    const r = await sls(dir, ['package'], [
      { hello: true },
      { event: { type: 'progress', id: 'python-install', message: 'Installing requirements' } },
      { event: { type: 'result', edits: { servicePatterns: ['extra.txt'] } } },
    ]);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(r.hooks, [
      'after:package:cleanup',
      'before:package:createDeploymentArtifacts',
      'after:package:createDeploymentArtifacts',
    ]);
    assert.equal(r.request.phase, 'after');
    // In the after phase Serverless has written the artifact path back (ensureFunctionPackage not
    // needed for the service artifact); the pattern pushed in `before` made it into the zip.
    const zip = fs.readFileSync(path.join(dir, '.serverless', 'pyreqs-shim-test.zip'));
    assert.ok(zip.includes(Buffer.from('extra.txt')), 'extra.txt is in the service zip');
    assert.ok(zip.includes(Buffer.from('handler.py')));
  });
});
