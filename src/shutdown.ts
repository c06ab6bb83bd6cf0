import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export interface ShutdownOptions {
  app: FastifyInstance;
  /** How long live calls may go on after the first signal before they are ended with a goodbye. */
  drainTimeoutMs: number;
  log: Logger;
  exit: (code: number) => void;
}

/** The second signal does not wait for calls, but still tells each client why it ends. */
const FORCED_EXIT_GRACE_MS = 2_000;
/**
 * The same signal again this soon is the same request, not a second one: a signal sent to the
 * process group (Ctrl-C in a terminal, a service manager's stop) reaches the gateway directly and
 * again through npm, which passes on every SIGINT and SIGTERM it gets.
 */
const SAME_REQUEST_WITHIN_MS = 1_000;

/**
 * SIGTERM (or SIGINT) drains: no new sessions (readiness turns 503 at once), live calls go on up
 * to the drain timeout, then each remaining one hears a short goodbye and ends with
 * `server_shutdown`; then the server closes and the process exits 0. A second signal ends every
 * call at once.
 */
export function installShutdown(opts: ShutdownOptions): void {
  const { app, log } = opts;
  let draining = false;
  let first: { signal: NodeJS.Signals; atMs: number } | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (first?.signal === signal && performance.now() - first.atMs < SAME_REQUEST_WITHIN_MS) return;
    first ??= { signal, atMs: performance.now() };
    if (draining) {
      log.warn({ signal }, 'second signal: ending every call now');
      const forced = setTimeout(() => opts.exit(0), FORCED_EXIT_GRACE_MS);
      forced.unref();
      // app.close() after the calls have ended flushes their records (within the grace above).
      void app.sessions.closeAll('server_shutdown').then(() => app.close()).finally(() => opts.exit(0));
      return;
    }
    draining = true;
    app.sessions.drain();
    log.info({ signal, sessions: app.sessions.size, drain_timeout_s: opts.drainTimeoutMs / 1000 }, 'draining: no new sessions');
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      deadline = setTimeout(resolve, opts.drainTimeoutMs);
    });
    void Promise.race([app.sessions.whenEmpty(), timedOut])
      .then(async () => {
        clearTimeout(deadline);
        if (app.sessions.size > 0) log.info({ sessions: app.sessions.size }, 'drain deadline: ending the remaining calls with a goodbye');
        await app.sessions.farewellAll('server_shutdown');
        await app.close();
        opts.exit(0);
      })
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        opts.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
