import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { StateGraph } from '../edges/edge.ts';
import { registerAdminApi } from './admin-api.ts';
import { CallRecorder } from './recorder.ts';
import { startRetention } from './retention.ts';
import type { RecordStore } from './types.ts';
import { WriteQueue } from './write-queue.ts';

export interface RecordsOptions {
  store: RecordStore;
  /** Whether a session is this gateway's (the session channels are process-wide). */
  owns: (sessionId: string) => boolean;
  graph: (agent: string) => StateGraph | undefined;
  /** Unset: no admin API (its routes 404); records are still written. */
  adminToken?: string;
  retentionDays: number;
  log: Logger;
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
  const recorder = new CallRecorder({ push: (w) => queue.push(w), owns: opts.owns, log });
  const retention = startRetention(opts.store, opts.retentionDays, log);
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
