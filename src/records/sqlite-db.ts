import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Row, SqlDb, SqlValue, Statement } from './sql-db.ts';

/** The records file inside DATA_DIR. */
export const SQLITE_FILE = 'records.sqlite';

/** SQLite errors worth a retry: the file is locked by another process, or the disk is full or failing. */
const TRANSIENT = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|PROTOCOL)/;

/**
 * The embedded database: one better-sqlite3 connection on `<dataDir>/records.sqlite`, in WAL mode
 * with synchronous=NORMAL, so a commit appends to the log without an fsync (a power cut may lose
 * the last commits, a killed process does not). better-sqlite3 is synchronous: a batch of a few
 * hundred rows takes about a millisecond of the event loop (see bench/records.ts).
 */
export function openSqlite(dataDir: string): SqlDb {
  mkdirSync(dataDir, { recursive: true });
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
    kind: 'sqlite',
    query: async (sql: string, params: SqlValue[] = []) => {
      const statement = prepare(sql);
      if (statement.reader) return statement.all(...params) as Row[];
      statement.run(...params);
      return [];
    },
    transaction: async (statements) => {
      runAll(statements);
    },
    isTransient: (err) => err instanceof Database.SqliteError && TRANSIENT.test(err.code),
    close: async () => {
      if (db.open) db.close();
    },
  };
}
