// @ts-check
'use strict';

/**
 * An error meant for the user: the hook boundary turns it into the framework's own
 * ServerlessError, which Serverless prints as a message without a stack trace.
 */
class ShimError extends Error {
  /**
   * @param {string} message the whole text shown to the user (what is wrong, then the fix)
   * @param {string} code an upper-snake-case code from docs/errors.md, e.g. PYREQS_BINARY_NOT_FOUND
   */
  constructor(message, code) {
    super(message);
    this.name = 'ShimError';
    this.code = code;
  }
}

/**
 * The fields of an `error` or `warning` event (docs/protocol.md). Events of older binaries carry
 * only `message` (the whole text) and `code`.
 * @typedef {object} Diagnostic
 * @property {string} [code]
 * @property {string} [key]     full option path, e.g. custom.pythonRequirements.dockerEnv
 * @property {string} [file]    file the message is about
 * @property {string} [message] what is wrong
 * @property {string} [fix]     what to do about it
 * @property {string} [output]  last lines of a tool's output (errors only)
 */

/**
 * Renders a diagnostic as the text the user sees: "key: file: message", the tool's output, and
 * the fix on its own line.
 * @param {Diagnostic} d
 * @returns {string}
 */
function renderDiagnostic(d) {
  const str = (/** @type {unknown} */ v) => (typeof v === 'string' ? v : '');
  let text = [str(d.key), str(d.file)]
    .filter((s) => s !== '')
    .map((s) => `${s}: `)
    .join('');
  text += str(d.message);
  const output = str(d.output).replace(/\n+$/, '');
  if (output) text += `\n--- output (last lines) ---\n${output}`;
  if (str(d.fix)) text += `\n${str(d.fix)}`;
  return text;
}

/**
 * The run was stopped by a signal that node received (Ctrl-C, SIGTERM): pyreqs was told to stop
 * and has exited, having removed what it had not finished writing. The plugin reports it in one
 * line and exits with the signal's conventional status (index.js), not as a failure of the hook.
 */
class InterruptedError extends ShimError {
  /** @param {NodeJS.Signals} signal */
  constructor(signal) {
    super(`Interrupted by ${signal}: nothing was left half-written.`, 'PYREQS_INTERRUPTED');
    this.name = 'InterruptedError';
    this.signal = signal;
  }
}

exports.ShimError = ShimError;
exports.InterruptedError = InterruptedError;
exports.renderDiagnostic = renderDiagnostic;
