// Runs in a worker thread (sqlite-db.ts starts it): the records' SQLite connection, so that its
// writes, and the fsyncs of its checkpoints, never stall the gateway's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteConnection } from './sqlite-connection.ts';
import type { SqliteReply, SqliteRequest } from './sqlite-db.ts';

const port = parentPort!;
const connection = openSqliteConnection((workerData as { dataDir: string }).dataDir);

port.on('message', (request: SqliteRequest) => {
  let reply: SqliteReply;
  try {
    switch (request.kind) {
      case 'query':
        reply = { id: request.id, rows: connection.query(request.sql, request.params) };
        break;
      case 'transaction':
        connection.transaction(request.statements);
        reply = { id: request.id, rows: [] };
        break;
      case 'close':
        connection.close();
        port.postMessage({ id: request.id, rows: [] } satisfies SqliteReply);
        port.close();
        return;
    }
  } catch (err) {
    const { message, code } = err as { message?: string; code?: unknown };
    reply = { id: request.id, error: { message: message ?? String(err), code: typeof code === 'string' ? code : undefined } };
  }
  port.postMessage(reply);
});
