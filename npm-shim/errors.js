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

exports.ShimError = ShimError;
