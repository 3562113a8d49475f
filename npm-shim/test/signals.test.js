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
      assert.equal(err.code, 'PYREQS_INTERRUPTED');
      assert.match(err.message, new RegExp(`Interrupted \\(${signal}\\)`));
      return true;
    });
    assert.equal(fs.readFileSync(marker, 'utf8'), signal);
    assert.equal(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM'), 0);
  });
}

test('a real SIGINT sent to the node process reaches the child, and the hook fails cleanly', async () => {
  const dir = tmpdir();
  const marker = path.join(dir, 'marker');
  const ready = path.join(dir, 'ready');
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
    env: {
      ...process.env,
      PYREQS_BINARY_PATH: FAKE_BINARY,
      FAKE_PYREQS_SCRIPT: JSON.stringify([{ hello: true }, { awaitSignal: 'SIGINT', marker, ready }]),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  node.stdout.on('data', (c) => (out += c));
  node.stderr.on('data', (c) => (out += c));
  await waitForFile(ready);
  node.kill('SIGINT'); // only the node process: the child can only get it through forwarding
  const code = await new Promise((r) => node.on('close', r));
  assert.equal(fs.readFileSync(marker, 'utf8'), 'SIGINT');
  assert.match(out, /REJECTED ServerlessError PYREQS_INTERRUPTED Interrupted \(SIGINT\)/);
  assert.equal(code, 1);
});
