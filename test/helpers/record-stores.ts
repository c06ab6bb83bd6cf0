// Real record stores for tests, each isolated: SQLite in its own temporary directory, PostgreSQL in
// its own schema of the server test/helpers/postgres-server.ts found or started. No mocks.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openRecordStore } from '../../src/records/open-store.ts';
import type { RecordStore } from '../../src/records/types.ts';

export type StoreKind = 'sqlite' | 'postgres';
export const STORE_KINDS: StoreKind[] = ['sqlite', 'postgres'];

export interface TestStore {
  store: RecordStore;
  /** Another store on the same database (a second gateway, or the same one after a restart). */
  reopen(): RecordStore;
  /** Removes the database (closes the stores first). */
  drop(): Promise<void>;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createTestStore(kind: StoreKind): Promise<TestStore> {
  if (kind === 'sqlite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'vg-records-'));
    const stores: RecordStore[] = [];
    const open = () => {
      const store = openRecordStore({ dataDir });
      stores.push(store);
      return store;
    };
    return {
      store: open(),
      reopen: open,
      drop: async () => {
        await Promise.all(stores.map((s) => s.close()));
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const url = inject('databaseUrl');
  const schema = `vg_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE SCHEMA ${schema}`));
  const stores: RecordStore[] = [];
  const open = () => {
    const store = openRecordStore({ databaseUrl: url, dataDir: '', schema });
    stores.push(store);
    return store;
  };
  return {
    store: open(),
    reopen: open,
    drop: async () => {
      await Promise.all(stores.map((s) => s.close().catch(() => {})));
      await admin((c) => c.query(`DROP SCHEMA ${schema} CASCADE`));
    },
  };
}
