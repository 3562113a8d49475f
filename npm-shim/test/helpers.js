'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const FAKE_BINARY = path.join(__dirname, 'fixtures', 'fake-pyreqs');
fs.chmodSync(FAKE_BINARY, 0o755);

const tmpdirs = [];
process.on('exit', () => {
  for (const dir of tmpdirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the process exits. */
function tmpdir(prefix = 'pyreqs-shim-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpdirs.push(dir);
  return dir;
}

/** Stand-in for the framework's ServerlessError. */
class FakeServerlessError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}
Object.defineProperty(FakeServerlessError.prototype, 'name', { value: 'ServerlessError' });

/** A minimal Serverless instance, enough for the plugin. */
function fakeServerless(service = {}) {
  const schemaCalls = [];
  return {
    version: '3.40.0',
    serviceDir: '/srv/svc',
    service: {
      service: 'svc',
      provider: { name: 'aws', runtime: 'python3.11', stage: 'dev', region: 'us-east-1' },
      functions: { hello: { handler: 'handler.hello', name: 'svc-dev-hello' } },
      custom: { pythonRequirements: { zip: true } },
      ...service,
    },
    classes: { Error: FakeServerlessError },
    cli: { log() {} },
    schemaCalls,
    configSchemaHandler: {
      defineCustomProperties: (s) => schemaCalls.push(['custom', s]),
      defineFunctionProperties: (p, s) => schemaCalls.push(['function', p, s]),
    },
    getProvider(name) {
      if (name !== 'aws') return undefined;
      return { getStage: () => 'prod', getRegion: () => 'eu-west-1' };
    },
  };
}

/** Recording stand-ins for the v3 `log` and `progress` plugin utilities. */
function fakeUtils() {
  const calls = [];
  const log = (msg) => calls.push(['notice', msg]);
  for (const level of ['notice', 'info', 'verbose', 'debug', 'warning', 'error', 'success']) {
    log[level] = (msg) => calls.push([level, msg]);
  }
  const progress = {
    get: (id) => ({
      update: (msg) => calls.push(['progress.update', id, msg]),
      remove: () => calls.push(['progress.remove', id]),
    }),
  };
  return { log, progress, calls };
}

/**
 * Sets environment variables for the duration of fn (awaited), then restores them.
 * @param {Record<string, string | undefined>} vars
 * @param {() => any} fn
 */
async function withEnv(vars, fn) {
  const saved = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

module.exports = { FAKE_BINARY, tmpdir, fakeServerless, fakeUtils, withEnv, FakeServerlessError };
