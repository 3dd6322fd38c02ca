import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config';
import { startFolio, StartupError } from './compose';
import { RedisStartError } from './embedded/redis-server';
import { JupyterServerStartError } from './embedded/jupyter-server';
import { createLogger, routeConsoleToLogger } from './logger';

/**
 * Entry point (`npm start`, or `tsx backend/src/main.ts`; FOLIO_ROLE=web|worker|all). Relative paths (DATA_DIR)
 * are resolved from the repository root, wherever npm runs the script from.
 */
process.chdir(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'));

let config;
try {
  config = loadConfig();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(e.message);
  process.exit(1);
}
const logger = createLogger(config.logLevel);
// Libraries print with console.* (@jupyterlab/services: "Starting WebSocket …"); keep stdout pure JSON.
routeConsoleToLogger(logger);
// A stray rejection inside a library (e.g. @jupyterlab/services' unawaited reconnect promises) must not take every
// user's kernels and runs down with the process: log it loudly and keep serving. Tests still fail on them (vitest).
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

// Signal handlers go in before start-up, so a Ctrl-C while Jupyter or Redis is still starting also stops cleanly
// (start-up finishes or fails first, then everything started is shut down).
const starting = startFolio(config, logger);
let firstSignalAt = 0;
const stop = (signal: NodeJS.Signals) => {
  if (firstSignalAt) {
    // Ctrl-C reaches every process of the terminal's group, and wrappers (npm, the tsx CLI) relay it too: a
    // repeat within a second is the same keystroke. A later one means "force it".
    if (Date.now() - firstSignalAt < 1_000) return;
    logger.warn({ signal }, 'second signal: exiting now');
    process.exit(1);
  }
  firstSignalAt = Date.now();
  logger.info({ signal }, 'shutting down');
  void starting
    .then((folio) => folio.shutdown())
    .then((clean) => {
      logger.info(clean ? 'stopped' : 'stopped (deadline passed)');
      logger.flush();
      process.exit(clean ? 0 : 1);
    }, () => undefined); // a failed start-up is reported (and exits) below
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

try {
  await starting;
} catch (e) {
  // Expected start-up failures get their message alone (it names the cause and the fix); anything else its stack.
  // stderr directly (not console, which now goes to the logger): synchronous, so nothing is lost on exit.
  const expected = e instanceof StartupError || e instanceof RedisStartError || e instanceof JupyterServerStartError;
  process.stderr.write(`Folio failed to start: ${expected ? e.message : e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
}
