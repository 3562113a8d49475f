'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { embeddableSchema } = require('../schema');

test('local refs are inlined and root-only keywords dropped', () => {
  const doc = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'x',
    title: 'T',
    definitions: { bool: { enum: [true, false] }, list: { type: 'array', items: { $ref: '#/definitions/bool' } } },
    $defs: { s: { type: 'string' } },
    type: 'object',
    properties: {
      $ref: { $ref: '#/$defs/s' }, // a property named "$ref"
      a: { $ref: '#/definitions/list' },
      b: { $ref: '#/definitions/bool', description: 'with siblings' },
    },
  };
  assert.deepEqual(embeddableSchema(doc), {
    title: 'T',
    type: 'object',
    properties: {
      $ref: { type: 'string' },
      a: { type: 'array', items: { enum: [true, false] } },
      b: { allOf: [{ enum: [true, false] }, { description: 'with siblings' }] },
    },
  });
});

test('recursive and foreign refs are refused', () => {
  assert.throws(
    () => embeddableSchema({ definitions: { n: { items: { $ref: '#/definitions/n' } } }, $ref: '#/definitions/n' }),
    /recursive/
  );
  assert.throws(() => embeddableSchema({ $ref: 'http://example.com/s.json' }), /unsupported \$ref/);
  assert.throws(() => embeddableSchema({ $ref: '#/definitions/missing' }), /unresolved/);
});

test('the schema files of the package are embeddable', () => {
  for (const file of ['python-requirements.schema.json', 'function-properties.schema.json']) {
    let doc;
    try {
      doc = require(`../../schema/${file}`);
    } catch (err) {
      if (err.code === 'MODULE_NOT_FOUND') continue; // written by someone else
      throw err;
    }
    const out = embeddableSchema(doc);
    const text = JSON.stringify(out);
    assert.doesNotMatch(text, /"\$ref"\s*:\s*"/, file);
    assert.equal(out.$schema, undefined);
  }
  const fn = embeddableSchema(require('../../schema/function-properties.schema.json'));
  assert.deepEqual(Object.keys(fn.properties).sort(), ['app', 'module', 'requirementsLayers', 'vendor']);
});
