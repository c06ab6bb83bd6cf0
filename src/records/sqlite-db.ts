import { accessSync, constants, mkdirSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../process/ts-worker.ts';
import type { Row, SqlDb, SqlValue, Statement } from './sql-db.ts';

type SqliteAsk =
  | { kind: 'query'; sql: string; params: SqlValue[] }
  | { kind: 'transaction'; statements: readonly Statement[] }
  | { kind: 'close' };
export type SqliteRequest = SqliteAsk & { id: number };
export type SqliteReply = { id: number; rows: Row[] } | { id: number; error: { message: string; code?: string } };

/**
 * SQLite errors worth a retry: the file is locked by another process, the disk is full or
 * failing, or the worker died (it is started again on the next request).
 */
const TRANSIENT = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|PROTOCOL|WORKER_GONE)/;

/**
 * The embedded database: better-sqlite3 is synchronous, so the connection lives in a worker
 * thread (sqlite-worker.ts) and each statement or transaction is one message there and back. A
 * worker that dies fails what it was asked and is started again on the next request. DATA_DIR
 * is created and checked here, at once, so a bad one stops the start instead of failing later.
 */
export function openSqlite(dataDir: string): SqlDb {
  mkdirSync(dataDir, { recursive: true });
  accessSync(dataDir, constants.R_OK | constants.W_OK);
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, { resolve: (rows: Row[]) => void; reject: (err: Error) => void }>();
  const failAll = (message: string) => {
    for (const { reject } of pending.values()) reject(Object.assign(new Error(message), { code: 'SQLITE_WORKER_GONE' }));
    pending.clear();
  };
  const start = (): Worker => {
    const w = startTsWorker(new URL('./sqlite-worker.ts', import.meta.url), { dataDir });
    w.on('message', (reply: SqliteReply) => {
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      if (pending.size === 0) w.unref();
      if ('error' in reply) waiter.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else waiter.resolve(reply.rows);
    });
    w.on('error', (err) => failAll(`records: the SQLite worker failed: ${err.message}`));
    w.on('exit', () => {
      if (worker === w) worker = undefined;
      failAll('records: the SQLite worker exited');
    });
    return w;
  };
  const ask = (request: SqliteAsk): Promise<Row[]> => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker ??= start();
    // Referenced only while it owes an answer: an idle store nobody closed keeps no process alive.
    worker.ref();
    worker.postMessage({ ...request, id });
  });
  return {
    kind: 'sqlite',
    query: (sql, params = []) => ask({ kind: 'query', sql, params }),
    transaction: async (statements) => {
      await ask({ kind: 'transaction', statements });
    },
    isTransient: (err) => {
      const code = (err as { code?: unknown } | undefined)?.code;
      return typeof code === 'string' && TRANSIENT.test(code);
    },
    close: async () => {
      const w = worker;
      if (!w) return;
      await ask({ kind: 'close' }).catch(() => {});
      worker = undefined;
      await w.terminate();
    },
  };
}
