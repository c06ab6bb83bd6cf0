import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Row, SqlValue, Statement } from './sql-db.ts';

/** The records file inside DATA_DIR. */
export const SQLITE_FILE = 'records.sqlite';

/** The synchronous connection the SQLite worker drives (sqlite-worker.ts). */
export interface SqliteConnection {
  query(sql: string, params: SqlValue[]): Row[];
  transaction(statements: readonly Statement[]): void;
  close(): void;
}

/**
 * One better-sqlite3 connection on `<dataDir>/records.sqlite`, in WAL mode with
 * synchronous=NORMAL: a commit appends to the log without an fsync (a power cut may lose the
 * last commits, a killed process does not); checkpoints do fsync, which is why this runs in a
 * worker thread and not on the event loop that carries the audio.
 */
export function openSqliteConnection(dataDir: string): SqliteConnection {
  const db = new Database(join(dataDir, SQLITE_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Another process holding the write lock (a second gateway on the same file) is waited for briefly.
  db.pragma('busy_timeout = 200');
  const prepared = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let statement = prepared.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      // Multi-row inserts vary in length; keep only a bounded number of them.
      if (prepared.size > 256) prepared.clear();
      prepared.set(sql, statement);
    }
    return statement;
  };
  const runAll = db.transaction((statements: readonly Statement[]) => {
    for (const s of statements) prepare(s.sql).run(...s.params);
  });
  return {
    query: (sql, params) => {
      const statement = prepare(sql);
      if (statement.reader) return statement.all(...params) as Row[];
      statement.run(...params);
      return [];
    },
    transaction: (statements) => runAll(statements),
    close: () => {
      if (db.open) db.close();
    },
  };
}
