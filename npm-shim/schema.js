// @ts-check
'use strict';

/**
 * Turns a standalone JSON Schema file into a sub-schema Serverless can embed: Serverless
 * compiles one big schema with AJV in strict mode and resolves every `$ref` against its own
 * root, so local references are inlined here and the keywords that only make sense at a
 * document's root (`$schema`, `$id`, `definitions`, `$defs`) are removed.
 *
 * @param {Record<string, any>} doc
 * @returns {Record<string, any>}
 */
function embeddableSchema(doc) {
  /** @type {string[]} */
  const resolving = [];

  /**
   * @param {string} ref
   * @returns {any}
   */
  const lookup = (ref) => {
    if (!ref.startsWith('#/')) throw new Error(`serverless-pyreqs schema: unsupported $ref "${ref}"`);
    /** @type {any} */
    let node = doc;
    for (const raw of ref.slice(2).split('/')) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      node = node && typeof node === 'object' ? node[key] : undefined;
    }
    if (node === undefined) throw new Error(`serverless-pyreqs schema: unresolved $ref "${ref}"`);
    return node;
  };

  /**
   * @param {any} node
   * @param {boolean} atRoot
   * @returns {any}
   */
  const walk = (node, atRoot) => {
    if (Array.isArray(node)) return node.map((n) => walk(n, false));
    if (node === null || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string') {
      if (resolving.includes(node.$ref)) {
        throw new Error(`serverless-pyreqs schema: recursive $ref "${node.$ref}" cannot be inlined`);
      }
      resolving.push(node.$ref);
      const { $ref, ...siblings } = node;
      const target = walk(lookup($ref), false);
      resolving.pop();
      const rest = walk(siblings, false);
      return Object.keys(rest).length ? { allOf: [target, rest] } : target;
    }
    /** @type {Record<string, any>} */
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (atRoot && (k === '$schema' || k === '$id' || k === 'definitions' || k === '$defs')) continue;
      // Keys of `properties`/`patternProperties` are names, not keywords: copy them as they are.
      if ((k === 'properties' || k === 'patternProperties') && v && typeof v === 'object') {
        out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, walk(s, false)]));
      } else {
        out[k] = walk(v, false);
      }
    }
    return out;
  };

  return walk(doc, true);
}

module.exports = { embeddableSchema };
