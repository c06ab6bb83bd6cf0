import pino from 'pino';
import { loadConfig } from './config.ts';
import { loggerOptions } from './observability/logger.ts';
import { buildServer } from './server.ts';
import { installShutdown } from './shutdown.ts';
import { loadAgentSet, type AgentSet } from './engine/agent-set.ts';
import { createAgentRuntime } from './session/realtime-agents.ts';
import { startBackend } from './backends/start-backend.ts';
import { stopWithParent } from './process/stop-with-parent.ts';
import type { Config } from './config.ts';
import { openRecordStore } from './records/open-store.ts';
import { VgError } from './errors.ts';
import type { RecordStore } from './records/types.ts';
import { agents, startAgent, statesDir } from '../agents/index.ts';
import { openFleet } from './fleet/open-fleet.ts';

async function main(): Promise<void> {
  stopWithParent();
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  const logger = pino(loggerOptions(config.logLevel));
  // Agents and their states are checked before anything listens: a bad file stops the start.
  const agentSet = loadAgentSet(agents, statesDir, config.agent ?? startAgent);
  const runtime = createAgentRuntime(agentSet);
  const records = await openRecords(config, logger);
  const fleet = await openFleet(config, logger);
  const backend = await startBackend(config, logger, agentSet);
  const app = await buildServer(config, { runtime, backend: backend.target, restBaseUrl: backend.restBaseUrl, logger, records, fleet });
  app.addHook('onClose', async () => backend.close());
  app.addHook('onClose', async () => fleet.close());
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    console.error(`${config.host}:${config.port} is already in use (another gateway running?). Set PORT to use another port, e.g. PORT=3001 npm start`);
    process.exit(1);
  }

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  logger.info({ backend: backend.kind, api: config.voiceApi, agent: runtime.startAgent }, 'gateway ready');
  console.log(`\nvoice-gateway is running: open http://${host}:${port}/  (backend: ${backend.kind}, ${config.voiceApi === 'live' ? 'GPT-Live' : 'Realtime'})\n`);

  installShutdown({ app, drainTimeoutMs: config.drainTimeoutS * 1000, log: logger, exit: (code) => process.exit(code) });
}

/**
 * The records store, migrated at start. A database that does not answer yet is logged and the
 * gateway starts anyway: the write queue migrates and writes once it answers.
 */
async function openRecords(config: Config, logger: pino.Logger): Promise<RecordStore | undefined> {
  if (!config.records) return undefined;
  let store: RecordStore;
  try {
    store = openRecordStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (err) {
    // The embedded file cannot be created or opened (a read-only or missing DATA_DIR): say which.
    throw new VgError('VG_ERR_CONFIG', `DATA_DIR=${config.dataDir}: the call records file cannot be opened (${(err as Error).message}); set RECORDS=off to run without records`);
  }
  try {
    await store.migrate();
    logger.info({ store: store.kind }, 'call records ready');
  } catch (err) {
    logger.error({ err, store: store.kind }, 'call records: the database is unavailable; calls go on and records are queued until it answers');
  }
  return store;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
