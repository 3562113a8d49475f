'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { EventEmitter } = require('events');
const { runBridge } = require('../bridge');
const { FAKE_BINARY, tmpdir } = require('./helpers');

const VERSION = require('../../package.json').version;

/** Waits until a file exists. */
async function waitForFile(file, timeoutMs = 10000) {
  const start = Date.now();
  while (!fs.existsSync(file)) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${file}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const silentReporter = {
  log() {},
  warning() {},
  progressUpdate() {},
  progressRemove() {},
  stderr() {},
};

for (const signal of ['SIGINT', 'SIGTERM']) {
  test(`${signal} received by node is forwarded to the child`, async () => {
    const dir = tmpdir();
    const marker = path.join(dir, 'marker');
    const ready = path.join(dir, 'ready');
    const signals = new EventEmitter();
    const run = runBridge({
      binPath: FAKE_BINARY,
      request: { protocol: 1, shimVersion: VERSION },
      expectedVersion: VERSION,
      reporter: silentReporter,
      signalSource: signals,
      env: {
        ...process.env,
        FAKE_PYREQS_SCRIPT: JSON.stringify([{ hello: true }, { awaitSignal: signal, marker, ready }]),
      },
    });
    await waitForFile(ready);
    assert.equal(signals.listenerCount(signal), 1);
    signals.emit(signal);
    await assert.rejects(run, (err) => {
      assert.equal(err.name, 'InterruptedError');
      assert.equal(err.code, 'PYREQS_INTERRUPTED');
      assert.equal(err.signal, signal);
      assert.equal(err.message, `Interrupted by ${signal}: nothing was left half-written.`);
      return true;
    });
    assert.equal(fs.readFileSync(marker, 'utf8'), signal);
    assert.equal(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM'), 0);
  });
}

/**
 * Runs the requirements:install hook of the plugin in a node process of its own (with the fake
 * binary driven by `steps`), and returns the process and its collected output.
 * @param {object[]} steps
 */
function spawnHook(steps) {
  const script = `
    const Plugin = require(${JSON.stringify(path.resolve(__dirname, '..'))});
    const { fakeServerless, fakeUtils } = require(${JSON.stringify(path.join(__dirname, 'helpers.js'))});
    const plugin = new Plugin(fakeServerless(), {}, fakeUtils());
    plugin.hooks['requirements:install:install']().then(
      () => { console.log('RESOLVED'); },
      (err) => { console.log('REJECTED', err.name, err.code, err.message); process.exitCode = 1; }
    );
  `;
  const node = spawn(process.execPath, ['-e', script], {
    env: { ...process.env, PYREQS_BINARY_PATH: FAKE_BINARY, FAKE_PYREQS_SCRIPT: JSON.stringify(steps) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  node.stdout.on('data', (c) => (out.stdout += c));
  node.stderr.on('data', (c) => (out.stderr += c));
  /** @type {Promise<[number | null, string | null]>} */
  const closed = new Promise((r) => node.on('close', (code, sig) => r([code, sig])));
  return { node, out, closed };
}

for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  test(`a real ${signal} sent to node reaches the child; the plugin prints one line and exits ${status}`, async () => {
    const dir = tmpdir();
    const marker = path.join(dir, 'marker');
    const ready = path.join(dir, 'ready');
    const { node, out, closed } = spawnHook([{ hello: true }, { awaitSignal: signal, marker, ready }]);
    await waitForFile(ready);
    node.kill(signal); // only the node process: the child can only get it through forwarding
    const [code] = await closed;
    assert.equal(fs.readFileSync(marker, 'utf8'), signal);
    assert.equal(code, status);
    assert.equal(out.stdout, ''); // neither resolved nor rejected: the process ended first
    assert.equal(out.stderr, `Interrupted by ${signal}: nothing was left half-written.\n`);
  });
}

test('stdin of the binary stays open while it runs and closes when node is killed outright', async () => {
  const dir = tmpdir();
  const state = path.join(dir, 'state');
  const ended = path.join(dir, 'ended');
  const ready = path.join(dir, 'ready');
  const { node, closed } = spawnHook([
    { hello: true },
    { stdinState: state },
    { exitOnStdinEnd: ended, ready },
  ]);
  await waitForFile(ready);
  assert.equal(fs.readFileSync(state, 'utf8'), 'open');
  node.kill('SIGKILL');
  await closed;
  await waitForFile(ended, 2000); // the fake exits as soon as its stdin ends
});

test('the request tells the binary that stdin is held open', async () => {
  const dir = tmpdir();
  const record = path.join(dir, 'record.json');
  await runBridge({
    binPath: FAKE_BINARY,
    request: { protocol: 1, shimVersion: VERSION },
    expectedVersion: VERSION,
    reporter: silentReporter,
    env: { ...process.env, FAKE_PYREQS_RECORD: record },
  });
  assert.equal(JSON.parse(fs.readFileSync(record, 'utf8')).request.holdsStdin, true);
});
