// @ts-check
'use strict';

/**
 * serverless-pyreqs: the Serverless Framework plugin. A thin shim: it registers the commands,
 * hooks and config schema of serverless-python-requirements, and in each hook runs the `pyreqs`
 * binary once (docs/protocol.md), relaying its events to Serverless and applying its edits.
 */

const { findBinary } = require('./binary');
const { runBridge } = require('./bridge');
const { buildRequest, HOOK_PHASES } = require('./request');
const { applyEdits } = require('./edits');
const { embeddableSchema } = require('./schema');
const os = require('os');
const { ShimError, InterruptedError } = require('./errors');

const VERSION = /** @type {string} */ (require('../package.json').version);

/**
 * The v3+ plugin utilities (third constructor argument).
 * @typedef {object} PluginUtils
 * @property {any} [log]       callable (notice) with .notice/.info/.verbose/.debug/.warning
 * @property {any} [progress]  with .get(name) → { update(message), remove() }
 */

class ServerlessPyreqs {
  /**
   * @param {any} serverless
   * @param {Record<string, any>} [cliOptions] the framework's shared CLI options object
   * @param {PluginUtils} [utils]
   */
  constructor(serverless, cliOptions, utils) {
    this.serverless = serverless;
    // Keep the framework's own object: `deploy function` adds `functionObj` to it later.
    this.options = cliOptions || {};
    this.utils = utils || {};
    /** @type {import('./binary').FoundBinary | null} */
    this.binary = null;
    /**
     * The warnings shown so far (code, key, file and message): the binary runs once per hook and
     * warns again about the same config each time; the user sees each warning once per run.
     * @type {Set<string>}
     */
    this.warned = new Set();

    const cli = serverless && serverless.cli;
    const legacyHelp = !!(cli && typeof cli.generateCommandsHelp === 'function'); // Framework v1/v2

    this.commands = {
      requirements: {
        usage: 'Serverless plugin to bundle Python packages',
        ...(legacyHelp ? { lifecycleEvents: ['requirements'] } : { type: 'container' }),
        commands: {
          install: {
            usage: 'install requirements manually',
            lifecycleEvents: ['install'],
          },
          clean: {
            usage: 'Remove .requirements and requirements.zip',
            lifecycleEvents: ['clean'],
          },
          cleanCache: {
            usage: 'Removes all items in the pip download/static cache (if present)',
            lifecycleEvents: ['cleanCache'],
            options: {
              remote: {
                usage: 'Also empty the remoteCache bucket prefix (left alone without this flag)',
                type: 'boolean',
              },
            },
          },
          report: {
            usage: 'Sizes against the Lambda limits, packages by size, and why the cache will miss',
            lifecycleEvents: ['report'],
            options: {
              json: { usage: 'Print the report as JSON', type: 'boolean' },
              html: {
                usage: 'Write an HTML page with a treemap (and a .meta.json beside it) to this path',
                type: 'string',
              },
            },
          },
        },
      },
    };

    /** @type {Record<string, () => Promise<void>>} */
    this.hooks = {};
    for (const hook of Object.keys(HOOK_PHASES)) {
      this.hooks[hook] = () => this.runHook(hook);
    }
    if (legacyHelp) {
      this.hooks['requirements:requirements'] = async () => {
        cli.generateCommandsHelp(['requirements']);
      };
    }

    registerSchema(serverless);
  }

  /**
   * Runs pyreqs for one lifecycle hook.
   * @param {string} hook
   * @returns {Promise<void>}
   */
  async runHook(hook) {
    const reporter = this.reporter();
    try {
      const binary = this.findBinary(reporter);
      const request = buildRequest({
        serverless: this.serverless,
        options: this.options,
        hook,
        shimVersion: VERSION,
      });
      reporter.log('debug', `pyreqs: ${hook} with ${binary.path} (${binary.source})`);
      const edits = await runBridge({
        binPath: binary.path,
        binSource: binary.source,
        request,
        expectedVersion: VERSION,
        reporter,
      });
      if (edits) {
        applyEdits(this.serverless.service, edits, (msg) => reporter.log('debug', msg));
      }
    } catch (err) {
      if (err instanceof InterruptedError) this.exitInterrupted(err);
      if (err instanceof ShimError) throw this.userError(err);
      throw err;
    }
  }

  /**
   * Ends the process after a signal stopped the run: pyreqs has exited and cleaned up, so one
   * line says so and node exits with the signal's conventional status (130 for SIGINT, 143 for
   * SIGTERM). Not thrown to Serverless: v3 finalizes on the signal already, and an error after
   * that surfaces as an uncaught exception with a stack trace.
   * @param {InterruptedError} err
   * @returns {never}
   */
  exitInterrupted(err) {
    // On a terminal the line starts below the "^C" the terminal echoed.
    process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}${err.message}\n`);
    process.exit(128 + (os.constants.signals[err.signal] || 0));
  }

  /**
   * @param {import('./bridge').Reporter} reporter
   * @returns {import('./binary').FoundBinary}
   */
  findBinary(reporter) {
    if (!this.binary) {
      this.binary = findBinary({
        warn: (msg, code) => reporter.warning(msg, { code, message: msg }),
      });
    }
    return this.binary;
  }

  /**
   * Converts a ShimError into the framework's error class, which Serverless shows as a plain
   * message (no stack trace) with its code.
   * @param {import('./errors').ShimError} err
   * @returns {Error}
   */
  userError(err) {
    const classes = this.serverless && this.serverless.classes;
    const ErrorClass = classes && typeof classes.Error === 'function' ? classes.Error : null;
    if (ErrorClass) return new ErrorClass(err.message, err.code);
    const e = /** @type {Error & { code?: string }} */ (new Error(err.message));
    e.name = 'ServerlessError';
    e.code = err.code;
    return e;
  }

  /**
   * Maps bridge reports onto Serverless v3's log/progress utilities, or onto `cli.log` on
   * frameworks without them.
   * @returns {import('./bridge').Reporter}
   */
  reporter() {
    const reporter = this.baseReporter();
    const warning = reporter.warning;
    reporter.warning = (msg, fields) => {
      const id = fields
        ? JSON.stringify([fields.code, fields.key, fields.file, fields.message])
        : JSON.stringify([msg]);
      if (this.warned.has(id)) return;
      this.warned.add(id);
      warning(msg, fields);
    };
    return reporter;
  }

  /**
   * The reporter without the once-per-run filter of warnings.
   * @returns {import('./bridge').Reporter}
   */
  baseReporter() {
    const { log, progress } = this.utils;
    const cli = this.serverless && this.serverless.cli;
    const debugEnv = !!process.env.SLS_DEBUG;
    /** @param {string} msg */
    const cliLog = (msg) => {
      if (cli && typeof cli.log === 'function') cli.log(msg);
      else process.stderr.write(`${msg}\n`);
    };

    if (typeof log === 'function' || (log && typeof log === 'object')) {
      /**
       * @param {string} level
       * @param {string} msg
       */
      const write = (level, msg) => {
        const fn = log[level];
        if (typeof fn === 'function') fn.call(log, msg);
        else if (typeof log === 'function') log(msg);
      };
      return {
        log: write,
        warning: (msg) => write('warning', msg),
        progressUpdate: (id, msg) => {
          if (progress && typeof progress.get === 'function') progress.get(id).update(msg);
          else write('info', msg);
        },
        progressRemove: (id) => {
          if (progress && typeof progress.get === 'function') progress.get(id).remove();
        },
        stderr: (line) => write('verbose', line),
        output: (text) => writeOutput(this.utils, text),
      };
    }

    return {
      log: (level, msg) => {
        if (level === 'notice' || debugEnv) cliLog(msg);
      },
      warning: (msg) => cliLog(`WARNING: ${msg}`),
      progressUpdate: (_id, msg) => cliLog(`${msg}...`),
      progressRemove: () => {},
      stderr: (line) => {
        if (debugEnv) cliLog(line);
      },
      output: (text) => writeOutput(this.utils, text),
    };
  }
}

/**
 * Writes a command's output (the report) to standard output: through the framework's writeText
 * utility when it has one (v3), else straight to process.stdout.
 * @param {PluginUtils & { writeText?: (text: string) => void }} utils
 * @param {string} text
 */
function writeOutput(utils, text) {
  if (utils && typeof utils.writeText === 'function') utils.writeText(text.replace(/\n$/, ''));
  else process.stdout.write(text);
}

/**
 * Registers custom.pythonRequirements and the function properties `module`/`vendor` with the
 * framework's config validation (Framework v2.x+; a no-op on older ones).
 * @param {any} serverless
 */
function registerSchema(serverless) {
  const handler = serverless && serverless.configSchemaHandler;
  if (!handler) return;
  try {
    if (typeof handler.defineCustomProperties === 'function') {
      handler.defineCustomProperties({
        type: 'object',
        properties: {
          pythonRequirements: embeddableSchema(
            require('../schema/python-requirements.schema.json')
          ),
        },
      });
    }
    if (typeof handler.defineFunctionProperties === 'function') {
      const fnSchema = embeddableSchema(require('../schema/function-properties.schema.json'));
      handler.defineFunctionProperties('aws', { properties: fnSchema.properties });
    }
  } catch (err) {
    if (err && /** @type {any} */ (err).code === 'SCHEMA_COLLISION') {
      const ErrorClass =
        (serverless.classes && serverless.classes.Error) || /** @type {any} */ (Error);
      throw new ErrorClass(
        `${/** @type {Error} */ (err).message}\n` +
          'serverless-pyreqs replaces serverless-python-requirements: the two cannot run together. ' +
          'Remove "serverless-python-requirements" from the plugins of serverless.yml (and from ' +
          'package.json). On Serverless v4, whose built-in python requirements support activates ' +
          'when custom.pythonRequirements is present, install serverless-pyreqs under the old ' +
          'name instead (`npm i -D serverless-python-requirements@npm:serverless-pyreqs`) and ' +
          'list "serverless-python-requirements" in plugins.',
        'PYREQS_SCHEMA_COLLISION'
      );
    }
    throw err;
  }
}

module.exports = Object.assign(ServerlessPyreqs, { ServerlessPyreqs, VERSION });
