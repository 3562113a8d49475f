// @ts-check
'use strict';

const { spawn } = require('child_process');
const { ShimError, InterruptedError, renderDiagnostic } = require('./errors');
const { PROTOCOL_VERSION } = require('./request');

/** Lines of stderr kept for crash reports. */
const STDERR_TAIL_LINES = 20;
/** Longest line kept in memory (a runaway binary must not exhaust node's memory). */
const MAX_LINE = 16 << 20;

/**
 * What the bridge reports to; index.js maps it onto Serverless's log/progress utilities.
 * @typedef {object} Reporter
 * @property {(level: string, message: string) => void} log  level: notice|info|verbose|debug
 * @property {(message: string, fields?: import('./errors').Diagnostic) => void} warning
 *   message is the rendered text; fields are the event's (code, key, file, message, fix)
 * @property {(id: string, message: string) => void} progressUpdate
 * @property {(id: string) => void} progressRemove
 * @property {(line: string) => void} stderr   one line of the binary's stderr
 * @property {(text: string) => void} [output]  a command's output for standard output
 */

/**
 * @typedef {object} BridgeOptions
 * @property {string} binPath
 * @property {'env' | 'package' | 'local'} [binSource] where binPath was found (for hints)
 * @property {Record<string, any>} request
 * @property {string} expectedVersion  this package's version
 * @property {Reporter} reporter
 * @property {NodeJS.ProcessEnv} [env]
 * @property {NodeJS.EventEmitter} [signalSource] where SIGINT/SIGTERM are listened for (process)
 */

/**
 * Runs `pyreqs bridge` once: writes the request, maps the NDJSON events, and resolves with the
 * result edits (or null when the binary sent none). Rejects with a ShimError.
 *
 * @param {BridgeOptions} opts
 * @returns {Promise<Record<string, any> | null>}
 */
function runBridge(opts) {
  const { binPath, request, expectedVersion, reporter } = opts;
  const env = opts.env || process.env;
  const signalSource = opts.signalSource || process;

  return new Promise((resolve, reject) => {
    /** @type {import('child_process').ChildProcessWithoutNullStreams} */
    let child;
    try {
      child = spawn(binPath, ['bridge'], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env,
        windowsHide: true,
      });
    } catch (err) {
      reject(notRunnable(binPath, /** @type {Error} */ (err)));
      return;
    }

    /** @type {Error | null} */ let spawnError = null;
    /** @type {import('./errors').ShimError | null} */ let fatal = null; // version/protocol problem found by the shim
    /** @type {{ message: string, code: string } | null} */ let errorEvent = null;
    /** @type {Record<string, any> | null} */ let edits = null;
    let helloSeen = false;
    /** @type {NodeJS.Signals | null} */ let interruptedBy = null;
    let finished = false;
    /** @type {Set<string>} */ const activeProgress = new Set();
    /** @type {string[]} */ const stderrTail = [];

    /** @param {string} line */
    const keepTail = (line) => {
      stderrTail.push(line);
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
    };

    // --- signals -------------------------------------------------------------------------------
    /** @type {Array<[NodeJS.Signals, (...args: any[]) => void]>} */
    const signalHandlers = /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM']).map((sig) => {
      const handler = () => {
        interruptedBy = interruptedBy || sig;
        try {
          child.kill(sig);
        } catch (_) {
          // already gone
        }
      };
      signalSource.on(sig, handler);
      return [sig, handler];
    });

    // --- events --------------------------------------------------------------------------------
    /** @param {string} text */
    const onStdoutLine = (text) => {
      const line = text.replace(/\r$/, '');
      if (line.trim() === '') return;
      let event;
      try {
        event = JSON.parse(line);
      } catch (_) {
        event = undefined;
      }
      if (!event || typeof event !== 'object' || Array.isArray(event)) {
        reporter.stderr(`(stdout) ${line}`);
        keepTail(`(stdout) ${line}`);
        return;
      }
      if (fatal) return;
      handleEvent(event);
    };

    /** @param {Record<string, any>} event */
    const handleEvent = (event) => {
      if (!helloSeen) {
        if (event.type !== 'hello') {
          failFatal(
            new ShimError(
              `pyreqs (${binPath}) did not start with a "hello" event (got "${String(event.type)}"); ` +
                'it is not a pyreqs binary of a compatible version.\n' +
                reinstallHint(opts.binSource),
              'PYREQS_PROTOCOL_ERROR'
            )
          );
          return;
        }
        helloSeen = true;
        if (
          event.version !== expectedVersion ||
          (event.protocol !== undefined && event.protocol !== PROTOCOL_VERSION)
        ) {
          failFatal(
            new ShimError(
              `Host version "${expectedVersion}" (npm package serverless-pyreqs, protocol ${PROTOCOL_VERSION}) ` +
                `does not match binary version "${String(event.version)}" (protocol ${String(event.protocol)}) ` +
                `at ${binPath}.\n` +
                reinstallHint(opts.binSource),
              'PYREQS_VERSION_MISMATCH'
            )
          );
        }
        return;
      }
      switch (event.type) {
        case 'log': {
          const level = ['notice', 'info', 'verbose', 'debug'].includes(event.level)
            ? event.level
            : 'notice';
          reporter.log(level, String(event.message ?? ''));
          break;
        }
        case 'warning':
          reporter.warning(renderDiagnostic(event), event);
          break;
        case 'progress': {
          const id = String(event.id ?? 'pyreqs');
          if (event.done) {
            if (activeProgress.delete(id)) reporter.progressRemove(id);
          } else {
            activeProgress.add(id);
            reporter.progressUpdate(id, String(event.message ?? ''));
          }
          break;
        }
        case 'result':
          if (!errorEvent) {
            edits = event.edits && typeof event.edits === 'object' ? event.edits : {};
          }
          break;
        case 'error':
          if (!errorEvent) {
            errorEvent = {
              message: renderDiagnostic(event) || 'pyreqs failed without a message',
              code: typeof event.code === 'string' && event.code ? event.code : 'PYREQS_ERROR',
            };
          }
          break;
        case 'output':
          if (reporter.output) reporter.output(String(event.text ?? ''));
          else process.stdout.write(String(event.text ?? ''));
          break;
        case 'hello':
          break;
        default:
          reporter.log('debug', `pyreqs: ignoring unknown event type "${String(event.type)}"`);
      }
    };

    /** @param {import('./errors').ShimError} err */
    const failFatal = (err) => {
      fatal = err;
      try {
        child.kill('SIGTERM');
      } catch (_) {
        // already gone
      }
    };

    // --- streams -------------------------------------------------------------------------------
    const stdoutLines = lineSplitter(onStdoutLine);
    const stderrLines = lineSplitter((text) => {
      const line = text.replace(/\r$/, '');
      keepTail(line);
      reporter.stderr(line);
    });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', stdoutLines.push);
    child.stderr.on('data', stderrLines.push);

    child.stdin.on('error', () => {
      // EPIPE when the binary exits without reading stdin: its exit status tells what happened.
    });
    // stdin stays open until the binary exits (holdsStdin): if node is killed outright, the pipe
    // closes with it and pyreqs stops at once instead of running on with nobody to report to.
    child.stdin.write(JSON.stringify({ ...request, holdsStdin: true }) + '\n');

    // --- exit ----------------------------------------------------------------------------------
    /**
     * @param {number | null} code
     * @param {NodeJS.Signals | null} signal
     */
    const finish = (code, signal) => {
      if (finished) return;
      finished = true;
      child.stdin.destroy();
      stdoutLines.flush();
      stderrLines.flush();
      for (const [sig, handler] of signalHandlers) signalSource.removeListener(sig, handler);
      for (const id of activeProgress) reporter.progressRemove(id);
      activeProgress.clear();

      const tail = () =>
        stderrTail.length
          ? `\nLast lines of its output:\n${stderrTail.map((l) => `  ${l}`).join('\n')}`
          : ' It wrote nothing on stderr.';

      if (spawnError) return reject(notRunnable(binPath, spawnError));
      if (fatal) return reject(fatal);
      // Interrupted: whatever pyreqs reported after the signal, the user asked the run to stop.
      if (interruptedBy) return reject(new InterruptedError(interruptedBy));
      if (errorEvent) return reject(new ShimError(errorEvent.message, errorEvent.code));
      if (signal) {
        return reject(
          new ShimError(
            `pyreqs (${binPath}) was killed by signal ${signal}.${tail()}`,
            'PYREQS_BINARY_CRASHED'
          )
        );
      }
      if (code === 3) {
        return reject(
          new ShimError(
            `pyreqs (${binPath}) refused the request: its version does not match ` +
              `serverless-pyreqs ${expectedVersion}.${tail()}\n${reinstallHint(opts.binSource)}`,
            'PYREQS_VERSION_MISMATCH'
          )
        );
      }
      if (code !== 0) {
        return reject(
          new ShimError(
            `pyreqs (${binPath}) exited with code ${code} without reporting an error.${tail()}`,
            'PYREQS_BINARY_CRASHED'
          )
        );
      }
      if (!helloSeen) {
        return reject(
          new ShimError(
            `pyreqs (${binPath}) exited without answering (no "hello" event); ` +
              `it is not a pyreqs binary of a compatible version.${tail()}\n${reinstallHint(opts.binSource)}`,
            'PYREQS_PROTOCOL_ERROR'
          )
        );
      }
      return resolve(edits);
    };

    child.on('error', (err) => {
      spawnError = spawnError || err;
      // A process that never started emits no 'close'.
      if (child.pid === undefined) finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/**
 * @param {'env' | 'package' | 'local' | undefined} source
 * @returns {string}
 */
function reinstallHint(source) {
  switch (source) {
    case 'env':
      return 'PYREQS_BINARY_PATH points at it: point it at the pyreqs binary built for this version, or unset it.';
    case 'local':
      return 'It is a local build: run `npm run build` again to rebuild it.';
    default:
      return 'Reinstall serverless-pyreqs so the package and its binary match: delete node_modules and run `npm install`.';
  }
}

/**
 * @param {string} binPath
 * @param {Error & { code?: string }} err
 */
function notRunnable(binPath, err) {
  let hint = '';
  if (err.code === 'EACCES') hint = '\nThe file is not executable: reinstall serverless-pyreqs or run `chmod +x` on it.';
  if (err.code === 'ENOENT') hint = '\nThe file does not exist (or its interpreter is missing).';
  return new ShimError(`Could not start pyreqs (${binPath}): ${err.message}${hint}`, 'PYREQS_BINARY_NOT_RUNNABLE');
}

/**
 * Buffers text chunks and calls onLine for each complete line (without the "\n").
 * @param {(line: string) => void} onLine
 */
function lineSplitter(onLine) {
  let buf = '';
  return {
    /** @param {string} chunk */
    push(chunk) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        onLine(line);
      }
      if (buf.length > MAX_LINE) {
        onLine(buf.slice(0, MAX_LINE));
        buf = '';
      }
    },
    flush() {
      if (buf !== '') {
        const line = buf;
        buf = '';
        onLine(line);
      }
    },
  };
}

module.exports = { runBridge, lineSplitter, STDERR_TAIL_LINES };
