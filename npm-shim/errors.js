// @ts-check
'use strict';

/**
 * An error meant for the user: the hook boundary turns it into the framework's own
 * ServerlessError, which Serverless prints as a message without a stack trace.
 */
class ShimError extends Error {
  /**
   * @param {string} message
   * @param {string} code an upper-snake-case error code, e.g. PYREQS_BINARY_NOT_FOUND
   */
  constructor(message, code) {
    super(message);
    this.name = 'ShimError';
    this.code = code;
  }
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
