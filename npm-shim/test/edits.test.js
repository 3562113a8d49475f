'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { applyEdits } = require('../edits');

function service() {
  return {
    service: 'svc',
    provider: { name: 'aws' },
    functions: {
      hello: { handler: 'handler.hello' },
      world: { handler: 'mod/handler.world', package: { patterns: ['keep'] } },
      web: { app: 'api/index.py' },
      nil: null,
    },
  };
}

test('every edit of the protocol is applied', () => {
  const svc = service();
  const notes = [];
  applyEdits(
    svc,
    {
      servicePatterns: ['unzip_requirements.py', '.requirements.zip'],
      functionPatterns: { world: ['unzip_requirements.py', 'mod/.requirements.zip'], ghost: ['x'] },
      functionModules: { hello: '.', world: 'mod' },
      functionHandlers: { web: '_pyreqs_app_web.handler' },
      ensureFunctionPackage: true,
      functionArtifacts: { world: '/abs/.serverless/mod-svc-dev-world.zip' },
      layers: { pythonRequirements: { artifact: 'a.zip', name: 'svc-dev-python-requirements' } },
      futureEdit: { ignored: true },
    },
    (m) => notes.push(m)
  );
  assert.deepEqual(svc.package, { patterns: ['unzip_requirements.py', '.requirements.zip'] });
  assert.deepEqual(svc.functions.hello, { handler: 'handler.hello', module: '.', package: {} });
  assert.deepEqual(svc.functions.world, {
    handler: 'mod/handler.world',
    module: 'mod',
    package: {
      patterns: ['keep', 'unzip_requirements.py', 'mod/.requirements.zip'],
      artifact: '/abs/.serverless/mod-svc-dev-world.zip',
    },
  });
  assert.deepEqual(svc.functions.web, {
    app: 'api/index.py',
    handler: '_pyreqs_app_web.handler',
    package: {},
  });
  assert.equal(svc.functions.nil, null);
  assert.deepEqual(svc.layers, {
    pythonRequirements: { artifact: 'a.zip', name: 'svc-dev-python-requirements' },
  });
  assert.equal(notes.length, 1);
  assert.match(notes[0], /"ghost"/);
});

test('patterns are pushed onto existing arrays without duplicates', () => {
  const svc = service();
  svc.package = { individually: false, patterns: ['!**/*', '.requirements.zip'] };
  applyEdits(svc, { servicePatterns: ['unzip_requirements.py', '.requirements.zip'] });
  assert.deepEqual(svc.package, {
    individually: false,
    patterns: ['!**/*', '.requirements.zip', 'unzip_requirements.py'],
  });
});

test('layers merge over existing keys; empty edits change nothing', () => {
  const svc = service();
  svc.layers = { other: { path: 'x' }, pythonRequirements: { old: true } };
  applyEdits(svc, { layers: { pythonRequirements: { artifact: 'new.zip' } } });
  assert.deepEqual(svc.layers, { other: { path: 'x' }, pythonRequirements: { artifact: 'new.zip' } });

  const before = JSON.stringify(service());
  const svc2 = service();
  applyEdits(svc2, {});
  applyEdits(svc2, null);
  assert.equal(JSON.stringify(svc2), before);
});

test('the function object shared with options.functionObj sees the edits', () => {
  const svc = service();
  const functionObj = svc.functions.hello;
  applyEdits(svc, { functionArtifacts: { hello: '/a/hello.zip' } });
  assert.equal(functionObj.package.artifact, '/a/hello.zip');
});

test('functionLayers replaces the layers of the named functions only', () => {
  const svc = { functions: { a: { layers: ['arn:x'] }, b: {} } };
  applyEdits(svc, { functionLayers: { a: ['arn:x', { Ref: 'PythonRequirementsWebLambdaLayer' }], nosuch: [] } });
  assert.deepEqual(svc.functions.a.layers, ['arn:x', { Ref: 'PythonRequirementsWebLambdaLayer' }]);
  assert.deepEqual(svc.functions.b, {});
});
