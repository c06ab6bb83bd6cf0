import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { StateGraph } from '../edges/edge.ts';
import type { FactHub } from '../observability/session-facts.ts';
import { registerAdminApi } from './admin-api.ts';
import { CallRecorder } from './recorder.ts';
import { startRetention } from './retention.ts';
import type { RecordStore } from './types.ts';
import { WriteQueue } from './write-queue.ts';

export interface RecordsOptions {
  store: RecordStore;
  /** The gateway's session facts, which the recorder turns into writes. */
  facts: FactHub;
  graph: (agent: string) => StateGraph | undefined;
  /** Unset: no admin API (its routes 404); records are still written. */
  adminToken?: string;
  retentionDays: number;
  log: Logger;
  /** The gateway's metrics registry: the write queue's figures join it. */
  metrics: Registry;
}

/**
 * Call records for one gateway: the recorder turns session facts into queued writes, the queue
 * writes them off the audio path, retention prunes, and the admin API and /calls page read them.
 * On close (after preClose has ended the sessions, so their ends are queued) the queue is flushed
 * and the store closed.
 */
export function installRecords(app: FastifyInstance, opts: RecordsOptions): WriteQueue {
  const log = opts.log.child({ component: 'records' });
  const queue = new WriteQueue({ store: opts.store, log });
  const recorder = new CallRecorder({ push: (w) => queue.push(w), facts: opts.facts, log });
  const retention = startRetention(opts.store, opts.retentionDays, log);
  queueMetrics(queue, opts.metrics);
  app.addHook('onClose', async () => {
    recorder.close();
    retention.stop();
    await queue.close();
    await opts.store.close();
  });
  if (opts.adminToken) {
    registerAdminApi(app, { store: opts.store, adminToken: opts.adminToken, graph: opts.graph });
    // The page holds no data: it asks for the token and calls the API with it.
    app.get('/calls', (_req, reply) => reply.type('text/html; charset=utf-8').sendFile('calls.html'));
  }
  return queue;
}

/** The queue's figures, read at each scrape: a database that is down shows as writes piling up. */
function queueMetrics(queue: WriteQueue, register: Registry): void {
  const figures = [
    ['voice_gateway_records_queued', 'Call-record writes waiting for the database.', 'queued'],
    ['voice_gateway_records_written', 'Call-record writes the database took, since start.', 'written'],
    ['voice_gateway_records_dropped', 'Call-record writes dropped because the write queue was full, since start.', 'dropped'],
  ] as const;
  for (const [name, help, field] of figures) {
    new Gauge({
      name, help, registers: [register],
      collect() {
        this.set(queue.stats[field]);
      },
    });
  }
}
