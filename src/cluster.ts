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
// restarts a worker that dies.

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
/** A worker that dies this soon after its start is not restarted: it would only die again. */
const MIN_UPTIME_MS = 5_000;

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
  const startedAt = new Map<Worker, number>();
  const fork = () => startedAt.set(cluster.fork(env), performance.now());
  cluster.on('exit', (worker, code, signal) => {
    const uptime = performance.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    if (!stopping && uptime >= MIN_UPTIME_MS) {
      logger.error({ pid: worker.process.pid, code, signal }, 'cluster: a worker died; starting another');
      fork();
    } else if (!stopping) {
      logger.error({ pid: worker.process.pid, code, signal }, 'cluster: a worker died at its start; not restarted');
    }
    if (startedAt.size === 0) {
      void (emulator?.close() ?? Promise.resolve()).finally(() => process.exit(stopping ? 0 : 1));
    }
  });
  const onSignal = (signal: NodeJS.Signals) => {
    stopping = true;
    // Each worker drains on the first signal and ends its calls on a second, as a single gateway does.
    for (const worker of startedAt.keys()) worker.process.kill(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  for (let i = 0; i < workers.data; i++) fork();
  logger.info({ workers: workers.data, port: config.port }, 'cluster: workers started');
}

primary().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
