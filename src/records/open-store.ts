import { openPostgres } from './postgres-db.ts';
import { SqlRecordStore } from './sql-store.ts';
import { openSqlite } from './sqlite-db.ts';
import type { RecordStore } from './types.ts';

export interface StoreOptions {
  /** A postgres:// URL: PostgreSQL. Unset: the embedded SQLite file in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** PostgreSQL only: a schema other than `public`. */
  schema?: string;
}

/** The records store the configuration names. Migrations are the caller's to run (`migrate()`). */
export function openRecordStore(opts: StoreOptions): RecordStore {
  const db = opts.databaseUrl ? openPostgres({ url: opts.databaseUrl, schema: opts.schema }) : openSqlite(opts.dataDir);
  return new SqlRecordStore(db);
}
