// @ts-check
'use strict';

/**
 * Applies the `result.edits` of docs/protocol.md to Serverless's in-memory service. The binary
 * never edits Serverless's memory itself; this is the only place that does.
 *
 * @param {Record<string, any>} service  serverless.service
 * @param {Record<string, any>} edits
 * @param {(message: string) => void} [debug] receives notes about edits that could not apply
 */
function applyEdits(service, edits, debug = () => {}) {
  if (!edits || typeof edits !== 'object') return;
  const functions = isObject(service.functions) ? service.functions : {};

  /** @param {string} key */
  const fn = (key) => {
    const f = functions[key];
    if (!isObject(f)) {
      debug(`pyreqs result names function "${key}", which the service does not have; skipped`);
      return null;
    }
    return f;
  };
  /** @param {Record<string, any>} owner */
  const packageOf = (owner) => {
    if (!isObject(owner.package)) owner.package = {};
    return owner.package;
  };
  /**
   * @param {Record<string, any>} pkg
   * @param {unknown} patterns
   */
  const pushPatterns = (pkg, patterns) => {
    if (!Array.isArray(patterns)) return;
    if (!Array.isArray(pkg.patterns)) pkg.patterns = [];
    for (const p of patterns) {
      if (typeof p === 'string' && !pkg.patterns.includes(p)) pkg.patterns.push(p);
    }
  };

  if (Array.isArray(edits.servicePatterns) && edits.servicePatterns.length > 0) {
    pushPatterns(packageOf(service), edits.servicePatterns);
  }

  for (const [key, patterns] of entries(edits.functionPatterns)) {
    const f = fn(key);
    if (f) pushPatterns(packageOf(f), patterns);
  }

  for (const [key, module] of entries(edits.functionModules)) {
    const f = fn(key);
    if (f && typeof module === 'string') f.module = module;
  }

  for (const [key, handler] of entries(edits.functionHandlers)) {
    const f = fn(key);
    if (f && typeof handler === 'string' && handler !== '') f.handler = handler;
  }

  if (edits.ensureFunctionPackage === true) {
    for (const f of Object.values(functions)) {
      if (isObject(f) && !isObject(f.package)) f.package = {};
    }
  }

  for (const [key, artifact] of entries(edits.functionArtifacts)) {
    const f = fn(key);
    if (f && typeof artifact === 'string') packageOf(f).artifact = artifact;
  }

  if (typeof edits.serviceArtifact === 'string' && edits.serviceArtifact !== '') {
    packageOf(service).artifact = edits.serviceArtifact;
  }

  for (const [key, layers] of entries(edits.functionLayers)) {
    const f = fn(key);
    if (f && Array.isArray(layers)) f.layers = layers;
  }

  if (isObject(edits.layers)) {
    if (!isObject(service.layers)) service.layers = {};
    Object.assign(service.layers, edits.layers);
  }
}

/**
 * @param {unknown} v
 * @returns {v is Record<string, any>}
 */
function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * @param {unknown} v
 * @returns {Array<[string, any]>}
 */
function entries(v) {
  return isObject(v) ? Object.entries(v) : [];
}

module.exports = { applyEdits };
