'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { runBridge, lineSplitter } = require('../bridge');
const { FAKE_BINARY } = require('./helpers');

const VERSION = require('../../package.json').version;
const quiet = { log() {}, warning() {}, progressUpdate() {}, progressRemove() {}, stderr() {} };

function run(steps, binSource, reporter = quiet) {
  return runBridge({
    binPath: FAKE_BINARY,
    binSource,
    request: { protocol: 1, shimVersion: VERSION },
    expectedVersion: VERSION,
    reporter,
    env: { ...process.env, FAKE_PYREQS_SCRIPT: JSON.stringify(steps) },
  });
}

test('version mismatch hints depend on where the binary came from', async () => {
  const hints = {
    package: /Reinstall serverless-pyreqs so the package and its binary match: delete node_modules and run `npm install`/,
    local: /local build: run `npm run build` again/,
    env: /PYREQS_BINARY_PATH points at it/,
  };
  for (const [source, hint] of Object.entries(hints)) {
    await assert.rejects(run([{ hello: { version: '0.0.0-other' } }, { sleep: 3000 }], source), (err) => {
      assert.equal(err.code, 'PYREQS_VERSION_MISMATCH');
      assert.match(err.message, /does not match binary version "0\.0\.0-other"/);
      assert.match(err.message, hint);
      return true;
    });
  }
});

test('a hello with another protocol number is a mismatch too', async () => {
  await assert.rejects(run([{ hello: { protocol: 2 } }], 'package'), /protocol 2/);
});

test('resolves with the edits of the result event, or null without one', async () => {
  assert.deepEqual(
    await run([{ hello: true }, { event: { type: 'result', edits: { servicePatterns: ['a'] } } }]),
    { servicePatterns: ['a'] }
  );
  assert.equal(await run([{ hello: true }]), null);
});

test('events split across writes and CRLF line ends are parsed', async () => {
  const msgs = [];
  const reporter = { ...quiet, log: (_l, m) => msgs.push(m) };
  const line = JSON.stringify({ type: 'log', level: 'notice', message: 'héllo ✓' });
  await run(
    [
      { hello: true },
      { raw: line.slice(0, 10) },
      { sleep: 50 },
      { raw: `${line.slice(10)}\r\n` },
      { raw: JSON.stringify({ type: 'log', level: 'notice', message: 'no newline at end' }) },
    ],
    'package',
    reporter
  );
  assert.deepEqual(msgs, ['héllo ✓', 'no newline at end']);
});

test('lineSplitter keeps partial lines until flushed', () => {
  const lines = [];
  const s = lineSplitter((l) => lines.push(l));
  s.push('a\nb');
  s.push('c\n\nd');
  assert.deepEqual(lines, ['a', 'bc', '']);
  s.flush();
  assert.deepEqual(lines, ['a', 'bc', '', 'd']);
});

test('an output event goes to the reporter output as it is, not to the log', async () => {
  const out = [];
  const logs = [];
  const reporter = { ...quiet, log: (_l, m) => logs.push(m), output: (t) => out.push(t) };
  const text = '{\n  "version": 1\n}\n';
  await run([{ hello: true }, { event: { type: 'output', text } }], 'package', reporter);
  assert.deepEqual(out, [text]);
  assert.deepEqual(logs, []);
});
