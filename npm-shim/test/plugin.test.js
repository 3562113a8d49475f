'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const ServerlessPyreqs = require('..');
const { FAKE_BINARY, tmpdir, fakeServerless, fakeUtils, withEnv, FakeServerlessError } = require('./helpers');

const VERSION = require('../../package.json').version;

/**
 * Runs one hook of a fresh plugin against the fake binary with the given script.
 * @returns {Promise<{ sls, utils, request, argv, error }>}
 */
async function runHook(hook, steps, { sls = fakeServerless(), options = {}, utils = fakeUtils() } = {}) {
  const record = path.join(tmpdir(), 'request.json');
  const plugin = new ServerlessPyreqs(sls, options, utils);
  let error = null;
  await withEnv(
    {
      PYREQS_BINARY_PATH: FAKE_BINARY,
      FAKE_PYREQS_SCRIPT: JSON.stringify(steps),
      FAKE_PYREQS_RECORD: record,
    },
    async () => {
      try {
        await plugin.hooks[hook]();
      } catch (err) {
        error = err;
      }
    }
  );
  const recorded = fs.existsSync(record) ? JSON.parse(fs.readFileSync(record, 'utf8')) : {};
  return { sls, utils, plugin, error, request: recorded.request, argv: recorded.argv };
}

const HOOKS = [
  'after:package:cleanup',
  'before:package:createDeploymentArtifacts',
  'before:deploy:function:packageFunction',
  'requirements:install:install',
  'after:package:createDeploymentArtifacts',
  'after:deploy:function:packageFunction',
  'requirements:clean:clean',
  'requirements:cleanCache:cleanCache',
  'requirements:report:report', // issue 12
];

test('constructor registers the commands, exactly the hooks of spec B.1, and the schema', () => {
  const sls = fakeServerless();
  const plugin = new ServerlessPyreqs(sls, {}, fakeUtils());
  assert.deepEqual(plugin.commands, {
    requirements: {
      usage: 'Serverless plugin to bundle Python packages',
      type: 'container',
      commands: {
        install: { usage: 'install requirements manually', lifecycleEvents: ['install'] },
        clean: { usage: 'Remove .requirements and requirements.zip', lifecycleEvents: ['clean'] },
        cleanCache: {
          usage: 'Removes all items in the pip download/static cache (if present)',
          lifecycleEvents: ['cleanCache'],
          options: {
            remote: {
              usage: 'Also empty the remoteCache bucket prefix (left alone without this flag)',
              type: 'boolean',
            },
          },
        },
        report: {
          usage: 'Sizes against the Lambda limits, packages by size, and why the cache will miss',
          lifecycleEvents: ['report'],
          options: {
            json: { usage: 'Print the report as JSON', type: 'boolean' },
            html: {
              usage: 'Write an HTML page with a treemap (and a .meta.json beside it) to this path',
              type: 'string',
            },
          },
        },
      },
    },
  });
  assert.deepEqual(Object.keys(plugin.hooks).sort(), [...HOOKS].sort());

  assert.equal(sls.schemaCalls.length, 2);
  const [custom, fn] = sls.schemaCalls;
  assert.equal(custom[0], 'custom');
  assert.equal(custom[1].type, 'object');
  assert.deepEqual(Object.keys(custom[1].properties), ['pythonRequirements']);
  assert.equal(custom[1].properties.pythonRequirements.$schema, undefined);
  assert.deepEqual([fn[0], fn[1]], ['function', 'aws']);
  assert.deepEqual(Object.keys(fn[2]).sort(), ['properties']);
  assert.deepEqual(Object.keys(fn[2].properties).sort(), ['app', 'module', 'requirementsLayers', 'vendor']);
});

test('constructor reads no configuration (variables are not resolved yet)', () => {
  const sls = fakeServerless();
  const touched = [];
  sls.service = new Proxy(sls.service, {
    get(target, key) {
      touched.push(key);
      return target[key];
    },
  });
  new ServerlessPyreqs(sls, {}, fakeUtils());
  assert.deepEqual(touched, []);
});

test('constructor works on frameworks without a schema handler; v1/v2 get the help hook', () => {
  const generated = [];
  const sls = { service: {}, cli: { log() {}, generateCommandsHelp: (c) => generated.push(c) } };
  const plugin = new ServerlessPyreqs(sls, {});
  assert.deepEqual(plugin.commands.requirements.lifecycleEvents, ['requirements']);
  assert.equal(plugin.commands.requirements.type, undefined);
  assert.deepEqual(Object.keys(plugin.hooks).sort(), [...HOOKS, 'requirements:requirements'].sort());
  return plugin.hooks['requirements:requirements']().then(() => assert.deepEqual(generated, [['requirements']]));
});

test('a schema collision explains how to replace serverless-python-requirements', () => {
  const sls = fakeServerless();
  sls.configSchemaHandler.defineCustomProperties = () => {
    throw Object.assign(new Error("Property 'custom.pythonRequirements' already have a definition"), {
      code: 'SCHEMA_COLLISION',
    });
  };
  assert.throws(
    () => new ServerlessPyreqs(sls, {}, fakeUtils()),
    (err) =>
      err instanceof FakeServerlessError &&
      err.code === 'PYREQS_SCHEMA_COLLISION' &&
      /Remove "serverless-python-requirements" from the plugins/.test(err.message) &&
      /serverless-python-requirements@npm:serverless-pyreqs/.test(err.message)
  );
});

test('each hook sends its request to `pyreqs bridge`', async () => {
  const phases = {};
  for (const hook of HOOKS) {
    const { request, argv, error } = await runHook(hook, [{ hello: true }]);
    assert.equal(error, null, hook);
    assert.deepEqual(argv, ['bridge']);
    assert.equal(request.hook, hook);
    assert.equal(request.protocol, 1);
    assert.equal(request.shimVersion, VERSION);
    assert.equal(request.servicePath, '/srv/svc');
    assert.equal(request.stage, 'prod');
    assert.equal(request.region, 'eu-west-1');
    assert.equal(request.frameworkVersion, '3.40.0');
    assert.deepEqual(request.service.custom, { pythonRequirements: { zip: true } });
    phases[hook] = request.phase;
  }
  assert.deepEqual(phases, {
    'after:package:cleanup': 'invalidate',
    'before:package:createDeploymentArtifacts': 'before',
    'before:deploy:function:packageFunction': 'before',
    'requirements:install:install': 'before',
    'after:package:createDeploymentArtifacts': 'after',
    'after:deploy:function:packageFunction': 'after',
    'requirements:clean:clean': 'clean',
    'requirements:cleanCache:cleanCache': 'cleanCache',
    'requirements:report:report': 'report',
  });
});

test('functionObj set on the shared options after construction is passed through', async () => {
  const sls = fakeServerless();
  const options = { stage: 'prod' };
  const utils = fakeUtils();
  const record = path.join(tmpdir(), 'r.json');
  const plugin = new ServerlessPyreqs(sls, options, utils);
  // What `deploy function` does during deploy:function:initialize, after plugins are built.
  options.function = 'hello';
  options.functionObj = sls.service.functions.hello;
  await withEnv(
    { PYREQS_BINARY_PATH: FAKE_BINARY, FAKE_PYREQS_SCRIPT: '[{"hello":true}]', FAKE_PYREQS_RECORD: record },
    () => plugin.hooks['before:deploy:function:packageFunction']()
  );
  const { request } = JSON.parse(fs.readFileSync(record, 'utf8'));
  assert.deepEqual(request.functionObj, { handler: 'handler.hello', name: 'svc-dev-hello' });
  assert.deepEqual(request.options, { stage: 'prod', function: 'hello' });
});

test('events map onto log, warning and progress; stderr goes to verbose', async () => {
  const { utils, error } = await runHook('before:package:createDeploymentArtifacts', [
    { hello: true },
    { stderr: 'debug noise' },
    { event: { type: 'log', level: 'notice', message: 'Installing requirements' } },
    { event: { type: 'log', level: 'info', message: 'info msg' } },
    { event: { type: 'log', level: 'verbose', message: 'verbose msg' } },
    { event: { type: 'log', level: 'debug', message: 'debug msg' } },
    { event: { type: 'log', level: 'shout', message: 'unknown level' } },
    { event: { type: 'warning', message: 'careful' } },
    { event: { type: 'progress', id: 'python-install', message: 'Installing' } },
    { event: { type: 'progress', id: 'python-install', message: 'Still installing' } },
    { event: { type: 'progress', id: 'python-install', done: true } },
    { event: { type: 'progress', id: 'python-pack-requirements', message: 'Zipping' } },
    { event: { type: 'future', x: 1 } },
    { raw: 'not json\n' },
  ]);
  assert.equal(error, null);
  // stderr and stdout are separate pipes: their relative order is not defined.
  assert.ok(utils.calls.some((c) => c[0] === 'verbose' && c[1] === 'debug noise'));
  const calls = utils.calls.filter(
    (c) => !(c[0] === 'debug' && /^pyreqs: (before|ignoring)/.test(c[1])) && c[1] !== 'debug noise'
  );
  assert.deepEqual(calls, [
    ['notice', 'Installing requirements'],
    ['info', 'info msg'],
    ['verbose', 'verbose msg'],
    ['debug', 'debug msg'],
    ['notice', 'unknown level'],
    ['warning', 'careful'],
    ['progress.update', 'python-install', 'Installing'],
    ['progress.update', 'python-install', 'Still installing'],
    ['progress.remove', 'python-install'],
    ['progress.update', 'python-pack-requirements', 'Zipping'],
    ['verbose', '(stdout) not json'],
    // left over at exit
    ['progress.remove', 'python-pack-requirements'],
  ]);
  assert.ok(utils.calls.some((c) => c[0] === 'debug' && /unknown event type "future"/.test(c[1])));
});

test('the result edits are applied to serverless.service', async () => {
  const { sls, error } = await runHook('before:package:createDeploymentArtifacts', [
    { hello: true },
    {
      event: {
        type: 'result',
        edits: {
          servicePatterns: ['unzip_requirements.py', '.requirements.zip'],
          functionModules: { hello: '.' },
          ensureFunctionPackage: true,
          layers: { pythonRequirements: { artifact: 'x.zip', name: 'svc-prod-python-requirements' } },
        },
      },
    },
  ]);
  assert.equal(error, null);
  assert.deepEqual(sls.service.package, { patterns: ['unzip_requirements.py', '.requirements.zip'] });
  assert.deepEqual(sls.service.functions.hello, {
    handler: 'handler.hello',
    name: 'svc-dev-hello',
    module: '.',
    package: {},
  });
  assert.deepEqual(sls.service.layers, {
    pythonRequirements: { artifact: 'x.zip', name: 'svc-prod-python-requirements' },
  });
});

test('an error event becomes one ServerlessError with its message and code; no edits applied', async () => {
  const { sls, error } = await runHook('before:package:createDeploymentArtifacts', [
    { hello: true },
    { event: { type: 'result', edits: { servicePatterns: ['x'] } } },
    { event: { type: 'error', message: 'custom.pythonRequirements.zip: must be a boolean', code: 'PYREQS_CONFIG' } },
    { event: { type: 'error', message: 'second error', code: 'OTHER' } },
    { exit: 1 },
  ]);
  assert.ok(error instanceof FakeServerlessError);
  assert.equal(error.name, 'ServerlessError');
  assert.equal(error.message, 'custom.pythonRequirements.zip: must be a boolean');
  assert.equal(error.code, 'PYREQS_CONFIG');
  assert.equal(sls.service.package, undefined);
});

test('an error event with fields renders key, message, output and the fix on its own line', async () => {
  const { error } = await runHook('before:package:createDeploymentArtifacts', [
    { hello: true },
    {
      event: {
        type: 'error',
        code: 'PYTHON_REQUIREMENTS_INSTALL_FAILED',
        key: 'custom.pythonRequirements.pythonBin',
        message: 'pip failed (exit code 1)',
        output: 'ERROR: No matching distribution found for nosuchpkg\n',
        fix: 'Check the package names.',
      },
    },
    { exit: 1 },
  ]);
  assert.ok(error instanceof FakeServerlessError);
  assert.equal(error.code, 'PYTHON_REQUIREMENTS_INSTALL_FAILED');
  assert.equal(
    error.message,
    'custom.pythonRequirements.pythonBin: pip failed (exit code 1)\n' +
      '--- output (last lines) ---\nERROR: No matching distribution found for nosuchpkg\n' +
      'Check the package names.'
  );
});

test('a warning event with fields goes to log.warning with its file and fix', async () => {
  const { utils, error } = await runHook('before:package:createDeploymentArtifacts', [
    { hello: true },
    {
      event: {
        type: 'warning',
        code: 'PYREQS_EDITABLE_STRIPPED',
        file: 'requirements.txt',
        message: 'Stripping -e flag from requirement ./pkg',
        fix: 'Write it without -e.',
      },
    },
    { event: { type: 'warning', code: 'PYREQS_UNKNOWN_OPTION', key: 'custom.pythonRequirements.zipp', message: 'is not an option' } },
  ]);
  assert.equal(error, null);
  const warnings = utils.calls.filter((c) => c[0] === 'warning');
  assert.deepEqual(warnings, [
    ['warning', 'requirements.txt: Stripping -e flag from requirement ./pkg\nWrite it without -e.'],
    ['warning', 'custom.pythonRequirements.zipp: is not an option'],
  ]);
});

test('a warning repeated by every hook of a run is shown once; other warnings still show', async () => {
  const sls = fakeServerless();
  const utils = fakeUtils();
  const plugin = new ServerlessPyreqs(sls, {}, utils);
  const unknown = {
    type: 'warning',
    code: 'PYREQS_UNKNOWN_OPTION',
    key: 'custom.pythonRequirements.zipp',
    message: 'is not an option of serverless-pyreqs and is ignored.',
    fix: 'Did you mean zip?',
  };
  const run = (hook, events) =>
    withEnv(
      { PYREQS_BINARY_PATH: FAKE_BINARY, FAKE_PYREQS_SCRIPT: JSON.stringify([{ hello: true }, ...events.map((event) => ({ event }))]) },
      () => plugin.hooks[hook]()
    );
  await run('before:package:createDeploymentArtifacts', [unknown]);
  await run('after:package:createDeploymentArtifacts', [unknown, { ...unknown, key: 'custom.pythonRequirements.slimm' }]);
  await run('after:package:cleanup', [unknown]);
  const warnings = utils.calls.filter((c) => c[0] === 'warning').map((c) => c[1]);
  assert.deepEqual(warnings, [
    'custom.pythonRequirements.zipp: is not an option of serverless-pyreqs and is ignored.\nDid you mean zip?',
    'custom.pythonRequirements.slimm: is not an option of serverless-pyreqs and is ignored.\nDid you mean zip?',
  ]);
  // A new plugin object (a new run) shows it again.
  const again = await runHook('after:package:cleanup', [{ hello: true }, { event: unknown }], { utils: fakeUtils() });
  assert.equal(again.utils.calls.filter((c) => c[0] === 'warning').length, 1);
});

test('an error event without a code gets PYREQS_ERROR; a plain Error named ServerlessError without classes', async () => {
  const sls = fakeServerless();
  delete sls.classes;
  const { error } = await runHook('requirements:install:install', [
    { hello: true },
    { event: { type: 'error', message: 'boom' } },
    { exit: 1 },
  ], { sls });
  assert.equal(error.name, 'ServerlessError');
  assert.deepEqual([error.message, error.code], ['boom', 'PYREQS_ERROR']);
});

test('hello with another version is a mismatch error that says what to do', async () => {
  const { error } = await runHook('before:package:createDeploymentArtifacts', [
    { hello: { version: '9.9.9' } },
    { event: { type: 'error', message: 'Host version mismatch from the binary', code: 'PYREQS_VERSION_MISMATCH' } },
    { exit: 3 },
  ]);
  assert.ok(error instanceof FakeServerlessError);
  assert.equal(error.code, 'PYREQS_VERSION_MISMATCH');
  assert.match(error.message, new RegExp(`Host version "${VERSION.replace(/\./g, '\\.')}".*does not match binary version "9\\.9\\.9"`));
  assert.match(error.message, /PYREQS_BINARY_PATH points at it/);
});

test('exit code 3 without events is a version mismatch', async () => {
  const { error } = await runHook('requirements:install:install', [{ stderr: 'version mismatch' }, { exit: 3 }]);
  assert.equal(error.code, 'PYREQS_VERSION_MISMATCH');
  assert.match(error.message, /version mismatch/);
});

test('a crash without an error event reports the tail of stderr', async () => {
  const lines = Array.from({ length: 30 }, (_, i) => ({ stderr: `line ${i + 1}` }));
  const { error, utils } = await runHook('before:package:createDeploymentArtifacts', [
    { hello: true },
    { event: { type: 'progress', id: 'python-install', message: 'Installing' } },
    ...lines,
    { stderr: 'panic: runtime error: index out of range' },
    { exit: 2 },
  ]);
  assert.ok(error instanceof FakeServerlessError);
  assert.equal(error.code, 'PYREQS_BINARY_CRASHED');
  assert.match(error.message, /exited with code 2 without reporting an error/);
  assert.match(error.message, /panic: runtime error/);
  assert.match(error.message, /line 30/);
  assert.match(error.message, /line 12\n/);
  assert.doesNotMatch(error.message, /line 11\n/);
  assert.deepEqual(utils.calls.at(-1), ['progress.remove', 'python-install']);
});

test('death by signal is reported', async () => {
  const { error } = await runHook('requirements:install:install', [
    { hello: true },
    { stderr: 'about to die' },
    { kill: 'SIGKILL' },
  ]);
  assert.equal(error.code, 'PYREQS_BINARY_CRASHED');
  assert.match(error.message, /was killed by signal SIGKILL/);
  assert.match(error.message, /about to die/);
});

test('a binary that does not say hello is refused', async () => {
  let { error } = await runHook('requirements:install:install', []);
  assert.equal(error.code, 'PYREQS_PROTOCOL_ERROR');
  assert.match(error.message, /no "hello" event/);
  ({ error } = await runHook('requirements:install:install', [
    { event: { type: 'result', edits: {} } },
    { sleep: 2000 },
  ]));
  assert.equal(error.code, 'PYREQS_PROTOCOL_ERROR');
  assert.match(error.message, /did not start with a "hello" event \(got "result"\)/);
});

test('a binary that cannot be started is reported', async () => {
  const notExec = path.join(tmpdir(), 'pyreqs');
  fs.writeFileSync(notExec, 'x');
  fs.chmodSync(notExec, 0o644);
  const plugin = new ServerlessPyreqs(fakeServerless(), {}, fakeUtils());
  await withEnv({ PYREQS_BINARY_PATH: notExec }, async () => {
    await assert.rejects(plugin.hooks['requirements:install:install'](), (err) => {
      assert.equal(err.code, 'PYREQS_BINARY_NOT_RUNNABLE');
      assert.match(err.message, /Could not start pyreqs/);
      assert.match(err.message, /not executable/);
      return true;
    });
  });
});

test('a missing PYREQS_BINARY_PATH is warned about through log.warning', async () => {
  const utils = fakeUtils();
  const plugin = new ServerlessPyreqs(fakeServerless(), {}, utils);
  await withEnv({ PYREQS_BINARY_PATH: '/does/not/exist' }, async () => {
    try {
      await plugin.hooks['requirements:install:install']();
    } catch (err) {
      // Without a local build this is the not-found diagnosis; fine either way.
      assert.equal(err.name, 'ServerlessError');
    }
  });
  assert.ok(utils.calls.some((c) => c[0] === 'warning' && /PYREQS_BINARY_PATH is set to "\/does\/not\/exist"/.test(c[1])));
});

test('without v3 log utilities messages go to serverless.cli.log', async () => {
  const sls = fakeServerless();
  const lines = [];
  sls.cli = { log: (m) => lines.push(m) };
  const { error } = await runHook('before:package:createDeploymentArtifacts', [
    { hello: true },
    { event: { type: 'log', level: 'notice', message: 'hello' } },
    { event: { type: 'log', level: 'debug', message: 'hidden' } },
    { event: { type: 'warning', message: 'careful' } },
    { event: { type: 'progress', id: 'p', message: 'Installing' } },
  ], { sls, utils: {} });
  assert.equal(error, null);
  assert.deepEqual(lines, ['hello', 'WARNING: careful', 'Installing...']);
});

test('signal listeners are removed after each run', async () => {
  const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
  await runHook('requirements:clean:clean', [{ hello: true }]);
  await runHook('requirements:clean:clean', [{ exit: 2 }]);
  assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], before);
});
