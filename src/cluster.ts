import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { z } from 'zod';
import { loadConfig } from './config.ts';
import { loggerOptions } from './observability/logger.ts';
import { DEFAULT_EMULATOR_SCRIPT } from './backends/emulator.ts';
import { startEmulator, type RunningEmulator } from './emulator/index.ts';

// `npm run start:cluster`: one gateway process per core on one port (Node's cluster: the primary
// holds the listening socket and hands connections to the workers in turn). The primary serves
// nothing itself; it starts the embedded emulator once (when no OpenAI key or REALTIME_URL is
// set) and points every worker at it, passes SIGTERM/SIGINT on (each worker drains), and
// restarts a worker that dies. A worker that cannot start at the cluster's start stops the cluster
// (exit 1); a replacement that cannot start is tried again with a back-off while the others serve.

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
/** A replacement that dies before it listens waits this long before the next try, doubling up to the cap. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

async function primary(): Promise<void> {
  const config = loadConfig();
  const workers = z.coerce.number().int().min(1).max(256).default(availableParallelism())
    .safeParse(process.env.WORKERS === '' ? undefined : process.env.WORKERS);
  if (!workers.success) throw new Error(`WORKERS: must be a whole number from 1 to 256, got ${process.env.WORKERS}`);
  // Connections reach any worker: a DELETE, a webhook retry and an address's sessions must be
  // seen by all of them, which is what the replicas share in Redis.
  if (workers.data > 1 && !config.redisUrl) {
    throw new Error(`WORKERS=${workers.data} needs REDIS_URL: a browser call's DELETE, a webhook retry and the per-address limit reach any worker, and workers share them through Redis (or set WORKERS=1)`);
  }
  const logger = pino(loggerOptions(config.logLevel));
  let emulator: RunningEmulator | undefined;
  const env: Record<string, string> = {};
  if (!config.openaiApiKey && !config.realtimeUrl) {
    const script = config.emulatorScript ?? DEFAULT_EMULATOR_SCRIPT;
    // EMULATOR_SCRIPT=none: the default responder alone, as in a single gateway.
    emulator = await startEmulator({ script: script === 'none' ? undefined : script, logger: logger.child({ component: 'emulator' }) });
    env.REALTIME_URL = emulator.url;
    if (!config.openaiBaseUrl) env.OPENAI_BASE_URL = emulator.restUrl;
    logger.info({ url: emulator.url }, 'cluster: the embedded emulator, shared by every worker');
  }

  cluster.setupPrimary({ exec: MAIN });
  let stopping = false;
  let exitCode = 0;
  /** Until every first worker listens, a worker that cannot start stops the cluster. */
  let starting = true;
  let retryMs = RETRY_FIRST_MS;
  const running = new Set<Worker>();
  const listening = new Set<Worker>();
  const fork = () => {
    const worker = cluster.fork(env);
    running.add(worker);
    worker.once('listening', () => {
      listening.add(worker);
      retryMs = RETRY_FIRST_MS;
      if (listening.size === workers.data) starting = false;
    });
  };
  const exitOnceEmpty = () => {
    if (running.size === 0) void (emulator?.close() ?? Promise.resolve()).finally(() => process.exit(exitCode));
  };
  const stop = (code: number, signal: NodeJS.Signals = 'SIGTERM') => {
    stopping = true;
    exitCode = Math.max(exitCode, code);
    for (const worker of running) worker.process.kill(signal);
    // No worker left (only a retry pending): nothing to wait for.
    exitOnceEmpty();
  };
  cluster.on('exit', (worker, code, signal) => {
    running.delete(worker);
    const started = listening.delete(worker);
    if (stopping) {
      exitOnceEmpty();
    } else if (!started && starting) {
      // A worker that cannot start (Redis not answering, a bad config) means every worker cannot:
      // stop, so the supervisor (systemd, Kubernetes) sees the failure and restarts with its back-off.
      logger.fatal({ pid: worker.process.pid, code, signal }, 'cluster: a worker could not start (its error is above); stopping the cluster');
      stop(1);
    } else if (!started) {
      // A replacement that cannot start while the others serve (Redis away for a while): try again, less and less often.
      logger.error({ pid: worker.process.pid, code, signal, retry_ms: retryMs }, 'cluster: a worker could not start; trying again');
      setTimeout(() => { if (!stopping) fork(); }, retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    } else {
      logger.error({ pid: worker.process.pid, code, signal }, 'cluster: a worker died; starting another');
      fork();
    }
  });
  // Each worker drains on the first signal and ends its calls on a second, as a single gateway does.
  const onSignal = (signal: NodeJS.Signals) => stop(0, signal);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  for (let i = 0; i < workers.data; i++) fork();
  logger.info({ workers: workers.data, port: config.port }, 'cluster: workers started');
}

primary().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
