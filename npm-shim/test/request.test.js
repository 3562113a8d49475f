'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { buildRequest, toJSONSafe, HOOK_PHASES } = require('../request');
const { fakeServerless } = require('./helpers');

test('every hook of spec B.1 maps to its phase', () => {
  assert.deepEqual(HOOK_PHASES, {
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

test('the request carries the resolved service and the context', () => {
  const sls = fakeServerless({ package: { individually: true, patterns: ['!node_modules/**'] } });
  const req = buildRequest({
    serverless: sls,
    options: { stage: 'prod', region: 'eu-west-1' },
    hook: 'before:package:createDeploymentArtifacts',
    shimVersion: '0.1.0',
  });
  assert.deepEqual(req, {
    protocol: 1,
    shimVersion: '0.1.0',
    hook: 'before:package:createDeploymentArtifacts',
    phase: 'before',
    servicePath: '/srv/svc',
    cwd: process.cwd(),
    stage: 'prod',
    region: 'eu-west-1',
    frameworkVersion: '3.40.0',
    platform: process.platform,
    service: {
      service: 'svc',
      provider: { name: 'aws', runtime: 'python3.11', stage: 'dev', region: 'us-east-1' },
      package: { individually: true, patterns: ['!node_modules/**'] },
      functions: { hello: { handler: 'handler.hello', name: 'svc-dev-hello' } },
      layers: {},
      custom: { pythonRequirements: { zip: true } },
    },
    options: { stage: 'prod', region: 'eu-west-1', function: null },
    functionObj: null,
  });
});

test('the phase follows the hook', () => {
  for (const [hook, phase] of Object.entries(HOOK_PHASES)) {
    const req = buildRequest({ serverless: fakeServerless(), options: {}, hook, shimVersion: '1' });
    assert.equal(req.phase, phase, hook);
    assert.equal(req.hook, hook);
  }
  assert.throws(() =>
    buildRequest({ serverless: fakeServerless(), options: {}, hook: 'package:nope', shimVersion: '1' })
  );
});

test('cleanCache --remote is passed in the options', () => {
  const req = buildRequest({
    serverless: fakeServerless(),
    options: { remote: true },
    hook: 'requirements:cleanCache:cleanCache',
    shimVersion: '1',
  });
  assert.equal(req.phase, 'cleanCache');
  assert.equal(req.options.remote, true);
});

test('functionObj is passed apart from the options', () => {
  const sls = fakeServerless();
  const functionObj = sls.service.functions.hello;
  const req = buildRequest({
    serverless: sls,
    options: { function: 'hello', functionObj },
    hook: 'before:deploy:function:packageFunction',
    shimVersion: '0.1.0',
  });
  assert.deepEqual(req.functionObj, { handler: 'handler.hello', name: 'svc-dev-hello' });
  assert.deepEqual(req.options, { function: 'hello' });
});

test('custom.pythonRequirements is passed as written: true, false, absent', () => {
  for (const value of [true, false, 'non-linux']) {
    const req = buildRequest({
      serverless: fakeServerless({ custom: { pythonRequirements: value, other: { x: 1 } } }),
      options: {},
      hook: 'requirements:install:install',
      shimVersion: '1',
    });
    assert.deepEqual(req.service.custom, { pythonRequirements: value, other: null });
  }
  const absent = buildRequest({
    serverless: fakeServerless({ custom: undefined }),
    options: {},
    hook: 'requirements:install:install',
    shimVersion: '1',
  });
  assert.deepEqual(absent.service.custom, {});
});

test('stage and region fall back to options and provider without the aws provider', () => {
  const sls = fakeServerless();
  sls.getProvider = () => undefined;
  let req = buildRequest({ serverless: sls, options: { stage: 's1' }, hook: 'requirements:clean:clean', shimVersion: '1' });
  assert.deepEqual([req.stage, req.region], ['s1', 'us-east-1']);
  delete sls.getProvider;
  sls.service.provider = { name: 'scaleway' };
  req = buildRequest({ serverless: sls, options: {}, hook: 'requirements:clean:clean', shimVersion: '1' });
  assert.deepEqual([req.stage, req.region], ['dev', 'us-east-1']);
});

test('old frameworks: config.servicePath and the object form of service', () => {
  const sls = fakeServerless({ service: { name: 'legacy' } });
  delete sls.serviceDir;
  sls.config = { servicePath: '/old/path' };
  delete sls.version;
  const req = buildRequest({ serverless: sls, options: {}, hook: 'requirements:clean:clean', shimVersion: '1' });
  assert.equal(req.servicePath, '/old/path');
  assert.equal(req.service.service, 'legacy');
  assert.equal(req.frameworkVersion, null);
});

test('the request is JSON-safe: functions, cycles, undefined and big templates are dropped', () => {
  const sls = fakeServerless();
  const fn = sls.service.functions.hello;
  fn.self = fn; // cycle
  fn.events = [{ http: { path: '/', method: 'get', handler: () => 1 } }, undefined];
  fn.getThing = function getThing() {};
  fn.when = new Date(0);
  fn.big = 10n;
  fn.nan = NaN;
  fn.sym = Symbol('x');
  fn.undef = undefined;
  Object.defineProperty(fn, 'boom', { enumerable: true, get: () => { throw new Error('no'); } });
  sls.service.provider.compiledCloudFormationTemplate = { Resources: { A: {} } };
  sls.service.provider.getRuntime = () => 'x';
  const options = { function: 'hello', functionObj: fn, param: { a: 'b' } };
  options.param.self = options.param;

  const req = buildRequest({ serverless: sls, options, hook: 'after:package:createDeploymentArtifacts', shimVersion: '1' });
  const expectedFn = {
    handler: 'handler.hello',
    name: 'svc-dev-hello',
    events: [{ http: { path: '/', method: 'get' } }, null],
    when: '1970-01-01T00:00:00.000Z',
    big: '10',
    nan: null,
  };
  assert.deepEqual(req.service.functions.hello, expectedFn);
  assert.deepEqual(req.functionObj, expectedFn);
  assert.deepEqual(req.options, { function: 'hello', param: { a: 'b' } });
  assert.deepEqual(req.service.provider, { name: 'aws', runtime: 'python3.11', stage: 'dev', region: 'us-east-1' });
  assert.deepEqual(JSON.parse(JSON.stringify(req)), req);
});

test('toJSONSafe keeps shared (non-cyclic) references', () => {
  const shared = { a: 1 };
  assert.deepEqual(toJSONSafe({ x: shared, y: [shared, shared] }), { x: { a: 1 }, y: [{ a: 1 }, { a: 1 }] });
  assert.equal(toJSONSafe(() => 1), null);
  assert.deepEqual(toJSONSafe(Buffer.from('hi')), { type: 'Buffer', data: [104, 105] });
});
